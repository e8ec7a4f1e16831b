package djangoimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/store/dburl"
)

// conn is one pinned connection to either database, with the few dialect differences the importer
// meets. Queries are written with "?" placeholders and rebound for PostgreSQL.
type conn struct {
	db       *sql.DB
	c        *sql.Conn
	postgres bool
}

// openSource opens the Django database read-only: sqlite:/path/db.sqlite3 or postgres://...
func openSource(ctx context.Context, url string) (*conn, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("Django database: %w", err)
		}
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
		if err != nil {
			return nil, err
		}
		return pin(ctx, db, false)
	case store.IsPostgres(url):
		db, err := sql.Open("pgx", url)
		if err != nil {
			return nil, err
		}
		return pin(ctx, db, true)
	}
	return nil, errors.New("--from must be sqlite:/path/to/db.sqlite3 or postgres://...")
}

// openTarget opens gojoser's database as the server does. A dry run does not create a SQLite file
// that is not there yet: an empty database in memory stands in for it (one pinned connection, so the
// reason dburl refuses in-memory URLs does not apply).
func openTarget(ctx context.Context, url string, dry bool) (*conn, error) {
	u, err := dburl.Parse(url)
	if err != nil {
		return nil, fmt.Errorf("GOJOSER_DATABASE_URL %w", err)
	}
	if u.Dialect == dburl.SQLite && dry {
		if _, err := os.Stat(u.Path); errors.Is(err, os.ErrNotExist) {
			u = dburl.URL{Dialect: dburl.SQLite, Path: ":memory:"}
		}
	}
	db, err := store.OpenSQL(u)
	if err != nil {
		return nil, err
	}
	return pin(ctx, db, u.Dialect == dburl.Postgres)
}

func pin(ctx context.Context, db *sql.DB, postgres bool) (*conn, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &conn{db: db, c: c, postgres: postgres}, nil
}

func (c *conn) Close() error {
	c.c.Close()
	return c.db.Close()
}

// rebind turns "?" placeholders into PostgreSQL's "$n". No query here has a literal "?".
func (c *conn) rebind(q string) string {
	if !c.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c *conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.c.QueryContext(ctx, c.rebind(q), args...)
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.c.ExecContext(ctx, c.rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// begin starts the one transaction the whole run works in. It is issued as SQL on the pinned
// connection, so that PostgreSQL's COPY (through the driver's own connection) runs inside it too.
func (c *conn) begin(ctx context.Context, readOnly bool) error {
	q := "BEGIN IMMEDIATE" // SQLite: take the write lock now, not at the first write
	switch {
	case c.postgres && readOnly:
		q = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	case c.postgres:
		q = "BEGIN"
	case readOnly:
		q = "BEGIN"
	}
	_, err := c.c.ExecContext(ctx, q)
	return err
}

func (c *conn) commit(ctx context.Context) error {
	_, err := c.c.ExecContext(ctx, "COMMIT")
	return err
}

func (c *conn) rollback() {
	_, _ = c.c.ExecContext(context.Background(), "ROLLBACK")
}

// each runs q and calls scan for every row.
func (c *conn) each(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// strings runs q, which selects one text column.
func (c *conn) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	var out []string
	err := c.each(ctx, q, args, func(r *sql.Rows) error {
		var s string
		err := r.Scan(&s)
		out = append(out, s)
		return err
	})
	return out, err
}

// columns lists a table's columns in order; none means there is no such table.
func (c *conn) columns(ctx context.Context, table string) ([]string, error) {
	q := "SELECT name FROM pragma_table_info(?)"
	if c.postgres {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
	}
	cols, err := c.strings(ctx, q, table)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	return cols, nil
}

// insert writes rows into table: COPY on PostgreSQL, multi-row INSERTs on SQLite.
func (c *conn) insert(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if c.postgres {
		return c.c.Raw(func(dc any) error {
			pc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("unexpected PostgreSQL driver %T", dc)
			}
			_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		})
	}
	// SQLite allows 32766 parameters per statement.
	per := max(1, 32000/len(cols))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := "INSERT INTO " + quote(table) + " (" + quoteAll(cols) + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(tuple+",", len(chunk)), ",")
		if _, err := c.c.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func anys[T any](v []T) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

// in is "col IN (?,...)" with its arguments, or on PostgreSQL "col = ANY(?)" with one array, which
// PostgreSQL parses and plans much faster for thousands of values.
func in[T any](c *conn, col string, vals []T) (string, []any) {
	if c.postgres {
		return col + " = ANY(?)", []any{vals}
	}
	return col + " IN " + inList(len(vals)), anys(vals)
}

// inList is "(?,?,...)" for n values.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
}

// quote quotes an identifier the same way for both dialects.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}

// asTime normalises a timestamp as either driver returns it: time.Time from PostgreSQL, and from
// SQLite a time.Time or the text Django (or gojoser) stored. Times are compared at microseconds,
// Django's precision.
func asTime(v any) (*time.Time, error) {
	var t time.Time
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = x
	case string:
		p, err := parseTime(x)
		if err != nil {
			return nil, err
		}
		t = p
	case []byte:
		p, err := parseTime(string(x))
		if err != nil {
			return nil, err
		}
		t = p
	default:
		return nil, fmt.Errorf("unexpected timestamp type %T", v)
	}
	t = t.UTC().Truncate(time.Microsecond)
	return &t, nil
}

// Layouts of timestamps stored as text in SQLite: Django's (naive UTC with USE_TZ, or with an offset)
// and the Go driver's.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable timestamp %q", s)
}

// asBool reads a boolean column: bool from PostgreSQL, 0/1 from SQLite. NULL gives def.
func asBool(v any, def bool) (bool, error) {
	switch x := v.(type) {
	case nil:
		return def, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case string:
		return strconv.ParseBool(x)
	}
	return false, fmt.Errorf("unexpected boolean type %T", v)
}

// asString reads a text column; NULL is "".
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
