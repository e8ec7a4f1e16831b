package social

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/store"
)

// GitHub cannot run here, so this test stands in for it with an HTTP server that answers as GitHub
// documents its OAuth app flow and REST API (docs.github.com: "Authorizing OAuth apps", "REST API
// endpoints for users" and "for emails"), including its habit of answering a bad code with 200 and an
// error object, and PKCE S256. It checks what gojoser sends GitHub and how it reads the answers; the
// shared OAuth2 path (state, PKCE, exchange) also runs against a real OpenID Provider in httpapi's tests.
func TestGitHub(t *testing.T) {
	type grant struct{ challenge, redirect string }
	grants := map[string]grant{} // code -> what the authorization request carried
	var emails string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		if id == "" {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		g, ok := grants[r.PostForm.Get("code")]
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		if id != "gh-client" || secret != "gh-secret" || !ok || g.redirect != r.PostForm.Get("redirect_uri") ||
			b64.EncodeToString(sum[:]) != g.challenge {
			_, _ = io.WriteString(w, `{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"}`)
			return
		}
		delete(grants, r.PostForm.Get("code"))
		_, _ = io.WriteString(w, `{"access_token":"gho_16C7e42F292c6912E7710c838347Ae178B4a","scope":"read:user,user:email","token_type":"bearer"}`)
	})
	api := func(body *string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a" ||
				r.Header.Get("Accept") != "application/vnd.github+json" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"message":"Requires authentication","documentation_url":"https://docs.github.com/rest"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, *body)
		}
	}
	user := `{"login":"octocat","id":583231,"node_id":"MDQ6VXNlcjU4MzIzMQ==","type":"User","name":"The Octocat","email":null}`
	mux.HandleFunc("GET /user", api(&user))
	mux.HandleFunc("GET /user/emails", api(&emails))
	gh := httptest.NewServer(mux)
	defer gh.Close()

	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "social.db")
	if _, err := store.Migrate(context.Background(), dbURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const redirect = "https://app.example/cb"
	m := New(Config{Secret: []byte("0123456789abcdef0123456789abcdef"), AllowedRedirectURIs: []string{redirect},
		StateLifetime: time.Minute, DB: db, Log: slog.New(slog.DiscardHandler),
		Providers: []ProviderConfig{{Name: "github", GitHub: true, ClientID: "gh-client", ClientSecret: "gh-secret"}}})
	p := m.providers["github"].(*githubProvider)
	if p.endpoint.AuthURL != "https://github.com/login/oauth/authorize" || p.endpoint.TokenURL != "https://github.com/login/oauth/access_token" || p.api != "https://api.github.com" {
		t.Fatalf("GitHub endpoints %+v %s", p.endpoint, p.api)
	}
	p.endpoint = oauth2.Endpoint{AuthURL: "https://github.com/login/oauth/authorize", TokenURL: gh.URL + "/login/oauth/access_token"}
	p.api = gh.URL

	ctx := context.Background()
	browser := NewBrowserNonce()
	// authorize is GitHub's authorization page: the user agrees, and GitHub sends a code back.
	authorize := func(code string) (state string) {
		raw, err := m.Start(ctx, "github", redirect, browser)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(raw)
		q := u.Query()
		if u.Host != "github.com" || q.Get("client_id") != "gh-client" || q.Get("scope") != "read:user user:email" ||
			q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != redirect {
			t.Fatalf("authorization URL %s", raw)
		}
		grants[code] = grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		return q.Get("state")
	}

	emails = `[{"email":"octocat@github.com","verified":true,"primary":true,"visibility":"public"},{"email":"other@example.com","verified":false,"primary":false,"visibility":null}]`
	id, err := m.Finish(ctx, "github", "code-1", authorize("code-1"), browser)
	if err != nil {
		t.Fatal(err)
	}
	if id != (Identity{Provider: "github", Subject: "583231", Email: "octocat@github.com", EmailVerified: true, Username: "octocat"}) {
		t.Fatalf("identity %+v", id)
	}

	// An unverified primary address is not taken; a verified secondary one is.
	emails = `[{"email":"octocat@github.com","verified":false,"primary":true,"visibility":"public"},{"email":"octo@example.com","verified":true,"primary":false,"visibility":null}]`
	if id, err = m.Finish(ctx, "github", "code-2", authorize("code-2"), browser); err != nil || id.Email != "octo@example.com" || !id.EmailVerified {
		t.Fatalf("identity %+v, %v", id, err)
	}
	emails = `[{"email":"octocat@github.com","verified":false,"primary":true,"visibility":"public"}]`
	if id, err = m.Finish(ctx, "github", "code-3", authorize("code-3"), browser); err != nil || id.EmailVerified {
		t.Fatalf("identity %+v, %v", id, err)
	}

	// A code GitHub refuses (200 with an error object) is python-social-auth's AuthCanceled.
	state := authorize("code-4")
	if _, err := m.Finish(ctx, "github", "wrong-code", state, browser); !isMessage(err, drf.MsgSocialCanceled) {
		t.Fatalf("bad code: %v", err)
	}
}

func isMessage(err error, msg string) bool {
	var fe *drf.FieldErrors
	if !errors.As(err, &fe) {
		return false
	}
	b, _ := json.Marshal(fe)
	want, _ := json.Marshal(drf.Field(drf.NonField, msg))
	return string(b) == string(want)
}
