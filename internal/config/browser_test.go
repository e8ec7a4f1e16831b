package config_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/config"
)

func TestBrowserSettings(t *testing.T) {
	c, err := config.FromMap(map[string]string{"GOJOSER_AUTH_COOKIE": "sid"})
	if err != nil {
		t.Fatal(err)
	}
	if c.RefreshCookie() != "sid_refresh" || !c.AuthCookieSecure || c.AuthCookieSameSite != "Lax" || c.SocialEnabled() ||
		c.SocialAuthStateLifetime.String() != "10m0s" || c.SocialAuthOIDCName != "oidc" {
		t.Fatalf("defaults: %+v", c.Browser)
	}
	if u := config.Unknown(map[string]string{"GOJOSER_AUTH_COOKIE": "sid", "GOJOSER_SOCIAL_AUTH_GITHUB_KEY": "k"}); len(u) != 0 {
		t.Fatalf("settings of the embedded struct are unknown: %v", u)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GOJOSER_AUTH_COOKIE": "bad name"}, "GOJOSER_AUTH_COOKIE must be a cookie name"},
		{map[string]string{"GOJOSER_AUTH_COOKIE": "a", "GOJOSER_AUTH_REFRESH_COOKIE": "a"}, "must differ"},
		{map[string]string{"GOJOSER_AUTH_COOKIE": "a", "GOJOSER_CORS_ALLOWED_ORIGINS": "*"}, `"*" cannot be combined with GOJOSER_AUTH_COOKIE`},
		{map[string]string{"GOJOSER_AUTH_COOKIE_SAMESITE": "lax"}, "GOJOSER_AUTH_COOKIE_SAMESITE must be Lax, Strict or None"},
		{map[string]string{"GOJOSER_AUTH_COOKIE_SAMESITE": "None", "GOJOSER_AUTH_COOKIE_SECURE": "false"}, "needs GOJOSER_AUTH_COOKIE_SECURE=true"},
		{map[string]string{"GOJOSER_SOCIAL_AUTH_GITHUB_KEY": "k", "GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS": "https://a.example/"}, "must be set together"},
		{map[string]string{"GOJOSER_SOCIAL_AUTH_OIDC_ISSUER": "https://id.example", "GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS": "https://a.example/"}, "GOJOSER_SOCIAL_AUTH_OIDC_KEY"},
		{map[string]string{"GOJOSER_SOCIAL_AUTH_OIDC_ISSUER": "https://id.example", "GOJOSER_SOCIAL_AUTH_OIDC_KEY": "k"}, "GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS must list"},
		{map[string]string{"GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS": "https://a.example/#/cb"}, "without a fragment"},
		{map[string]string{"GOJOSER_SOCIAL_AUTH_OIDC_ISSUER": "https://id.example", "GOJOSER_SOCIAL_AUTH_OIDC_KEY": "k",
			"GOJOSER_SOCIAL_AUTH_OIDC_NAME": "github", "GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS": "https://a.example/"}, "not a preset's name"},
	} {
		_, err := config.FromMap(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.env, err, tc.want)
		}
	}
}
