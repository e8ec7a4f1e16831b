// Package store opens the database behind Ent: an embedded SQLite file by default, PostgreSQL through
// pgx in production. It also applies the versioned schema migrations (see migrate.go) and owns the
// transaction helper services use.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite", pure Go

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/meta"
	_ "github.com/gojoser/gojoser/ent/runtime" // schema defaults and hooks
	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/store/migrations"
)

// Open connects to databaseURL ("sqlite:<path>" or "postgres://...") and returns an Ent client. It does
// not touch the database; Migrate, which runs first, reports a database that cannot be reached.
func Open(databaseURL string) (*ent.Client, error) {
	c, _, err := OpenPool(databaseURL, nil)
	return c, err
}

// Opener opens a connection pool as sql.Open does; tracing passes one that instruments it.
type Opener func(driverName, dsn string) (*sql.DB, error)

// OpenPool is Open that also returns the connection pool behind the client, for what Ent does not
// offer: the pool's statistics, a ping, a connection of one's own (advisory locks). open, when not nil,
// opens the pool instead of sql.Open.
func OpenPool(databaseURL string, open Opener) (*ent.Client, *sql.DB, error) {
	u, err := dburl.Parse(databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("GOJOSER_DATABASE_URL %w", err)
	}
	if open == nil {
		open = sql.Open
	}
	db, err := openSQL(u, open)
	if err != nil {
		return nil, nil, err
	}
	if u.Dialect == dburl.Postgres {
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(32)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	return ent.NewClient(ent.Driver(entsql.OpenDB(migrations.EntDialect(u.Dialect), db))), db, nil
}

// OpenSQL opens u with the driver and the settings gojoser uses, for tools that need plain SQL.
func OpenSQL(u dburl.URL) (*sql.DB, error) {
	return openSQL(u, sql.Open)
}

func openSQL(u dburl.URL, open Opener) (*sql.DB, error) {
	if u.Dialect == dburl.SQLite {
		return open("sqlite", u.SQLiteDSN())
	}
	return open("pgx", u.Raw)
}

// connect opens u and checks that the database answers, explaining the usual reasons it does not.
func connect(ctx context.Context, u dburl.URL) (*sql.DB, error) {
	db, err := OpenSQL(u)
	if err != nil {
		return nil, fmt.Errorf("GOJOSER_DATABASE_URL: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, describeConnectError(u, err)
	}
	return db, nil
}

func describeConnectError(u dburl.URL, err error) error {
	if u.Dialect == dburl.SQLite {
		return fmt.Errorf("GOJOSER_DATABASE_URL: cannot open the SQLite database %q (does its directory exist, and may "+
			"gojoser write there?): %w", u.Path, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" /* invalid_catalog_name */ {
		if c, perr := pgx.ParseConfig(u.Raw); perr == nil {
			return fmt.Errorf("GOJOSER_DATABASE_URL: the PostgreSQL database %q does not exist on %s:%d; create it "+
				"first: createdb -h %s -p %d -U %s %s", c.Database, c.Host, c.Port, c.Host, c.Port, c.User, c.Database)
		}
	}
	return fmt.Errorf("GOJOSER_DATABASE_URL: cannot connect to %s: %w", dburl.Redact(u.Raw), err)
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
	u, err := dburl.Parse(databaseURL)
	return err == nil && u.Dialect == dburl.Postgres
}
