package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/users"
	"github.com/gojoser/gojoser/internal/validation"
)

// Abuse protection over HTTP, on SQLite and PostgreSQL, with throttling on (the other suites run with
// it off). The server's clock stands still unless a test moves it, so every wait is exact.

type throttleEnv struct {
	*apitest.Server
	clock *apitest.StillClock
	mb    *apitest.Mailbox
}

// rates sets every limit high but those given, so a test sees the one it is about.
func rates(tight string) string {
	all := "login_request_ip=1000/m,login_ip=1000/m,login_account=1000/m,login_account_all=1000/m,signup_ip=1000/m," +
		"reset_ip=1000/m,reset_address=1000/m,confirm_ip=1000/m,confirm_account=1000/m,jwt_ip=1000/m,mail_address=1000/h"
	if tight == "" {
		return all
	}
	return all + "," + tight
}

// startThrottled runs a server with throttling on, mail to a Mailbox, and 127.0.0.1 (the tests' own
// connections) trusted as a proxy, so X-Forwarded-For plays the client's address.
func startThrottled(t *testing.T, url string, clock *apitest.StillClock, settings map[string]string) *throttleEnv {
	t.Helper()
	mb := apitest.NewMailbox(t)
	env := map[string]string{"THROTTLE": "true", "TRUSTED_PROXIES": "127.0.0.1"}
	for k, v := range mb.Settings() {
		env[k] = v
	}
	for k, v := range settings {
		env[k] = v
	}
	return &throttleEnv{Server: apitest.StartOn(t, url, env, app.Options{Now: clock.Now}), clock: clock, mb: mb}
}

func newStillClock() *apitest.StillClock {
	return apitest.NewStillClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
}

// answer is what a client sees of a response.
type answer struct {
	status     int
	body       string
	retryAfter string
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s (Retry-After %q)", a.status, a.body, a.retryAfter)
}

// from posts body to path as the client at ip.
func (e *throttleEnv) from(t *testing.T, ip, path, body string) answer {
	t.Helper()
	h := map[string]string{}
	if ip != "" {
		h["X-Forwarded-For"] = ip
	}
	res, b := e.Do(t, http.MethodPost, path, "application/json", body, h)
	return answer{res.StatusCode, string(b), res.Header.Get("Retry-After")}
}

func throttledFor(seconds int) answer {
	unit := "seconds"
	if seconds == 1 {
		unit = "second"
	}
	return answer{429, fmt.Sprintf(`{"detail":"Request was throttled. Expected available in %d %s."}`, seconds, unit), fmt.Sprint(seconds)}
}

func loginBody(username, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
}

const invalidCredentials = `{"non_field_errors":["Unable to log in with provided credentials."]}`

func TestThrottledAnswer(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{"THROTTLE_RATES": rates("reset_ip=2/m")})
		reset := func(body string) answer { return e.from(t, "192.0.2.1", "/auth/users/reset_password/", body) }
		for range 2 {
			if got := reset(`{"email":"someone@example.com"}`); got.status != 204 {
				t.Fatalf("within the limit: %s", got)
			}
		}
		// DRF's body and Retry-After, counting down with the clock, in the singular at 1.
		for _, step := range []struct {
			want    answer
			advance time.Duration
		}{
			{throttledFor(60), 12 * time.Second},
			{throttledFor(48), 46*time.Second + 500*time.Millisecond},
			{throttledFor(2), time.Second},
			{throttledFor(1), 500 * time.Millisecond},
		} {
			if got := reset(`{"email":"someone@example.com"}`); got != step.want {
				t.Fatalf("got %s\nwant %s", got, step.want)
			}
			e.clock.Add(step.advance)
		}
		// Throttling comes before the body is read: neither a bad field nor a body that does not parse
		// gets past it.
		e.clock.Add(-time.Second)
		for _, body := range []string{`{"email":"not an address"}`, `{"email":`, `{}`} {
			if got := reset(body); got != throttledFor(1) {
				t.Fatalf("%s: got %s", body, got)
			}
		}
		e.clock.Add(time.Second)
		if got := reset(`{"email":"someone@example.com"}`); got.status != 204 {
			t.Fatalf("after the wait: %s", got)
		}
		if got := reset(`{"email":"not an address"}`); got != throttledFor(60) {
			t.Fatalf("got %s", got)
		}
	})
}

