package httpapi_test

import (
	encjson "encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
)

const (
	callback      = "https://app.example/oauth/callback"
	stateInvalid  = `{"non_field_errors":["Invalid state has been provided."]}`
	noVerifiedErr = `{"non_field_errors":["Authentication failed: the provider has not verified an email address for this account."]}`
)

// socialEnv is gojoser with a real OpenID Provider (zitadel/oidc's example OP) as the "oidc" provider.
type socialEnv struct {
	*apitest.Env
	op *apitest.OIDCProvider
}

func startSocial(t *testing.T, db apitest.DB) *socialEnv {
	t.Helper()
	op := apitest.StartOIDCProvider(t, []string{callback}, []apitest.OIDCUser{
		{ID: "sub-new", Username: "newcomer", Password: "op-pass-1", Email: "newcomer@example.com", EmailVerified: true},
		{ID: "sub-ann", Username: "ann-at-op", Password: "op-pass-2", Email: "ANN@example.com", EmailVerified: true},
		{ID: "sub-bob", Username: "bob-at-op", Password: "op-pass-3", Email: "bob@example.com", EmailVerified: false},
	})
	e := apitest.NewEnv(t, db, map[string]string{
		"AUTH_COOKIE":                       "sid",
		"SOCIAL_AUTH_OIDC_ISSUER":           op.Issuer,
		"SOCIAL_AUTH_OIDC_KEY":              op.ClientID,
		"SOCIAL_AUTH_OIDC_SECRET":           op.ClientSecret,
		"SOCIAL_AUTH_ALLOWED_REDIRECT_URIS": callback + ",https://app.example/other",
	})
	return &socialEnv{Env: e, op: op}
}

// start asks gojoser for the authorization URL in browser b.
func (e *socialEnv) start(t *testing.T, b *browser) string {
	t.Helper()
	out := b.expect(t, "GET", "/auth/o/oidc/?redirect_uri="+url.QueryEscape(callback), "", nil, 200, "")
	var u struct {
		AuthorizationURL string `json:"authorization_url"`
	}
	if err := encjson.Unmarshal([]byte(out), &u); err != nil {
		t.Fatal(err)
	}
	return u.AuthorizationURL
}

// flow starts a login in b and signs in at the OP; it returns the code and state the OP sends back.
func (e *socialEnv) flow(t *testing.T, b *browser, user, password string) (code, state string) {
	t.Helper()
	q := e.op.SignIn(t, e.start(t, b), callback, user, password)
	if q.Get("code") == "" || q.Get("state") == "" {
		t.Fatalf("the OP sent back %v", q)
	}
	return q.Get("code"), q.Get("state")
}

func body(code, state string) string {
	b, _ := encjson.Marshal(map[string]string{"code": code, "state": state})
	return string(b)
}

type socialAnswer struct{ Access, Refresh, User string }

func (e *socialEnv) finish(t *testing.T, b *browser, code, state string) socialAnswer {
	t.Helper()
	out := b.expect(t, "POST", "/auth/o/oidc/", body(code, state), nil, 201, "")
	var a socialAnswer
	if err := encjson.Unmarshal([]byte(out), &a); err != nil || a.Access == "" || a.Refresh == "" {
		t.Fatalf("social login answered %s", out)
	}
	if !strings.HasPrefix(out, `{"access":"`) || !strings.Contains(out, `","user":"`+a.User+`"}`) {
		t.Fatalf("keys not in Djoser's order: %s", out)
	}
	return a
}

func (e *socialEnv) bearer(t *testing.T, access, method, path string, status int, want string) string {
	t.Helper()
	res, out := e.Do(t, method, path, "", "", map[string]string{"Authorization": "Bearer " + access})
	if res.StatusCode != status || (want != "" && string(out) != want) {
		t.Fatalf("%s %s: %d %s\nwant %d %s", method, path, res.StatusCode, out, status, want)
	}
	return string(out)
}

