package docs_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gojoser/gojoser"
	"github.com/gojoser/gojoser/internal/docs"
)

var spec = []byte("openapi: 3.1.0\ninfo: {title: test, version: '1'}\npaths: {}\n")

func serve(t *testing.T, h http.Handler, method, target string, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	h := docs.Handler(spec)
	tests := []struct {
		Name            string
		Method, Target  string
		Headers         map[string]string
		WantStatus      int
		WantType        string
		WantEncoding    string
		WantBodyHas     string
		WantLocation    string
		WantBodyExactly []byte
	}{
		{Name: "page", Method: "GET", Target: "/docs/", WantStatus: 200, WantType: "text/html; charset=utf-8", WantBodyHas: `<div id="swagger-ui">`},
		{Name: "bare /docs redirects to the page, relatively", Method: "GET", Target: "/docs", WantStatus: 301, WantLocation: "docs/"},
		{Name: "redirect keeps the query", Method: "GET", Target: "/docs?x=1", WantStatus: 301, WantLocation: "docs/?x=1"},
		{Name: "start script", Method: "GET", Target: "/docs/init.js", WantStatus: 200, WantType: "text/javascript; charset=utf-8", WantBodyHas: "validatorUrl: null"},
		{Name: "bundle, inflated for a client without gzip", Method: "GET", Target: "/docs/swagger-ui-bundle.js", WantStatus: 200, WantType: "text/javascript; charset=utf-8", WantBodyHas: "SwaggerUIBundle"},
		{Name: "bundle, gzipped", Method: "GET", Target: "/docs/swagger-ui-bundle.js", Headers: map[string]string{"Accept-Encoding": "br, gzip"}, WantStatus: 200, WantType: "text/javascript; charset=utf-8", WantEncoding: "gzip"},
		{Name: "gzip refused with q=0", Method: "GET", Target: "/docs/swagger-ui.css", Headers: map[string]string{"Accept-Encoding": "*, gzip;q=0"}, WantStatus: 200, WantType: "text/css; charset=utf-8", WantBodyHas: ".swagger-ui"},
		{Name: "stylesheet", Method: "GET", Target: "/docs/swagger-ui.css", Headers: map[string]string{"Accept-Encoding": "gzip"}, WantStatus: 200, WantType: "text/css; charset=utf-8", WantEncoding: "gzip"},
		{Name: "favicon", Method: "GET", Target: "/docs/favicon-32x32.png", WantStatus: 200, WantType: "image/png"},
		{Name: "spec", Method: "GET", Target: "/openapi.yaml", WantStatus: 200, WantType: "application/yaml", WantBodyExactly: spec},
		{Name: "HEAD of the spec", Method: "HEAD", Target: "/openapi.yaml", WantStatus: 200, WantType: "application/yaml", WantBodyExactly: []byte{}},
		{Name: "unknown asset", Method: "GET", Target: "/docs/LICENSE", WantStatus: 404, WantType: "application/json", WantBodyExactly: []byte(`{"detail":"Not found."}`)},
		{Name: "unknown path", Method: "GET", Target: "/openapi.json", WantStatus: 404, WantType: "application/json"},
		{Name: "wrong method", Method: "POST", Target: "/docs/", WantStatus: 405, WantType: "application/json", WantBodyExactly: []byte(`{"detail":"Method \"POST\" not allowed."}`)},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			rec := serve(t, h, tt.Method, tt.Target, tt.Headers)
			if rec.Code != tt.WantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.WantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.WantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.WantType)
			}
			if got := rec.Header().Get("Content-Encoding"); got != tt.WantEncoding {
				t.Errorf("Content-Encoding = %q, want %q", got, tt.WantEncoding)
			}
			if got := rec.Header().Get("Location"); got != tt.WantLocation {
				t.Errorf("Location = %q, want %q", got, tt.WantLocation)
			}
			body := rec.Body.Bytes()
			if tt.WantEncoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("body is not gzip: %v", err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("inflate: %v", err)
				}
				if len(body) == 0 {
					t.Error("empty body after inflating")
				}
			}
			if !bytes.Contains(body, []byte(tt.WantBodyHas)) {
				t.Errorf("body does not contain %q", tt.WantBodyHas)
			}
			if tt.WantBodyExactly != nil && !bytes.Equal(body, tt.WantBodyExactly) {
				t.Errorf("body = %q, want %q", body, tt.WantBodyExactly)
			}
			if tt.WantStatus == 200 && rec.Header().Get("ETag") == "" {
				t.Error("no ETag")
			}
		})
	}
}