// TestLoginBodyThatDoesNotParse: a login whose body cannot be read is counted and throttled like any
// other attempt from its address, before its 400.
func TestLoginBodyThatDoesNotParse(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{"THROTTLE_RATES": rates("login_ip=2/m")})
		for _, path := range []string{"/auth/token/login/", "/auth/jwt/create/"} {
			if got := e.from(t, "198.51.100.1", path, `{"username":`); got.status != 400 {
				t.Fatalf("%s: %s", path, got)
			}
		}
		for _, body := range []string{`{"username":`, loginBody("alice", "guess")} {
			if got := e.from(t, "198.51.100.1", "/auth/token/login/", body); got != throttledFor(60) {
				t.Fatalf("%s: %s", body, got)
			}
		}
	})
}

// TestEachLimitAtItsBoundary: every limit lets its N requests through and answers the next with 429,
// counting what it says it counts and nothing else.
func TestEachLimitAtItsBoundary(t *testing.T) {
	type req struct{ ip, path, body string }
	login := func(ip, user, password string) req { return req{ip, "/auth/token/login/", loginBody(user, password)} }
	for _, c := range []struct {
		limit string
		rate  string
		// three requests: the first two pass (with the statuses in pass), the third is throttled.
		reqs [3]req
		pass [2]int
		// then is a request the limit does not count, which passes.
		then     req
		thenCode int
	}{
		{"login_request_ip", "2/m", [3]req{login("198.51.100.1", "alice", pw), {"198.51.100.1", "/auth/jwt/create/", loginBody("alice", pw)}, login("198.51.100.1", "alice", pw)},
			[2]int{200, 200}, login("198.51.100.2", "alice", pw), 200},
		{"login_ip", "2/m", [3]req{login("198.51.100.1", "alice", "wrong"), login("198.51.100.1", "nobody", "wrong"), login("198.51.100.1", "carol", "wrong")},
			[2]int{400, 400}, login("198.51.100.2", "alice", "wrong"), 400},
		{"login_account", "2/m", [3]req{login("198.51.100.1", "alice", "wrong"), {"198.51.100.1", "/auth/jwt/create/", loginBody("alice", "wrong")}, login("198.51.100.1", "alice", pw)},
			[2]int{400, 401}, login("198.51.100.2", "alice", pw), 200},
		{"login_account_all", "2/h", [3]req{login("198.51.100.1", "alice", "wrong"), login("198.51.100.2", "alice", "wrong"), login("198.51.100.3", "alice", pw)},
			[2]int{400, 400}, login("198.51.100.3", "bob", pw), 200},
		{"signup_ip", "2/m", [3]req{
			{"198.51.100.1", "/auth/users/", `{"username":"u1","password":"` + pw + `"}`},
			{"198.51.100.1", "/auth/users/", `{"username":"u2","password":"` + pw + `"}`},
			{"198.51.100.1", "/auth/users/", `{"username":"u3","password":"` + pw + `"}`}},
			[2]int{201, 201}, req{"198.51.100.2", "/auth/users/", `{"username":"u4","password":"` + pw + `"}`}, 201},
		{"reset_ip", "2/m", [3]req{
			{"198.51.100.1", "/auth/users/reset_password/", `{"email":"a@example.com"}`},
			{"198.51.100.1", "/auth/users/reset_username/", `{"email":"b@example.com"}`},
			{"198.51.100.1", "/auth/users/resend_activation/", `{"email":"c@example.com"}`}},
			[2]int{204, 204}, req{"198.51.100.2", "/auth/users/reset_password/", `{"email":"a@example.com"}`}, 204},
		{"reset_address", "2/m", [3]req{
			{"198.51.100.1", "/auth/users/reset_password/", `{"email":"a@example.com"}`},
			{"198.51.100.2", "/auth/users/reset_username/", `{"email":"A@example.com"}`},
			{"198.51.100.3", "/auth/users/reset_password/", `{"email":"a@EXAMPLE.com"}`}},
			[2]int{204, 204}, req{"198.51.100.3", "/auth/users/reset_password/", `{"email":"b@example.com"}`}, 204},
		{"confirm_ip", "2/m", [3]req{
			{"198.51.100.1", "/auth/users/activation/", uidToken("MQ", "x")},
			{"198.51.100.1", "/auth/users/reset_password_confirm/", `{"uid":"Mg","token":"x","new_password":"n3w-Passw0rd!"}`},
			{"198.51.100.1", "/auth/users/email_change_confirm/", uidToken("Mw", "x")}},
			[2]int{400, 400}, req{"198.51.100.2", "/auth/users/activation/", uidToken("MQ", "x")}, 400},
		{"confirm_account", "2/m", [3]req{
			{"198.51.100.1", "/auth/users/activation/", uidToken("MQ", "x")},
			{"198.51.100.2", "/auth/users/reset_username_confirm/", `{"uid":"MQ","token":"x","new_username":"zed"}`},
			{"198.51.100.3", "/auth/users/reset_password_confirm/", `{"uid":"MQ","token":"x","new_password":"n3w-Passw0rd!"}`}},
			[2]int{400, 400}, req{"198.51.100.3", "/auth/users/activation/", uidToken("Mg", "x")}, 400},
		{"jwt_ip", "2/m", [3]req{
			{"198.51.100.1", "/auth/jwt/verify/", `{"token":"x"}`},
			{"198.51.100.1", "/auth/jwt/refresh/", `{"refresh":"x"}`},
			{"198.51.100.1", "/auth/jwt/blacklist/", `{"refresh":"x"}`}},
			[2]int{401, 401}, req{"198.51.100.2", "/auth/jwt/verify/", `{"token":"x"}`}, 401},
	} {
		t.Run(c.limit, func(t *testing.T) {
			apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
				e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{
					"THROTTLE_RATES": rates(c.limit + "=" + c.rate), "SEND_ACTIVATION_EMAIL": "true",
				})
				// Registered outside any request, so that no limit has counted them.
				for _, name := range []string{"alice", "bob", "carol"} {
					in := users.RegisterInput{Username: validation.Value{Set: true, S: name}, Password: validation.Value{Set: true, S: pw}}
					if _, err := e.App.Users.Register(t.Context(), in, users.Site{}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := e.App.DB.User.Update().SetIsActive(true).Save(t.Context()); err != nil {
					t.Fatal(err)
				}
				for i, r := range c.reqs[:2] {
					if got := e.from(t, r.ip, r.path, r.body); got.status != c.pass[i] {
						t.Fatalf("request %d (%s %s): %s", i+1, r.path, r.body, got)
					}
				}
				r := c.reqs[2]
				if got := e.from(t, r.ip, r.path, r.body); got.status != 429 || got.retryAfter == "" {
					t.Fatalf("past the limit (%s %s): %s", r.path, r.body, got)
				}
				if got := e.from(t, c.then.ip, c.then.path, c.then.body); got.status != c.thenCode {
					t.Fatalf("a request %s does not count (%s %s): %s", c.limit, c.then.path, c.then.body, got)
				}
			})
		})
	}
}

