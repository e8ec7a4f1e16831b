package httpapi_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

// TestAPIRoot: GET /auth/ is DRF's DefaultRouter root, as Djoser answers it (contract §1).
func TestAPIRoot(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		host := strings.TrimPrefix(s.URL, "http://")
		s.Run(t, nil, []apitest.Scenario{
			{Name: "the root links to users on the request's host", Method: "GET", Path: "/auth/", Status: 200,
				Want:        `{"users":"http://` + host + `/auth/users/"}`,
				WantHeaders: map[string]string{"Allow": "GET, HEAD, OPTIONS", "Content-Type": "application/json"}},
			{Name: "the Host header names the site", Method: "GET", Path: "/auth/", Headers: map[string]string{"Host": "api.example.com"},
				Status: 200, Want: `{"users":"http://api.example.com/auth/users/"}`},
			{Name: "POST is not allowed, without authentication", Method: "POST", Path: "/auth/", Status: 405,
				Want: `{"detail":"Method \"POST\" not allowed."}`, WantHeaders: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
			{Name: "without the slash, a redirect", Method: "GET", Path: "/auth", Status: 301,
				WantHeaders: map[string]string{"Location": "/auth/"}},
			{Name: "an invalid token is refused even here", Method: "GET", Path: "/auth/",
				Headers: map[string]string{"Authorization": "Token deadbeef"}, Status: 401, Want: `{"detail":"Invalid token."}`},
		})
	})
}
