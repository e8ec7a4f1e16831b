// Package throttle is gojoser's abuse protection: request limits per client IP and per account or
// address a request names, failed-login lockout with exponential backoff, and caps on the mails one
// address receives. Counters live in the database (ent/schema/throttle.go), so every node on one
// database enforces one limit, with nothing else to run. A throttled request costs one small statement
// and never a password hash.
//
// It imports no net/http: the HTTP adapter puts the client's address in the context (internal/reqinfo)
// and turns the *drf.Error it gets back into DRF's 429. A nil *Limiter (GOJOSER_THROTTLE=false) lets
// everything through.
package throttle

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/reqinfo"
)

// Limiter checks and counts requests against the configured rates.
type Limiter struct {
	// db runs the limiter's own statements (see Options.Conn); client is the Ent client, for
	// transactions on SQLite.
	db       Conn
	client   *ent.Client
	postgres bool
	rates    Rates
	// keyMAC keys the hashes that stand for IPs, accounts and addresses in counter keys and logs.
	keyMAC    []byte
	now       func() time.Time
	log       *slog.Logger
	refused   func(limit string)
	triggered func(ctx context.Context, limits []Name)
	denied    denied
	// sqliteWrites queues the limiter's own writes on SQLite, which has one writer at a time: a
	// write that finds the database locked sleeps 1, 2, 5, ... up to 100 ms between tries
	// (busy_timeout), and in a 128-connection login storm, whose every request writes its counters
	// before the hash, such sleeps left the server idle. Waiting here costs nothing.
	sqliteWrites sync.Mutex
}

// Conn runs statements: an *ent.Client (or a transaction's) or a *sql.DB.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Options configure a Limiter.
type Options struct {
	// Postgres says DB is PostgreSQL, where a take is one statement instead of a read and an upsert.
	Postgres bool
	// Conn, when set, runs the limiter's own statements instead of the client: on PostgreSQL a pool
	// whose commits do not wait for the disk (store.OpenUnsynced). Every login from one address
	// takes from that address's counters, which stay locked until the statement commits; waiting
	// for an fsync there made a 128-connection login storm from one address a third slower. A crash
	// may lose the last moment's counts, which a limit can afford.
	Conn Conn
	// Secret keys the hashes of counter keys: a leaked table or log names no address without it.
	Secret []byte
	Rates  Rates
	Now    func() time.Time // nil: time.Now
	Log    *slog.Logger
	// Refused, when set, learns of every refusal, once per spent limit (metrics).
	Refused func(limit string)
	// Triggered, when set, learns of the refusals the database decided (the audit log): those this
	// node answers from memory while a counter is known to be full are not repeated, so a flood
	// reports about once a second per counter and node, not once a request.
	Triggered func(ctx context.Context, limits []Name)
}

