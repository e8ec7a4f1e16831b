// Package migrations holds gojoser's versioned schema migrations: one directory of SQL files per
// dialect, in Atlas's format (the engine Ent embeds), with an atlas.sum that makes an edited or
// reordered file an error. Most files are written by Plan from ent/schema; a data migration is written by
// hand and then hashed (see gen).
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"text/template"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	entmigrate "github.com/gojoser/gojoser/ent/migrate"
	"github.com/gojoser/gojoser/internal/store/dburl"
)

//go:embed sqlite postgres
var files embed.FS

// Dialects are the dialects with a migration directory.
var Dialects = []dburl.Dialect{dburl.SQLite, dburl.Postgres}

// Dir returns the embedded migration directory of d.
func Dir(d dburl.Dialect) (migrate.Dir, error) {
	entries, err := fs.ReadDir(files, string(d))
	if err != nil {
		return nil, err
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		b, err := fs.ReadFile(files, string(d)+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	return dir, nil
}

// EntDialect is Ent's name for d.
func EntDialect(d dburl.Dialect) string {
	if d == dburl.Postgres {
		return dialect.Postgres
	}
	return dialect.SQLite
}

// Plan compares dir, replayed on dev (an empty database of dialect d, left empty again), with
// ent/schema, and writes the migration that makes up the difference to dir as <version>_<name>.sql,
// updating atlas.sum. It returns migrate.ErrNoPlan when they agree. version is a UTC timestamp,
// YYYYMMDDhhmmss, the same for every dialect's file of one change.
func Plan(ctx context.Context, d dburl.Dialect, dev *sql.DB, dir migrate.Dir, version, name string) error {
	// Atlas's own file format (Ent defaults to golang-migrate's up/down pairs), under a given version.
	f, err := migrate.NewTemplateFormatter(
		template.Must(template.New("name").Parse(version+"_{{ .Name }}.sql")), migrate.DefaultFormatter[0].C)
	if err != nil {
		return err
	}
	m, err := schema.NewMigrate(entsql.OpenDB(EntDialect(d), dev),
		schema.WithDir(dir),
		schema.WithFormatter(f),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(EntDialect(d)),
		// A reviewed file may drop what the schema no longer has; auto-migration never did.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		return fmt.Errorf("%s: %w", d, err)
	}
	if err := m.NamedDiff(ctx, name, entmigrate.Tables...); err != nil {
		return fmt.Errorf("%s: %w", d, err)
	}
	return nil
}
