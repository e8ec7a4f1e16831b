package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gojoser/gojoser/ent/auditevent"
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

		// An audit event older than GOJOSER_AUDIT_RETENTION (90 days) goes; the others stay.
		oldest, err := out.AuditEvent.Query().Order(auditevent.ByID()).FirstID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// time is immutable through Ent: an event is not edited, only aged here.
		if _, err := out.ExecContext(context.Background(), "UPDATE audit_events SET time = $1 WHERE id = $2", time.Now().Add(-91*24*time.Hour).UTC(), oldest); err != nil {
			t.Fatal(err)
		}
		events, _ := out.AuditEvent.Query().Count(context.Background())

		c.expect("tokens\t1\nrefresh_tokens\t0\noutbox\t0\naudit_events\t1\n", "cleanup")
		c.expect("tokens\t0\nrefresh_tokens\t0\noutbox\t0\naudit_events\t0\n", "cleanup") // nothing left
		if left, _ := out.AuditEvent.Query().Count(context.Background()); left != events-1 {
			t.Errorf("%d audit events left of %d", left, events)
		}
		if res, body := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + live}); res.StatusCode != http.StatusOK {
			t.Errorf("the token in use: %d %s", res.StatusCode, body)
		}
	})
}
