package httpapi_test

import (
	"context"
	encjson "encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/apitest"
)

type session struct {
	ID       int     `json:"id"`
	Label    string  `json:"label"`
	LastUsed *string `json:"last_used"`
	Expires  *string `json:"expires"`
	Current  bool    `json:"current"`
}

// sessions GETs a session list with the token key.
func sessions(t *testing.T, s *apitest.Server, path, key string) []session {
	t.Helper()
	status, body := s.Call(t, "GET", path, "", key)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var out []session
	if err := encjson.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSessions(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		e.Register(t, "zoe", "zoe@example.com", pw)
		e.Register(t, "abe", "abe@example.com", pw)
		_, rootKey := e.Superuser(t, "root", pw)
		login := func(user, label string) string {
			status, body := e.Call(t, "POST", "/auth/token/login/", fmt.Sprintf(`{"username":%q,"password":%q,"label":%q}`, user, pw, label), "")
			if status != 200 {
				t.Fatalf("login: %d %s", status, body)
			}
			var out struct {
				AuthToken string `json:"auth_token"`
			}
			_ = encjson.Unmarshal([]byte(body), &out)
			return out.AuthToken
		}
		laptop, phone := login("zoe", "laptop"), login("zoe", "phone")
		abe := login("abe", "")

		ss := sessions(t, e.Server, "/auth/token/", phone)
		if len(ss) != 2 || ss[0].Label != "phone" || !ss[0].Current || ss[1].Label != "laptop" || ss[1].Current || ss[0].Expires != nil {
			t.Fatalf("sessions %+v", ss)
		}
		status, body := e.Call(t, "GET", "/auth/token/", "", phone)
		if strings.Contains(body, laptop) || strings.Contains(body, phone) || status != 200 {
			t.Fatal("the session list shows a key")
		}
		laptopID := ss[1].ID
		// Uses are written back in the background; once flushed, the list shows when a token was last used.
		if err := e.App.Auth.FlushTouches(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ss := sessions(t, e.Server, "/auth/token/", phone); ss[0].LastUsed == nil || ss[1].LastUsed != nil {
			t.Fatalf("last_used after a flush: %+v", ss)
		}
		abeID := sessions(t, e.Server, "/auth/token/", abe)[0].ID

		// Nobody sees or revokes another user's tokens, except an admin.
		e.Expect(t, "DELETE", fmt.Sprintf("/auth/token/%d/", abeID), "", phone, 404, `{"detail":"Not found."}`)
		e.Expect(t, "GET", "/auth/users/2/tokens/", "", phone, 403, `{"detail":"You do not have permission to perform this action."}`)
		if got := sessions(t, e.Server, "/auth/users/2/tokens/", rootKey); len(got) != 1 || got[0].ID != abeID {
			t.Fatalf("admin view of abe's sessions: %+v", got)
		}
		e.Expect(t, "GET", "/auth/users/99/tokens/", "", rootKey, 404, `{"detail":"Not found."}`)
		e.Expect(t, "DELETE", fmt.Sprintf("/auth/token/%d/", abeID), "", rootKey, 204, "")
		e.Expect(t, "GET", "/auth/users/me/", "", abe, 401, `{"detail":"Invalid token."}`)

		e.Expect(t, "DELETE", fmt.Sprintf("/auth/token/%d/", laptopID), "", phone, 204, "")
		e.Expect(t, "GET", "/auth/users/me/", "", laptop, 401, `{"detail":"Invalid token."}`)
		e.Expect(t, "DELETE", "/auth/token/abc/", "", phone, 404, `{"detail":"Not found."}`)

		// Log out everywhere: opaque tokens and JWT refresh tokens alike.
		refresh, _ := pair(t, e.Server, "zoe", pw)
		other := login("zoe", "tablet")
		e.Expect(t, "POST", "/auth/token/logoutall/", "", phone, 204, "")
		e.Expect(t, "GET", "/auth/users/me/", "", phone, 401, `{"detail":"Invalid token."}`)
		e.Expect(t, "GET", "/auth/users/me/", "", other, 401, `{"detail":"Invalid token."}`)
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)

		// The token routes keep Djoser's Allow header despite /auth/token/{id}/.
		res, _ := e.Do(t, "GET", "/auth/token/login/", "", "", nil)
		if res.StatusCode != 405 || res.Header.Get("Allow") != "POST, OPTIONS" {
			t.Fatalf("GET /auth/token/login/: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
		}
	})
}

