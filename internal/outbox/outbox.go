// Package outbox is the durable queue of mail and webhook deliveries. Services write messages in the
// same transaction as the change that causes them; a Worker delivers them with retries and backoff.
// Mail and webhooks are separate channels, each with a worker of its own, so a slow webhook receiver
// never holds up a mail, nor a slow mail server a webhook. A message is claimed by
// pushing its next_attempt_at forward by a lease before it is sent, so two workers (or two nodes)
// never send it at once, and a worker that dies mid-send leaves it to be retried when the lease ends.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/outboxmessage"
	"github.com/gojoser/gojoser/ent/predicate"
)

// KindWebhook is the kind of a webhook delivery (internal/webhook); every other kind is a mail.
const KindWebhook = "webhook"

// Channel is the set of messages one worker delivers.
type Channel int

const (
	// Mail is every message that is not a webhook delivery.
	Mail Channel = iota
	// Webhooks is the webhook deliveries.
	Webhooks
)

func (c Channel) where() predicate.OutboxMessage {
	if c == Webhooks {
		return outboxmessage.KindEQ(KindWebhook)
	}
	return outboxmessage.KindNEQ(KindWebhook)
}

// String names the channel in logs.
func (c Channel) String() string {
	if c == Webhooks {
		return "webhook"
	}
	return "mail"
}

// Site is where the request that caused a message came from: links and wording use it.
type Site struct {
	Domain, Protocol, SiteName string
}

// Message is a mail to deliver later.
type Message struct {
	Kind string
	// UserID is the user the mail is about; nil for a request by address, resolved at delivery.
	UserID *int
	// Recipient is the lookup address or fixed recipient; "" means the user's address at delivery.
	Recipient string
	Site      Site
}

// Enqueue writes msgs with db, which should be the transaction of the change that causes them.
func Enqueue(ctx context.Context, db *ent.Client, now time.Time, msgs ...Message) error {
	for _, m := range msgs {
		err := db.OutboxMessage.Create().
			SetKind(m.Kind).SetNillableUserID(m.UserID).SetRecipient(m.Recipient).
			SetDomain(m.Site.Domain).SetProtocol(m.Site.Protocol).SetSiteName(m.Site.SiteName).
			SetNextAttemptAt(now.UTC()).SetCreatedAt(now.UTC()).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("enqueue %s mail: %w", m.Kind, err)
		}
	}
	return nil
}

// Result is what a delivery did with a message.
type Result int

const (
	// Sent: the mail went out.
	Sent Result = iota
	// Skipped: there was nothing to send (unknown address, user gone or no longer eligible).
	Skipped
)

// Deliver renders and sends one claimed message. An error marked with Permanent is not retried.
type Deliver func(ctx context.Context, m *ent.OutboxMessage) (Result, error)

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one no retry can fix.
func Permanent(err error) error { return &permanentError{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Worker delivers due messages.
type Worker struct {
	db      *ent.Client
	deliver Deliver
	log     *slog.Logger
	opts    Options
	wake    chan struct{}
}

// Options tune a Worker; zero values take the defaults.
type Options struct {
	Channel      Channel // the messages to deliver (default Mail)
	Now          func() time.Time
	PollInterval time.Duration // how often to look for due messages without a wake-up (default 2s)
	Lease        time.Duration // how long a claimed message is reserved (default 2m)
	MaxAttempts  int           // attempts before a message is marked failed (default 10)
	// Backoff is the wait after the n-th failed attempt (n >= 1). Default: 30s doubling, at most 1h.
	Backoff func(n int) time.Duration
	Batch   int // messages claimed per pass (default 50)
	// Concurrency is how many messages of a pass are delivered at once (default 1). Above 1, a
	// receiver that hangs until its timeout holds up only its own messages, not every other one.
	Concurrency int
	// Attempted, when set, learns how each delivery attempt ended (metrics): "sent", "skipped",
	// "retry" (failed, will be tried again) or "failed" (failed for good).
	Attempted func(outcome string)
}

// NewWorker returns a Worker.
func NewWorker(db *ent.Client, deliver Deliver, log *slog.Logger, opts Options) *Worker {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	opts.Concurrency = max(opts.Concurrency, 1)
	return &Worker{db: db, deliver: deliver, log: log, opts: opts, wake: make(chan struct{}, 1)}
}

// DefaultBackoff waits 30s after the first failure, doubling up to an hour.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// JitteredBackoff waits base after the first failure, doubling up to ceiling, each wait drawn between
// half and all of that (jitter), so deliveries that failed together (a receiver that was down) do not
// all come back at the same moment.
func JitteredBackoff(base, ceiling time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := base
		for i := 1; i < n && d < ceiling; i++ {
			d *= 2
		}
		d = min(d, ceiling)
		return d/2 + rand.N(d/2+1)
	}
}

// Notify asks the worker to look for due messages now; it never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx is done. A message being sent when ctx ends is finished first, with
// its own short deadline, so a shutdown does not turn a sent mail into a retried one.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.PollInterval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("outbox pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// RunOnce delivers the messages due now and returns how many it handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	handled := 0
	for ctx.Err() == nil {
		now := w.opts.Now().UTC()
		ids, err := w.db.OutboxMessage.Query().
			Where(w.opts.Channel.where(), outboxmessage.StatusEQ(outboxmessage.StatusPending), outboxmessage.NextAttemptAtLTE(now)).
			Order(outboxmessage.ByNextAttemptAt(), outboxmessage.ByID()).
			Limit(w.opts.Batch).IDs(ctx)
		if err != nil {
			return handled, fmt.Errorf("find due %s: %w", w.opts.Channel, err)
		}
		if len(ids) == 0 {
			return handled, nil
		}
		n, err := w.processAll(ctx, ids)
		handled += n
		if err != nil {
			return handled, err
		}
	}
	return handled, ctx.Err()
}

