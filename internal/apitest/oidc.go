package apitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// OIDCProviderModule is the OpenID Provider the tests log in at: zitadel/oidc's example OP server, a
// maintained open-source OP (discovery, PKCE S256, signed ID tokens, UserInfo, a login page), built from
// the Go module proxy at this version. It is not a dependency of gojoser's module.
const OIDCProviderModule = "github.com/zitadel/oidc/v3/example/server@v3.52.0"

// OIDCProvider is a running OP. Its client "web" (secret "secret") accepts the redirect URIs it was
// started with.
type OIDCProvider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
}

// OIDCUser is an account at the OP.
type OIDCUser struct {
	ID, Username, Password, Email string
	EmailVerified                 bool
}

var (
	opOnce sync.Once
	opBin  string
	opErr  error
)

// OIDCProviderBinary builds the OP once per machine (kept in the user cache folder, named after the
// version) and returns its path.
func OIDCProviderBinary(t testing.TB) string {
	t.Helper()
	opOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		version := OIDCProviderModule[strings.LastIndex(OIDCProviderModule, "@")+1:]
		dir := filepath.Join(cache, "gojoser-test", "zitadel-oidc-op-"+version)
		opBin = filepath.Join(dir, "server")
		if _, err := os.Stat(opBin); err == nil {
			return
		}
		if opErr = os.MkdirAll(dir, 0o755); opErr != nil {
			return
		}
		tmp, err := os.MkdirTemp(dir, "build-")
		if err != nil {
			opErr = err
			return
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("go", "install", OIDCProviderModule)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			opErr = fmt.Errorf("go install %s: %v\n%s", OIDCProviderModule, err, out)
			return
		}
		// Another test process may have built it meanwhile; either copy is the same program.
		opErr = os.Rename(filepath.Join(tmp, "server"), opBin)
	})
	if opErr != nil {
		t.Fatalf("build the OpenID Provider: %v", opErr)
	}
	return opBin
}

// StartOIDCProvider runs the OP on a free port until the test ends, with these users and a client that
// may redirect to redirectURIs. Its issuer is http://localhost:<port>/, as the example server names it.
func StartOIDCProvider(t testing.TB, redirectURIs []string, users []OIDCUser) *OIDCProvider {
	t.Helper()
	bin := OIDCProviderBinary(t)
	type opUser struct {
		ID, Username, Password, FirstName, LastName, Email string
		EmailVerified                                      bool
		PreferredLanguage                                  string
	}
	file := map[string]opUser{}
	for _, u := range users {
		file[u.ID] = opUser{ID: u.ID, Username: u.Username, Password: u.Password, FirstName: u.Username, LastName: "Test",
			Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: "en"}
	}
	b, _ := json.Marshal(file)
	usersFile := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(usersFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+port, "USERS_FILE="+usersFile, "REDIRECT_URI="+strings.Join(redirectURIs, ","))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() && os.Getenv("GOJOSER_TEST_LOG") != "" {
			t.Logf("OpenID Provider log:\n%s", logs.String())
		}
	})
	issuer := "http://localhost:" + port + "/"
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(issuer + ".well-known/openid-configuration")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the OpenID Provider did not answer at %s: %v\n%s", issuer, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &OIDCProvider{Issuer: issuer, ClientID: "web", ClientSecret: "secret"}
}

var loginFormID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// SignIn plays the browser at the OP: it opens authorizationURL, fills in the login page, and follows
// the redirects until the OP sends the browser to redirectURI. It returns that URL's query (code,
// state, or the OP's error).
func (p *OIDCProvider) SignIn(t testing.TB, authorizationURL, redirectURI, username, password string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var back *url.URL
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURI) {
			back = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := c.Get(authorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if back != nil {
		return back.Query() // the OP answered at once (an error for the redirect URI)
	}
	m := loginFormID.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login page at the OP (%d):\n%s", res.StatusCode, page)
	}
	res, err = c.PostForm(p.Issuer+"login/username", url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if back == nil {
		t.Fatalf("the OP did not send the browser back to %s (%d):\n%s", redirectURI, res.StatusCode, page)
	}
	return back.Query()
}
