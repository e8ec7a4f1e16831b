package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestCleanup runs `gojoser cleanup` against a served database and reads its report.
func TestCleanup(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		s := c.server(map[string]string{"TOKEN_TTL": "1h", "CLEANUP_INTERVAL": "0"}, app.Options{})
		s.Register(t, "alice", "alice@example.com", pw)
		s.Login(t, "alice", pw)
		live := s.Login(t, "alice", pw)
		out := s.Outsider(t)
		first, err := out.Token.Query().Order(token.ByID()).FirstID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Token.UpdateOneID(first).SetExpiresAt(time.Now().Add(-3 * time.Hour)).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}

		c.expect("tokens\t1\nrefresh_tokens\t0\noutbox\t0\n", "cleanup")
		c.expect("tokens\t0\nrefresh_tokens\t0\noutbox\t0\n", "cleanup") // nothing left
		if res, body := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + live}); res.StatusCode != http.StatusOK {
			t.Errorf("the token in use: %d %s", res.StatusCode, body)
		}
	})
}
