package throttle

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/reqinfo"
)

// Attempt is one login attempt that the limits let through to the password check. Its buckets were
// taken from before the check, as if it failed, so that concurrent guesses cannot all slip past a check
// that only counts what has already failed; Succeeded gives back what a success should not cost.
type Attempt struct {
	l *Limiter
	// failedIP is login_ip: given back on success, which is not a failure.
	failedIP *key
	// account (the cross-IP cap) and accountIP (this IP's failures for the account) are cleared on
	// success.
	account, accountIP *key
}

// Login checks and counts a login attempt for account (the username as sent) from the client in ctx.
// It runs before the password is hashed and before the body is validated, as DRF's throttles run before
// the view: a throttled attempt costs one statement. Unknown accounts are counted exactly as known
// ones, so neither the answer nor its timing tells them apart.
//
// Taken: login_request_ip, login_ip and login_account. Looked at only: login_account_all, which
// Failed counts, so that one client the other limits stop cannot spend the cap that protects the
// account from everyone (and lock its owner out).
func (l *Limiter) Login(ctx context.Context, account string) (*Attempt, error) {
	if l == nil {
		return nil, nil
	}
	ip := reqinfo.FromContext(ctx).IP
	account = accountSubject(account)
	a := &Attempt{
		l:         l,
		failedIP:  l.keyFor(LoginIP, ip, ""),
		account:   l.keyFor(LoginAccountAll, ip, account),
		accountIP: l.keyFor(LoginAccount, ip, account),
	}
	consume := appendKey(appendKey(appendKey(nil, l.keyFor(LoginRequestIP, ip, "")), a.failedIP), a.accountIP)
	if err := l.take(ctx, ip, consume, appendKey(nil, a.account)); err != nil {
		return nil, err
	}
	return a, nil
}

// Failed counts the failure against the account's cap (the other buckets were taken by Login).
func (a *Attempt) Failed(ctx context.Context) error {
	if a == nil || a.account == nil {
		return nil
	}
	q := &query{}
	q.upsert(q.big(a.l.now().UnixMicro()), a.account, "WHERE true", false)
	if _, err := a.l.db.ExecContext(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("throttle: count failed login: %w", err)
	}
	return nil
}

// Succeeded clears the account's counters for this client and across IPs, and gives back this
// client's failed-login unit, through db (a transaction's client, to commit with the login).
func (a *Attempt) Succeeded(ctx context.Context, db *ent.Client) error {
	clear, refund, by := a.SuccessArgs()
	a.Cleared()
	if len(clear) > 0 {
		q := &query{}
		q.printf("DELETE FROM %s WHERE %s IN (", table, colKey)
		for i, id := range clear {
			if i > 0 {
				q.printf(", ")
			}
			q.printf("%s", q.text(id))
		}
		q.printf(")")
		if _, err := db.ExecContext(ctx, q.String(), q.args...); err != nil {
			return fmt.Errorf("throttle: clear login counters: %w", err)
		}
	}
	if refund != nil {
		q := &query{}
		q.printf("UPDATE %[1]s SET %[2]s = %[2]s - %[3]s WHERE %[4]s = %[5]s", table, colTat, q.big(by), colKey, q.text(refund.(string)))
		if _, err := db.ExecContext(ctx, q.String(), q.args...); err != nil {
			return fmt.Errorf("throttle: refund login counter: %w", err)
		}
	}
	return nil
}

// Cleared tells the limiter that the attempt's counters were cleared (Succeeded, or a caller's
// statement made with LoginSuccessPG): it stops remembering them as full.
func (a *Attempt) Cleared() {
	if a == nil {
		return
	}
	clear, refund, _ := a.SuccessArgs()
	if refund != nil {
		clear = append(clear, refund.(string))
	}
	a.l.denied.forget(clear)
}

// SuccessArgs are the arguments of LoginSuccessPG: the keys to clear, the key to refund (nil for
// none) and by how much. An attempt with no counters (nil, throttling off) clears nothing.
func (a *Attempt) SuccessArgs() (clear []string, refund any, by int64) {
	clear = []string{}
	if a == nil {
		return clear, nil, 0
	}
	for _, k := range []*key{a.account, a.accountIP} {
		if k != nil {
			clear = append(clear, k.id)
		}
	}
	if a.failedIP != nil {
		return clear, a.failedIP.id, a.failedIP.interval
	}
	return clear, nil, 0
}

// ClearAccount deletes every login counter of account (a username), from every IP: its password was
// just reset, so guessing starts over. db may be a transaction's client.
func (l *Limiter) ClearAccount(ctx context.Context, db *ent.Client, account string) error {
	if l == nil {
		return nil
	}
	account = accountSubject(account)
	q := &query{}
	all := l.keyFor(LoginAccountAll, netip.Addr{}, account)
	prefix := string(LoginAccount) + ":" + l.hash("subject", account) + ":"
	q.printf("DELETE FROM %[1]s WHERE %[2]s = %[3]s OR (%[2]s >= %[4]s AND %[2]s < %[5]s)",
		table, colKey, q.text(all.id), q.text(prefix), q.text(prefixEnd(prefix)))
	if _, err := db.ExecContext(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("throttle: clear login counters: %w", err)
	}
	l.denied.forget([]string{all.id}, prefix)
	return nil
}

// prefixEnd is the least string above every string that starts with p (p ends in ':', never 0xff).
func prefixEnd(p string) string { return p[:len(p)-1] + string(p[len(p)-1]+1) }
