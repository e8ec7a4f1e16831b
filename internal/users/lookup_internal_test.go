package users

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/gojoser/gojoser/ent/predicate"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/store/dburl"
)

// Every login looks its user up by username. On SQLite the lookup must use the (partial) unique index:
// it scanned the table once the index became partial, unseen by every functional test because a scan
// of a small table answers correctly.
func TestUsernameLookupUsesTheIndexOnSQLite(t *testing.T) {
	raw := "sqlite:" + filepath.Join(t.TempDir(), "lookup.db")
	if _, err := store.Migrate(context.Background(), raw, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	u, err := dburl.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQL(u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	plan := func(p predicate.User) string {
		sel := entsql.Dialect(dialect.SQLite).Select("*").From(entsql.Table(user.Table))
		p(sel)
		query, args := sel.Query()
		rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	if got := plan(named("alice")); !strings.Contains(got, "USING INDEX user_username") {
		t.Errorf("lookup by username: plan %q, want the user_username index", got)
	}
}
