package cors_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/cors"
)

// app stands for the API: it answers 200 and marks that it was reached.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Reached-App", "yes")
	w.WriteHeader(http.StatusOK)
})

func TestMiddleware(t *testing.T) {
	appOrigin := cors.Config{AllowedOrigins: []string{"https://app.example.com", "http://localhost:3000"}, MaxAge: 10 * time.Minute}
	tests := []struct {
		Name       string
		Config     cors.Config
		Method     string
		Headers    map[string]string
		WantStatus int
		WantApp    bool
		// WantHeaders must be present with these values; "" means must be absent.
		WantHeaders map[string]string
	}{
		{
			Name: "allowed origin, actual request", Config: appOrigin,
			Method: "GET", Headers: map[string]string{"Origin": "https://app.example.com"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Expose-Headers":    "Allow, Www-Authenticate",
				"Access-Control-Allow-Credentials": "",
				"Vary":                             "Origin",
			},
		},
		{
			Name: "origin matching is case-insensitive", Config: appOrigin,
			Method: "GET", Headers: map[string]string{"Origin": "http://LOCALHOST:3000"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "http://LOCALHOST:3000"},
		},
		{
			Name: "disallowed origin, actual request", Config: appOrigin,
			Method: "POST", Headers: map[string]string{"Origin": "https://evil.example.net"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Expose-Headers": ""},
		},
		{
			Name: "same-origin request without Origin", Config: appOrigin,
			Method: "GET", WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			Name: "preflight from an allowed origin", Config: appOrigin,
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                         "https://app.example.com",
				"Access-Control-Request-Method":  "PATCH",
				"Access-Control-Request-Headers": "authorization,content-type",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "https://app.example.com",
				"Access-Control-Allow-Methods": "PATCH",
				"Access-Control-Allow-Headers": "authorization,content-type",
				"Access-Control-Max-Age":       "600",
			},
		},
		{
			Name: "preflight of a Django frontend's X-CSRFToken, with credentials", Config: cors.Config{AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true},
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                         "https://app.example.com",
				"Access-Control-Request-Method":  "POST",
				"Access-Control-Request-Headers": "content-type,x-csrftoken",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Headers":     "content-type,x-csrftoken",
				"Access-Control-Allow-Credentials": "true",
			},
		},
		{
			Name: "preflight from a disallowed origin", Config: appOrigin,
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                        "https://evil.example.net",
				"Access-Control-Request-Method": "DELETE",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Access-Control-Max-Age": ""},
		},
		{
			Name: "preflight asking for a header that is not allowed", Config: appOrigin,
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                         "https://app.example.com",
				"Access-Control-Request-Method":  "GET",
				"Access-Control-Request-Headers": "authorization,x-secret",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			Name: "preflight asking for a method that is not allowed", Config: appOrigin,
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                        "https://app.example.com",
				"Access-Control-Request-Method": "TRACE",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			Name: "plain OPTIONS is not a preflight and reaches the app", Config: appOrigin,
			Method: "OPTIONS", Headers: map[string]string{"Origin": "https://app.example.com"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "https://app.example.com"},
		},
		{
			Name: "wildcard allows any origin without credentials", Config: cors.Config{AllowedOrigins: []string{"*"}},
			Method: "GET", Headers: map[string]string{"Origin": "https://anything.example.org"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": ""},
		},
		{
			Name: "wildcard preflight", Config: cors.Config{AllowedOrigins: []string{"*"}},
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                         "https://anything.example.org",
				"Access-Control-Request-Method":  "POST",
				"Access-Control-Request-Headers": "content-type",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Max-Age": ""},
		},
		{
			Name:   "subdomain pattern",
			Config: cors.Config{AllowedOrigins: []string{"https://*.example.com"}},
			Method: "GET", Headers: map[string]string{"Origin": "https://preview-42.example.com"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "https://preview-42.example.com"},
		},
		{
			Name:   "subdomain pattern does not match another scheme",
			Config: cors.Config{AllowedOrigins: []string{"https://*.example.com"}},
			Method: "GET", Headers: map[string]string{"Origin": "http://preview-42.example.com"},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			Name:   "credentials with listed origins",
			Config: cors.Config{AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true},
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                         "https://app.example.com",
				"Access-Control-Request-Method":  "POST",
				"Access-Control-Request-Headers": "authorization",
			},
			WantStatus: 204, WantApp: false,
			WantHeaders: map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Credentials": "true",
			},
		},
		{
			Name: "no origins configured: CORS is off", Config: cors.Config{},
			Method: "OPTIONS", Headers: map[string]string{
				"Origin":                        "https://app.example.com",
				"Access-Control-Request-Method": "POST",
			},
			WantStatus: 200, WantApp: true,
			WantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Vary": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			mw, err := cors.New(tt.Config)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			req := httptest.NewRequest(tt.Method, "/auth/users/me/", nil)
			for k, v := range tt.Headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			mw(app).ServeHTTP(rec, req)

			if rec.Code != tt.WantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.WantStatus)
			}
			if reached := rec.Header().Get("X-Reached-App") == "yes"; reached != tt.WantApp {
				t.Errorf("reached app = %v, want %v", reached, tt.WantApp)
			}
			for k, want := range tt.WantHeaders {
				if got := strings.Join(rec.Header().Values(k), ", "); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		Name    string
		Config  cors.Config
		WantErr string
	}{
		{"wildcard with credentials", cors.Config{AllowedOrigins: []string{"*"}, AllowCredentials: true}, "credentials"},
		{"wildcard among other origins", cors.Config{AllowedOrigins: []string{"https://a.example.com", "*"}}, "only one"},
		{"trailing slash", cors.Config{AllowedOrigins: []string{"http://localhost:3000/"}}, `"http://localhost:3000/"`},
		{"path", cors.Config{AllowedOrigins: []string{"https://app.example.com/login"}}, "no path"},
		{"no scheme", cors.Config{AllowedOrigins: []string{"app.example.com"}}, "scheme://host"},
		{"query", cors.Config{AllowedOrigins: []string{"https://app.example.com?x=1"}}, "scheme://host"},
		{"the null origin", cors.Config{AllowedOrigins: []string{"null"}}, "scheme://host"},
		{"two wildcards", cors.Config{AllowedOrigins: []string{"https://*.*.example.com"}}, "more than one wildcard"},
		{"negative max age", cors.Config{AllowedOrigins: []string{"https://a.example.com"}, MaxAge: -time.Second}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			_, err := cors.New(tt.Config)
			if err == nil {
				t.Fatal("New accepted the config")
			}
			if !strings.Contains(err.Error(), tt.WantErr) {
				t.Errorf("error %q does not mention %q", err, tt.WantErr)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	for _, origin := range []string{
		"https://app.example.com", "http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080",
		"https://*.example.com", "capacitor://localhost",
	} {
		if _, err := cors.New(cors.Config{AllowedOrigins: []string{origin}, AllowCredentials: true}); err != nil {
			t.Errorf("New rejected %q: %v", origin, err)
		}
	}
}

func TestMatcher(t *testing.T) {
	trusted := cors.Matcher([]string{"https://app.example.com", "https://*.preview.example.com", "*"})
	for origin, want := range map[string]bool{
		"https://app.example.com":          true,
		"HTTPS://APP.EXAMPLE.COM":          true,
		"https://pr-7.preview.example.com": true,
		"https://preview.example.com":      false, // the wildcard needs something in its place
		"http://app.example.com":           false,
		"https://app.example.com:8443":     false,
		"https://evil.example":             false, // "*" lets anyone read answers, not use cookies
		"null":                             false,
	} {
		if got := trusted(origin); got != want {
			t.Errorf("Matcher(%q) = %v, want %v", origin, got, want)
		}
	}
}
