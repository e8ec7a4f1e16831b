package throttle

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Subject is whom an operator asks about: any of a client IP (its /64 for IPv6), an account
// (username), an address and an account's uid. Zero fields are left out.
type Subject struct {
	IP                    netip.Addr
	Account, Address, UID string
}

// Counter is the state of one counter, as `gojoser throttle status` shows it.
type Counter struct {
	Limit Name
	Key   string
	Rate  Rate
	// Wait is how long until the next request passes; 0 when one would now.
	Wait time.Duration
	// Left is how many requests would pass now, at once.
	Left int
	// Streak counts the takes while the row lived (what login_account's backoff doubles on), Denied
	// the requests refused (for mail_address, the mails suppressed).
	Streak, Denied int
	Expires        time.Time
}

// where writes the condition that selects s's counters.
func (l *Limiter) where(q *query, s Subject) {
	var conds []string
	exact := func(name Name, subject string) {
		if k := l.keyFor(name, s.IP, subject); k != nil {
			conds = append(conds, fmt.Sprintf("%s = %s", colKey, q.text(k.id)))
		}
	}
	prefixed := func(prefix string) {
		conds = append(conds, fmt.Sprintf("(%[1]s >= %[2]s AND %[1]s < %[3]s)", colKey, q.text(prefix), q.text(prefixEnd(prefix))))
	}
	if s.IP.IsValid() {
		for _, n := range Names() {
			if limits[n].by == byIP {
				exact(n, "")
			}
		}
		// This client's failures for any account.
		conds = append(conds, fmt.Sprintf("(%[1]s >= %[2]s AND %[1]s < %[3]s AND %[1]s LIKE %[4]s)", colKey,
			q.text(string(LoginAccount)+":"), q.text(prefixEnd(string(LoginAccount)+":")), q.text("%:"+l.hash("ip", ipSubject(s.IP)))))
	}
	if a := accountSubject(s.Account); a != "" {
		exact(LoginAccountAll, a)
		prefixed(string(LoginAccount) + ":" + l.hash("subject", a) + ":")
	}
	if a := addressSubject(s.Address); a != "" {
		exact(ResetAddress, a)
		prefixed(string(MailAddress) + ":" + l.hash("subject", a) + ":")
	}
	if u := addressSubject(s.UID); u != "" {
		exact(ConfirmAccount, u)
	}
	if len(conds) == 0 {
		conds = []string{"1 = 0"}
	}
	q.printf(" WHERE %s", strings.Join(conds, " OR "))
}

// Status lists s's counters.
func (l *Limiter) Status(ctx context.Context, s Subject) ([]Counter, error) {
	q := &query{}
	q.printf("SELECT %s, %s, %s, %s, %s FROM %s", colKey, colTat, colStreak, colDenied, colExp, table)
	l.where(q, s)
	q.printf(" ORDER BY %s", colKey)
	rows, err := l.db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("throttle status: %w", err)
	}
	defer rows.Close()
	now := l.now().UnixMicro()
	var out []Counter
	for rows.Next() {
		var (
			c        Counter
			tat, exp int64
		)
		if err := rows.Scan(&c.Key, &tat, &c.Streak, &c.Denied, &exp); err != nil {
			return nil, err
		}
		name, _, _ := strings.Cut(c.Key, ":")
		c.Limit, c.Rate, c.Expires = Name(name), l.rates[Name(name)], time.UnixMicro(exp)
		if _, known := limits[c.Limit]; !known {
			continue // a limit of another version
		}
		k := newKey(c.Limit, c.Rate)
		backlog := max(tat-now, 0)
		if backlog > k.tolerance() {
			c.Wait = time.Duration(backlog-k.tolerance()) * time.Microsecond
		} else {
			c.Left = min(int((k.tolerance()-backlog)/k.interval)+1, k.burst)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Clear deletes s's counters and returns how many there were.
func (l *Limiter) Clear(ctx context.Context, s Subject) (int, error) {
	q := &query{}
	q.printf("DELETE FROM %s", table)
	l.where(q, s)
	res, err := l.db.ExecContext(ctx, q.String(), q.args...)
	if err != nil {
		return 0, fmt.Errorf("throttle clear: %w", err)
	}
	l.denied.reset()
	n, err := res.RowsAffected()
	return int(n), err
}

// Cleanup deletes the counters that have expired: full buckets that drained long enough ago to mean
// nothing. It returns how many.
func (l *Limiter) Cleanup(ctx context.Context) (int, error) {
	q := &query{}
	q.printf("DELETE FROM %s WHERE %s < %s", table, colExp, q.big(l.now().UnixMicro()))
	res, err := l.db.ExecContext(ctx, q.String(), q.args...)
	if err != nil {
		return 0, fmt.Errorf("throttle cleanup: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Run cleans up every interval until ctx is done. Every node runs it; a delete that finds nothing
// costs an index probe.
func (l *Limiter) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := l.Cleanup(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("throttle counters not cleaned up", "err", err)
		} else if n > 0 {
			l.log.Debug("throttle counters cleaned up", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
