package httpapi_test

import (
	"context"
	encjson "encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
)

type auditRow struct {
	ID        int            `json:"id"`
	Time      time.Time      `json:"time"`
	Type      string         `json:"type"`
	Actor     *int           `json:"actor"`
	Subject   *int           `json:"subject"`
	IP        string         `json:"ip"`
	UserAgent string         `json:"user_agent"`
	RequestID string         `json:"request_id"`
	Detail    map[string]any `json:"detail"`
	Device    string         `json:"device"`
}

type auditPage struct {
	Next    *string    `json:"next"`
	Results []auditRow `json:"results"`
}

// client is one browser: its address (through the trusted proxy), its user agent and its token.
type client struct {
	s         *apitest.Server
	ip, ua    string
	token     string
	requestID string // the last answer's X-Request-Id
}

func (c *client) call(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	h := map[string]string{"X-Forwarded-For": c.ip, "User-Agent": c.ua}
	if c.token != "" {
		h["Authorization"] = "Token " + c.token
	}
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	res, b := c.s.Do(t, method, path, ct, body, h)
	c.requestID = res.Header.Get("X-Request-Id")
	return res.StatusCode, string(b)
}

func (c *client) must(t *testing.T, method, path, body string, status int) string {
	t.Helper()
	got, b := c.call(t, method, path, body)
	if got != status {
		t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, got, b, status)
	}
	return b
}

func (c *client) login(t *testing.T, user, password string) string {
	t.Helper()
	var out struct {
		AuthToken string `json:"auth_token"`
	}
	_ = encjson.Unmarshal([]byte(c.must(t, "POST", "/auth/token/login/", fmt.Sprintf(`{"username":%q,"password":%q}`, user, password), 200)), &out)
	return out.AuthToken
}

// allEvents walks every page of path (which has a query or not) with pages of size limit, failing on a
// duplicate, and returns the events newest first.
func allEvents(t *testing.T, s *apitest.Server, path, token string, limit int) []auditRow {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []auditRow
	seen := map[int]bool{}
	cursor := ""
	for range 1000 {
		p := fmt.Sprintf("%s%slimit=%d", path, sep, limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body := s.Call(t, "GET", p, "", token)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
		var page auditPage
		if err := encjson.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Results) > limit {
			t.Fatalf("page of %d for limit %d", len(page.Results), limit)
		}
		for _, e := range page.Results {
			if seen[e.ID] {
				t.Fatalf("event %d twice", e.ID)
			}
			seen[e.ID] = true
			out = append(out, e)
		}
		if page.Next == nil {
			return out
		}
		cursor = *page.Next
	}
	t.Fatal("pages never end")
	return nil
}

func ptr(n int) *int { return &n }

