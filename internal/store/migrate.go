package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/store/migrations"
	"github.com/gojoser/gojoser/internal/viewer"
)

// revisionTable records the migrations applied to a database.
const revisionTable = "gojoser_schema_revisions"

// migrationLock is the PostgreSQL advisory lock migrations run under, so that nodes starting together
// take turns: the first applies what is pending, the others then find nothing left to do.
const migrationLock int64 = 0x676f6a6f736572 // "gojoser"

// Migration states, as Status reports them.
const (
	StateApplied = "applied"
	// StateBaseline: recorded without being run, because the schema was already there (a database made
	// by auto-migration, adopted).
	StateBaseline = "baseline"
	StatePending  = "pending"
	// StateAdopt: pending, and the database was made by auto-migration, so this first migration will be
	// recorded as a baseline after checking that its tables and columns are there.
	StateAdopt = "adopt"
	// StateUnknown: applied by a newer gojoser; this build does not have the file.
	StateUnknown = "unknown"
)

// Migration is one migration and its state in a database.
type Migration struct {
	Version, Description, State string
	// At is when it was applied; zero while pending.
	At time.Time
}

// Migrate applies the pending migrations to the database at databaseURL, each in a transaction of its
// own, then makes sure the built-in roles exist. It holds a lock meanwhile (PostgreSQL: an advisory lock;
// SQLite: flock on a file beside the database), so any number of nodes may start at once. A database
// made by auto-migration (gojoser before versioned migrations) is adopted: its schema is checked against
// the first migration, which is then recorded as applied. It returns what it applied.
func Migrate(ctx context.Context, databaseURL string, log *slog.Logger) ([]Migration, error) {
	return migrateTo(ctx, databaseURL, log, "")
}

// migrateTo applies pending migrations up to and including version last ("": all of them).
func migrateTo(ctx context.Context, databaseURL string, log *slog.Logger, last string) ([]Migration, error) {
	u, dir, db, err := openMigrations(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// One connection: the lock, SQLite's foreign-key pragma and the transactions must share it.
	db.SetMaxOpenConns(1)
	if u.Dialect == dburl.Postgres {
		if _, err := db.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return nil, fmt.Errorf("wait for the migration lock: %w", err)
		}
		// Closing the connection would release it too; this keeps a pooled connection from holding it.
		defer db.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	} else {
		unlock, err := lockSQLiteMigrations(ctx, u.Path)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	if _, err := db.ExecContext(ctx, createRevisions(u.Dialect)); err != nil {
		return nil, fmt.Errorf("create %s: %w", revisionTable, err)
	}
	// Look before opening a migration transaction: on SQLite that checks every foreign key, twice.
	states, err := status(ctx, db, u.Dialect, dir)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	if slices.ContainsFunc(states, func(m Migration) bool { return m.State == StatePending || m.State == StateAdopt }) {
		for {
			m, err := step(ctx, db, u.Dialect, dir, last, log)
			if err != nil {
				return applied, err
			}
			if m == nil {
				break
			}
			log.Info("migration applied", "version", m.Version, "description", m.Description)
			applied = append(applied, *m)
		}
	}
	if unknown := versionsIn(states, StateUnknown); len(unknown) > 0 {
		log.Warn("the database has migrations this build does not know: a newer gojoser applied them", "versions", unknown)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(migrations.EntDialect(u.Dialect), db)))
	err = client.Role.Create().SetName(viewer.AdminRole).OnConflictColumns(role.FieldName).DoNothing().Exec(ctx)
	// DoNothing reports sql.ErrNoRows on some dialects when the row already exists.
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return applied, fmt.Errorf("create built-in roles: %w", err)
	}
	return applied, nil
}

