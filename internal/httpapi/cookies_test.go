package httpapi_test

import (
	encjson "encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

// cookieSettings turn cookie mode on, with one trusted app origin for CORS and cross-origin writes.
var cookieSettings = map[string]string{
	"AUTH_COOKIE":            "sid",
	"CORS_ALLOWED_ORIGINS":   "https://app.example",
	"CORS_ALLOW_CREDENTIALS": "true",
}

const (
	csrfEvil    = `{"detail":"CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."}`
	notProvided = `{"detail":"Authentication credentials were not provided."}`
)

// browser is a client with a cookie jar of gojoser's cookies, as a browser keeps them.
type browser struct {
	s   *apitest.Server
	jar map[string]string
	// last holds the Set-Cookie lines of the last answer.
	last []string
}

func newBrowser(s *apitest.Server) *browser { return &browser{s: s, jar: map[string]string{}} }

// do sends a request with the cookies that apply to path, then stores what the answer sets.
func (b *browser) do(t *testing.T, method, path, body string, headers map[string]string) (int, string) {
	t.Helper()
	h := map[string]string{}
	var cookies []string
	for name, v := range b.jar {
		if strings.HasSuffix(name, "_refresh") && !strings.HasPrefix(path, "/auth/jwt/") {
			continue // Path=/auth/jwt/
		}
		cookies = append(cookies, name+"="+v)
	}
	slices.Sort(cookies)
	if len(cookies) > 0 {
		h["Cookie"] = strings.Join(cookies, "; ")
	}
	for k, v := range headers {
		h[k] = v
	}
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	res, out := b.s.Do(t, method, path, ct, body, h)
	b.last = res.Header.Values("Set-Cookie")
	for _, line := range b.last {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	return res.StatusCode, string(out)
}

func (b *browser) expect(t *testing.T, method, path, body string, headers map[string]string, status int, want string) string {
	t.Helper()
	got, out := b.do(t, method, path, body, headers)
	if got != status || (want != "" && out != want) {
		t.Fatalf("%s %s: %d %s\nwant %d %s", method, path, got, out, status, want)
	}
	return out
}

// setCookie returns the attributes of the Set-Cookie line for name in the last answer, without its value.
func (b *browser) setCookie(t *testing.T, name string) string {
	t.Helper()
	for _, line := range b.last {
		if n, rest, _ := strings.Cut(line, "="); n == name {
			_, attrs, _ := strings.Cut(rest, ";")
			return strings.TrimSpace(attrs)
		}
	}
	return ""
}

func TestCookieModeToken(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, cookieSettings)
		s.Register(t, "ann", "ann@example.com", apitest.Password)
		bobKey := func() string {
			s.Register(t, "bob", "bob@example.com", apitest.Password)
			return s.Login(t, "bob", apitest.Password)
		}()
		b := newBrowser(s)
		me := `{"email":"ann@example.com","id":1,"username":"ann"}`

		out := b.expect(t, "POST", "/auth/token/login/", `{"username":"ann","password":"`+apitest.Password+`"}`, nil, 200, "")
		var tok struct {
			AuthToken string `json:"auth_token"`
		}
		_ = encjson.Unmarshal([]byte(out), &tok)
		if got := b.setCookie(t, "sid"); got != "Path=/; HttpOnly; Secure; SameSite=Lax" {
			t.Fatalf("login cookie attributes %q", got)
		}
		if b.jar["sid"] != tok.AuthToken {
			t.Fatalf("the cookie holds %q, the body %q", b.jar["sid"], tok.AuthToken)
		}

		// The cookie authenticates wherever the header does; a header wins over it.
		b.expect(t, "GET", "/auth/users/me/", "", nil, 200, me)
		b.expect(t, "GET", "/auth/users/me/", "", map[string]string{"Authorization": "Token " + bobKey}, 200, `{"email":"bob@example.com","id":2,"username":"bob"}`)
		b.expect(t, "GET", "/auth/users/me/", "", map[string]string{"Authorization": "Token 0000"}, 401, `{"detail":"Invalid token."}`)
		b.expect(t, "GET", "/auth/token/", "", nil, 200, "")

		// Unsafe requests authenticated by the cookie must come from this origin or a trusted one.
		evil := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
		sibling := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "same-site"} // SameSite=Lax lets its cookies through
		oldBrowser := map[string]string{"Origin": "https://evil.example"}                             // no Fetch Metadata: Origin against Host
		for _, h := range []map[string]string{evil, sibling, oldBrowser} {
			b.expect(t, "POST", "/auth/token/logoutall/", "", h, 403, csrfEvil)
		}
		b.expect(t, "PATCH", "/auth/users/me/", `{"email":"evil@example.com"}`, evil, 403, csrfEvil)
		b.expect(t, "GET", "/auth/users/me/", "", evil, 200, me) // reads are not writes
		// Logins too (login CSRF), but not requests authenticated by a header, as in DRF.
		newBrowser(s).expect(t, "POST", "/auth/token/login/", `{"username":"ann","password":"`+apitest.Password+`"}`, evil, 403, csrfEvil)
		s.Run(t, nil, []apitest.Scenario{{
			Name: "header-authenticated write from another origin", Method: "POST", Path: "/auth/token/logout/",
			Headers: map[string]string{"Authorization": "Token " + bobKey, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
			Status:  204,
		}})
		// Same origin, a trusted origin (with CORS credentials) and clients without browser headers pass.
		b.expect(t, "PATCH", "/auth/users/me/", `{"email":"ann@example.com"}`, map[string]string{"Origin": s.URL, "Sec-Fetch-Site": "same-origin"}, 200, me)
		b.expect(t, "PATCH", "/auth/users/me/", `{"email":"ann@example.com"}`, map[string]string{"Origin": s.URL}, 200, me)
		res, _ := s.Do(t, "PATCH", "/auth/users/me/", "application/json", `{"email":"ann@example.com"}`,
			map[string]string{"Cookie": "sid=" + b.jar["sid"], "Origin": "https://app.example", "Sec-Fetch-Site": "cross-site"})
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Credentials") != "true" || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Fatalf("trusted origin: %d, CORS %q %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Allow-Credentials"))
		}
		b.expect(t, "PATCH", "/auth/users/me/", `{"email":"ann@example.com"}`, nil, 200, me)

		// Logout revokes the token and clears the cookies.
		b.expect(t, "POST", "/auth/token/logout/", "", nil, 204, "")
		if got := b.setCookie(t, "sid"); !strings.Contains(got, "Max-Age=0") {
			t.Fatalf("logout does not clear the cookie: %q", b.last)
		}
		if b.setCookie(t, "sid_refresh") == "" {
			t.Fatalf("logout does not clear the refresh cookie: %q", b.last)
		}
		b.expect(t, "GET", "/auth/users/me/", "", nil, 401, notProvided)

		// A dead cookie is no credential: it is cleared, and logging in again works.
		b.jar["sid"] = tok.AuthToken
		b.expect(t, "GET", "/auth/users/me/", "", nil, 401, notProvided)
		if _, ok := b.jar["sid"]; ok {
			t.Fatalf("a revoked cookie is not cleared: %q", b.last)
		}
		b.jar["sid"] = tok.AuthToken
		b.expect(t, "POST", "/auth/token/login/", `{"username":"ann","password":"`+apitest.Password+`"}`, nil, 200, "")
		b.expect(t, "GET", "/auth/users/me/", "", nil, 200, me)
		b.expect(t, "POST", "/auth/token/logoutall/", "", nil, 204, "")
		if _, ok := b.jar["sid"]; ok {
			t.Fatalf("logoutall does not clear the cookie: %q", b.last)
		}
	})
}

