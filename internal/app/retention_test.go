package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/outboxmessage"
	"github.com/gojoser/gojoser/ent/refreshtoken"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/retention"
	"github.com/gojoser/gojoser/internal/store"
)

// expirable is a database with rows on both sides of every retention rule, made through the API and
// then aged from outside (as time would).
type expirable struct {
	s *apitest.Server
	c *ent.Client // an outsider's client
	// live is a token that must keep working; keep are the ids each rule must leave alone, gone those
	// it must delete.
	live       string
	keep, gone map[string][]int
}

func newExpirable(t *testing.T, s *apitest.Server) *expirable {
	t.Helper()
	ctx := context.Background()
	e := &expirable{s: s, c: s.Outsider(t), keep: map[string][]int{}, gone: map[string][]int{}}
	s.Register(t, "alice", "alice@example.com", pw)
	for range 5 {
		e.live = s.Login(t, "alice", pw) // the last one stays valid
	}
	for range 3 {
		if res, body := s.Do(t, "POST", "/auth/jwt/create/", "application/json", jsonBody(map[string]string{"username": "alice", "password": pw}), nil); res.StatusCode != http.StatusOK {
			t.Fatalf("jwt create: %d %s", res.StatusCode, body)
		}
	}
	for range 3 {
		if res, _ := s.Do(t, "POST", "/auth/users/reset_password/", "application/json", jsonBody(map[string]string{"email": "alice@example.com"}), nil); res.StatusCode != http.StatusNoContent {
			t.Fatalf("reset_password: %d", res.StatusCode)
		}
	}
	eventually(t, "the reset mails are sent", func() error {
		n, err := e.c.OutboxMessage.Query().Where(outboxmessage.StatusEQ(outboxmessage.StatusSent)).Count(ctx)
		if err == nil && n != 3 {
			err = fmt.Errorf("%d of 3 sent", n)
		}
		return err
	})
	now := time.Now().UTC()
	tokens, err := e.c.Token.Query().Order(token.ByID()).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refresh, err := e.c.RefreshToken.Query().Order(refreshtoken.ByID()).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mails, err := e.c.OutboxMessage.Query().Order(outboxmessage.ByID()).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Tokens: three expired long ago; one expired within the grace; the last one in use.
	e.age(t, token.Table, tokens[:3], token.FieldExpiresAt, now.Add(-retention.Grace-time.Hour))
	e.age(t, token.Table, tokens[3:4], token.FieldExpiresAt, now.Add(-retention.Grace/2))
	e.gone["tokens"], e.keep["tokens"] = tokens[:3], tokens[3:]
	// Refresh tokens: two expired long ago, one current.
	e.age(t, refreshtoken.Table, refresh[:2], refreshtoken.FieldExpiresAt, now.Add(-retention.Grace-time.Minute))
	e.gone["refresh_tokens"], e.keep["refresh_tokens"] = refresh[:2], refresh[2:]
	// Mail: two sent eight days ago, one sent just now, and one pending for as long (a message still
	// to deliver is never deleted, however old).
	e.age(t, outboxmessage.Table, mails[:2], outboxmessage.FieldNextAttemptAt, now.Add(-8*24*time.Hour))
	pending, err := e.c.OutboxMessage.Create().SetKind("password_reset").SetRecipient("alice@example.com").
		SetCreatedAt(now.Add(-30 * 24 * time.Hour)).SetNextAttemptAt(now.Add(24 * time.Hour)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.gone["outbox"], e.keep["outbox"] = slices.Clone(mails[:2]), append(slices.Clone(mails[2:]), pending.ID)
	// Webhook deliveries go the same way: delivered and failed ones eight days ago are deleted, one
	// still pending (retried for as long) is kept.
	for _, st := range []outboxmessage.Status{outboxmessage.StatusSent, outboxmessage.StatusFailed, outboxmessage.StatusPending} {
		d, err := e.c.OutboxMessage.Create().SetKind(outbox.KindWebhook).SetEndpoint("k").SetEventID("msg_" + string(st)).
			SetPayload(`{}`).SetStatus(st).SetNextAttemptAt(now.Add(-8 * 24 * time.Hour)).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st == outboxmessage.StatusPending {
			e.keep["outbox"] = append(e.keep["outbox"], d.ID)
		} else {
			e.gone["outbox"] = append(e.gone["outbox"], d.ID)
		}
	}
	return e
}

// age sets column of rows ids of table to at.
func (e *expirable) age(t *testing.T, table string, ids []int, column string, at time.Time) {
	t.Helper()
	var err error
	switch table {
	case token.Table:
		_, err = e.c.Token.Update().Where(token.IDIn(ids...)).SetExpiresAt(at).Save(context.Background())
	case refreshtoken.Table:
		_, err = e.c.RefreshToken.Update().Where(refreshtoken.IDIn(ids...)).SetExpiresAt(at).Save(context.Background())
	case outboxmessage.Table:
		_, err = e.c.OutboxMessage.Update().Where(outboxmessage.IDIn(ids...)).SetNextAttemptAt(at).Save(context.Background())
	}
	if err != nil {
		t.Fatalf("age %s: %v", table, err)
	}
}

// ids lists the ids left of the rule's table.
func (e *expirable) ids(t *testing.T, rule string) []int {
	t.Helper()
	ctx := context.Background()
	var ids []int
	var err error
	switch rule {
	case "tokens":
		ids, err = e.c.Token.Query().Order(token.ByID()).IDs(ctx)
	case "refresh_tokens":
		ids, err = e.c.RefreshToken.Query().Order(refreshtoken.ByID()).IDs(ctx)
	case "outbox":
		ids, err = e.c.OutboxMessage.Query().Order(outboxmessage.ByID()).IDs(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// check asserts that exactly the rows to keep are left and that the live token still works.
func (e *expirable) check(t *testing.T) {
	t.Helper()
	for rule, keep := range e.keep {
		if got := e.ids(t, rule); !slices.Equal(got, keep) {
			t.Errorf("%s left: %v, want %v", rule, got, keep)
		}
	}
	if res, body := e.s.Do(t, "GET", "/auth/users/me/", "", "", auth(e.live)); res.StatusCode != http.StatusOK {
		t.Errorf("the token in use stopped working: %d %s", res.StatusCode, body)
	}
}

func (e *expirable) want() []retention.Count {
	return []retention.Count{{Rule: "tokens", Deleted: len(e.gone["tokens"])},
		{Rule: "refresh_tokens", Deleted: len(e.gone["refresh_tokens"])}, {Rule: "outbox", Deleted: len(e.gone["outbox"])}}
}

// janitor is another node's retention job on the server's database, deleting batch rows at a time.
func janitor(t *testing.T, databaseURL string, batch int) (*retention.Janitor, *ent.Client) {
	t.Helper()
	c, pool, err := store.OpenPool(databaseURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d := dialect.SQLite
	if store.IsPostgres(databaseURL) {
		d = dialect.Postgres
	}
	j := retention.New(retention.Options{Postgres: store.IsPostgres(databaseURL), Pool: pool, Batch: batch, Log: discard()})
	j.Register(retention.Builtin(c, d, 7*24*time.Hour)...)
	return j, c
}

func TestCleanupDeletesExpiredRowsInBatches(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"TOKEN_TTL": "1h", "CLEANUP_INTERVAL": "0"})
		e := newExpirable(t, s)
		// Batches of one: every rule needs several statements.
		j, _ := janitor(t, s.DatabaseURL, 1)
		counts, err := j.Cleanup(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(counts, e.want()) {
			t.Errorf("counts %v, want %v", counts, e.want())
		}
		e.check(t)
		// Nothing is left to delete.
		counts, err = j.Cleanup(context.Background())
		if err != nil || counts[0].Deleted+counts[1].Deleted+counts[2].Deleted != 0 {
			t.Errorf("second cleanup: %v %v", counts, err)
		}
	})
}

func TestRetentionRunsPeriodically(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"TOKEN_TTL": "1h", "CLEANUP_INTERVAL": "50ms"})
		e := newExpirable(t, s)
		eventually(t, "the periodic cleanup", func() error {
			for rule, keep := range e.keep {
				if got := e.ids(t, rule); !slices.Equal(got, keep) {
					return fmt.Errorf("%s left: %v, want %v", rule, got, keep)
				}
			}
			return nil
		})
		e.check(t)
	})
}

