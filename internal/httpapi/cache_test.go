package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestAuthCacheAcrossNodes runs two gojoser nodes on one PostgreSQL database. Node B serves a token
// from its cache; revocations and changes made through node A must reach B at once (LISTEN/NOTIFY),
// not after the cache TTL.
func TestAuthCacheAcrossNodes(t *testing.T) {
	t.Parallel()
	url := apitest.Postgres(t).NewURL(t)
	settings := map[string]string{"AUTH_CACHE_TTL": "1h"}
	a := apitest.StartOn(t, url, settings, app.Options{})
	b := apitest.StartOn(t, url, settings, app.Options{})
	a.Register(t, "node", "node@example.com", pw)
	_, rootKey := a.Superuser(t, "root", pw)
	key := a.Login(t, "node", pw)
	other := a.Login(t, "node", pw)
	me := `{"email":"node@example.com","id":1,"username":"node"}`
	b.Expect(t, "GET", "/auth/users/me/", "", key, 200, me) // now cached on b
	b.Expect(t, "GET", "/auth/users/me/roles/", "", key, 200, `{"roles":[]}`)

	a.Expect(t, "PUT", "/auth/users/1/roles/admin/", "", rootKey, 204, "")
	b.Eventually(t, "a role grant reaching node b", "/auth/users/me/roles/", key, `{"roles":["admin"]}`)

	a.Expect(t, "PATCH", "/auth/users/me/", `{"email":"moved@example.com"}`, key, 200, `{"email":"moved@example.com","id":1,"username":"node"}`)
	b.Eventually(t, "an email change reaching node b", "/auth/users/me/", key, `{"email":"moved@example.com","id":1,"username":"node"}`)

	a.Expect(t, "POST", "/auth/token/logout/", "", key, 204, "")
	b.Eventually(t, "a logout reaching node b", "/auth/users/me/", key, `{"detail":"Invalid token."}`)
	b.Expect(t, "GET", "/auth/users/me/", "", other, 200, `{"email":"moved@example.com","id":1,"username":"node"}`)

	a.Expect(t, "DELETE", "/auth/users/me/", `{"current_password":"`+pw+`"}`, other, 204, "")
	b.Eventually(t, "a deletion reaching node b", "/auth/users/me/", other, `{"detail":"Invalid token."}`)
}

// TestAuthCacheRefreshesTokensInUse: a token still in use past half the cache TTL is looked up again in
// the background, so changes made behind the server's back (manual SQL, another process on SQLite)
// reach it well before the TTL, while requests keep being answered from the cache.
func TestAuthCacheRefreshesTokensInUse(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"AUTH_CACHE_TTL": "10m"})
		e.Register(t, "fresh", "fresh@example.com", pw)
		key := e.Login(t, "fresh", pw)
		me := `{"email":"fresh@example.com","id":1,"username":"fresh"}`
		e.Expect(t, "GET", "/auth/users/me/", "", key, 200, me)

		ctx := context.Background()
		outsider := e.Outsider(t) // behind the server's back: around its invalidation hooks
		if err := outsider.User.UpdateOneID(1).SetUsername("renamed").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		e.Expect(t, "GET", "/auth/users/me/", "", key, 200, me) // cached, not yet due

		e.Clock.Advance(6 * time.Minute) // past half the TTL, far from its end
		e.Eventually(t, "a rename behind the server's back", "/auth/users/me/", key, `{"email":"fresh@example.com","id":1,"username":"renamed"}`)

		if err := outsider.User.UpdateOneID(1).SetIsActive(false).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(6 * time.Minute)
		e.Eventually(t, "a deactivation behind the server's back", "/auth/users/me/", key, `{"detail":"User inactive or deleted."}`)
	})
}

// TestAuthCacheWarmsOnStart: a node that starts (a deploy, a restart) loads the tokens used in the last
// minutes into its cache, so their next requests do not all go to the database at once.
func TestAuthCacheWarmsOnStart(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		url := db.NewURL(t)
		settings := map[string]string{"AUTH_CACHE_TTL": "10m"}
		a := apitest.StartOn(t, url, settings, app.Options{})
		a.Register(t, "warm", "warm@example.com", pw)
		used := a.Login(t, "warm", pw)
		idle := a.Login(t, "warm", pw)
		a.Expect(t, "GET", "/auth/users/me/", "", used, 200, `{"email":"warm@example.com","id":1,"username":"warm"}`)
		a.Stop() // writes the token use on the way out

		// idle was issued but never used since: a login does not count as a use.
		b := apitest.StartOn(t, url, settings, app.Options{})
		deadline := time.Now().Add(5 * time.Second)
		for b.App.Cache.Len() < 1 {
			if time.Now().After(deadline) {
				t.Fatal("the new node did not load the recently used token")
			}
			time.Sleep(10 * time.Millisecond)
		}
		// A rename behind the node's back shows which answers come from memory.
		if err := b.Outsider(t).User.UpdateOneID(1).SetUsername("renamed").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		b.Expect(t, "GET", "/auth/users/me/", "", used, 200, `{"email":"warm@example.com","id":1,"username":"warm"}`)
		b.Expect(t, "GET", "/auth/users/me/", "", idle, 200, `{"email":"warm@example.com","id":1,"username":"renamed"}`)
	})
}