// New returns a Limiter on db.
func New(db *ent.Client, o Options) *Limiter {
	var conn Conn = db
	if o.Conn != nil {
		conn = o.Conn
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rates == nil {
		o.Rates = DefaultRates()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	m := hmac.New(sha256.New, o.Secret)
	m.Write([]byte("gojoser throttle keys"))
	return &Limiter{db: conn, client: db, postgres: o.Postgres, rates: o.Rates, keyMAC: m.Sum(nil), now: o.Now, log: o.Log, refused: o.Refused,
		triggered: o.Triggered}
}

// key is one counter: a limit and whom it counts.
type key struct {
	name Name
	id   string // the row's key: name, then the hashes of whom it counts
	// The bucket (Rate.shape): interval in microseconds, burst in requests.
	interval int64
	burst    int
	backoff  bool
}

func newKey(name Name, r Rate) *key {
	k := &key{name: name, backoff: limits[name].backoff}
	k.interval, k.burst = r.shape(k.backoff)
	return k
}

// tolerance is how far ahead of now tat may be for one more request to pass: burst-1 intervals.
func (k *key) tolerance() int64 { return int64(k.burst-1) * k.interval }

// period is the bucket's depth, burst intervals, in microseconds: with backoff, the rate's period.
func (k *key) period() int64 { return int64(k.burst) * k.interval }

// maxStep bounds a backoff wait: a day, or the period when that is longer.
func (k *key) maxStep() int64 { return max(k.period(), (24 * time.Hour).Microseconds()) }

// maxShift is the number of doublings of the period past which the step is maxStep.
func (k *key) maxShift() int {
	n := 0
	for p := k.period(); p < k.maxStep(); p <<= 1 {
		n++
	}
	return n
}

// hash stands for one subject (an IP, account or address) in keys and logs.
func (l *Limiter) hash(kind, value string) string {
	m := hmac.New(sha256.New, l.keyMAC)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// ipSubject groups addresses as one client: an IPv4 address, or an IPv6 /64 (one subscriber's network;
// a client given a /64 picks any address in it).
func ipSubject(ip netip.Addr) string {
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

// Subjects are normalised so that trivial variants share a counter.
func accountSubject(s string) string { return strings.TrimSpace(s) }
func addressSubject(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// keyFor builds name's key for the request: the client IP from ctx and, for limits keyed by one,
// subject. It returns nil when the limit cannot apply: no IP (outside a request) or no subject named.
func (l *Limiter) keyFor(name Name, ip netip.Addr, subject string) *key {
	def := limits[name]
	k := newKey(name, l.rates[name])
	hasIP := ip.IsValid()
	switch def.by {
	case byIP:
		if !hasIP {
			return nil
		}
		k.id = string(name) + ":" + l.hash("ip", ipSubject(ip))
	case bySubject:
		if subject == "" {
			return nil
		}
		k.id = string(name) + ":" + l.hash("subject", subject)
	case bySubjectAndKind: // subject is "kind\x00address"; the kind stays readable
		kind, address, _ := strings.Cut(subject, "\x00")
		if address == "" {
			return nil
		}
		k.id = string(name) + ":" + l.hash("subject", address) + ":" + kind
	case bySubjectAndIP:
		if subject == "" || !hasIP {
			return nil
		}
		k.id = string(name) + ":" + l.hash("subject", subject) + ":" + l.hash("ip", ipSubject(ip))
	}
	return k
}

func appendKey(keys []*key, k *key) []*key {
	if k == nil {
		return keys
	}
	return append(keys, k)
}

// Take counts one request against each of names, for the client in ctx and, for limits keyed by
// what the request names, subject (an address or uid as sent, compared case-insensitively; "" when it
// names none). It returns DRF's Throttled, with the wait, when any of them is spent, and then takes from
// none.
func (l *Limiter) Take(ctx context.Context, subject string, names ...Name) error {
	if l == nil {
		return nil
	}
	ip := reqinfo.FromContext(ctx).IP
	subject = addressSubject(subject)
	var keys []*key
	for _, n := range names {
		keys = appendKey(keys, l.keyFor(n, ip, subject))
	}
	return l.take(ctx, ip, keys, nil)
}

// take takes one request from every bucket of consume, provided that none of consume and peek is
// full (peek's buckets are only looked at); otherwise it logs the refusal and returns DRF's Throttled.
func (l *Limiter) take(ctx context.Context, ip netip.Addr, consume, peek []*key) error {
	spent, wait, err := l.try(ctx, consume, peek)
	if err != nil || len(spent) == 0 {
		return err
	}
	l.logThrottled(ctx, ip, spent, wait)
	r := &Refusal{err: drf.ThrottledFor(wait)}
	for _, k := range spent {
		r.Limits = append(r.Limits, k.name)
	}
	return r
}

// Refusal is a request the limits refused: DRF's Throttled, and which limits were spent.
type Refusal struct {
	Limits []Name
	err    *drf.Error
}

func (r *Refusal) Error() string { return r.err.Error() }
func (r *Refusal) Unwrap() error { return r.err }

// Lockout reports whether the account's cap of failed logins from everywhere (login_account_all) is
// what refused the request: the account is locked out, rather than one client slowed down.
func (r *Refusal) Lockout() bool { return slices.Contains(r.Limits, LoginAccountAll) }

// try is take without the answer: the buckets that were full and the whole seconds until they are
// not (DRF's ceil), or none.
func (l *Limiter) try(ctx context.Context, consume, peek []*key) (spent []*key, wait int, err error) {
	if len(consume)+len(peek) == 0 {
		return nil, 0, nil
	}
	now := l.now().UnixMicro()
	all := append(append([]*key(nil), consume...), peek...)
	if spent, micros := l.denied.full(now, all); len(spent) > 0 {
		return spent, secondsUp(micros), nil
	}
	var (
		rows  map[string]int64 // tat of each existing row
		taken map[string]bool
	)
	if l.postgres {
		rows, taken, err = l.takePG(ctx, now, consume, peek)
	} else {
		rows, taken, err = l.takeSQLite(ctx, now, consume, peek)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("throttle: %w", err)
	}
	var micros int64
	for _, k := range all {
		if tat, ok := rows[k.id]; ok && tat-now > k.tolerance() {
			micros = max(micros, tat-now-k.tolerance())
			spent = append(spent, k)
			l.denied.remember(now, k.id, tat-k.tolerance())
		}
	}
	if len(spent) > 0 && l.triggered != nil {
		names := make([]Name, len(spent))
		for i, k := range spent {
			names[i] = k.name
		}
		l.triggered(ctx, names)
	}
	if len(spent) == 0 {
		for _, k := range consume {
			if !taken[k.id] {
				// Another request took the last of it between the read and the take.
				micros = max(micros, k.interval)
				spent = append(spent, k)
			}
		}
	}
	return spent, secondsUp(micros), nil
}

// secondsUp is DRF's ceil(wait), from microseconds.
func secondsUp(micros int64) int { return int((micros + 999_999) / 1_000_000) }

func (l *Limiter) takePG(ctx context.Context, now int64, consume, peek []*key) (map[string]int64, map[string]bool, error) {
	q := takePG(now, consume, peek)
	res, err := l.db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	rows, taken := map[string]int64{}, map[string]bool{}
	for res.Next() {
		var (
			id   string
			tat  int64
			took bool
		)
		if err := res.Scan(&id, &tat, &took); err != nil {
			return nil, nil, err
		}
		if took {
			taken[id] = true
		} else {
			rows[id] = tat
		}
	}
	return rows, taken, res.Err()
}

// takeSQLite reads first, and writes only when every bucket has room: a throttled request takes no
// write lock. In process, the second statement costs no round trip.
func (l *Limiter) takeSQLite(ctx context.Context, now int64, consume, peek []*key) (map[string]int64, map[string]bool, error) {
	rows, err := l.read(ctx, append(append([]*key(nil), consume...), peek...))
	if err != nil {
		return nil, nil, err
	}
	for _, k := range append(append([]*key(nil), consume...), peek...) {
		if tat, ok := rows[k.id]; ok && tat-now > k.tolerance() {
			return rows, nil, nil
		}
	}
	taken := map[string]bool{}
	err = l.sqliteWrite(ctx, func(db Conn) error {
		for _, k := range consume {
			q := &query{}
			q.upsert(q.big(now), k, "WHERE true", true)
			var id string
			switch err := queryRow(ctx, db, q, &id); {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			default:
				taken[id] = true
			}
		}
		return nil
	})
	return rows, taken, err
}

// sqliteWrite runs fn in one transaction on SQLite, queued behind the limiter's other writes (see
// sqliteWrites): one acquisition of the database's write lock for all of a request's counters.
func (l *Limiter) sqliteWrite(ctx context.Context, fn func(db Conn) error) error {
	l.sqliteWrites.Lock()
	defer l.sqliteWrites.Unlock()
	tx, err := l.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx.Client()); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// queryRow runs q and scans its first row into dest; sql.ErrNoRows when it has none.
func (l *Limiter) queryRow(ctx context.Context, q *query, dest ...any) error {
	return queryRow(ctx, l.db, q, dest...)
}

func queryRow(ctx context.Context, db Conn, q *query, dest ...any) error {
	rows, err := db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// read returns the tat of each existing row of keys.
func (l *Limiter) read(ctx context.Context, keys []*key) (map[string]int64, error) {
	q := &query{}
	q.peek(keys)
	res, err := l.db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	rows := map[string]int64{}
	for res.Next() {
		var (
			id  string
			tat int64
		)
		if err := res.Scan(&id, &tat); err != nil {
			return nil, err
		}
		rows[id] = tat
	}
	return rows, res.Err()
}

// logThrottled writes the one line a refused request leaves: the limits, the client and the wait.
// Accounts and addresses appear only as the hashes in their counters' keys. At info, which the logger
// buffers: warnings are written at once, and a flood must not buy a write per request.
func (l *Limiter) logThrottled(ctx context.Context, ip netip.Addr, spent []*key, wait int) {
	names := make([]string, len(spent))
	keys := make([]string, len(spent))
	for i, k := range spent {
		names[i], keys[i] = string(k.name), k.id
		if l.refused != nil {
			l.refused(string(k.name))
		}
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "request throttled",
		slog.String("limit", strings.Join(names, ",")), slog.String("ip", ipString(ip)),
		slog.String("key", strings.Join(keys, ",")), slog.Int("wait_s", wait))
}

func ipString(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	return ip.String()
}