func same(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// want is an event a scenario expects: its type, actor, subject and address, and some of its detail.
type want struct {
	typ            string
	actor, subject *int
	ip             string
	detail         map[string]any
}

func find(events []auditRow, w want) (auditRow, bool) {
	for _, e := range events {
		if e.Type != w.typ || !same(e.Actor, w.actor) || !same(e.Subject, w.subject) || e.IP != w.ip {
			continue
		}
		ok := true
		for k, v := range w.detail {
			if fmt.Sprint(e.Detail[k]) != fmt.Sprint(v) {
				ok = false
			}
		}
		if ok {
			return e, true
		}
	}
	return auditRow{}, false
}

// TestAuditEvents runs a user's life over HTTP and finds every event it should leave, with the right
// actor, subject and client address (behind a trusted proxy), and no secret anywhere in the log.
func TestAuditEvents(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{
			"TRUSTED_PROXIES": "127.0.0.1", "THROTTLE": "true", "THROTTLE_RATES": rates("login_account_all=3/h"),
			"JWT_ROTATE_REFRESH_TOKENS": "true", "JWT_ROTATION_GRACE": "0s",
		})
		const (
			ipA, ipB, ipRoot = "203.0.113.10", "198.51.100.20", "192.0.2.30"
			alicePW, newPW   = "alice-Passw0rd!", "n3w-alice-Passw0rd!"
			bobPW, resetPW   = "bob-Passw0rd!", "r3set-alice-Passw0rd!"
		)
		secrets := []string{alicePW, newPW, bobPW, resetPW, apitest.Password}
		alice := &client{s: e.Server, ip: ipA, ua: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
		bob := &client{s: e.Server, ip: ipB, ua: "curl/8.5.0"}
		root := &client{s: e.Server, ip: ipRoot, ua: "admin-console"}
		rootID, rootKey := e.Superuser(t, "root", apitest.Password)
		root.token = rootKey
		secrets = append(secrets, rootKey)

		var reg struct{ ID int }
		_ = encjson.Unmarshal([]byte(alice.must(t, "POST", "/auth/users/", fmt.Sprintf(`{"username":"alice","email":"alice@example.com","password":%q,"re_password":%q}`, alicePW, alicePW), 201)), &reg)
		aliceID := reg.ID
		_ = encjson.Unmarshal([]byte(bob.must(t, "POST", "/auth/users/", fmt.Sprintf(`{"username":"bob","email":"bob@example.com","password":%q,"re_password":%q}`, bobPW, bobPW), 201)), &reg)
		bobID := reg.ID

		// Logins: a wrong password, an unknown name, a success with a request id of the client's.
		alice.must(t, "POST", "/auth/token/login/", `{"username":"alice","password":"wrong-guess-1"}`, 400)
		alice.must(t, "POST", "/auth/token/login/", `{"username":"nobody-here","password":"wrong-guess-2"}`, 400)
		alice.token = alice.login(t, "alice", alicePW)
		loginRequestID := alice.requestID
		secrets = append(secrets, alice.token)
		var pair struct{ Refresh, Access string }
		_ = encjson.Unmarshal([]byte(alice.must(t, "POST", "/auth/jwt/create/", fmt.Sprintf(`{"username":"alice","password":%q}`, alicePW), 200)), &pair)
		secrets = append(secrets, pair.Refresh, pair.Access)
		// Rotation, then the retired refresh token again: reuse, and the family is revoked.
		var rotated struct{ Refresh, Access string }
		_ = encjson.Unmarshal([]byte(alice.must(t, "POST", "/auth/jwt/refresh/", fmt.Sprintf(`{"refresh":%q}`, pair.Refresh), 200)), &rotated)
		secrets = append(secrets, rotated.Refresh, rotated.Access)
		e.Clock.Advance(time.Second)
		alice.must(t, "POST", "/auth/jwt/refresh/", fmt.Sprintf(`{"refresh":%q}`, pair.Refresh), 401)
		var pair2 struct{ Refresh, Access string }
		_ = encjson.Unmarshal([]byte(alice.must(t, "POST", "/auth/jwt/create/", fmt.Sprintf(`{"username":"alice","password":%q}`, alicePW), 200)), &pair2)
		secrets = append(secrets, pair2.Refresh, pair2.Access)
		alice.must(t, "POST", "/auth/jwt/blacklist/", fmt.Sprintf(`{"refresh":%q}`, pair2.Refresh), 200)

		// Account changes.
		alice.must(t, "POST", "/auth/users/set_password/", fmt.Sprintf(`{"new_password":%q,"re_new_password":%q,"current_password":%q}`, newPW, newPW, alicePW), 204)
		alice.must(t, "POST", "/auth/users/set_username/", fmt.Sprintf(`{"new_username":"alicia","re_new_username":"alicia","current_password":%q}`, newPW), 204)
		alice.must(t, "PATCH", "/auth/users/me/", `{"email":"alicia@example.com"}`, 200)
		alice.must(t, "POST", "/auth/users/reset_password/", `{"email":"alicia@example.com"}`, 204)
		_, uid, linkToken := e.Mailbox.WaitFor(t, "alicia@example.com", 1)[0].Link(t)
		secrets = append(secrets, linkToken)
		anon := &client{s: e.Server, ip: ipA, ua: alice.ua}
		anon.must(t, "POST", "/auth/users/reset_password_confirm/", fmt.Sprintf(`{"uid":%q,"token":%q,"new_password":%q,"re_new_password":%q}`, uid, linkToken, resetPW, resetPW), 204)
		alice.token = alice.login(t, "alicia", resetPW)
		secrets = append(secrets, alice.token)

		// An admin acts on alice: an update, a role, a session revoked.
		root.must(t, "PATCH", fmt.Sprintf("/auth/users/%d/", aliceID), `{"email":"alice2@example.com"}`, 200)
		root.must(t, "POST", "/auth/roles/", `{"name":"editor"}`, 201)
		root.must(t, "PUT", fmt.Sprintf("/auth/users/%d/roles/editor/", aliceID), "", 204)
		root.must(t, "DELETE", fmt.Sprintf("/auth/users/%d/roles/editor/", aliceID), "", 204)
		bobKey := bob.login(t, "bob", bobPW)
		secrets = append(secrets, bobKey)
		var bobSessions []session
		_ = encjson.Unmarshal([]byte(root.must(t, "GET", fmt.Sprintf("/auth/users/%d/tokens/", bobID), "", 200)), &bobSessions)
		root.must(t, "DELETE", fmt.Sprintf("/auth/token/%d/", bobSessions[0].ID), "", 204)

		// Logouts.
		second := alice.login(t, "alicia", resetPW)
		secrets = append(secrets, second)
		alice.must(t, "POST", "/auth/token/logout/", "", 204)
		alice.token = second
		alice.must(t, "POST", "/auth/token/logoutall/", "", 204)

		// bob deletes himself.
		bob.token = bob.login(t, "bob", bobPW)
		secrets = append(secrets, bob.token)
		bob.must(t, "DELETE", "/auth/users/me/", fmt.Sprintf(`{"current_password":%q}`, bobPW), 204)

		// carl is guessed at from three addresses until the account locks.
		carlID := e.Register(t, "carl", "carl@example.com", apitest.Password)
		for i, ip := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
			guesser := &client{s: e.Server, ip: ip, ua: "guesser"}
			guesser.must(t, "POST", "/auth/token/login/", fmt.Sprintf(`{"username":"carl","password":"guess-%d"}`, i), 400)
		}
		locked := &client{s: e.Server, ip: "198.51.100.4", ua: "guesser"}
		locked.must(t, "POST", "/auth/token/login/", `{"username":"carl","password":"guess-4"}`, 429)

		// The batch writer writes failed logins a moment later: poll until the lockout shows.
		var events []auditRow
		deadline := time.Now().Add(10 * time.Second)
		for {
			events = allEvents(t, e.Server, "/auth/audit/", rootKey, 7)
			if _, ok := find(events, want{typ: "login.failed", ip: "198.51.100.4", detail: map[string]any{"reason": "locked_out"}}); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the locked-out login never showed: %+v", events)
			}
			time.Sleep(20 * time.Millisecond)
		}
		a, b, r := ptr(aliceID), ptr(bobID), ptr(rootID)
		for _, w := range []want{
			{typ: "user.registered", actor: a, subject: a, ip: ipA},
			{typ: "user.registered", actor: b, subject: b, ip: ipB},
			{typ: "user.registered", subject: r, detail: map[string]any{"via": "cli"}},
			{typ: "login.failed", subject: a, ip: ipA, detail: map[string]any{"reason": "bad_credentials", "method": "token"}},
			{typ: "login.failed", ip: ipA, detail: map[string]any{"reason": "bad_credentials", "username": "nobody-here"}},
			{typ: "login.succeeded", actor: a, subject: a, ip: ipA, detail: map[string]any{"method": "token"}},
			{typ: "jwt.created", actor: a, subject: a, ip: ipA},
			{typ: "jwt.refresh_reuse", subject: a, ip: ipA},
			{typ: "jwt.family_revoked", subject: a, ip: ipA},
			{typ: "jwt.blacklisted", subject: a, ip: ipA},
			{typ: "password.changed", actor: a, subject: a, ip: ipA},
			{typ: "username.changed", actor: a, subject: a, ip: ipA, detail: map[string]any{"from": "alice", "to": "alicia"}},
			{typ: "email.changed", actor: a, subject: a, ip: ipA, detail: map[string]any{"to": "alicia@example.com"}},
			{typ: "user.updated", actor: a, subject: a, ip: ipA, detail: map[string]any{"by_admin": false}},
			{typ: "password.reset_requested", actor: a, ip: ipA, detail: map[string]any{"email": "alicia@example.com"}},
			{typ: "password.reset", subject: a, ip: ipA},
			{typ: "user.updated", actor: r, subject: a, ip: ipRoot, detail: map[string]any{"by_admin": true}},
			{typ: "role.granted", actor: r, subject: a, ip: ipRoot, detail: map[string]any{"role": "editor"}},
			{typ: "role.revoked", actor: r, subject: a, ip: ipRoot, detail: map[string]any{"role": "editor"}},
			{typ: "session.revoked", actor: r, subject: b, ip: ipRoot, detail: map[string]any{"by_admin": true}},
			{typ: "logout", actor: a, subject: a, ip: ipA, detail: map[string]any{"method": "token"}},
			{typ: "logout.all", actor: a, subject: a, ip: ipA},
			{typ: "login.failed", subject: ptr(carlID), ip: "198.51.100.1", detail: map[string]any{"reason": "bad_credentials"}},
			{typ: "lockout.triggered", ip: "198.51.100.4"},
			{typ: "login.failed", ip: "198.51.100.4", detail: map[string]any{"reason": "locked_out", "username": "carl"}},
			{typ: "user.deleted", actor: b, subject: b, ip: ipB},
		} {
			if _, ok := find(events, w); !ok {
				t.Errorf("no event %+v", w)
			}
		}
		if t.Failed() {
			for _, ev := range events {
				t.Logf("%s actor=%v subject=%v ip=%s detail=%v", ev.Type, deref(ev.Actor), deref(ev.Subject), ev.IP, ev.Detail)
			}
			t.FailNow()
		}
		// The request id and user agent of the login are the ones the client sent and was answered.
		ev, _ := find(events, want{typ: "login.succeeded", actor: a, subject: a, ip: ipA})
		if ev.RequestID == "" || ev.UserAgent != alice.ua {
			t.Errorf("login event: request id %q (first login answered %q), user agent %q", ev.RequestID, loginRequestID, ev.UserAgent)
		}

		// No secret anywhere in the stored log: every column of every row, as the database holds it.
		hashes, err := e.Outsider(t).User.Query().All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range hashes {
			secrets = append(secrets, u.Password)
		}
		rows, err := e.Outsider(t).AuditEvent.Query().All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(events) {
			t.Fatalf("%d rows stored, %d listed", len(rows), len(events))
		}
		raw, _ := encjson.Marshal(rows)
		for _, s := range secrets {
			if s != "" && strings.Contains(string(raw), s) {
				t.Errorf("a secret (%.6s...) is in the audit log", s)
			}
		}

		// alice sees her own activity, with a device label, and nothing of bob's.
		alice.token = ""
		mine := allEvents(t, e.Server, "/auth/users/me/events/", alice.login(t, "alicia", resetPW), 4)
		if len(mine) == 0 {
			t.Fatal("alice sees no events")
		}
		types := map[string]bool{}
		for _, ev := range mine {
			types[ev.Type] = true
			if ev.Type == "login.succeeded" && ev.Device != "Firefox on Linux" {
				t.Errorf("device %q", ev.Device)
			}
		}
		for _, typ := range []string{"login.succeeded", "login.failed", "password.changed", "password.reset", "email.changed", "username.changed", "logout.all"} {
			if !types[typ] {
				t.Errorf("alice's own events lack %s: %v", typ, types)
			}
		}
		status, body := e.Call(t, "GET", "/auth/users/me/events/", "", second)
		if status != 401 {
			t.Errorf("a revoked token reads events: %d %s", status, body)
		}
		if strings.Contains(fmt.Sprint(mine), "bob") || types["user.deleted"] || types["lockout.triggered"] {
			t.Errorf("alice sees others' events: %v", types)
		}
	})
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestAuditRead: the admin endpoint's filters and pagination, its answers to bad filters and to
// non-admins, and a user's own events.
func TestAuditRead(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"TRUSTED_PROXIES": "127.0.0.1"})
		_, rootKey := e.Superuser(t, "root", apitest.Password)
		ids := map[string]int{}
		keys := map[string]string{}
		for i, name := range []string{"ann", "ben", "cat"} {
			ids[name] = e.Register(t, name, name+"@example.com", apitest.Password)
			c := &client{s: e.Server, ip: fmt.Sprintf("192.0.2.%d", i+1), ua: "test"}
			for range 5 {
				keys[name] = c.login(t, name, apitest.Password)
			}
		}
		all := allEvents(t, e.Server, "/auth/audit/", rootKey, 200)
		// Every page size walks the same events in the same order: none missed, none twice.
		for _, limit := range []int{1, 2, 3, 7} {
			got := allEvents(t, e.Server, "/auth/audit/", rootKey, limit)
			if fmt.Sprint(ids_(got)) != fmt.Sprint(ids_(all)) {
				t.Fatalf("limit %d: %v, want %v", limit, ids_(got), ids_(all))
			}
		}
		for i := 1; i < len(all); i++ {
			if all[i].Time.After(all[i-1].Time) {
				t.Fatalf("not newest first: %v", all)
			}
		}
		count := func(path string) int { return len(allEvents(t, e.Server, path, rootKey, 4)) }
		for _, c := range []struct {
			path string
			want int
		}{
			{fmt.Sprintf("/auth/audit/?user=%d", ids["ann"]), 6},
			{"/auth/audit/?type=login.succeeded", 16},
			{"/auth/audit/?type=login.succeeded,user.registered", 20},
			{"/auth/audit/?type=login.succeeded&type=user.registered", 20},
			{fmt.Sprintf("/auth/audit/?user=%d&type=user.registered", ids["ben"]), 1},
			{"/auth/audit/?ip=192.0.2.2", 5},
			{"/auth/audit/?since=" + url.QueryEscape(all[0].Time.Add(time.Microsecond).Format(time.RFC3339Nano)), 0},
			{"/auth/audit/?until=" + url.QueryEscape(all[len(all)-1].Time.Format(time.RFC3339Nano)), 1},
		} {
			if got := count(c.path); got != c.want {
				t.Errorf("%s: %d events, want %d", c.path, got, c.want)
			}
		}
		e.Expect(t, "GET", "/auth/audit/?user=x&since=yesterday&ip=1.2.3&type=nope", "", rootKey, 400,
			`{"user":["A valid integer is required."],"type":["\"nope\" is not a valid choice."],"since":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],"ip":["Enter a valid IPv4 or IPv6 address."]}`)
		e.Expect(t, "GET", "/auth/audit/?cursor=bogus", "", rootKey, 404, `{"detail":"Invalid cursor"}`)
		e.Expect(t, "GET", "/auth/audit/", "", keys["ann"], 403, `{"detail":"You do not have permission to perform this action."}`)
		e.Expect(t, "GET", "/auth/audit/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`)
		e.Expect(t, "GET", "/auth/users/me/events/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`)
		// A user sees their own events only.
		for name, key := range keys {
			for _, ev := range allEvents(t, e.Server, "/auth/users/me/events/", key, 3) {
				if ev.Type == "login.succeeded" && ev.IP == "" {
					t.Errorf("%s: a login without its address", name)
				}
			}
			if n := len(allEvents(t, e.Server, "/auth/users/me/events/", key, 3)); n != 6 {
				t.Errorf("%s sees %d events, want 6", name, n)
			}
		}
		// The request id: a client's printable one is kept, anything else replaced.
		res, _ := e.Do(t, http.MethodGet, "/auth/users/me/", "", "", map[string]string{"X-Request-Id": "req-123", "Authorization": "Token " + keys["ann"]})
		if got := res.Header.Get("X-Request-Id"); got != "req-123" {
			t.Errorf("X-Request-Id %q", got)
		}
		res, _ = e.Do(t, http.MethodGet, "/auth/users/me/", "", "", map[string]string{"X-Request-Id": "bad id " + strings.Repeat("x", 80)})
		if got := res.Header.Get("X-Request-Id"); len(got) != 24 {
			t.Errorf("X-Request-Id %q for a bad one", got)
		}
		// The cache path writes nothing.
		before := len(allEvents(t, e.Server, "/auth/audit/", rootKey, 200))
		for range 5 {
			e.Expect(t, "GET", "/auth/users/me/", "", keys["ann"], 200, fmt.Sprintf(`{"email":"ann@example.com","id":%d,"username":"ann"}`, ids["ann"]))
		}
		e.App.Audit.Flush(context.Background())
		if after := len(allEvents(t, e.Server, "/auth/audit/", rootKey, 200)); after != before {
			t.Errorf("GET /auth/users/me/ wrote %d events", after-before)
		}
	})
}

