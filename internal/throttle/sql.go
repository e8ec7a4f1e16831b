package throttle

import (
	"fmt"
	"strings"

	entthrottle "github.com/gojoser/gojoser/ent/throttle"
)

// The counters are GCRA buckets (the generic cell rate algorithm), one row each: tat, the theoretical
// arrival time, moves one interval (period/N) ahead with every request taken, and a request is let
// through while tat is at most N-1 intervals ahead of now. A row is one timestamp, however high N is, and
// checking and taking is one atomic statement: INSERT ... ON CONFLICT DO UPDATE ... WHERE <room left>
// RETURNING, whose DO UPDATE works on the row as locked, so concurrent requests, on one node or many,
// never take more than there is. The same statement text runs on PostgreSQL and SQLite (>= 3.35): times
// are integer microseconds and every parameter is CAST, so neither dialect has to guess a type.

// Column names, from the Ent schema (ent/schema/throttle.go).
const (
	table     = entthrottle.Table
	colKey    = entthrottle.FieldID
	colTat    = entthrottle.FieldTat
	colStreak = entthrottle.FieldStreak
	colDenied = entthrottle.FieldDenied
	colExp    = entthrottle.FieldExpires
)

// query builds a statement and its arguments together. Placeholders are numbered in the order the
// arguments are added, so a statement's text depends only on its shape, and the driver's cache of
// prepared statements serves every request of that shape.
type query struct {
	sb   strings.Builder
	args []any
}

func (q *query) param(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

func (q *query) text(s string) string { return "CAST(" + q.param(s) + " AS TEXT)" }
func (q *query) big(n int64) string   { return "CAST(" + q.param(n) + " AS BIGINT)" }
func (q *query) small(n int) string   { return "CAST(" + q.param(n) + " AS INTEGER)" }

func (q *query) printf(format string, a ...any) { fmt.Fprintf(&q.sb, format, a...) }

func (q *query) String() string { return q.sb.String() }

// upsert writes the statement that takes one request from k's bucket at now: it creates the row, or
// moves its tat one interval on (with backoff: past the burst, to now + the tolerance + a step that
// doubles each time). With checked, the row is only touched while the bucket has room, and RETURNING
// names the key when it was; without, the request is counted whatever the state (a failure that
// happened). guard ends the INSERT's SELECT: SQLite needs a WHERE there to parse ON CONFLICT.
func (q *query) upsert(now string, k *key, guard string, checked bool) {
	id := q.text(k.id)
	T := q.big(k.interval)
	var tol string // added where used: PostgreSQL refuses an argument the statement does not use
	if k.backoff || checked {
		tol = q.big(k.tolerance())
	}
	base := fmt.Sprintf("CASE WHEN %[1]s.%[2]s > %[3]s THEN %[1]s.%[2]s ELSE %[3]s END", table, colTat, now)
	streak := fmt.Sprintf("CASE WHEN %[1]s.%[2]s > %[3]s THEN %[1]s.%[4]s ELSE 0 END", table, colExp, now, colStreak)
	tat := base + " + " + T
	expires, freshExpires := tat, now+" + "+T
	if k.backoff {
		P, over, maxShift, maxStep := q.big(k.period()), q.small(k.burst-1), q.small(k.maxShift()), q.big(k.maxStep())
		// PostgreSQL shifts a bigint by an integer only; Ent made streak a bigint there.
		step := fmt.Sprintf("CASE WHEN %[1]s - %[2]s >= %[3]s THEN %[4]s ELSE %[5]s << CAST(%[1]s - %[2]s AS INTEGER) END", streak, over, maxShift, maxStep, P)
		tat = fmt.Sprintf("CASE WHEN %s >= %s THEN %s + %s + %s ELSE %s + %s END", streak, over, now, tol, step, base, T)
		expires, freshExpires = "("+tat+") + "+P, now+" + "+T+" + "+P
	}
	q.printf("INSERT INTO %s (%s, %s, %s, %s, %s) SELECT %s, %s + %s, 1, 0, %s %s",
		table, colKey, colTat, colStreak, colDenied, colExp, id, now, T, freshExpires, guard)
	q.printf(" ON CONFLICT (%s) DO UPDATE SET %s = %s, %s = %s + 1, %s = %s", colKey, colTat, tat, colStreak, streak, colExp, expires)
	if checked {
		q.printf(" WHERE %s.%s - %s <= %s RETURNING %s", table, colTat, now, tol, colKey)
	}
}

// peek reads the rows of keys.
func (q *query) peek(keys []*key) {
	q.printf("SELECT %s, %s FROM %s WHERE %s IN (", colKey, colTat, table, colKey)
	for i, k := range keys {
		if i > 0 {
			q.printf(", ")
		}
		q.printf("%s", q.text(k.id))
	}
	q.printf(")")
}

// takePG is the whole take on PostgreSQL, one statement: read every bucket (cur), and only when none is
// full (blocked) take from each of consume, each upsert still checking its row as locked. It answers the
// rows read, which say how long a full bucket must wait, and the keys taken.
func takePG(now int64, consume, peek []*key) *query {
	q := &query{}
	n := q.big(now)
	q.printf("WITH cur AS (")
	q.peek(append(append([]*key(nil), consume...), peek...))
	q.printf("), blocked AS (SELECT 1 FROM cur WHERE ")
	for i, k := range append(append([]*key(nil), consume...), peek...) {
		if i > 0 {
			q.printf(" OR ")
		}
		q.printf("(%s = %s AND %s - %s > %s)", colKey, q.text(k.id), colTat, n, q.big(k.tolerance()))
	}
	q.printf(")")
	for i, k := range consume {
		q.printf(", up%d AS (", i)
		q.upsert(n, k, "WHERE NOT EXISTS (SELECT 1 FROM blocked)", true)
		q.printf(")")
	}
	q.printf(" SELECT %s, %s, false FROM cur", colKey, colTat)
	for i := range consume {
		q.printf(" UNION ALL SELECT %s, 0, true FROM up%d", colKey, i)
	}
	return q
}

// LoginSuccessPG is the part of a caller's PostgreSQL statement, to be put after a CTE of its WITH, that
// clears a login attempt's counters when the login succeeded: clear is the number of a text[]
// parameter, Attempt.SuccessArgs.
func LoginSuccessPG(clear int) string {
	return fmt.Sprintf(`, throttle_clear AS (DELETE FROM %s WHERE %s = ANY($%d::text[]))`, table, colKey, clear)
}