// TestLoginLockout: past login_account the wait doubles with each further failure, even the right
// password waits (the check comes before the hash), another client of the same account is not locked
// out, and a success or a password reset clears the account's counter.
func TestLoginLockout(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{"THROTTLE_RATES": rates("login_account=3/5m")})
		e.Register(t, "alice", "alice@example.com", pw)
		e.Register(t, "bob", "bob@example.com", pw)
		attacker := "198.51.100.66"
		login := func(ip, user, password string) answer {
			return e.from(t, ip, "/auth/token/login/", loginBody(user, password))
		}
		for range 3 {
			if got := login(attacker, "alice", "guess"); got.body != invalidCredentials {
				t.Fatal(got)
			}
		}
		if got := login(attacker, "alice", pw); got != throttledFor(300) {
			t.Fatalf("the right password while locked: %s", got)
		}
		e.clock.Add(5 * time.Minute)
		if got := login(attacker, "alice", "guess"); got.body != invalidCredentials {
			t.Fatal(got)
		}
		if got := login(attacker, "alice", "guess"); got != throttledFor(600) {
			t.Fatalf("the next failure doubles the wait: %s", got)
		}
		// The owner, from another address, is not locked out.
		if got := login("192.0.2.10", "alice", pw); got.status != 200 {
			t.Fatalf("the owner: %s", got)
		}

		// A password reset clears the account's counters from every address.
		if got := e.from(t, "192.0.2.10", "/auth/users/reset_password/", `{"email":"alice@example.com"}`); got.status != 204 {
			t.Fatal(got)
		}
		_, uid, token := e.mb.WaitFor(t, "alice@example.com", 1)[0].Link(t)
		const newPW = "an0ther-Passw0rd!"
		if got := e.from(t, "192.0.2.10", "/auth/users/reset_password_confirm/", fmt.Sprintf(`{"uid":%q,"token":%q,"new_password":%q}`, uid, token, newPW)); got.status != 204 {
			t.Fatal(got)
		}
		if got := login(attacker, "alice", newPW); got.status != 200 {
			t.Fatalf("after the reset: %s", got)
		}

		// A successful login clears the counter of the client that made it.
		for range 2 {
			login(attacker, "bob", "guess")
		}
		if got := login(attacker, "bob", pw); got.status != 200 {
			t.Fatal(got)
		}
		for range 3 {
			if got := login(attacker, "bob", "guess"); got.body != invalidCredentials {
				t.Fatalf("the counter was not cleared: %s", got)
			}
		}
		if got := login(attacker, "bob", "guess"); got.status != 429 {
			t.Fatal(got)
		}
	})
}

