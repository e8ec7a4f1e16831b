package throttle

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/gojoser/gojoser/internal/reqinfo"
)

// Attempt is one login attempt that the limits let through to the password check.
type Attempt struct {
	l *Limiter
	// ip (login_ip) and account (login_account_all) count failures: Failed adds to them.
	ip, account *key
	// accountIP (login_account) was taken before the check, as if the attempt failed, so that
	// concurrent guesses at one account cannot all slip past a count of failures that have not
	// happened yet; a success clears it, and the account's cap.
	accountIP *key
}

// Login checks and counts a login attempt for account (the username as sent) from the client in ctx.
// It runs before the password is hashed and before the body is validated, as DRF's throttles run before
// the view: a throttled attempt costs one statement. Unknown accounts are counted exactly as known
// ones, so neither the answer nor its timing tells them apart.
//
// Taken: login_request_ip (every attempt) and login_account. Looked at: login_ip and
// login_account_all, which count failures once they happen (Failed). So a client that the other limits
// stop cannot spend the cap that protects the account from everyone (and lock its owner out), and a
// success writes nothing that all the logins from one address share, which would make them queue on
// one row. Failures that are in flight together are counted a moment late; login_request_ip bounds how
// many can be.
func (l *Limiter) Login(ctx context.Context, account string) (*Attempt, error) {
	if l == nil {
		return nil, nil
	}
	ip := reqinfo.FromContext(ctx).IP
	account = accountSubject(account)
	a := &Attempt{
		l:         l,
		ip:        l.keyFor(LoginIP, ip, ""),
		account:   l.keyFor(LoginAccountAll, ip, account),
		accountIP: l.keyFor(LoginAccount, ip, account),
	}
	consume := appendKey(appendKey(nil, l.keyFor(LoginRequestIP, ip, "")), a.accountIP)
	if err := l.take(ctx, ip, consume, appendKey(appendKey(nil, a.ip), a.account)); err != nil {
		return nil, err
	}
	return a, nil
}

// Failed counts the failure against login_ip and the account's cap.
func (a *Attempt) Failed(ctx context.Context) error {
	if a == nil {
		return nil
	}
	keys := appendKey(appendKey(nil, a.ip), a.account)
	if len(keys) == 0 {
		return nil
	}
	q := &query{}
	now := q.big(a.l.now().UnixMicro())
	if a.l.postgres {
		// One statement: a CTE each.
		q.printf("WITH ")
		for i, k := range keys {
			if i > 0 {
				q.printf(", ")
			}
			q.printf("f%d AS (", i)
			q.upsert(now, k, "WHERE true", false)
			q.printf(")")
		}
		q.printf(" SELECT 1")
		_, err := a.l.db.ExecContext(ctx, q.String(), q.args...)
		return wrap("count failed login", err)
	}
	return wrap("count failed login", a.l.sqliteWrite(ctx, func(db Conn) error {
		for _, k := range keys {
			q := &query{}
			q.upsert(q.big(a.l.now().UnixMicro()), k, "WHERE true", false)
			if _, err := db.ExecContext(ctx, q.String(), q.args...); err != nil {
				return err
			}
		}
		return nil
	}))
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("throttle: %s: %w", what, err)
}

// Succeeded clears the account's cap and this client's failures for it, through db (a transaction's
// client, to commit with the login).
func (a *Attempt) Succeeded(ctx context.Context, db Conn) error {
	clear := a.SuccessArgs()
	a.Cleared()
	if len(clear) == 0 {
		return nil
	}
	q := &query{}
	q.printf("DELETE FROM %s WHERE %s IN (", table, colKey)
	for i, id := range clear {
		if i > 0 {
			q.printf(", ")
		}
		q.printf("%s", q.text(id))
	}
	q.printf(")")
	_, err := db.ExecContext(ctx, q.String(), q.args...)
	return wrap("clear login counters", err)
}

// Cleared tells the limiter that the attempt's counters were cleared (Succeeded, or a caller's
// statement made with LoginSuccessPG): it stops remembering them as full.
func (a *Attempt) Cleared() {
	if a != nil {
		a.l.denied.forget(a.SuccessArgs())
	}
}

// SuccessArgs is the argument of LoginSuccessPG: the keys to clear. An attempt with no counters (nil,
// throttling off) clears nothing.
func (a *Attempt) SuccessArgs() []string {
	clear := []string{}
	if a == nil {
		return clear
	}
	for _, k := range []*key{a.account, a.accountIP} {
		if k != nil {
			clear = append(clear, k.id)
		}
	}
	return clear
}

// ClearAccount deletes every login counter of account (a username), from every IP: its password was
// just reset, so guessing starts over. db may be a transaction's client.
func (l *Limiter) ClearAccount(ctx context.Context, db Conn, account string) error {
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
