package config_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/config"
)

// A good Standard Webhooks secret: whsec_ and 32 bytes in base64.
const goodSecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestWebhookSettings(t *testing.T) {
	c, err := config.FromMap(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.WebhookURLs) != 0 || c.WebhookTimeout.String() != "10s" || c.WebhookMaxAttempts != 12 ||
		c.WebhookBackoff.String() != "30s" || c.WebhookBackoffMax.String() != "1h0m0s" {
		t.Fatalf("defaults: %+v", c.Webhook)
	}
	ok := map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/hook, http://b.example:8080/in?token=x",
		"GOJOSER_WEBHOOK_SECRET": goodSecret, "GOJOSER_WEBHOOK_EVENTS": "user.*,login.failed"}
	if _, err := config.FromMap(ok); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	if u := config.Unknown(ok); len(u) != 0 {
		t.Fatalf("settings of the embedded struct are unknown: %v", u)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/"}, "GOJOSER_WEBHOOK_SECRET must be set when GOJOSER_WEBHOOK_URLS is"},
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/", "GOJOSER_WEBHOOK_SECRET": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}, "must have the form whsec_<base64>"},
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/", "GOJOSER_WEBHOOK_SECRET": "whsec_not base64!"}, "not standard base64"},
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/", "GOJOSER_WEBHOOK_SECRET": "whsec_c2hvcnQ="}, "24 to 64 bytes, got 5"},
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "ftp://a.example/x?token=s3cret", "GOJOSER_WEBHOOK_SECRET": goodSecret}, "URL 1 must be an http or https URL"},
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/,/relative", "GOJOSER_WEBHOOK_SECRET": goodSecret}, "URL 2 must be an http or https URL with a host"},
		{map[string]string{"GOJOSER_WEBHOOK_URLS": "https://a.example/,https://a.example/", "GOJOSER_WEBHOOK_SECRET": goodSecret}, "URL 2 is listed twice"},
		{map[string]string{"GOJOSER_WEBHOOK_EVENTS": "user*"}, "a wildcard may only end a prefix"},
		{map[string]string{"GOJOSER_WEBHOOK_TIMEOUT": "2m"}, "GOJOSER_WEBHOOK_TIMEOUT must be positive and at most 1m0s"},
		{map[string]string{"GOJOSER_WEBHOOK_MAX_ATTEMPTS": "0"}, "GOJOSER_WEBHOOK_MAX_ATTEMPTS must be at least 1"},
		{map[string]string{"GOJOSER_WEBHOOK_BACKOFF": "2h"}, "GOJOSER_WEBHOOK_BACKOFF must be positive and at most GOJOSER_WEBHOOK_BACKOFF_MAX"},
	} {
		_, err := config.FromMap(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error containing %q", tc.env, err, tc.want)
		}
		// Neither a URL (it may hold a token) nor the secret appears in an error.
		if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "MDEy")) {
			t.Errorf("%v: the error repeats a secret: %v", tc.env, err)
		}
	}
}
