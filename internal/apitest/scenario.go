package apitest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
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
}

// Run executes scenarios in order against s; later scenarios see earlier ones' effects.
func (s *Server) Run(t *testing.T, vars map[string]string, scenarios []Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Helper()
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
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res, body := s.Do(t, http.MethodPost, "/auth/token/login/", "application/json", string(b), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, res.StatusCode, body)
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
