package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the driver gojoser uses for SQLite

	"github.com/gojoser/gojoser/internal/store/dburl"
)

// database is one target's fresh database: a PostgreSQL database made for this run, or a temp SQLite file.
type database struct {
	target   string
	url      string // GOJOSER_DATABASE_URL
	pgURL    string // pgx URL of the same database (pg only)
	sqlite   string // file path (sqlite only)
	dropOnce func()
}

func (d *database) drop() {
	if d.dropOnce != nil {
		d.dropOnce()
		d.dropOnce = nil
	}
}

func (h *harness) newDatabase(ctx context.Context, target string) (*database, error) {
	switch target {
	case "sqlite":
		p := filepath.Join(h.tmp, "bench.db")
		rm := func() {
			for _, s := range []string{"", "-wal", "-shm"} {
				os.Remove(p + s)
			}
		}
		rm()
		return &database{target: target, url: "sqlite:" + p, sqlite: p, dropOnce: rm}, nil
	case "pg":
		name := fmt.Sprintf("gojoser_bench_%d", os.Getpid())
		admin, err := pgx.Connect(ctx, h.opt.pgURL)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", redact(h.opt.pgURL), err)
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return nil, err
		}
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			return nil, fmt.Errorf("create database %s: %w", name, err)
		}
		u, err := url.Parse(h.opt.pgURL)
		if err != nil {
			return nil, err
		}
		u.Path = "/" + name
		q := u.Query()
		if q.Get("sslmode") == "" {
			q.Set("sslmode", "disable") // loopback; spare the TLS attempt for gojoser and the baseline alike
		}
		u.RawQuery = q.Encode()
		d := &database{target: target, url: u.String(), pgURL: u.String()}
		d.dropOnce = func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			admin, err := pgx.Connect(ctx, h.opt.pgURL)
			if err != nil {
				logf("drop %s: %v", name, err)
				return
			}
			defer admin.Close(ctx)
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				logf("drop %s: %v", name, err)
				return
			}
			logf("dropped database %s", name)
		}
		logf("created database %s", name)
		return d, nil
	}
	return nil, fmt.Errorf("unknown target %q", target)
}

func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// seed inserts users from+1 .. to (ids and usernames u<id>), each with one token whose key is
// h.keys[id-1], straight into the tables `gojoser migrate` made (see ent/migrate/schema.go).
func (h *harness) seed(ctx context.Context, db *database, from, to int) error {
	start := time.Now()
	var err error
	switch db.target {
	case "pg":
		err = h.seedPG(ctx, db.pgURL, from, to)
	case "sqlite":
		err = h.seedSQLite(ctx, db.sqlite, from, to)
	}
	if err != nil {
		return fmt.Errorf("seed users %d..%d: %w", from+1, to, err)
	}
	logf("%s: seeded users %d..%d with one token each in %s", db.target, from+1, to, time.Since(start).Round(time.Millisecond))
	return nil
}

func (h *harness) seedPG(ctx context.Context, pgURL string, from, to int) error {
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	now := time.Now().UTC()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	i := from
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "username", "email", "password", "is_active", "date_joined"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= to {
				return nil, nil
			}
			i++
			return []any{int64(i), userPrefix + itoa(i), userPrefix + itoa(i) + "@example.com", h.hash, true, now}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	i = from
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"tokens"},
		[]string{"id", "digest", "created", "label", "user_id"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= to {
				return nil, nil
			}
			i++
			return []any{int64(i), h.digest[i-1], now, "bench", int64(i)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy tokens: %w", err)
	}
	// Explicit ids leave the identity sequences behind; move them past the seeded rows so that
	// registrations and logins get fresh ids.
	for _, t := range []string{"users", "tokens"} {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", t, t)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("advance %s id sequence: %w", t, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	// Leave the tables as autovacuum keeps a database that grew over time, as pgbench does before its
	// runs: statistics for the planner, and hint bits and the visibility map set. Otherwise, after a
	// million-row COPY, autovacuum's pass and first reads writing hint bits land in the measured runs.
	_, err = conn.Exec(ctx, "VACUUM (ANALYZE) users, tokens")
	return err
}

func (h *harness) seedSQLite(ctx context.Context, path string, from, to int) error {
	// gojoser's own DSN, so that seeded times are stored as gojoser stores them.
	u, err := dburl.Parse("sqlite:" + path + "?_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", u.SQLiteDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	now := time.Now().UTC()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const batch = 500
	insert := func(table, cols string, ncols, n int, row func(i int) []any, first int) error {
		ph := "(" + strings.TrimSuffix(strings.Repeat("?,", ncols), ",") + ")"
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", n), ",")
		args := make([]any, 0, n*ncols)
		for i := first; i < first+n; i++ {
			args = append(args, row(i)...)
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	userRow := func(i int) []any {
		id := i + 1
		return []any{id, userPrefix + itoa(id), userPrefix + itoa(id) + "@example.com", h.hash, true, now}
	}
	tokenRow := func(i int) []any {
		id := i + 1
		return []any{id, h.digest[i], now, "bench", id}
	}
	for i := from; i < to; i += batch {
		n := min(batch, to-i)
		if err := insert("users", "id, username, email, password, is_active, date_joined", 6, n, userRow, i); err != nil {
			return fmt.Errorf("insert users: %w", err)
		}
		if err := insert("tokens", "id, digest, created, label, user_id", 5, n, tokenRow, i); err != nil {
			return fmt.Errorf("insert tokens: %w", err)
		}
	}
	return tx.Commit()
}

func itoa(i int) string { return strconv.Itoa(i) }
