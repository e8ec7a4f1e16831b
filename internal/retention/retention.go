// Package retention deletes rows that have outlived their use: expired tokens and refresh tokens, and
// mail the outbox is done with. A Janitor runs its rules periodically on every serving node, but only
// one node at a time does the work: on PostgreSQL the one holding an advisory lock, taken through the
// database so that it holds across processes and hosts (SQLite serves one node). `gojoser cleanup`
// runs it on demand.
//
// Each rule deletes in batches, one statement each, so no statement holds locks on many rows for long
// and a large backlog (the first run on an old database) does not stall the writers serving requests.
// Other packages add their tables with Register (throttle counters, an audit log), usually with
// DeleteBatch.
package retention

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Rule deletes one kind of expired row.
type Rule struct {
	// Name labels the rule's count in reports and logs: "tokens".
	Name string
	// Delete removes at most limit rows that are expired as of now, in one statement, and reports how
	// many it removed. The janitor calls it again while it removes limit rows.
	Delete func(ctx context.Context, now time.Time, limit int) (int, error)
}

// Count is how many rows one rule deleted.
type Count struct {
	Rule    string
	Deleted int
}

// Options configure a Janitor.
type Options struct {
	// Postgres: the nodes share a PostgreSQL database and take turns through an advisory lock held on
	// a connection of Pool. Otherwise (SQLite, one node) no lock is taken.
	Postgres bool
	Pool     *sql.DB
	// Batch is how many rows one statement deletes at most (default 1000).
	Batch int
	Now   func() time.Time // nil: time.Now
	Log   *slog.Logger
}

// Janitor runs the retention rules.
type Janitor struct {
	opts  Options
	rules []Rule
}

// New returns a Janitor with no rules; Register adds them.
func New(opts Options) *Janitor {
	if opts.Batch <= 0 {
		opts.Batch = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Janitor{opts: opts}
}

// Register adds rules, which run in the order they were registered. Call it before the janitor runs.
func (j *Janitor) Register(rules ...Rule) {
	j.rules = append(j.rules, rules...)
}

// lockKey is the advisory lock of the node running retention. Migrations hold 0x676f6a6f736572
// ("gojoser"); this is "gojoser" followed by 1.
const lockKey int64 = 0x676f6a6f73657201

// Cleanup runs every rule now, waiting for another node's run to finish first, and reports the counts.
func (j *Janitor) Cleanup(ctx context.Context) ([]Count, error) {
	counts, _, err := j.run(ctx, true)
	return counts, err
}

// TryCleanup runs every rule unless another node is running them; ran says whether it did.
func (j *Janitor) TryCleanup(ctx context.Context) (counts []Count, ran bool, err error) {
	return j.run(ctx, false)
}

// Run runs the rules every interval until ctx ends, leaving a round to another node that is running
// them. The first round comes at a random point of the first interval, so that nodes started together
// do not all try at once.
func (j *Janitor) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTimer(rand.N(every))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		counts, ran, err := j.TryCleanup(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			j.opts.Log.Warn("retention: cleanup failed; next try in one interval", "err", err, "interval", every)
		case ran && total(counts) > 0:
			args := make([]any, 0, 2*len(counts))
			for _, c := range counts {
				args = append(args, c.Rule, c.Deleted)
			}
			j.opts.Log.Info("retention: expired rows deleted", args...)
		}
		t.Reset(every)
	}
}

func total(counts []Count) int {
	n := 0
	for _, c := range counts {
		n += c.Deleted
	}
	return n
}

func (j *Janitor) run(ctx context.Context, wait bool) ([]Count, bool, error) {
	release, ok, err := j.lead(ctx, wait)
	if err != nil || !ok {
		return nil, false, err
	}
	defer release()
	// One instant for the whole round: batches of a rule converge instead of chasing the clock.
	now := j.opts.Now().UTC()
	counts := make([]Count, 0, len(j.rules))
	for _, r := range j.rules {
		c := Count{Rule: r.Name}
		for {
			if err := ctx.Err(); err != nil {
				return append(counts, c), true, err
			}
			n, err := r.Delete(ctx, now, j.opts.Batch)
			c.Deleted += n
			if err != nil {
				return append(counts, c), true, fmt.Errorf("retention %s: %w", r.Name, err)
			}
			if n < j.opts.Batch {
				break
			}
		}
		counts = append(counts, c)
	}
	return counts, true, nil
}

// lead makes this node the one that runs retention, waiting for it when wait is set; ok is false when
// another node is running it. release gives the role up.
func (j *Janitor) lead(ctx context.Context, wait bool) (release func(), ok bool, err error) {
	if !j.opts.Postgres {
		return func() {}, true, nil
	}
	// A session lock lives on one connection: keep that connection out of the pool until released.
	conn, err := j.opts.Pool.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("retention lock: %w", err)
	}
	if wait {
		_, err = conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey)
		ok = err == nil
	} else {
		err = conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", lockKey).Scan(&ok)
	}
	if err != nil || !ok {
		conn.Close()
		if err != nil {
			err = fmt.Errorf("retention lock: %w", err)
		}
		return nil, false, err
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			// Ending the session releases the lock as well: have the pool throw the connection away
			// rather than hand it, still locked, to someone else.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		if err := conn.Close(); err != nil && !errors.Is(err, driver.ErrBadConn) && !errors.Is(err, sql.ErrConnDone) {
			j.opts.Log.Warn("retention: releasing the lock's connection", "err", err)
		}
	}, true, nil
}
