package throttle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gojoser/gojoser/internal/reqinfo"
)

// Mail counts one mail of kind to address against mail_address and reports whether it may be sent.
// A mail past the cap is not an error: the request that asked for it still succeeds, so its answer
// says nothing about the address, and the suppression is counted on the counter's row and logged with
// the address hashed.
func (l *Limiter) Mail(ctx context.Context, kind, address string) (bool, error) {
	if l == nil || address == "" {
		return true, nil
	}
	ip := reqinfo.FromContext(ctx).IP
	k := l.keyFor(MailAddress, ip, mailSubject(kind, address))
	spent, _, err := l.try(ctx, []*key{k}, nil)
	if err != nil || len(spent) == 0 {
		return err == nil, err
	}
	q := &query{}
	q.printf("UPDATE %[1]s SET %[2]s = %[2]s + 1 WHERE %[3]s = %[4]s RETURNING %[2]s", table, colDenied, colKey, q.text(k.id))
	var denied int
	switch err := l.queryRow(ctx, q, &denied); {
	case errors.Is(err, sql.ErrNoRows):
		// Cleared elsewhere since this node found it full (see denied): suppressed all the same.
		denied = 1
	case err != nil:
		return false, fmt.Errorf("throttle: count suppressed mail: %w", err)
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "mail suppressed",
		slog.String("limit", string(MailAddress)), slog.String("kind", kind), slog.String("key", k.id),
		slog.Int("suppressed", denied), slog.String("ip", ipString(ip)))
	return false, nil
}

// mailSubject is the subject of a mail_address key: the kind, kept readable in the key, and the address.
func mailSubject(kind, address string) string { return kind + "\x00" + addressSubject(address) }