func TestTokenTTL(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"TOKEN_TTL": "1h"})
		e.Register(t, "bea", "bea@example.com", pw)
		key := e.Login(t, "bea", pw)
		me := `{"email":"bea@example.com","id":1,"username":"bea"}`
		if ss := sessions(t, e.Server, "/auth/token/", key); ss[0].Expires == nil {
			t.Fatalf("no expiry with GOJOSER_TOKEN_TTL: %+v", ss)
		}
		// Used within the hour, the token slides forward.
		e.Clock.Advance(50 * time.Minute)
		e.Expect(t, "GET", "/auth/users/me/", "", key, 200, me)
		e.Clock.Advance(50 * time.Minute)
		e.Expect(t, "GET", "/auth/users/me/", "", key, 200, me)
		// Unused for an hour, it expires.
		e.Clock.Advance(61 * time.Minute)
		e.Expect(t, "GET", "/auth/users/me/", "", key, 401, `{"detail":"Invalid token."}`)
	})
}

// tokenSource feeds the generated client's security hook.
type tokenSource string

func (s tokenSource) TokenAuth(context.Context, oas.OperationName) (oas.TokenAuth, error) {
	return oas.TokenAuth{APIKey: string(s)}, nil
}

// TestGeneratedClient drives the server with the ogen client generated from the same spec, as an
// API-first Go consumer would.
func TestGeneratedClient(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		ctx := context.Background()
		anon, err := oas.NewClient(s.URL, tokenSource(""))
		if err != nil {
			t.Fatal(err)
		}
		created, err := anon.CreateUser(ctx, &oas.UserCreateRequest{
			Username: oas.NewOptNilString("cleo"), Email: oas.NewOptNilString("cleo@example.com"), Password: oas.NewOptNilString(pw),
		})
		if err != nil {
			t.Fatal(err)
		}
		if u, ok := created.(*oas.UserCreated); !ok || u.Username != "cleo" || u.ID != 1 {
			t.Fatalf("CreateUser = %#v", created)
		}
		res, err := anon.TokenLogin(ctx, &oas.TokenCreateRequest{Username: oas.NewOptNilString("cleo"), Password: oas.NewOptNilString(pw)})
		if err != nil {
			t.Fatal(err)
		}
		tok := res.(*oas.TokenCreated).AuthToken
		c, err := oas.NewClient(s.URL, tokenSource("Token "+tok))
		if err != nil {
			t.Fatal(err)
		}
		me, err := c.GetMe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if u, ok := me.(*oas.User); !ok || *u != (oas.User{Email: "cleo@example.com", ID: 1, Username: "cleo"}) {
			t.Fatalf("GetMe = %#v", me)
		}
		bad, err := anon.GetMe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := bad.(*oas.ErrorDetail); !ok || d.Detail != "Authentication credentials were not provided." {
			t.Fatalf("anonymous GetMe = %#v", bad)
		}
	})
}

func TestDocsAndCORS(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example"})
		res, body := s.Do(t, "GET", "/openapi.yaml", "", "", nil)
		if res.StatusCode != 200 || !strings.HasPrefix(string(body), "openapi: 3.1.0") {
			t.Fatalf("/openapi.yaml: %d", res.StatusCode)
		}
		res, body = s.Do(t, "GET", "/docs/", "", "", nil)
		if res.StatusCode != 200 || !strings.Contains(string(body), "<html") {
			t.Fatalf("/docs/: %d", res.StatusCode)
		}
		// Preflight from the allowed origin, answered before the API sees it.
		res, _ = s.Do(t, "OPTIONS", "/auth/users/me/", "", "", map[string]string{
			"Origin": "https://app.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization",
		})
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
			!strings.Contains(strings.ToLower(res.Header.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
		}
		res, _ = s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Origin": "https://app.example"})
		if res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Www-Authenticate") && !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Fatalf("CORS on an actual request: %v", res.Header)
		}
		res, _ = s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Origin": "https://evil.example"})
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("a foreign origin got CORS headers: %v", res.Header)
		}
	})
}

func TestStaticDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>app</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := apitest.DBs(t)[0]
	s := apitest.Start(t, db, map[string]string{"STATIC_DIR": dir})
	res, body := s.Do(t, "GET", "/", "", "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "<title>app</title>") {
		t.Fatalf("GET /: %d %s", res.StatusCode, body)
	}
	res, body = s.Do(t, "GET", "/auth/users/me/", "", "", nil)
	if res.StatusCode != 401 || string(body) != `{"detail":"Authentication credentials were not provided."}` {
		t.Fatalf("API behind the static dir: %d %s", res.StatusCode, body)
	}
}
