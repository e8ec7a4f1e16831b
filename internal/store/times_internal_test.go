package store

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/gojoser/gojoser/ent/outboxmessage"
	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/store/migrations"
)

// Before, SQLite stored times as Go's String(), e.g. "2026-11-30 15:39:40.66 +0100 CET m=+3.71": other
// tools could not read it, and the outbox compared such strings as text, across zones. A migration
// rewrites them to UTC in SQLite's format, exactly as the driver now writes new ones.
func TestSQLiteTimesOfGoStringFormAreRewritten(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := migrations.Dir(dburl.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrateTo(ctx, url, quiet, files[0].Version()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+url[len("sqlite:"):])
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`INSERT INTO users (id, username, email, password, is_active, date_joined, last_login, link_version, pending_email)
		 VALUES (1, 'alice', '', '!', 1, '2026-11-30 15:39:40.66 +0100 CET m=+3.710000001', '2026-11-30 14:39:40 +0000 UTC', 0, '')`,
		`INSERT INTO tokens (id, digest, created, last_used, expires_at, label, user_id)
		 VALUES (1, zeroblob(32), '2026-03-29 01:30:00.123456789 -0700 MST', NULL, '0001-01-01 00:00:00 +0000 UTC', '', 1)`,
		// 15:00 CET is 14:00 UTC, before the 14:30 UTC of the second: as text, it sorted after it.
		`INSERT INTO outbox_messages (id, kind, recipient, domain, protocol, site_name, status, attempts, next_attempt_at, last_error, created_at)
		 VALUES (1, 'k', '', '', '', '', 'pending', 0, '2026-11-30 15:00:00 +0100 CET m=+1.5', '', '2026-11-30 14:00:00 +0000 UTC'),
		        (2, 'k', '', '', '', '', 'pending', 0, '2026-11-30 14:30:00 +0000 UTC', '', '2026-11-30 14:00:00.5 +0000 UTC')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Migrate(ctx, url, quiet); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT date_joined || '' FROM users":                            "2026-11-30 14:39:40.66+00:00",
		"SELECT last_login || '' FROM users":                             "2026-11-30 14:39:40+00:00",
		"SELECT created || '' FROM tokens":                               "2026-03-29 08:30:00.123456789+00:00",
		"SELECT expires_at || '' FROM tokens":                            "0001-01-01 00:00:00+00:00",
		"SELECT next_attempt_at || '' FROM outbox_messages WHERE id = 1": "2026-11-30 14:00:00+00:00",
		"SELECT created_at || '' FROM outbox_messages WHERE id = 2":      "2026-11-30 14:00:00.5+00:00",
		"SELECT coalesce(last_used, 'null') FROM tokens":                 "null",
	} {
		var got string
		if err := raw.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}

	client, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	u, err := client.User.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 30, 14, 39, 40, 660_000_000, time.UTC); !u.DateJoined.Equal(want) {
		t.Errorf("date_joined reads back as %s, want %s", u.DateJoined, want)
	}
	due, err := client.OutboxMessage.Query().
		Where(outboxmessage.NextAttemptAtLTE(time.Date(2026, 11, 30, 14, 15, 0, 0, time.UTC))).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0] != 1 {
		t.Errorf("messages due by 14:15 UTC = %v, want [1]", due)
	}
}
