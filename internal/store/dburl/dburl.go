// Package dburl parses GOJOSER_DATABASE_URL. It is the one place that knows the URL schemes, so that
// configuration checks, the store and the tools agree on them; it imports neither Ent nor a driver, so
// the config package can use it.
package dburl

import (
	"fmt"
	"net/url"
	"strings"
)

// Dialect is the kind of database a URL names.
type Dialect string

// The dialects gojoser runs on; the names are also those of the migration directories.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// URL is a parsed GOJOSER_DATABASE_URL.
type URL struct {
	Dialect Dialect
	// Raw is the URL as given. For PostgreSQL it goes to pgx unchanged.
	Raw string
	// Path is the SQLite file, and Params the query string that came with it (sqlite only).
	Path   string
	Params url.Values
}

// Parse checks s and splits it. Errors read as a predicate of the variable, which callers put first.
func Parse(s string) (URL, error) {
	switch {
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return URL{}, fmt.Errorf("%q is not a valid URL", Redact(s))
		}
		return URL{Dialect: Postgres, Raw: s}, nil
	case strings.HasPrefix(s, "sqlite:"):
		return parseSQLite(s)
	}
	return URL{}, fmt.Errorf("must start with sqlite:, postgres:// or postgresql://, got %q", Redact(s))
}

// ours are the driver parameters gojoser sets (see SQLiteDSN); a URL may not change them, because the
// stored data depends on them.
var ours = []string{"_time_format", "_timezone"}

func parseSQLite(s string) (URL, error) {
	rest := strings.TrimPrefix(strings.TrimPrefix(s, "sqlite:"), "//")
	path, query, _ := strings.Cut(rest, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return URL{}, fmt.Errorf("%q has a bad query string: %v", s, err)
	}
	if strings.HasPrefix(path, "file:") {
		return URL{}, fmt.Errorf("%q: write sqlite:<path>, without file:", s)
	}
	if path == "" || path == ":memory:" || params.Get("mode") == "memory" || params.Get("vfs") == "memdb" {
		return URL{}, fmt.Errorf("%q: an in-memory SQLite database is not supported, because every pooled connection "+
			"would get its own empty one; use a file, e.g. sqlite:/tmp/gojoser.db", s)
	}
	for _, k := range ours {
		if params.Has(k) {
			return URL{}, fmt.Errorf("%q sets %s, which gojoser sets itself: times are stored in UTC as "+
				"YYYY-MM-DD HH:MM:SS.fffffffff+00:00", s, k)
		}
	}
	return URL{Dialect: SQLite, Raw: s, Path: path, Params: params}, nil
}

// SQLiteDSN is the modernc.org/sqlite data source name. The pragmas are in the DSN so that every pooled
// connection gets them, not only the first. _txlock=immediate takes the write lock at BEGIN: concurrent
// writers then wait on busy_timeout instead of failing with SQLITE_BUSY when a read transaction tries to
// upgrade. Times are written in UTC in SQLite's own format (its date functions and other tools read it,
// and it sorts as text, which the outbox's comparisons rely on). The URL's own parameters come after
// ours: a _pragma of theirs runs later, and any other key of theirs replaces ours.
func (u URL) SQLiteDSN() string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	for k, vs := range u.Params {
		if k == "_pragma" {
			q[k] = append(q[k], vs...)
		} else {
			q[k] = vs
		}
	}
	return "file:" + uriPath.Replace(u.Path) + "?" + q.Encode()
}

// uriPath escapes what SQLite's URI filenames would otherwise read as syntax: "%" starts an escape, "?"
// the query and "#" a fragment that SQLite drops, so /tmp/a#1/db would open /tmp/a.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// Redact hides a password in a database URL before it reaches a message or a log.
func Redact(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "***" + s[at:]
		}
	}
	return s
}