// TestUnknownUsersAreThrottledAlike: the same attempts answer the same for an account that exists and
// one that does not, Retry-After included.
func TestUnknownUsersAreThrottledAlike(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{"THROTTLE_RATES": rates("login_account=3/5m,login_account_all=5/h")})
		e.Register(t, "alice", "alice@example.com", pw)
		run := func(user string) []answer {
			var out []answer
			for i := range 8 {
				// From two addresses, so both the per-address lockout and the cross-address cap speak.
				ip := fmt.Sprintf("198.51.100.%d", 10+i%2)
				if user == "nobody" {
					ip = fmt.Sprintf("198.51.101.%d", 10+i%2)
				}
				out = append(out, e.from(t, ip, "/auth/token/login/", loginBody(user, "guess")))
				out = append(out, e.from(t, ip, "/auth/jwt/create/", loginBody(user, "guess")))
			}
			return out
		}
		known, unknown := run("alice"), run("nobody")
		if fmt.Sprint(known) != fmt.Sprint(unknown) {
			t.Fatalf("known and unknown accounts answer differently:\n%v\n%v", known, unknown)
		}
		if last := known[len(known)-1]; last.status != 429 {
			t.Fatalf("never throttled: %v", known)
		}
	})
}

// TestMailCap: past mail_address the requests still answer 204 and the address gets no more mail, for
// requests by address and for registrations under the address.
func TestMailCap(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{
			"THROTTLE_RATES": rates("mail_address=2/h"), "SEND_ACTIVATION_EMAIL": "true",
		})
		e.Register(t, "alice", "alice@example.com", pw)
		e.mb.WaitFor(t, "alice@example.com", 1) // activation
		if _, err := e.App.DB.User.Update().SetIsActive(true).Save(t.Context()); err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			if got := e.from(t, fmt.Sprintf("198.51.100.%d", i), "/auth/users/reset_password/", `{"email":"alice@example.com"}`); got.status != 204 {
				t.Fatal(got)
			}
		}
		e.mb.WaitFor(t, "alice@example.com", 3)
		e.mb.Quiet(t, "alice@example.com", 3) // one activation, two resets
		// Another kind of mail has its own cap.
		if got := e.from(t, "198.51.100.9", "/auth/users/reset_username/", `{"email":"alice@example.com"}`); got.status != 204 {
			t.Fatal(got)
		}
		e.mb.WaitFor(t, "alice@example.com", 4)

		// Registering under someone's address again and again: the account is made, the mail capped.
		for i := range 3 {
			e.Register(t, fmt.Sprintf("squatter%d", i), "victim@example.com", pw)
		}
		e.mb.WaitFor(t, "victim@example.com", 2)
		e.mb.Quiet(t, "victim@example.com", 2)

		// The cap refills with time.
		e.clock.Add(time.Hour)
		if got := e.from(t, "198.51.100.1", "/auth/users/reset_password/", `{"email":"alice@example.com"}`); got.status != 204 {
			t.Fatal(got)
		}
		e.mb.WaitFor(t, "alice@example.com", 5)
	})
}

