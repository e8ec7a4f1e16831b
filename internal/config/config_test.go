package config_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/config"
)

func TestDefaultsNeedNoSetup(t *testing.T) {
	c, err := config.FromMap(map[string]string{})
	if err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	if c.Addr != "127.0.0.1:8000" || c.DatabaseURL != "sqlite:gojoser.db" || !c.HideUsers || c.SendActivationEmail ||
		c.ActivationURL != "#/activate/{uid}/{token}" || c.JWTAccessTokenLifetime.String() != "5m0s" ||
		c.MetricsAddr != "" || c.MailRetention.String() != "168h0m0s" || c.CleanupInterval.String() != "1h0m0s" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestInvalidSettingsAreRefusedAtStartup(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GOJOSER_DATABASE_URL": "mysql://x"}, "GOJOSER_DATABASE_URL"},
		{map[string]string{"GOJOSER_ENV": "production"}, "GOJOSER_SECRET_KEY must be set"},
		{map[string]string{"GOJOSER_ENV": "production", "GOJOSER_SECRET_KEY": strings.Repeat("k", 40), "GOJOSER_JWT_SIGNING_KEY": "short"}, "GOJOSER_JWT_SIGNING_KEY must be at least 32"},
		{map[string]string{"GOJOSER_ENV": "staging"}, "GOJOSER_ENV"},
		{map[string]string{"GOJOSER_ACTIVATION_URL": "#/activate"}, "GOJOSER_ACTIVATION_URL"},
		{map[string]string{"GOJOSER_PASSWORD_RESET_CONFIRM_URL": "https://evil.example/{uid}/{token}"}, "GOJOSER_PASSWORD_RESET_CONFIRM_URL"},
		{map[string]string{"GOJOSER_USERNAME_RESET_CONFIRM_URL": "#/reset/{uid}"}, "GOJOSER_USERNAME_RESET_CONFIRM_URL"},
		{map[string]string{"GOJOSER_EMAIL_BACKEND": "carrier-pigeon"}, "GOJOSER_EMAIL_BACKEND"},
		{map[string]string{"GOJOSER_EMAIL_BACKEND": "smtp", "GOJOSER_EMAIL_SECURITY": "maybe"}, "GOJOSER_EMAIL_SECURITY"},
		{map[string]string{"GOJOSER_EMAIL_FRONTEND_PROTOCOL": "ftp"}, "GOJOSER_EMAIL_FRONTEND_PROTOCOL"},
		{map[string]string{"GOJOSER_DEFAULT_FROM_EMAIL": "not an address"}, "GOJOSER_DEFAULT_FROM_EMAIL"},
		{map[string]string{"GOJOSER_PASSWORD_RESET_LINK_LIFETIME": "0s"}, "GOJOSER_PASSWORD_RESET_LINK_LIFETIME"},
		{map[string]string{"GOJOSER_SECRET_KEY": "short"}, "GOJOSER_SECRET_KEY must be at least 32"},
		{map[string]string{"GOJOSER_JWT_ALGORITHM": "RS256"}, "GOJOSER_JWT_ALGORITHM"},
		{map[string]string{"GOJOSER_JWT_ALGORITHM": "EdDSA"}, "GOJOSER_JWT_PRIVATE_KEY_FILE"},
		{map[string]string{"GOJOSER_TOKEN_TTL": "-1h"}, "GOJOSER_TOKEN_TTL"},
		{map[string]string{"GOJOSER_ARGON2_MEMORY_KIB": "10"}, "GOJOSER_ARGON2_MEMORY_KIB"},
		{map[string]string{"GOJOSER_HIDE_USERS": "perhaps"}, "GOJOSER_HIDE_USERS: cannot parse as bool"},
		{map[string]string{"GOJOSER_STATIC_DIR": "/nonexistent/dir"}, "GOJOSER_STATIC_DIR"},
		{map[string]string{"GOJOSER_MAIL_RETENTION": "0s"}, "GOJOSER_MAIL_RETENTION must be positive"},
		{map[string]string{"GOJOSER_MAIL_RETENTION": "7d"}, "GOJOSER_MAIL_RETENTION: cannot parse as a duration"},
		{map[string]string{"GOJOSER_CLEANUP_INTERVAL": "-1m"}, "GOJOSER_CLEANUP_INTERVAL"},
		{map[string]string{"GOJOSER_METRICS_ADDR": "127.0.0.1:8000"}, "GOJOSER_METRICS_ADDR must differ from GOJOSER_ADDR"},
		{map[string]string{"GOJOSER_THROTTLE_RATES": "login_ip=10/fortnight"}, "GOJOSER_THROTTLE_RATES: login_ip"},
		{map[string]string{"GOJOSER_THROTTLE_RATES": "logins=10/m"}, "GOJOSER_THROTTLE_RATES"},
		{map[string]string{"GOJOSER_THROTTLE": "sometimes"}, "GOJOSER_THROTTLE: cannot parse as bool"},
		{map[string]string{"GOJOSER_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, "GOJOSER_TRUSTED_PROXIES"},
		{map[string]string{"GOJOSER_TRUSTED_PROXY_HEADER": "X-Real-IP"}, "GOJOSER_TRUSTED_PROXY_HEADER"},
	}
	for _, c := range cases {
		_, err := config.FromMap(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want one naming %s", c.env, err, c.want)
		}
	}
}

func TestDatabaseURLIsRedacted(t *testing.T) {
	c, err := config.FromMap(map[string]string{"GOJOSER_DATABASE_URL": "postgres://u:hunter2@db:5432/x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RedactedDatabaseURL(); strings.Contains(got, "hunter2") {
		t.Fatalf("RedactedDatabaseURL = %q", got)
	}
}

// A value that does not parse is named with the variable and the value, and a duration says how to
// write one (Go's durations have no unit for days).
func TestUnparsableValuesAreShown(t *testing.T) {
	for value, want := range map[string]string{
		"5":  `GOJOSER_TOKEN_TTL: cannot parse as a duration: got "5"; write a number with a unit, such as 30s, 15m or 24h`,
		"1d": `GOJOSER_TOKEN_TTL: cannot parse as a duration: got "1d"`,
	} {
		_, err := config.FromMap(map[string]string{"GOJOSER_TOKEN_TTL": value})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "%!") {
			t.Errorf("GOJOSER_TOKEN_TTL=%s: err = %v, want one containing %s", value, err, want)
		}
	}
	_, err := config.FromMap(map[string]string{"GOJOSER_EMAIL_PORT": "twenty-five"})
	if err == nil || !strings.Contains(err.Error(), `GOJOSER_EMAIL_PORT: cannot parse as int: got "twenty-five"`) {
		t.Errorf("err = %v", err)
	}
}

// Unknown GOJOSER_* variables are most likely typos: they are listed, with the setting they resemble.
func TestUnknownVariablesAreNamed(t *testing.T) {
	got := config.Unknown(map[string]string{"PATH": "/bin", "GOJOSER_TOKEN_TTL": "1h", "GOJOSER_TOKEN_TLL": "1h", "GOJOSER_FROBNICATE": "1",
		"GOJOSER_SUPERUSER_PASSWORD": "x", "GOJOSER_TEST_POSTGRES_URL": "x"})
	want := []string{"GOJOSER_FROBNICATE", "GOJOSER_TOKEN_TLL (did you mean GOJOSER_TOKEN_TTL?)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Unknown = %q, want %q", got, want)
	}
}
