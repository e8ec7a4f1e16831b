// Package store opens the database behind Ent: an embedded SQLite file by default, PostgreSQL through
// pgx in production. It also owns schema migration and the transaction helper services use.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite", pure Go

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/meta"
	"github.com/gojoser/gojoser/ent/role"
	_ "github.com/gojoser/gojoser/ent/runtime" // schema defaults and hooks
	"github.com/gojoser/gojoser/internal/viewer"
)

// Open connects to databaseURL ("sqlite:<path>" or "postgres://...") and returns an Ent client.
func Open(databaseURL string) (*ent.Client, error) {
	drv, err := openDriver(databaseURL)
	if err != nil {
		return nil, err
	}
	return ent.NewClient(ent.Driver(drv)), nil
}

func openDriver(databaseURL string) (*entsql.Driver, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		db, err := sql.Open("sqlite", sqliteDSN(strings.TrimPrefix(databaseURL, "sqlite:")))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		return entsql.OpenDB(dialect.SQLite, db), nil
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		db, err := sql.Open("pgx", databaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(32)
		db.SetConnMaxIdleTime(5 * time.Minute)
		return entsql.OpenDB(dialect.Postgres, db), nil
	}
	return nil, fmt.Errorf("unsupported database URL scheme (want sqlite: or postgres://)")
}

// sqliteDSN puts the pragmas in the DSN so that every pooled connection gets them, not only the first.
// _txlock=immediate takes the write lock at BEGIN: concurrent writers then wait on busy_timeout instead of
// failing with SQLITE_BUSY when a read transaction tries to upgrade.
func sqliteDSN(path string) string {
	path = strings.TrimPrefix(path, "//")
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Migrate creates or upgrades the schema and the built-in roles. It is idempotent.
func Migrate(ctx context.Context, c *ent.Client) error {
	if err := c.Schema.Create(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	err := c.Role.Create().SetName(viewer.AdminRole).OnConflictColumns(role.FieldName).DoNothing().Exec(ctx)
	// DoNothing reports sql.ErrNoRows on some dialects when the row already exists.
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("create built-in roles: %w", err)
	}
	return nil
}

// WithTx runs fn in a transaction, committing when fn returns nil and rolling back otherwise.
func WithTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := c.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// secretKeyName is the Meta row holding the generated secret key.
const secretKeyName = "secret_key"

// SecretKey returns the key generated for this database, creating it on first use. Every node that
// shares the database shares the key, so links minted by one node check on another.
func SecretKey(ctx context.Context, c *ent.Client) ([]byte, error) {
	if m, err := c.Meta.Query().Where(meta.Key(secretKeyName)).Only(ctx); err == nil {
		return m.Value, nil
	} else if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	err := c.Meta.Create().SetKey(secretKeyName).SetValue(key).OnConflictColumns(meta.FieldKey).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store secret key: %w", err)
	}
	// Another node may have won the race; its key is the one.
	m, err := c.Meta.Query().Where(meta.Key(secretKeyName)).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	return m.Value, nil
}

// IsPostgres reports whether databaseURL names a PostgreSQL database.
func IsPostgres(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://")
}
