// Command gen writes gojoser's versioned migrations. After a change to ent/schema (and `go generate
// ./...`), run from the repository root:
//
//	go run ./internal/store/migrations/gen -name add_phone_number
//
// For each dialect it replays the migration directory on an empty scratch database, compares the result
// with ent/schema and writes the difference as internal/store/migrations/<dialect>/<version>_<name>.sql,
// updating atlas.sum. SQLite needs nothing; PostgreSQL needs a server on which it may create and drop a
// scratch database: GOJOSER_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres.
//
// -check writes nothing and exits 1 when a migration is missing. -hash only rewrites atlas.sum, after a
// hand-written data migration was added (a file named <version>_<name>.sql, version as the others').
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/store/migrations"
)

const root = "internal/store/migrations"

func main() {
	name := flag.String("name", "changes", "what the migration does, for its file name")
	check := flag.Bool("check", false, "write nothing; exit 1 if ent/schema needs a migration")
	hash := flag.Bool("hash", false, "only rewrite atlas.sum (after adding a hand-written migration)")
	flag.Parse()
	if err := run(context.Background(), *name, *check, *hash); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name string, check, hash bool) error {
	if _, err := os.Stat(root); err != nil {
		return fmt.Errorf("run me from the repository root: %w", err)
	}
	version, err := nextVersion()
	if err != nil {
		return err
	}
	stale := false
	for _, d := range migrations.Dialects {
		local, err := migrate.NewLocalDir(filepath.Join(root, string(d)))
		if err != nil {
			return err
		}
		if hash {
			if err := rehash(local); err != nil {
				return fmt.Errorf("%s: %w", d, err)
			}
			fmt.Printf("%s: atlas.sum rewritten\n", d)
			continue
		}
		var dir migrate.Dir = local
		if check {
			mem := &migrate.MemDir{}
			files, err := local.Files()
			if err != nil {
				return err
			}
			if err := mem.CopyFiles(files); err != nil {
				return err
			}
			if err := rehash(mem); err != nil {
				return err
			}
			dir = mem
		}
		before, err := dir.Files()
		if err != nil {
			return err
		}
		err = withScratch(ctx, d, func(dev *sql.DB) error { return migrations.Plan(ctx, d, dev, dir, version, name) })
		switch {
		case errors.Is(err, migrate.ErrNoPlan):
			fmt.Printf("%s: the migrations match ent/schema\n", d)
			continue
		case err != nil:
			return err
		}
		after, err := dir.Files()
		if err != nil {
			return err
		}
		for _, f := range after[len(before):] {
			if check {
				stale = true
				fmt.Printf("%s: ent/schema needs a migration:\n%s\n", d, f.Bytes())
			} else {
				fmt.Printf("%s: wrote %s\n", d, filepath.Join(root, string(d), f.Name()))
			}
		}
	}
	if stale {
		return errors.New("migration files are behind ent/schema: run go run ./internal/store/migrations/gen -name <what_changed>")
	}
	return nil
}

// nextVersion is now as YYYYMMDDhhmmss (UTC), or just after the newest file of any dialect when that is
// later (a hand-written file dated ahead): a new file must sort last, or databases that applied the
// newer one would refuse it as out of order.
func nextVersion() (string, error) {
	v := time.Now().UTC().Format("20060102150405")
	for _, d := range migrations.Dialects {
		dir, err := migrate.NewLocalDir(filepath.Join(root, string(d)))
		if err != nil {
			return "", err
		}
		files, err := dir.Files()
		if err != nil {
			return "", err
		}
		if n := len(files); n > 0 && files[n-1].Version() >= v {
			last, err := strconv.ParseInt(files[n-1].Version(), 10, 64)
			if err != nil {
				return "", fmt.Errorf("%s: version %q is not a number", files[n-1].Name(), files[n-1].Version())
			}
			v = strconv.FormatInt(last+1, 10)
		}
	}
	return v, nil
}

func rehash(dir migrate.Dir) error {
	files, err := dir.Files()
	if err != nil {
		return err
	}
	sum, err := migrate.NewHashFile(files)
	if err != nil {
		return err
	}
	return migrate.WriteSumFile(dir, sum)
}

// withScratch runs fn on an empty database of dialect d that is thrown away afterwards.
func withScratch(ctx context.Context, d dburl.Dialect, fn func(*sql.DB) error) error {
	var raw string
	if d == dburl.SQLite {
		tmp, err := os.MkdirTemp("", "gojoser-migrations-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		raw = "sqlite:" + filepath.Join(tmp, "dev.db")
	} else {
		admin := os.Getenv("GOJOSER_TEST_POSTGRES_URL")
		if admin == "" {
			admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "gojoser_migrations_" + hex.EncodeToString(b)
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			return err
		}
		defer adb.Close()
		if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return fmt.Errorf("postgres: create a scratch database on %s (set GOJOSER_TEST_POSTGRES_URL): %w", dburl.Redact(admin), err)
		}
		defer adb.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		u, err := url.Parse(admin)
		if err != nil {
			return err
		}
		u.Path = "/" + name
		raw = u.String()
	}
	u, err := dburl.Parse(raw)
	if err != nil {
		return err
	}
	db, err := store.OpenSQL(u)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}