// TestClientAddress: without trusted proxies the socket address is the client, whatever headers say;
// behind one, its header names the client, but only the entries it vouches for.
func TestClientAddress(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		reset := func(e *throttleEnv, headers map[string]string) int {
			res, _ := e.Do(t, http.MethodPost, "/auth/users/reset_password/", "application/json", `{"email":"a@example.com"}`, headers)
			return res.StatusCode
		}
		xff := func(v string) map[string]string { return map[string]string{"X-Forwarded-For": v} }
		settings := func(extra ...string) map[string]string {
			s := map[string]string{"THROTTLE_RATES": rates("reset_ip=1/m")}
			for i := 0; i < len(extra); i += 2 {
				s[extra[i]] = extra[i+1]
			}
			return s
		}
		t.Run("no trusted proxies", func(t *testing.T) {
			e := startThrottled(t, db.NewURL(t), newStillClock(), settings("TRUSTED_PROXIES", ""))
			if got := reset(e, xff("198.51.100.1")); got != 204 {
				t.Fatal(got)
			}
			for _, h := range []map[string]string{xff("198.51.100.2"), {"Forwarded": "for=198.51.100.3"}, {"X-Real-Ip": "198.51.100.4"}, nil} {
				if got := reset(e, h); got != 429 {
					t.Fatalf("spoofed %v: %d", h, got)
				}
			}
		})
		t.Run("peer not among the trusted proxies", func(t *testing.T) {
			e := startThrottled(t, db.NewURL(t), newStillClock(), settings("TRUSTED_PROXIES", "10.0.0.0/8,::1"))
			reset(e, xff("198.51.100.1"))
			if got := reset(e, xff("198.51.100.2")); got != 429 {
				t.Fatalf("a header from an untrusted peer was believed: %d", got)
			}
		})
		t.Run("behind a trusted proxy", func(t *testing.T) {
			e := startThrottled(t, db.NewURL(t), newStillClock(), settings("TRUSTED_PROXIES", "127.0.0.0/8,10.0.0.0/8"))
			if got := reset(e, xff("198.51.100.1")); got != 204 {
				t.Fatal(got)
			}
			// What the client wrote before the proxies' entries does not count, nor do other headers.
			for _, h := range []map[string]string{
				xff("203.0.113.7, 198.51.100.1"), xff("198.51.100.1, 10.1.2.3"),
				{"X-Forwarded-For": "198.51.100.1", "Forwarded": "for=203.0.113.8"},
			} {
				if got := reset(e, h); got != 429 {
					t.Fatalf("%v: %d", h, got)
				}
			}
			if got := reset(e, xff("198.51.100.2")); got != 204 {
				t.Fatalf("another client: %d", got)
			}
			// IPv6 clients are one client per /64.
			if got := reset(e, xff("2001:db8:0:1::1")); got != 204 {
				t.Fatal(got)
			}
			if got := reset(e, xff("2001:db8:0:1:ffff::2")); got != 429 {
				t.Fatalf("same /64: %d", got)
			}
			if got := reset(e, xff("2001:db8:0:2::1")); got != 204 {
				t.Fatalf("next /64: %d", got)
			}
			// A header with nothing usable leaves the proxy as the client.
			if got := reset(e, xff("garbage")); got != 204 {
				t.Fatal(got)
			}
			if got := reset(e, nil); got != 429 {
				t.Fatalf("no header after garbage: %d", got)
			}
		})
		t.Run("Forwarded", func(t *testing.T) {
			e := startThrottled(t, db.NewURL(t), newStillClock(), settings("TRUSTED_PROXIES", "127.0.0.1", "TRUSTED_PROXY_HEADER", "Forwarded"))
			fwd := func(v string) map[string]string { return map[string]string{"Forwarded": v} }
			if got := reset(e, fwd(`for="[2001:db8::1]:4711";proto=https`)); got != 204 {
				t.Fatal(got)
			}
			if got := reset(e, map[string]string{"Forwarded": "for=2001:db8::2", "X-Forwarded-For": "198.51.100.1"}); got != 429 {
				t.Fatalf("X-Forwarded-For believed when the proxy writes Forwarded: %d", got)
			}
			if got := reset(e, fwd("for=198.51.100.1")); got != 204 {
				t.Fatal(got)
			}
		})
	})
}

// TestNodesShareOneLimit: two nodes on one PostgreSQL database enforce one limit between them.
func TestNodesShareOneLimit(t *testing.T) {
	url, clock := apitest.Postgres(t).NewURL(t), newStillClock()
	settings := map[string]string{"THROTTLE_RATES": rates("login_account=3/5m,signup_ip=3/m")}
	a, b := startThrottled(t, url, clock, settings), startThrottled(t, url, clock, settings)
	a.Register(t, "alice", "alice@example.com", pw)
	for i, n := range []*throttleEnv{a, b, a} {
		if got := n.from(t, "198.51.100.1", "/auth/token/login/", loginBody("alice", "guess")); got.status != 400 {
			t.Fatalf("failure %d: %s", i+1, got)
		}
	}
	for _, n := range []*throttleEnv{b, a} {
		if got := n.from(t, "198.51.100.1", "/auth/token/login/", loginBody("alice", pw)); got != throttledFor(300) {
			t.Fatal(got)
		}
	}
	for i, n := range []*throttleEnv{b, a, b} {
		if got := n.from(t, "198.51.100.2", "/auth/users/", fmt.Sprintf(`{"username":"n%d","password":%q}`, i, pw)); got.status != 201 {
			t.Fatal(got)
		}
	}
	if got := a.from(t, "198.51.100.2", "/auth/users/", `{"username":"n9","password":"`+pw+`"}`); got != throttledFor(60) {
		t.Fatal(got)
	}
}

