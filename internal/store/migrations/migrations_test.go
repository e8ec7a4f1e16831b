package migrations_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/store/migrations"
)

// The migration files must bring an empty database exactly to ent/schema, and atlas.sum must match
// them: a schema change without its migration, or an edited file, fails here (and so in CI).
func TestMigrationFilesMatchEntSchema(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		d := dburl.Dialect(db.Name)
		dir, err := migrations.Dir(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := migrate.Validate(dir); err != nil {
			t.Fatalf("%s: %v; after adding a hand-written migration, run go run ./internal/store/migrations/gen -hash", d, err)
		}
		u, err := dburl.Parse(db.NewURL(t))
		if err != nil {
			t.Fatal(err)
		}
		dev, err := store.OpenSQL(u)
		if err != nil {
			t.Fatal(err)
		}
		defer dev.Close()
		before, err := dir.Files()
		if err != nil {
			t.Fatal(err)
		}
		err = migrations.Plan(context.Background(), d, dev, dir, time.Now().UTC().Format("20060102150405"), "missing")
		if errors.Is(err, migrate.ErrNoPlan) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		after, err := dir.Files()
		if err != nil {
			t.Fatal(err)
		}
		var missing []byte
		for _, f := range after {
			if !slices.ContainsFunc(before, func(b migrate.File) bool { return b.Name() == f.Name() }) {
				missing = f.Bytes()
			}
		}
		t.Fatalf("the %s migrations are behind ent/schema: run go run ./internal/store/migrations/gen -name <what_changed> "+
			"and commit the files. The missing migration:\n%s", d, missing)
	})
}
