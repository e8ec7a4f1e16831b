package retention

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/outboxmessage"
	"github.com/gojoser/gojoser/ent/refreshtoken"
	"github.com/gojoser/gojoser/ent/token"
)

// Grace is how long past its expiry a token or refresh token is kept. An expired credential no longer
// authenticates anyway; the grace covers a use that slid a token's expiry just before it and that the
// authenticator has not written yet (token uses are written in batches, every few seconds, and kept
// through a database outage), and clocks of nodes that disagree.
const Grace = time.Hour

// Builtin are gojoser's own rules: tokens and refresh tokens expired for longer than Grace, and
// mails and webhook deliveries the outbox is done with (sent, failed for good, or skipped because
// there was nobody to send to) whose last attempt was more than mailRetention ago. dialect is db's (entgo.io/ent/dialect).
//
// They delete with plain SQL, around Ent's hooks: the auth cache's invalidation hook would otherwise
// drop every cached credential of those users, on every node, for rows that cannot be in use.
func Builtin(db *ent.Client, dialect string, mailRetention time.Duration) []Rule {
	return []Rule{
		{Name: "tokens", Delete: func(ctx context.Context, now time.Time, limit int) (int, error) {
			return DeleteBatch(ctx, db, dialect, token.Table, entsql.LT(token.FieldExpiresAt, now.Add(-Grace)), limit)
		}},
		{Name: "refresh_tokens", Delete: func(ctx context.Context, now time.Time, limit int) (int, error) {
			return DeleteBatch(ctx, db, dialect, refreshtoken.Table, entsql.LT(refreshtoken.FieldExpiresAt, now.Add(-Grace)), limit)
		}},
		{Name: "outbox", Delete: func(ctx context.Context, now time.Time, limit int) (int, error) {
			// next_attempt_at is when the last attempt began (plus the claim's lease): the
			// (status, next_attempt_at) index serves this.
			done := entsql.In(outboxmessage.FieldStatus, string(outboxmessage.StatusSent), string(outboxmessage.StatusFailed), string(outboxmessage.StatusSkipped))
			return DeleteBatch(ctx, db, dialect, outboxmessage.Table,
				entsql.And(done, entsql.LT(outboxmessage.FieldNextAttemptAt, now.Add(-mailRetention))), limit)
		}},
	}
}

// DeleteBatch deletes at most limit rows of table (whose key is id) that match where, in one
// statement: DELETE FROM table WHERE id IN (SELECT id FROM table WHERE ... LIMIT limit). It runs on db
// without Ent's hooks.
func DeleteBatch(ctx context.Context, db *ent.Client, dialect, table string, where *entsql.Predicate, limit int) (int, error) {
	b := entsql.Dialect(dialect)
	batch := b.Select("id").From(entsql.Table(table)).Where(where).Limit(limit)
	query, args := b.Delete(table).Where(entsql.In("id", batch)).Query()
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
