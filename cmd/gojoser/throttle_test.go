package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestThrottleCommand: an operator sees why an account or an address is refused, and lifts it.
// blockedFiveMinutes is the lockout of login_account=2/5m as the CLI shows it. The CLI reads the real
// clock while the server's stood still, so on a loaded machine a few seconds may have gone by.
var blockedFiveMinutes = regexp.MustCompile(`blocked for (5m0s|4m5\ds)`)

func TestThrottleCommand(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		url := db.NewURL(t)
		settings := map[string]string{
			"THROTTLE": "true", "TRUSTED_PROXIES": "127.0.0.1", "THROTTLE_RATES": "login_account=2/5m",
			"SECRET_KEY": "cli-test-secret-key-cli-test-secret-key",
		}
		// The server's clock is the real time, moved on by hand below.
		clock := apitest.NewStillClock(time.Now())
		srv := apitest.StartOn(t, url, settings, app.Options{Now: clock.Now})
		srv.Register(t, "alice", "alice@example.com", "s3cure-Passw0rd!")
		login := func(password string) int {
			res, _ := srv.Do(t, http.MethodPost, "/auth/token/login/", "application/json",
				`{"username":"alice","password":"`+password+`"}`, map[string]string{"X-Forwarded-For": "198.51.100.7"})
			return res.StatusCode
		}
		for range 2 {
			login("guess")
		}
		if got := login("s3cure-Passw0rd!"); got != 429 {
			t.Fatalf("not locked out: %d", got)
		}

		env := apitest.Environ(url, settings)
		run := func(args ...string) string {
			t.Helper()
			var out, errOut bytes.Buffer
			if code := run(context.Background(), args, env, strings.NewReader(""), &out, &errOut); code != 0 {
				t.Fatalf("gojoser %v: exit %d\n%s", args, code, errOut.String())
			}
			return out.String()
		}
		status := run("throttle", "status", "alice")
		if !strings.Contains(status, "login_account ") || !blockedFiveMinutes.MatchString(status) ||
			!strings.Contains(status, "login_account_all") {
			t.Fatalf("status alice:\n%s", status)
		}
		byIP := run("throttle", "status", "198.51.100.7")
		for _, want := range []string{"login_request_ip", "login_ip ", "login_account "} {
			if !strings.Contains(byIP, want) {
				t.Fatalf("status by IP lacks %q:\n%s", want, byIP)
			}
		}
		if !blockedFiveMinutes.MatchString(byIP) {
			t.Fatalf("status by IP shows no lockout:\n%s", byIP)
		}
		if got := run("throttle", "clear", "alice"); got != "cleared 2 counter(s)\n" {
			t.Fatalf("clear: %q", got)
		}
		// The server remembers a full counter for a second before it asks the database again.
		if got := login("s3cure-Passw0rd!"); got != 429 {
			t.Fatalf("within the second: %d", got)
		}
		clock.Add(time.Second)
		if got := login("s3cure-Passw0rd!"); got != 200 {
			t.Fatalf("after clear: %d", got)
		}
		if got := run("throttle", "status", "2001:db8::/64"); got != "no counters: every limit is untouched\n" {
			t.Fatalf("status of an unseen /64: %q", got)
		}
	})
}