// TestRetentionOneNodeAtATime runs two nodes' janitors on one PostgreSQL database, each with its own
// connections: while one runs, the other's periodic round is skipped and an on-demand cleanup waits
// (on the database's advisory lock, not on anything in this process), then runs.
func TestRetentionOneNodeAtATime(t *testing.T) {
	db := apitest.Postgres(t)
	s := apitest.Start(t, db, map[string]string{"CLEANUP_INTERVAL": "0"})
	a, _ := janitor(t, s.DatabaseURL, 100)
	b, bc := janitor(t, s.DatabaseURL, 100)
	var mu sync.Mutex
	var order []string
	record := func(what string) {
		mu.Lock()
		order = append(order, what)
		mu.Unlock()
	}
	inA, releaseA := make(chan struct{}), make(chan struct{})
	a.Register(retention.Rule{Name: "slow", Delete: func(ctx context.Context, _ time.Time, _ int) (int, error) {
		record("a")
		close(inA)
		<-releaseA
		return 0, nil
	}})
	b.Register(retention.Rule{Name: "probe", Delete: func(context.Context, time.Time, int) (int, error) {
		record("b")
		return 0, nil
	}})

	aDone := make(chan error, 1)
	go func() { _, err := a.Cleanup(context.Background()); aDone <- err }()
	<-inA
	if _, ran, err := b.TryCleanup(context.Background()); err != nil || ran {
		t.Fatalf("b's periodic round while a runs: ran %v, err %v; want skipped", ran, err)
	}
	bDone := make(chan error, 1)
	go func() { _, err := b.Cleanup(context.Background()); bDone <- err }()
	// b waits on the advisory lock, as PostgreSQL shows.
	eventually(t, "b waiting on the lock", func() error {
		var n int
		rows, err := bc.QueryContext(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND datname = current_database()")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				return err
			}
		}
		if n != 1 {
			return fmt.Errorf("%d sessions waiting on an advisory lock", n)
		}
		return nil
	})
	close(releaseA)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []string{"a", "b"}) {
		t.Errorf("rules ran in order %v, want a then b", order)
	}
	// The lock is free again: a periodic round runs.
	if _, ran, err := b.TryCleanup(context.Background()); err != nil || !ran {
		t.Errorf("periodic round after both: ran %v, err %v", ran, err)
	}
}
