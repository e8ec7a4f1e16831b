package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/webhook"
)

// TestMetricsMove scrapes /metrics on GOJOSER_METRICS_ADDR before and after some traffic and checks
// that each figure moved by what the traffic did.
func TestMetricsMove(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"METRICS_ADDR": "127.0.0.1:0", "HASH_CONCURRENCY": "2"})
		s.Register(t, "alice", "alice@example.com", pw)
		before := scrapeMetrics(t, s)

		key := s.Login(t, "alice", pw)
		for range 3 {
			if res, body := s.Do(t, "GET", "/auth/users/me/", "", "", auth(key)); res.StatusCode != http.StatusOK {
				t.Fatalf("me: %d %s", res.StatusCode, body)
			}
		}
		if res, _ := s.Do(t, "POST", "/auth/token/login/", "application/json", jsonBody(map[string]string{"username": "alice", "password": "wrong"}), nil); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad login: %d", res.StatusCode)
		}
		if res, _ := s.Do(t, "POST", "/auth/jwt/create/", "application/json", jsonBody(map[string]string{"username": "alice", "password": pw}), nil); res.StatusCode != http.StatusOK {
			t.Fatalf("jwt create: %d", res.StatusCode)
		}
		if res, _ := s.Do(t, "GET", "/auth/nothing-here/", "", "", nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown path: %d", res.StatusCode)
		}
		if res, _ := s.Do(t, "POST", "/auth/users/reset_password/", "application/json", jsonBody(map[string]string{"email": "alice@example.com"}), nil); res.StatusCode != http.StatusNoContent {
			t.Fatalf("reset_password: %d", res.StatusCode)
		}
		// The mail goes out in the background; one scrape reads the counter and the outbox's state at
		// slightly different moments.
		var after scrape
		eventually(t, "the reset mail's delivery in the metrics", func() error {
			after = scrapeMetrics(t, s)
			for _, sample := range []string{`gojoser_outbox_attempts_total{outcome="sent"}`, `gojoser_outbox_messages{status="sent"}`} {
				if d := after[sample] - before[sample]; d != 1 {
					return fmt.Errorf("%s moved by %v", sample, d)
				}
			}
			return nil
		})

		moved := []struct {
			sample string
			by     float64
		}{
			{`gojoser_http_request_duration_seconds_count{operation="GetMe",status="2xx"}`, 3},
			{`gojoser_http_request_duration_seconds_count{operation="TokenLogin",status="2xx"}`, 1},
			{`gojoser_http_request_duration_seconds_count{operation="TokenLogin",status="4xx"}`, 1},
			{`gojoser_http_request_duration_seconds_count{operation="JwtCreate",status="2xx"}`, 1},
			{`gojoser_http_request_duration_seconds_count{operation="ResetPassword",status="2xx"}`, 1},
			{`gojoser_http_request_duration_seconds_count{operation="none",status="4xx"}`, 1},
			{`gojoser_logins_total{method="token",result="succeeded"}`, 1},
			{`gojoser_logins_total{method="token",result="failed"}`, 1},
			{`gojoser_logins_total{method="jwt",result="succeeded"}`, 1},
			{`gojoser_logins_total{method="jwt",result="failed"}`, 0},
			// Three logins, each one hash, each after waiting for a slot.
			{`gojoser_password_slot_wait_seconds_count`, 3},
			// The first me looks the token up and caches it; the next two are answered from memory.
			{`gojoser_auth_cache_misses_total`, 1},
			{`gojoser_auth_cache_hits_total`, 2},
			{`gojoser_auth_cache_entries`, 1},
			{`gojoser_outbox_messages{status="sent"}`, 1},
		}
		for _, m := range moved {
			if _, ok := after[m.sample]; !ok {
				t.Errorf("%s: not exposed", m.sample)
				continue
			}
			if d := after[m.sample] - before[m.sample]; d != m.by {
				t.Errorf("%s moved by %v, want %v", m.sample, d, m.by)
			}
		}
		present := map[string]float64{
			`gojoser_password_slots`:                                                         2,
			`gojoser_password_slots_in_use`:                                                  0,
			`gojoser_outbox_messages{status="pending"}`:                                      0,
			`gojoser_outbox_oldest_pending_age_seconds`:                                      0,
			`go_sql_max_open_connections{db_name="gojoser"}`:                                 -1, // any value
			`gojoser_http_request_duration_seconds_count{operation="DeleteMe",status="5xx"}`: 0,
		}
		for sample, want := range present {
			got, ok := after[sample]
			if !ok {
				t.Errorf("%s: not exposed", sample)
			} else if want >= 0 && got != want {
				t.Errorf("%s = %v, want %v", sample, got, want)
			}
		}
		// The metrics have a listener of their own: the API's does not serve them.
		if res, _ := s.Do(t, "GET", "/metrics", "", "", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /metrics on the API's listener = %d, want 404", res.StatusCode)
		}
	})
}

func TestMetricsOffByDefault(t *testing.T) {
	s := apitest.Start(t, apitest.DBs(t)[0], nil)
	if s.App.Metrics != nil || s.App.MetricsAddr() != nil {
		t.Fatal("metrics are on without GOJOSER_METRICS_ADDR")
	}
}

// TestThrottledAnswersAreCounted: every refusal counts once per spent limit, named by the limit.
func TestThrottledAnswersAreCounted(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"METRICS_ADDR": "127.0.0.1:0", "THROTTLE": "true", "THROTTLE_RATES": "signup_ip=2/h"})
		before := scrapeMetrics(t, s)
		for i := range 4 {
			s.Do(t, "POST", "/auth/users/", "application/json", jsonBody(map[string]string{"username": fmt.Sprint("u", i), "password": pw}), nil)
		}
		after := scrapeMetrics(t, s)
		sample := `gojoser_throttled_total{scope="signup_ip"}`
		if d := after[sample] - before[sample]; d != 2 {
			t.Errorf("%s moved by %v, want 2 (4 registrations, 2 allowed)", sample, d)
		}
	})
}

// TestWebhookMetricsMove: a webhook delivery that fails once and then goes out shows as one retry and
// one sent attempt, and in the deliveries by state.
func TestWebhookMetricsMove(t *testing.T) {
	var calls atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	t.Cleanup(receiver.Close)
	s := apitest.Start(t, apitest.DBs(t)[0], map[string]string{"METRICS_ADDR": "127.0.0.1:0", "WEBHOOK_URLS": receiver.URL,
		"WEBHOOK_SECRET": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "WEBHOOK_BACKOFF": "10ms"})
	if err := s.App.Webhooks.Enqueue(context.Background(), s.App.DB, webhook.Event{Type: "user.registered"}); err != nil {
		t.Fatal(err)
	}
	s.App.Webhooks.Notify()
	eventually(t, "the delivery in the metrics", func() error {
		m := scrapeMetrics(t, s)
		for sample, want := range map[string]float64{
			`gojoser_webhook_attempts_total{outcome="retry"}`: 1, `gojoser_webhook_attempts_total{outcome="sent"}`: 1,
			`gojoser_webhook_attempts_total{outcome="failed"}`: 0, `gojoser_webhook_deliveries{status="sent"}`: 1,
			`gojoser_webhook_deliveries{status="pending"}`: 0, `gojoser_webhook_oldest_pending_age_seconds`: 0,
			// Mail counts only mail.
			`gojoser_outbox_messages{status="sent"}`: 0,
		} {
			if got, ok := m[sample]; !ok || got != want {
				return fmt.Errorf("%s = %v (exposed: %v), want %v", sample, got, ok, want)
			}
		}
		return nil
	})
}