func ids_(events []auditRow) []int {
	out := make([]int, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// TestAuditOff: GOJOSER_AUDIT=false records nothing.
func TestAuditOff(t *testing.T) {
	t.Parallel()
	e := apitest.NewEnv(t, apitest.DBs(t)[0], map[string]string{"AUDIT": "false"})
	_, rootKey := e.Superuser(t, "root", apitest.Password)
	e.Register(t, "ann", "ann@example.com", apitest.Password)
	e.Login(t, "ann", apitest.Password)
	e.Call(t, "POST", "/auth/token/login/", `{"username":"ann","password":"wrong"}`, "")
	e.Expect(t, "GET", "/auth/audit/", "", rootKey, 200, `{"next":null,"results":[]}`)
}

// TestAuditLinkEvents: the events of the flows that finish from a mailed link (activation, a confirmed
// email change, a username reset) and the requests by address, with no link token in the log.
func TestAuditLinkEvents(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"TRUSTED_PROXIES": "127.0.0.1",
			"SEND_ACTIVATION_EMAIL": "true", "EMAIL_CHANGE_CONFIRM": "true"})
		_, rootKey := e.Superuser(t, "root", apitest.Password)
		const ip = "203.0.113.50"
		anon := &client{s: e.Server, ip: ip, ua: "test"}
		var reg struct{ ID int }
		_ = encjson.Unmarshal([]byte(anon.must(t, "POST", "/auth/users/", fmt.Sprintf(`{"username":"kate","email":"kate@example.com","password":%q,"re_password":%q}`, apitest.Password, apitest.Password), 201)), &reg)
		kate := ptr(reg.ID)
		anon.must(t, "POST", "/auth/users/resend_activation/", `{"email":"kate@example.com"}`, 204)
		mails := e.Mailbox.WaitFor(t, "kate@example.com", 2)
		var linkTokens []string
		_, uid, tok := mails[0].Link(t)
		linkTokens = append(linkTokens, tok)
		anon.must(t, "POST", "/auth/users/activation/", uidToken(uid, tok), 204)

		me := &client{s: e.Server, ip: ip, ua: "test"}
		me.token = me.login(t, "kate", apitest.Password)
		me.must(t, "PATCH", "/auth/users/me/", `{"email":"kate@new.example"}`, 200)
		_, uid, tok = e.Mailbox.WaitFor(t, "kate@new.example", 1)[0].Link(t)
		linkTokens = append(linkTokens, tok)
		anon.must(t, "POST", "/auth/users/email_change_confirm/", uidToken(uid, tok), 204)

		anon.must(t, "POST", "/auth/users/reset_username/", `{"email":"kate@new.example"}`, 204)
		_, uid, tok = e.Mailbox.WaitFor(t, "kate@new.example", 2)[1].Link(t)
		linkTokens = append(linkTokens, tok)
		anon.must(t, "POST", "/auth/users/reset_username_confirm/", fmt.Sprintf(`{"uid":%q,"token":%q,"new_username":"katie"}`, uid, tok), 204)

		events := allEvents(t, e.Server, "/auth/audit/", rootKey, 50)
		for _, w := range []want{
			{typ: "user.registered", actor: kate, subject: kate, ip: ip, detail: map[string]any{"active": false}},
			{typ: "user.activation_requested", ip: ip, detail: map[string]any{"email": "kate@example.com"}},
			{typ: "user.activated", subject: kate, ip: ip},
			{typ: "email.change_requested", actor: kate, subject: kate, ip: ip, detail: map[string]any{"to": "kate@new.example"}},
			{typ: "email.changed", subject: kate, ip: ip, detail: map[string]any{"from": "kate@example.com", "to": "kate@new.example", "confirmed": true}},
			{typ: "username.reset_requested", ip: ip, detail: map[string]any{"email": "kate@new.example"}},
			{typ: "username.reset", subject: kate, ip: ip, detail: map[string]any{"from": "kate", "to": "katie"}},
		} {
			if _, ok := find(events, w); !ok {
				t.Errorf("no event %+v", w)
			}
		}
		raw, _ := encjson.Marshal(events)
		for _, tok := range linkTokens {
			if strings.Contains(string(raw), tok) {
				t.Errorf("a link token is in the audit log")
			}
		}
		if t.Failed() {
			for _, ev := range events {
				t.Logf("%s actor=%v subject=%v ip=%s detail=%v", ev.Type, deref(ev.Actor), deref(ev.Subject), ev.IP, ev.Detail)
			}
		}
	})
}