// The page must load nothing from another origin: no absolute or protocol-relative URL anywhere in the
// HTML or the start script, and a policy that forbids foreign scripts and styles.
func TestPageLoadsNothingExternal(t *testing.T) {
	h := docs.Handler(spec)
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]`)
	for _, target := range []string{"/docs/", "/docs/init.js", "/docs/docs.css"} {
		body := serve(t, h, "GET", target, nil).Body.String()
		if m := external.FindString(body); m != "" {
			t.Errorf("%s refers to an external URL: %q", target, m)
		}
	}
	page := serve(t, h, "GET", "/docs/", nil)
	for _, ref := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page.Body.String(), -1) {
		if rec := serve(t, h, "GET", "/docs/"+strings.TrimPrefix(ref[1], "../"), nil); ref[1] != "../openapi.yaml" && rec.Code != 200 {
			t.Errorf("the page refers to %q, which is not served (%d)", ref[1], rec.Code)
		}
	}
	csp := page.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self' "} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
}

func TestRevalidation(t *testing.T) {
	h := docs.Handler(spec)
	for _, enc := range []string{"", "gzip"} {
		first := serve(t, h, "GET", "/docs/swagger-ui-bundle.js", map[string]string{"Accept-Encoding": enc})
		etag := first.Header().Get("ETag")
		again := serve(t, h, "GET", "/docs/swagger-ui-bundle.js", map[string]string{"Accept-Encoding": enc, "If-None-Match": etag})
		if again.Code != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q: revalidation with %s gave %d, want 304", enc, etag, again.Code)
		}
	}
	plain := serve(t, h, "GET", "/docs/swagger-ui-bundle.js", nil).Header().Get("ETag")
	gz := serve(t, h, "GET", "/docs/swagger-ui-bundle.js", map[string]string{"Accept-Encoding": "gzip"}).Header().Get("ETag")
	if plain == gz {
		t.Errorf("both encodings have ETag %s", plain)
	}
}

func TestMount(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Api", "yes")
		w.WriteHeader(http.StatusTeapot)
	})
	h := docs.Mount(api, gojoser.OpenAPISpec)

	rec := serve(t, h, "GET", "/openapi.yaml", nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("openapi: 3.")) {
		t.Fatalf("GET /openapi.yaml = %d %.40q", rec.Code, rec.Body.String())
	}
	for _, target := range []string{"/docs", "/docs/", "/docs/init.js", "/docs/nope"} {
		if rec := serve(t, h, "GET", target, nil); rec.Header().Get("X-Api") != "" {
			t.Errorf("GET %s reached the API", target)
		}
	}
	// Everything else goes to the API as it came, without a ServeMux's cleaning redirects.
	for _, target := range []string{"/auth/users/me/", "/docsx", "/auth//users/../me/", "/openapi.json"} {
		if rec := serve(t, h, "GET", target, nil); rec.Code != http.StatusTeapot {
			t.Errorf("GET %s = %d, want the API's 418", target, rec.Code)
		}
	}
}

// update-assets.sh pins the version that was vendored.
func TestVendoredVersionMatchesScript(t *testing.T) {
	script, err := os.ReadFile("update-assets.sh")
	if err != nil {
		t.Fatal(err)
	}
	version, err := os.ReadFile("swagger-ui/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nVERSION=" + strings.TrimSpace(string(version)) + "\n"; !strings.Contains(string(script), want) {
		t.Errorf("swagger-ui/VERSION is %s but update-assets.sh pins another version: run it", version)
	}
}
