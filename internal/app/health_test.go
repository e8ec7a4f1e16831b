package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// waitReady waits for /readyz to answer 200: the background workers start with the server.
func waitReady(t testing.TB, s *apitest.Server) {
	t.Helper()
	eventually(t, "GET /readyz never answered 200", func() error {
		res, body := s.Do(t, "GET", "/readyz", "", "", nil)
		if res.StatusCode != http.StatusOK {
			return &statusError{res.StatusCode, string(body)}
		}
		return nil
	})
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return http.StatusText(e.status) + ": " + e.body }

func TestProbes(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		var logs bytes.Buffer
		s, flush := apitest.StartLogged(t, db, nil, &logs)
		waitReady(t, s)
		const ready = `{"status":"ok","checks":{"database":"ok","migrations":"ok","workers":"ok"}}`
		cases := []struct {
			name, method, path string
			headers            map[string]string
			status             int
			body               string
			allow              string
		}{
			{"liveness", "GET", "/healthz", nil, 200, `{"status":"ok"}`, ""},
			{"liveness, HEAD", "HEAD", "/healthz", nil, 200, "", ""},
			{"readiness", "GET", "/readyz", nil, 200, ready, ""},
			{"readiness, HEAD", "HEAD", "/readyz", nil, 200, "", ""},
			{"readiness takes no POST", "POST", "/readyz", nil, 405, `{"detail":"Method \"POST\" not allowed."}`, "GET, HEAD"},
			{"a bad token is not looked at", "GET", "/readyz", map[string]string{"Authorization": "Token nonsense"}, 200, ready, ""},
			{"nor a browser's Accept", "GET", "/healthz", map[string]string{"Accept": "text/html"}, 200, `{"status":"ok"}`, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, body := s.Do(t, c.method, c.path, "", "", c.headers)
				if res.StatusCode != c.status || strings.TrimSpace(string(body)) != c.body {
					t.Errorf("%s %s = %d %s, want %d %s", c.method, c.path, res.StatusCode, body, c.status, c.body)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if got := res.Header.Get("Allow"); got != c.allow {
					t.Errorf("Allow = %q, want %q", got, c.allow)
				}
			})
		}
		// A request of the API is access-logged; the probes are not.
		s.Do(t, "GET", "/auth/users/me/", "", "", nil)
		flush()
		if !strings.Contains(logs.String(), "path=/auth/users/me/") {
			t.Fatalf("API request not in the access log:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), "path=/healthz") || strings.Contains(logs.String(), "path=/readyz") {
			t.Errorf("a probe was access-logged:\n%s", logs.String())
		}
	})
}

// TestReadinessFollowsTheDatabase stops the database under a running server: /readyz answers 503 and
// names the database, /healthz stays 200, and both recover without a restart.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	cluster := apitest.NewCluster(t)
	s := apitest.StartOn(t, cluster.URL, nil, app.Options{})
	waitReady(t, s)

	cluster.Stop()
	eventually(t, "GET /readyz during the outage", func() error {
		res, body := s.Do(t, "GET", "/readyz", "", "", nil)
		want := `{"status":"unavailable","checks":{"database":"failing","migrations":"ok","workers":"ok"}}`
		if res.StatusCode != http.StatusServiceUnavailable || strings.TrimSpace(string(body)) != want {
			return &statusError{res.StatusCode, string(body)}
		}
		return nil
	})
	if res, body := s.Do(t, "GET", "/healthz", "", "", nil); res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz during the outage = %d %s, want 200", res.StatusCode, body)
	}

	cluster.Start()
	waitReady(t, s)
}