func TestCookieModeJWT(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		settings := map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "true", "AUTH_COOKIE_SECURE": "false"}
		for k, v := range cookieSettings {
			settings[k] = v
		}
		s := apitest.Start(t, db, settings)
		s.Register(t, "ann", "ann@example.com", apitest.Password)
		b := newBrowser(s)
		me := `{"email":"ann@example.com","id":1,"username":"ann"}`

		out := b.expect(t, "POST", "/auth/jwt/create/", `{"username":"ann","password":"`+apitest.Password+`"}`, nil, 200, "")
		if !strings.HasPrefix(out, `{"refresh":"`) {
			t.Fatalf("jwt/create body %s", out)
		}
		if got := b.setCookie(t, "sid"); !strings.HasPrefix(got, "Path=/; Expires=") || !strings.HasSuffix(got, "; Max-Age=300; HttpOnly; SameSite=Lax") {
			t.Fatalf("access cookie attributes %q", got)
		}
		if got := b.setCookie(t, "sid_refresh"); !strings.HasPrefix(got, "Path=/auth/jwt/; Expires=") || !strings.HasSuffix(got, "; Max-Age=86400; HttpOnly; SameSite=Lax") {
			t.Fatalf("refresh cookie attributes %q", got)
		}
		b.expect(t, "GET", "/auth/users/me/", "", nil, 200, me)

		// Refresh takes the refresh cookie when the body has none. The rotated refresh token goes back
		// in the cookie only.
		oldRefresh, oldAccess := b.jar["sid_refresh"], b.jar["sid"]
		out = b.expect(t, "POST", "/auth/jwt/refresh/", `{}`, nil, 200, "")
		if !strings.HasPrefix(out, `{"access":"`) || strings.Contains(out, "refresh") {
			t.Fatalf("refresh by cookie answered %s", out)
		}
		if b.jar["sid_refresh"] == oldRefresh || b.jar["sid"] == oldAccess {
			t.Fatalf("refresh did not replace the cookies: %q", b.last)
		}
		b.expect(t, "GET", "/auth/users/me/", "", nil, 200, me)
		// A body still wins, and is answered as SimpleJWT does.
		out = b.expect(t, "POST", "/auth/jwt/refresh/", `{"refresh":"`+b.jar["sid_refresh"]+`"}`, nil, 200, "")
		if !strings.Contains(out, `"refresh":"`) {
			t.Fatalf("refresh by body answered %s", out)
		}
		// Cross-origin refreshes are refused like every other cookie write.
		b.expect(t, "POST", "/auth/jwt/refresh/", `{}`, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "same-site"}, 403, csrfEvil)

		// Blacklist is the JWT logout: the refresh cookie's token stops working and both cookies go.
		retired := b.jar["sid_refresh"]
		b.expect(t, "POST", "/auth/jwt/blacklist/", `{}`, nil, 200, `{}`)
		if len(b.jar) != 0 {
			t.Fatalf("cookies left after blacklist: %v (%q)", b.jar, b.last)
		}
		b.jar["sid_refresh"] = retired
		b.expect(t, "POST", "/auth/jwt/refresh/", `{}`, nil, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`)
		if len(b.jar) != 0 {
			t.Fatalf("a refused refresh cookie is kept: %q", b.last)
		}
		b.expect(t, "POST", "/auth/jwt/refresh/", `{}`, nil, 400, `{"refresh":["This field is required."]}`)
	})
}

func TestCookieModeOff(t *testing.T) {
	s := apitest.Start(t, apitest.DBs(t)[0], nil)
	s.Register(t, "ann", "ann@example.com", apitest.Password)
	b := newBrowser(s)
	b.expect(t, "POST", "/auth/token/login/", `{"username":"ann","password":"`+apitest.Password+`"}`, nil, 200, "")
	b.expect(t, "POST", "/auth/jwt/create/", `{"username":"ann","password":"`+apitest.Password+`"}`, nil, 200, "")
	if len(b.jar) != 0 {
		t.Fatalf("cookies set without GOJOSER_AUTH_COOKIE: %q", b.last)
	}
	// Without cookie mode there is no ambient credential, so nothing is CSRF-checked.
	b.expect(t, "POST", "/auth/token/login/", `{"username":"ann","password":"`+apitest.Password+`"}`,
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 200, "")
	res, body := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Cookie": "sid=whatever"})
	if res.StatusCode != 401 || string(body) != notProvided {
		t.Fatalf("a cookie authenticated with cookie mode off: %d %s", res.StatusCode, body)
	}
}
