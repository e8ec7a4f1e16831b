package apitest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scenario is one request and the exact answer a Djoser client relies on. Strings may hold {{var}}
// placeholders (ids, tokens) filled from the vars passed to Run.
type Scenario struct {
	Name        string
	Method      string
	Path        string
	Body        string
	ContentType string // defaults to application/json when Body is set
	Headers     map[string]string
	Status      int
	// Want is the exact response body; empty means the body must be empty.
	Want string
	// AnyBody skips the body check (for bodies holding fresh tokens).
	AnyBody bool
	// WantHeaders are exact header values; an empty value means the header must be absent.
	WantHeaders map[string]string
	// Setup, when set, runs first and brings about what the scenario relies on that an earlier one was
	// to do (see Run).
	Setup Setup
}

// Run executes scenarios in order against s; later scenarios see earlier ones' effects. A scenario that
// relies on such an effect names it in its Setup: when the earlier scenario did its part the Setup
// finds it so and changes nothing, and when it failed the Setup makes it so, so that the one failure
// is reported once instead of failing every scenario after it.
func (s *Server) Run(t *testing.T, vars map[string]string, scenarios []Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Helper()
			if sc.Setup != nil {
				sc.Setup(t, s, vars)
			}
			headers := map[string]string{}
			for k, v := range sc.Headers {
				headers[k] = Expand(v, vars)
			}
			ct := sc.ContentType
			if ct == "" && sc.Body != "" {
				ct = "application/json"
			}
			res, body := s.Do(t, sc.Method, Expand(sc.Path, vars), ct, Expand(sc.Body, vars), headers)
			if res.StatusCode != sc.Status {
				t.Errorf("status = %d, want %d; body %s", res.StatusCode, sc.Status, body)
			}
			if !sc.AnyBody {
				if want := Expand(sc.Want, vars); string(body) != want {
					t.Errorf("body =\n  %s\nwant\n  %s", body, want)
				}
			}
			for k, want := range sc.WantHeaders {
				want = Expand(want, vars)
				got, present := res.Header[http.CanonicalHeaderKey(k)]
				switch {
				case want == "" && present:
					t.Errorf("header %s = %q, want it absent", k, got)
				case want != "" && strings.Join(got, ", ") != want:
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// Do sends one request without following redirects and returns the response and its body.
func (s *Server) Do(t testing.TB, method, path, contentType, body string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v // the client sends req.Host, not a Host header
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// Call sends body (JSON, when not empty) to path, authenticated with the token key when one is given,
// and returns the status and body.
func (s *Server) Call(t testing.TB, method, path, body, token string) (int, string) {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Token " + token
	}
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	res, b := s.Do(t, method, path, ct, body, h)
	return res.StatusCode, string(b)
}

// Expect makes the Call and stops the test unless the answer is exactly status and want.
func (s *Server) Expect(t testing.TB, method, path, body, token string, status int, want string) {
	t.Helper()
	got, b := s.Call(t, method, path, body, token)
	if got != status || b != want {
		t.Fatalf("%s %s %s\n got %d %s\nwant %d %s", method, path, body, got, b, status, want)
	}
}

// Eventually GETs path with the token key until the body is want, for at most five seconds; what names
// the change being waited for.
func (s *Server) Eventually(t testing.TB, what, path, token, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := s.Call(t, "GET", path, "", token)
		if body == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s, want %s", what, body, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Register creates a user over HTTP and returns its id.
func (s *Server) Register(t testing.TB, username, email, password string) int {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": username, "email": email, "password": password, "re_password": password})
	res, body := s.Do(t, http.MethodPost, "/auth/users/", "application/json", string(b), nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("register %s: %d %s", username, res.StatusCode, body)
	}
	var out struct{ ID int }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.ID
}

// Login returns a new token key for the user.
func (s *Server) Login(t testing.TB, username, password string) string {
	t.Helper()
	return s.LoginAs(t, "username", username, password)
}

// LoginAs returns a new token key for the user whose field (the login field: username, or email with
// GOJOSER_LOGIN_FIELD=email) is login.
func (s *Server) LoginAs(t testing.TB, field, login, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{field: login, "password": password})
	res, body := s.Do(t, http.MethodPost, "/auth/token/login/", "application/json", string(b), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", login, res.StatusCode, body)
	}
	var out struct {
		AuthToken string `json:"auth_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.AuthToken
}

// Superuser creates an admin the way the createsuperuser command does and logs them in.
func (s *Server) Superuser(t testing.TB, username, password string) (int, string) {
	t.Helper()
	u, err := s.App.Users.CreateSuperuser(context.Background(), username, username+"@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, s.Login(t, username, password)
}

// Fixture is the usual cast: two ordinary users and an admin, each logged in once.
type Fixture map[string]string

// Password is every fixture user's password.
const Password = "s3cure-Passw0rd!"

// NewFixture registers alice and bob, creates the admin root, and returns ids and tokens as vars:
// alice.id, alice.token, bob.id, bob.token, root.id, root.token.
func (s *Server) NewFixture(t testing.TB) Fixture {
	t.Helper()
	f := Fixture{}
	for _, name := range []string{"alice", "bob"} {
		f[name+".id"] = Fmt(s.Register(t, name, name+"@example.com", Password))
		f[name+".token"] = s.Login(t, name, Password)
	}
	id, tok := s.Superuser(t, "root", Password)
	f["root.id"], f["root.token"] = Fmt(id), tok
	return f
}

// Together runs fn(0), ..., fn(n-1) at once, as concurrent clients, and returns their results in order.
func Together[T any](n int, fn func(i int) T) []T {
	out := make([]T, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fn(i)
		}()
	}
	wg.Wait()
	return out
}

// OneWins checks answers ("<status> <body>") of requests that raced for one thing: exactly one is a 201,
// and every other is loser.
func OneWins(t testing.TB, answers []string, loser string) {
	t.Helper()
	won := 0
	for _, a := range answers {
		switch {
		case strings.HasPrefix(a, "201 "):
			won++
		case a != loser:
			t.Errorf("answer %s, want 201 or %s", a, loser)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d requests succeeded, want 1", won, len(answers))
	}
}