func TestSocialLoginOIDC(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startSocial(t, db)
		e.Register(t, "ann", "ann@example.com", pw)
		e.Register(t, "bob", "bob@example.com", pw)

		t.Run("authorization URL", func(t *testing.T) {
			b := newBrowser(e.Server)
			b.expect(t, "GET", "/auth/o/oidc/?redirect_uri="+url.QueryEscape("https://evil.example/cb"), "", nil, 400,
				`"redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"`)
			b.expect(t, "GET", "/auth/o/oidc/", "", nil, 400, `"redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"`)
			b.expect(t, "GET", "/auth/o/github/?redirect_uri="+url.QueryEscape(callback), "", nil, 404, `{"detail":"Not found."}`)
			u, err := url.Parse(e.start(t, b))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if u.Scheme+"://"+u.Host+"/" != e.op.Issuer || q.Get("redirect_uri") != callback || q.Get("client_id") != "web" ||
				q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" ||
				q.Get("scope") != "openid email profile" {
				t.Fatalf("authorization URL %s", u)
			}
			if got := b.setCookie(t, "gojoser_social"); got != "Path=/auth/o/; Max-Age=600; HttpOnly; Secure; SameSite=Lax" {
				t.Fatalf("browser cookie %q", got)
			}
			// The browser keeps its nonce across flows, so flows started in two tabs both finish.
			nonce := b.jar["gojoser_social"]
			e.start(t, b)
			if b.jar["gojoser_social"] != nonce {
				t.Fatal("a second flow replaced the browser nonce")
			}
		})

		t.Run("a new identity creates an account from the verified email", func(t *testing.T) {
			b := newBrowser(e.Server)
			code, state := e.flow(t, b, "newcomer", "op-pass-1")
			a := e.finish(t, b, code, state)
			if a.User != "newcomer" {
				t.Fatalf("user %q", a.User)
			}
			me := e.bearer(t, a.Access, "GET", "/auth/users/me/", 200, "")
			if !strings.Contains(me, `"email":"newcomer@example.com"`) {
				t.Fatalf("me %s", me)
			}
			ids := e.identities(t, a.Access, `"provider":"oidc","uid":"sub-new","email":"newcomer@example.com"`)
			// Cookie mode: the pair is in the cookies too.
			if b.jar["sid"] != a.Access || b.jar["sid_refresh"] != a.Refresh {
				t.Fatalf("cookies %v", b.jar)
			}
			// The password is unusable, so it is the only way in, and it cannot be unlinked...
			status, _ := e.Call(t, "POST", "/auth/token/login/", `{"username":"newcomer","password":""}`, "")
			if status != 400 {
				t.Fatalf("password login of a social account: %d", status)
			}
			e.bearer(t, a.Access, "DELETE", "/auth/users/me/identities/"+itoa(ids[0])+"/", 400,
				`{"non_field_errors":["You cannot unlink the only way you can log in: set a password first (reset_password mails you a link)."]}`)
			// ...but a password-reset mail reaches it, so its owner can set one.
			if status, out := e.Call(t, "POST", "/auth/users/reset_password/", `{"email":"newcomer@example.com"}`, ""); status != 204 {
				t.Fatalf("reset_password: %d %s", status, out)
			}
			e.Mailbox.WaitFor(t, "newcomer@example.com", 1)

			// The same identity logs in to the same account again, without a new one.
			b2 := newBrowser(e.Server)
			code, state = e.flow(t, b2, "newcomer", "op-pass-1")
			if again := e.finish(t, b2, code, state); again.User != "newcomer" {
				t.Fatalf("second login as %q", again.User)
			}
		})

		t.Run("an existing account is linked by its verified email", func(t *testing.T) {
			b := newBrowser(e.Server)
			code, state := e.flow(t, b, "ann-at-op", "op-pass-2")
			a := e.finish(t, b, code, state)
			if a.User != "ann" {
				t.Fatalf("linked to %q, want ann", a.User)
			}
			ids := e.identities(t, a.Access, `"provider":"oidc","uid":"sub-ann","email":"ANN@example.com"`)
			// The address matched whatever its case. ann has a password, so the identity may go.
			e.bearer(t, a.Access, "DELETE", "/auth/users/me/identities/"+itoa(ids[0])+"/", 204, "")
			e.bearer(t, a.Access, "GET", "/auth/users/me/identities/", 200, `[]`)
			e.Login(t, "ann", pw)
		})

		t.Run("an unverified email links nothing and creates nothing", func(t *testing.T) {
			b := newBrowser(e.Server)
			code, state := e.flow(t, b, "bob-at-op", "op-pass-3")
			b.expect(t, "POST", "/auth/o/oidc/", body(code, state), nil, 400, noVerifiedErr)
			tok := e.Login(t, "bob", pw)
			if _, out := e.Call(t, "GET", "/auth/users/me/identities/", "", tok); out != `[]` {
				t.Fatalf("bob's identities %s", out)
			}
			if _, out := e.Call(t, "GET", "/auth/users/", "", rootKey(t, e)); strings.Contains(out, "bob-at-op") {
				t.Fatalf("an account was created: %s", out)
			}
		})

		t.Run("states are signed, bound to the browser, single-use and short-lived", func(t *testing.T) {
			b := newBrowser(e.Server)
			code, state := e.flow(t, b, "newcomer", "op-pass-1")
			tampered := strings.Replace(state, state[5:6], map[bool]string{true: "A", false: "B"}[state[5] != 'A'], 1)
			b.expect(t, "POST", "/auth/o/oidc/", body(code, tampered), nil, 400, stateInvalid)
			other := newBrowser(e.Server)
			e.start(t, other) // a browser nonce of its own
			other.expect(t, "POST", "/auth/o/oidc/", body(code, state), nil, 400, stateInvalid)
			newBrowser(e.Server).expect(t, "POST", "/auth/o/oidc/", body(code, state), nil, 400,
				`{"non_field_errors":["State could not be found in server-side session data."]}`)
			b.expect(t, "POST", "/auth/o/oidc/", body(code, ""), nil, 400, `{"non_field_errors":["State could not be found in request data."]}`)
			// None of those used the state up; Djoser frontends send code and state in the query string.
			res, out := e.Do(t, "POST", "/auth/o/oidc/?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state),
				"application/x-www-form-urlencoded", "", map[string]string{"Cookie": "gojoser_social=" + b.jar["gojoser_social"]})
			if res.StatusCode != 201 || !strings.Contains(string(out), `"user":"newcomer"`) {
				t.Fatalf("query-string login: %d %s", res.StatusCode, out)
			}
			// Replayed (on any node: the use is recorded in the database).
			b.expect(t, "POST", "/auth/o/oidc/", body(code, state), nil, 400, stateInvalid)

			// A code of another flow fails PKCE at the OP: its verifier belongs to the other state.
			code1, _ := e.flow(t, b, "newcomer", "op-pass-1")
			_, state2 := e.flow(t, b, "newcomer", "op-pass-1")
			b.expect(t, "POST", "/auth/o/oidc/", body(code1, state2), nil, 400, `{"non_field_errors":["Authentication process canceled"]}`)
			_, state3 := e.flow(t, b, "newcomer", "op-pass-1")
			b.expect(t, "POST", "/auth/o/oidc/", body("", state3), nil, 400, `{"non_field_errors":["Missing needed parameter code"]}`)

			// Expired: GOJOSER_SOCIAL_AUTH_STATE_LIFETIME (10m) later.
			code, state = e.flow(t, b, "newcomer", "op-pass-1")
			e.Clock.Advance(10*time.Minute + time.Second)
			defer e.Clock.Advance(-10*time.Minute - time.Second)
			b.expect(t, "POST", "/auth/o/oidc/", body(code, state), nil, 400, stateInvalid)
		})
	})
}

// identities lists the identities of access's user, which must include want, and returns their ids.
func (e *socialEnv) identities(t *testing.T, access, want string) []int {
	t.Helper()
	out := e.bearer(t, access, "GET", "/auth/users/me/identities/", 200, "")
	var list []struct{ ID int }
	if err := encjson.Unmarshal([]byte(out), &list); err != nil || len(list) == 0 || !strings.Contains(out, want) {
		t.Fatalf("identities %s, want %s", out, want)
	}
	ids := make([]int, len(list))
	for i, x := range list {
		ids[i] = x.ID
	}
	return ids
}

func rootKey(t *testing.T, e *socialEnv) string {
	t.Helper()
	_, key := e.Superuser(t, "root", pw)
	return key
}

func itoa(n int) string { return apitest.Fmt(n) }
