package dburl_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/store/dburl"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		dialect dburl.Dialect
		path    string
		err     string
	}{
		{in: "sqlite:gojoser.db", dialect: dburl.SQLite, path: "gojoser.db"},
		{in: "sqlite:///var/lib/gojoser.db", dialect: dburl.SQLite, path: "/var/lib/gojoser.db"},
		{in: "sqlite:/data/g.db?_pragma=cache_size(-20000)", dialect: dburl.SQLite, path: "/data/g.db"},
		{in: "postgres://u:p@db:5432/g?sslmode=disable", dialect: dburl.Postgres},
		{in: "postgresql://db/g", dialect: dburl.Postgres},
		{in: "mysql://db/g", err: "must start with sqlite:, postgres:// or postgresql://"},
		{in: "sqlite:", err: "in-memory SQLite database is not supported"},
		{in: "sqlite::memory:", err: "in-memory SQLite database is not supported"},
		{in: "sqlite:x.db?mode=memory", err: "in-memory SQLite database is not supported"},
		{in: "sqlite:file:x.db", err: "without file:"},
		{in: "sqlite:x.db?_time_format=datetime", err: "_time_format, which gojoser sets itself"},
		{in: "sqlite:x.db?_timezone=Local", err: "_timezone, which gojoser sets itself"},
		{in: "sqlite:x.db?a=%zz", err: "bad query string"},
	} {
		u, err := dburl.Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || u.Dialect != tc.dialect || u.Path != tc.path {
			t.Errorf("Parse(%q) = %+v, %v; want %s %q", tc.in, u, err, tc.dialect, tc.path)
		}
	}
}

func TestSQLiteDSNMergesTheURLsParameters(t *testing.T) {
	u, err := dburl.Parse("sqlite:/data/g.db?_pragma=cache_size(-20000)&_txlock=deferred&_pragma=foreign_keys(0)")
	if err != nil {
		t.Fatal(err)
	}
	dsn := u.SQLiteDSN()
	path, query, _ := strings.Cut(dsn, "?")
	if path != "file:/data/g.db" {
		t.Fatalf("path part %q", path)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	pragmas := q["_pragma"]
	// Theirs run after ours, so theirs win.
	if n := len(pragmas); n < 3 || pragmas[n-2] != "cache_size(-20000)" || pragmas[n-1] != "foreign_keys(0)" || pragmas[0] != "foreign_keys(1)" {
		t.Fatalf("_pragma = %q", pragmas)
	}
	if q.Get("_txlock") != "deferred" || q.Get("_time_format") != "sqlite" || q.Get("_timezone") != "UTC" {
		t.Fatalf("query %v", q)
	}
}

func TestRedact(t *testing.T) {
	if got := dburl.Redact("postgres://u:hunter2@db:5432/x"); strings.Contains(got, "hunter2") || !strings.Contains(got, "db:5432/x") {
		t.Fatalf("Redact = %q", got)
	}
}