// Status lists the migrations of this build and any the database has beyond them, in version order,
// without changing anything.
func Status(ctx context.Context, databaseURL string) ([]Migration, error) {
	u, dir, db, err := openMigrations(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return status(ctx, db, u.Dialect, dir)
}

func openMigrations(ctx context.Context, databaseURL string) (dburl.URL, migrate.Dir, *sql.DB, error) {
	u, err := dburl.Parse(databaseURL)
	if err != nil {
		return u, nil, nil, fmt.Errorf("GOJOSER_DATABASE_URL %w", err)
	}
	dir, err := migrations.Dir(u.Dialect)
	if err != nil {
		return u, nil, nil, err
	}
	if err := migrate.Validate(dir); err != nil {
		return u, nil, nil, fmt.Errorf("migration files: %w", err)
	}
	db, err := connect(ctx, u)
	return u, dir, db, err
}

func status(ctx context.Context, q schema.ExecQuerier, d dburl.Dialect, dir migrate.Dir) ([]Migration, error) {
	files, err := dir.Files()
	if err != nil {
		return nil, err
	}
	var revs []*migrate.Revision
	if ok, err := hasTable(ctx, q, d, revisionTable); err != nil {
		return nil, err
	} else if ok {
		if revs, err = (&revisions{q: q, dialect: d}).ReadRevisions(ctx); err != nil {
			return nil, err
		}
	}
	legacy := false
	if len(revs) == 0 {
		if legacy, err = hasTable(ctx, q, d, "users"); err != nil {
			return nil, err
		}
	}
	out := make([]Migration, 0, len(files))
	for i, f := range files {
		m := Migration{Version: f.Version(), Description: f.Desc(), State: StatePending}
		idx := slices.IndexFunc(revs, func(r *migrate.Revision) bool { return r.Version == f.Version() })
		switch {
		case idx >= 0:
			m.At, m.State = revs[idx].ExecutedAt, StateApplied
			if revs[idx].Type.Has(migrate.RevisionTypeBaseline) {
				m.State = StateBaseline
			}
		case len(revs) > 0 && revs[0].Type.Has(migrate.RevisionTypeBaseline) && f.Version() < revs[0].Version:
			m.State = StateBaseline
		case i == 0 && legacy:
			m.State = StateAdopt
		}
		out = append(out, m)
	}
	for _, r := range revs {
		if !slices.ContainsFunc(files, func(f migrate.File) bool { return f.Version() == r.Version }) {
			out = append(out, Migration{Version: r.Version, Description: r.Description, State: StateUnknown, At: r.ExecutedAt})
		}
	}
	slices.SortStableFunc(out, func(a, b Migration) int { return strings.Compare(a.Version, b.Version) })
	return out, nil
}

func versionsIn(ms []Migration, state string) []string {
	var vs []string
	for _, m := range ms {
		if m.State == state {
			vs = append(vs, m.Version)
		}
	}
	return vs
}

// step applies the first pending migration, up to version last, in a transaction of its own. It
// returns nil when there is none.
func step(ctx context.Context, db *sql.DB, d dburl.Dialect, dir migrate.Dir, last string, log *slog.Logger) (_ *Migration, err error) {
	tx, err := begin(ctx, db, d)
	if err != nil {
		return nil, fmt.Errorf("begin migration: %w", err)
	}
	done := false
	defer func() {
		if !done {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	drv, err := openAtlas(d, tx)
	if err != nil {
		return nil, err
	}
	rrw := &revisions{q: tx, dialect: d}
	revs, err := rrw.ReadRevisions(ctx)
	if err != nil {
		return nil, err
	}
	opt := migrate.WithAllowDirty(true) // a PostgreSQL schema may hold other applications' tables
	if len(revs) == 0 {
		legacy, err := hasTable(ctx, tx, d, "users")
		if err != nil {
			return nil, err
		}
		if legacy {
			files, err := dir.Files()
			if err != nil || len(files) == 0 {
				return nil, fmt.Errorf("no migration files: %v", err)
			}
			if err := checkAdoptable(ctx, tx, d); err != nil {
				return nil, err
			}
			log.Info("adopting a database made by auto-migration: its schema is that of the first migration", "baseline", files[0].Version())
			opt = migrate.WithBaselineVersion(files[0].Version())
		}
	}
	ex, err := migrate.NewExecutor(drv, dir, rrw, opt, migrate.WithOperatorVersion("gojoser"))
	if err != nil {
		return nil, err
	}
	pending, err := ex.Pending(ctx)
	if errors.Is(err, migrate.ErrNoPendingFiles) || (err == nil && last != "" && pending[0].Version() > last) {
		done = true
		return nil, tx.Commit() // keeps a baseline revision that Pending wrote
	}
	if err != nil {
		return nil, err
	}
	f := pending[0]
	if err := ex.Execute(ctx, f); err != nil {
		return nil, fmt.Errorf("migration %s: %w", f.Name(), err)
	}
	done = true
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("migration %s: commit: %w", f.Name(), err)
	}
	return &Migration{Version: f.Version(), Description: f.Desc(), State: StateApplied, At: time.Now()}, nil
}

type migrationTx interface {
	schema.ExecQuerier
	Commit() error
	Rollback() error
}

func begin(ctx context.Context, db *sql.DB, d dburl.Dialect) (migrationTx, error) {
	if d == dburl.SQLite {
		// Foreign keys off around the transaction (SQLite ignores the pragma inside one): rebuilding a
		// table drops it, and a drop with them on would cascade to the rows that refer to it. Atlas checks
		// that no new violation is left before it commits.
		return sqlite.OpenTx(ctx, db, nil)
	}
	return db.BeginTx(ctx, nil)
}

func openAtlas(d dburl.Dialect, q schema.ExecQuerier) (migrate.Driver, error) {
	if d == dburl.SQLite {
		return sqlite.Open(q)
	}
	return postgres.Open(q)
}

// checkAdoptable makes sure that a database with gojoser's tables and no record of migrations has every
// table and column of the first migration, so that recording it as applied is true.
func checkAdoptable(ctx context.Context, q schema.ExecQuerier, d dburl.Dialect) error {
	want, err := baselineColumns(ctx)
	if err != nil {
		return err
	}
	have, err := columns(ctx, q, d)
	if err != nil {
		return err
	}
	var missing []string
	for c := range want {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("cannot adopt this database: it has a users table and no record of migrations, but lacks %s "+
		"of the schema the migrations start from; if an older gojoser made it, start the last release without "+
		"versioned migrations on it once (its auto-migration completes the schema), then this one",
		strings.Join(missing, ", "))
}

// baselineColumns are the table.column names the first migration creates. Names are the same in every
// dialect, so the SQLite file, replayed in memory, answers for both.
func baselineColumns(ctx context.Context) (map[string]bool, error) {
	dir, err := migrations.Dir(dburl.SQLite)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // each connection to :memory: is a database of its own
	drv, err := sqlite.Open(db)
	if err != nil {
		return nil, err
	}
	ex, err := migrate.NewExecutor(drv, dir, &migrate.NopRevisionReadWriter{})
	if err != nil {
		return nil, err
	}
	if err := ex.ExecuteN(ctx, 1); err != nil {
		return nil, fmt.Errorf("replay the first migration: %w", err)
	}
	return columns(ctx, db, dburl.SQLite)
}

func columns(ctx context.Context, q schema.ExecQuerier, d dburl.Dialect) (map[string]bool, error) {
	query := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	if d == dburl.SQLite {
		query = `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		cols[t+"."+c] = true
	}
	return cols, rows.Err()
}

func hasTable(ctx context.Context, q schema.ExecQuerier, d dburl.Dialect, name string) (bool, error) {
	query := `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	if d == dburl.SQLite {
		query = `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	}
	rows, err := q.QueryContext(ctx, query, name)
	if err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return false, err
		}
	}
	return n > 0, rows.Err()
}
