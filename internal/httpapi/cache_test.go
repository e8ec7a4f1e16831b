package httpapi_test

import (
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestAuthCacheAcrossNodes runs two gojoser nodes on one PostgreSQL database. Node B serves a token
// from its cache; revocations and changes made through node A must reach B at once (LISTEN/NOTIFY),
// not after the cache TTL.
func TestAuthCacheAcrossNodes(t *testing.T) {
	var pg *apitest.DB
	for _, db := range apitest.DBs(t) {
		if db.Name == "postgres" {
			pg = &db
		}
	}
	if pg == nil {
		t.Skip("needs PostgreSQL")
	}
	url := pg.NewURL(t)
	settings := map[string]string{"AUTH_CACHE_TTL": "1h"}
	a := &mailEnv{Server: apitest.StartOn(t, url, settings, app.Options{})}
	b := &mailEnv{Server: apitest.StartOn(t, url, settings, app.Options{})}
	a.Register(t, "node", "node@example.com", pw)
	_, rootKey := a.Superuser(t, "root", pw)
	key := a.Login(t, "node", pw)
	other := a.Login(t, "node", pw)
	me := `{"email":"node@example.com","id":1,"username":"node"}`
	b.expect(t, "GET", "/auth/users/me/", "", key, 200, me) // now cached on b
	b.expect(t, "GET", "/auth/users/me/roles/", "", key, 200, `{"roles":[]}`)

	eventually := func(what string, check func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !check() {
			if time.Now().After(deadline) {
				t.Fatalf("node b still serves stale auth after %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	got := func(k, path string) string { _, body := b.call(t, "GET", path, "", k); return body }

	a.expect(t, "PUT", "/auth/users/1/roles/admin/", "", rootKey, 204, "")
	eventually("a role grant", func() bool { return got(key, "/auth/users/me/roles/") == `{"roles":["admin"]}` })

	a.expect(t, "PATCH", "/auth/users/me/", `{"email":"moved@example.com"}`, key, 200, `{"email":"moved@example.com","id":1,"username":"node"}`)
	eventually("an email change", func() bool {
		return got(key, "/auth/users/me/") == `{"email":"moved@example.com","id":1,"username":"node"}`
	})

	a.expect(t, "POST", "/auth/token/logout/", "", key, 204, "")
	eventually("a logout", func() bool { return got(key, "/auth/users/me/") == `{"detail":"Invalid token."}` })
	b.expect(t, "GET", "/auth/users/me/", "", other, 200, `{"email":"moved@example.com","id":1,"username":"node"}`)

	a.expect(t, "DELETE", "/auth/users/me/", `{"current_password":"`+pw+`"}`, other, 204, "")
	eventually("a deletion", func() bool { return got(other, "/auth/users/me/") == `{"detail":"Invalid token."}` })
}
