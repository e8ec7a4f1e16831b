package httpapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

// TestStaticSinglePageApp: with GOJOSER_STATIC_DIR, a frontend that routes in the browser gets its
// index.html for every HTML navigation, missing assets are a 404, API paths keep their JSON answers,
// directories are not listed, and static requests are access-logged like the API's.
func TestStaticSinglePageApp(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"index.html":        "<!doctype html><title>app</title>",
		"assets/app.js":     "console.log(1)",
		"assets/secret.txt": "not for listing",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out apitest.Buffer
	s, flush := apitest.StartLogged(t, apitest.DBs(t)[0], map[string]string{"STATIC_DIR": dir}, &out)
	html := map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
	cases := []struct {
		name, path string
		headers    map[string]string
		status     int
		contains   string
	}{
		{"a history route gets the app", "/account/settings", html, 200, "<title>app</title>"},
		{"the root gets the app", "/", html, 200, "<title>app</title>"},
		{"an asset", "/assets/app.js", nil, 200, "console.log(1)"},
		{"a missing asset is a 404", "/assets/missing.js", nil, 404, "404 page not found"},
		{"a directory is not listed", "/assets/", nil, 404, "404 page not found"},
		{"nor for a navigation", "/assets/", html, 200, "<title>app</title>"},
		{"an unknown API path keeps its JSON 404", "/auth/nope/", html, 404, `{"detail":"Not found."}`},
		{"the API is the API", "/auth/users/me/", html, 401, `{"detail":"Authentication credentials were not provided."}`},
	}
	for _, c := range cases {
		res, body := s.Do(t, "GET", c.path, "", "", c.headers)
		if res.StatusCode != c.status || !strings.Contains(string(body), c.contains) || strings.Contains(string(body), "secret.txt") {
			t.Errorf("%s: GET %s = %d %s, want %d with %q", c.name, c.path, res.StatusCode, body, c.status, c.contains)
		}
	}
	flush()
	for _, line := range []string{"path=/account/settings status=200", "path=/assets/app.js status=200", "path=/assets/missing.js status=404"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("no access-log line with %q in\n%s", line, out.String())
		}
	}
}