// processAll processes ids, Concurrency at a time, and returns how many it handled. After an error
// (the database, most likely) it starts no more, and lets those under way finish.
func (w *Worker) processAll(ctx context.Context, ids []int) (int, error) {
	g, failed := errgroup.WithContext(ctx)
	g.SetLimit(w.opts.Concurrency)
	var handled atomic.Int64
	for _, id := range ids {
		if failed.Err() != nil {
			break
		}
		g.Go(func() error {
			ok, err := w.process(ctx, id)
			if ok {
				handled.Add(1)
			}
			return err
		})
	}
	err := g.Wait()
	return int(handled.Load()), err
}

// process claims message id and delivers it; ok is false when another worker had claimed it.
func (w *Worker) process(ctx context.Context, id int) (bool, error) {
	now := w.opts.Now().UTC()
	n, err := w.db.OutboxMessage.Update().
		Where(outboxmessage.ID(id), outboxmessage.StatusEQ(outboxmessage.StatusPending), outboxmessage.NextAttemptAtLTE(now)).
		SetNextAttemptAt(now.Add(w.opts.Lease)).AddAttempts(1).
		Save(ctx)
	if err != nil {
		return false, fmt.Errorf("claim %s %d: %w", w.opts.Channel, id, err)
	}
	if n == 0 {
		return false, nil
	}
	m, err := w.db.OutboxMessage.Get(ctx, id)
	if err != nil {
		return false, fmt.Errorf("load %s %d: %w", w.opts.Channel, id, err)
	}
	// Finish the delivery even if we are asked to stop meanwhile: an SMTP transaction cut in half is
	// the one way to send a mail twice.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.opts.Lease/2)
	res, derr := w.deliver(dctx, m)
	cancel()
	done := w.opts.Now().UTC()
	upd := w.db.OutboxMessage.UpdateOneID(id)
	idKey := "mail_id"
	if w.opts.Channel == Webhooks {
		idKey = "delivery_id" // not "webhook_id": that is the event's id, the webhook-id header
	}
	log := w.log.With(idKey, id, "kind", m.Kind, "attempt", m.Attempts)
	var outcome string
	switch {
	case derr == nil && res == Skipped:
		upd.SetStatus(outboxmessage.StatusSkipped).SetLastError("")
		log.Info(w.opts.Channel.String() + " skipped: nobody to send it to")
		outcome = "skipped"
	case derr == nil:
		upd.SetStatus(outboxmessage.StatusSent).SetSentAt(done).SetLastError("")
		log.Info(w.opts.Channel.String() + " sent")
		outcome = "sent"
	case IsPermanent(derr) || m.Attempts >= w.opts.MaxAttempts:
		upd.SetStatus(outboxmessage.StatusFailed).SetLastError(truncate(derr.Error()))
		log.Error(w.opts.Channel.String()+" failed for good", "err", derr)
		outcome = "failed"
	default:
		wait := w.opts.Backoff(m.Attempts)
		upd.SetNextAttemptAt(done.Add(wait)).SetLastError(truncate(derr.Error()))
		log.Warn(w.opts.Channel.String()+" failed; will retry", "err", derr, "retry_in", wait)
		outcome = "retry"
	}
	err = upd.Exec(context.WithoutCancel(ctx))
	if w.opts.Attempted != nil {
		w.opts.Attempted(outcome) // after the write: a scrape that sees the count sees the new state
	}
	if err != nil {
		return true, fmt.Errorf("record %s %d: %w", w.opts.Channel, id, err)
	}
	return true, nil
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// Status counts messages by state, for `gojoser outbox status`.
type Status struct {
	Pending, Sent, Failed, Skipped int
	OldestPending                  *time.Time
}

// Stats reads the state of the mail channel.
func Stats(ctx context.Context, db *ent.Client) (Status, error) {
	return ChannelStats(ctx, db, Mail)
}

// ChannelStats reads the state of channel ch.
func ChannelStats(ctx context.Context, db *ent.Client, ch Channel) (Status, error) {
	var rows []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	err := db.OutboxMessage.Query().Where(ch.where()).GroupBy(outboxmessage.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return Status{}, fmt.Errorf("count outbox: %w", err)
	}
	var st Status
	for _, r := range rows {
		switch outboxmessage.Status(r.Status) {
		case outboxmessage.StatusPending:
			st.Pending = r.Count
		case outboxmessage.StatusSent:
			st.Sent = r.Count
		case outboxmessage.StatusFailed:
			st.Failed = r.Count
		case outboxmessage.StatusSkipped:
			st.Skipped = r.Count
		}
	}
	oldest, err := db.OutboxMessage.Query().Where(ch.where(), outboxmessage.StatusEQ(outboxmessage.StatusPending)).
		Order(outboxmessage.ByCreatedAt()).First(ctx)
	if err == nil {
		st.OldestPending = &oldest.CreatedAt
	} else if !ent.IsNotFound(err) {
		return Status{}, fmt.Errorf("oldest pending %s: %w", ch, err)
	}
	return st, nil
}