// TestDefaultsStopTheThreeAttacks: a server with the default settings against issue #13's attacks,
// each from one client: password guessing, mass registration and the reset mail bomb (Djoser #701).
func TestDefaultsStopTheThreeAttacks(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), nil)
		e.Register(t, "alice", "alice@example.com", pw)
		count := func(n int, req func(i int) answer) map[int]int {
			out := map[int]int{}
			for i := range n {
				out[req(i).status]++
			}
			return out
		}
		guesses := count(200, func(i int) answer {
			return e.from(t, "198.51.100.1", "/auth/token/login/", loginBody("alice", fmt.Sprint("guess", i)))
		})
		if guesses[400] != 5 || guesses[429] != 195 {
			t.Fatalf("200 guesses: %v", guesses)
		}
		signups := count(200, func(i int) answer {
			return e.from(t, "198.51.100.2", "/auth/users/", fmt.Sprintf(`{"username":"bot%d","password":%q}`, i, pw))
		})
		if signups[201] != 11 || signups[429] != 189 {
			t.Fatalf("200 registrations: %v", signups)
		}
		resets := count(100, func(int) answer {
			return e.from(t, "198.51.100.3", "/auth/users/reset_password/", `{"email":"alice@example.com"}`)
		})
		if resets[204] != 4 || resets[429] != 96 {
			t.Fatalf("100 reset requests: %v", resets)
		}
		e.mb.WaitFor(t, "alice@example.com", 3)
		e.mb.Quiet(t, "alice@example.com", 3)
	})
}

// TestThrottleOff: GOJOSER_THROTTLE=false limits nothing.
func TestThrottleOff(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startThrottled(t, db.NewURL(t), newStillClock(), map[string]string{"THROTTLE": "false"})
		e.Register(t, "alice", "alice@example.com", pw)
		for range 30 {
			if got := e.from(t, "198.51.100.1", "/auth/token/login/", loginBody("alice", "guess")); got.body != invalidCredentials {
				t.Fatal(got)
			}
		}
		if got := e.from(t, "198.51.100.1", "/auth/token/login/", loginBody("alice", pw)); got.status != 200 {
			t.Fatal(got)
		}
		for range 8 {
			if got := e.from(t, "198.51.100.1", "/auth/users/reset_password/", `{"email":"alice@example.com"}`); got.status != 204 {
				t.Fatal(got)
			}
		}
		e.mb.WaitFor(t, "alice@example.com", 8)
	})
}

// TestBlockedRequestsAreLogged: each refusal and each suppressed mail is one structured line, with
// neither the password nor the address in clear.
func TestBlockedRequestsAreLogged(t *testing.T) {
	db := apitest.DBs(t)[0]
	var logs apitest.Buffer
	e, flush := apitest.StartLogged(t, db, map[string]string{
		"THROTTLE": "true", "THROTTLE_RATES": rates("login_ip=2/m,mail_address=1/h"), "LOG_FORMAT": "json",
	}, &logs)
	const secret = "hunter2-secret-guess"
	for range 5 {
		e.Do(t, http.MethodPost, "/auth/token/login/", "application/json", loginBody("victim", secret), nil)
	}
	for range 3 {
		e.Do(t, http.MethodPost, "/auth/users/reset_password/", "application/json", `{"email":"victim@example.com"}`, nil)
	}
	flush()
	out := logs.String()
	if n := strings.Count(out, `"msg":"request throttled"`); n != 3 {
		t.Errorf("%d throttled lines for 3 refusals:\n%s", n, out)
	}
	if n := strings.Count(out, `"msg":"mail suppressed"`); n != 2 {
		t.Errorf("%d suppressed lines for 2 suppressed mails:\n%s", n, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"msg":"request throttled"`) && !strings.Contains(line, `"limit":"login_ip"`) {
			t.Errorf("the line does not name the limit: %s", line)
		}
	}
	for _, secret := range []string{secret, "victim@example.com", "victim"} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain %q:\n%s", secret, out)
		}
	}
}
