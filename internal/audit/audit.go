// Package audit is the log of security events: who did what to whom, from where and when. Events
// caused by a change are written with the change, in its transaction (Record); events of the read path
// (failed logins, throttling) are queued in memory and written in batches off the request path
// (Later), so a crash loses at most the batch not yet written. A Sink, when set, sees every event in
// the transaction that writes it (webhooks).
//
// No event holds a password, token, key, link token or hash: callers put ids, names and reasons in
// Detail, never credentials.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/auditevent"
	"github.com/gojoser/gojoser/internal/reqinfo"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/viewer"
)

// Type names an event. README's "Security events" says when each fires and what its detail holds.
type Type string

// The event types.
const (
	UserRegistered         Type = "user.registered"
	UserActivated          Type = "user.activated"
	ActivationRequested    Type = "user.activation_requested"
	UserUpdated            Type = "user.updated"
	UserDeleted            Type = "user.deleted"
	LoginSucceeded         Type = "login.succeeded"
	LoginFailed            Type = "login.failed"
	Logout                 Type = "logout"
	LogoutAll              Type = "logout.all"
	SessionRevoked         Type = "session.revoked"
	TokensRevoked          Type = "tokens.revoked"
	JWTCreated             Type = "jwt.created"
	JWTBlacklisted         Type = "jwt.blacklisted"
	RefreshReuse           Type = "jwt.refresh_reuse"
	FamilyRevoked          Type = "jwt.family_revoked"
	PasswordChanged        Type = "password.changed"
	PasswordResetRequested Type = "password.reset_requested"
	PasswordReset          Type = "password.reset"
	UsernameChanged        Type = "username.changed"
	UsernameResetRequested Type = "username.reset_requested"
	UsernameReset          Type = "username.reset"
	EmailChangeRequested   Type = "email.change_requested"
	EmailChanged           Type = "email.changed"
	RoleGranted            Type = "role.granted"
	RoleRevoked            Type = "role.revoked"
	IdentityLinked         Type = "identity.linked"
	IdentityUnlinked       Type = "identity.unlinked"
	ThrottleTriggered      Type = "throttle.triggered"
	LockoutTriggered       Type = "lockout.triggered"
	UserDeactivated        Type = "user.deactivated"
	UserReactivated        Type = "user.reactivated"
	UserCreatedByAdmin     Type = "user.created_by_admin"
	AdminResetRequested    Type = "admin.reset_requested"
	AdminSessionsRevoked   Type = "admin.sessions_revoked"
)

const (
	defaultQueue = 10_000
	defaultBatch = 500
	defaultFlush = 250 * time.Millisecond
	maxUserAgent = 512
	maxRequestID = 64
	maxIP        = 64
	// MaxAttemptedName bounds the name a failed login records for an unknown account.
	MaxAttemptedName = 150
)

// Types are every event type, in README's order.
var Types = []Type{
	UserRegistered, UserActivated, ActivationRequested, UserUpdated, UserDeleted,
	LoginSucceeded, LoginFailed, Logout, LogoutAll, SessionRevoked, TokensRevoked,
	JWTCreated, JWTBlacklisted, RefreshReuse, FamilyRevoked,
	PasswordChanged, PasswordResetRequested, PasswordReset,
	UsernameChanged, UsernameResetRequested, UsernameReset, EmailChangeRequested, EmailChanged,
	RoleGranted, RoleRevoked, IdentityLinked, IdentityUnlinked, ThrottleTriggered, LockoutTriggered,
	UserDeactivated, UserReactivated, UserCreatedByAdmin, AdminResetRequested, AdminSessionsRevoked,
}

// The reason classes of LoginFailed.
const (
	ReasonBadCredentials = "bad_credentials"
	ReasonInactive       = "inactive"
	ReasonThrottled      = "throttled"
	ReasonLockedOut      = "locked_out"
)

// CLI is the detail of an event the command line caused: its actor is anonymous.
func CLI() map[string]any { return map[string]any{"via": "cli"} }

// Event is one security event.
type Event struct {
	// ID is the stored row's id; 0 until written.
	ID   int
	Time time.Time // zero: now
	Type Type
	// ActorID is who acted (nil: anonymous); SubjectID the user acted upon (nil: none).
	ActorID, SubjectID *int
	// IP, UserAgent and RequestID are the request's (internal/reqinfo) when left empty.
	IP, UserAgent, RequestID string
	// Detail is a small JSON object; never a secret.
	Detail map[string]any
}

// User is a pointer to id, for ActorID and SubjectID.
func User(id int) *int { return &id }

// Sink sees committed events in the transaction that writes them, through db (the transaction's
// client): a webhook queues its deliveries there, so they exist exactly when the events do.
type Sink func(ctx context.Context, db *ent.Client, events []Event) error

// Options configure a Recorder.
type Options struct {
	Now func() time.Time // nil: time.Now
	// Queue bounds the events Later holds (default 10000); past it they are dropped and counted.
	Queue int
	// Batch is how many queued events one INSERT writes at most (default 500); Flush how often the
	// queue is written (default 250ms).
	Batch int
	Flush time.Duration
	// Dropped learns of every event Later dropped because the queue was full (metrics). May be nil.
	Dropped func()
	Log     *slog.Logger
}

// Recorder records events. A nil *Recorder (GOJOSER_AUDIT=false) records nothing.
type Recorder struct {
	db    *ent.Client
	opts  Options
	queue chan Event
	// Sink, when set before the server starts, is called with every event written.
	Sink Sink
}

// New returns a Recorder writing to db. Later's queue is written by Run.
func New(db *ent.Client, o Options) *Recorder {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Queue <= 0 {
		o.Queue = defaultQueue
	}
	if o.Batch <= 0 {
		o.Batch = defaultBatch
	}
	if o.Flush <= 0 {
		o.Flush = defaultFlush
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{db: db, opts: o, queue: make(chan Event, o.Queue)}
}

// On reports whether events are recorded at all.
func (r *Recorder) On() bool { return r != nil }

// HasSink reports whether a Sink must see events: a caller that writes an event in a statement of its
// own (the PostgreSQL login) then takes a transaction instead.
func (r *Recorder) HasSink() bool { return r != nil && r.Sink != nil }

// Record writes e through db, the client of the transaction that makes the change e records, so that
// both commit or neither. The actor, address, user agent and request id come from ctx when unset.
func (r *Recorder) Record(ctx context.Context, db *ent.Client, e ...Event) error {
	if r == nil || len(e) == 0 {
		return nil
	}
	for i := range e {
		r.fill(ctx, &e[i])
	}
	return r.write(ctx, db, e)
}

// Later queues e, filled from ctx now, for the batch writer: for events of the read path, which must
// cost a request nothing. When the queue is full the event is dropped and counted, never waited for.
func (r *Recorder) Later(ctx context.Context, e Event) {
	if r == nil {
		return
	}
	r.fill(ctx, &e)
	select {
	case r.queue <- e:
	default:
		if r.opts.Dropped != nil {
			r.opts.Dropped()
		}
	}
}

// Run writes Later's queue every Flush, or as soon as a Batch is waiting, until ctx ends; then it
// writes what is left.
func (r *Recorder) Run(ctx context.Context) {
	if r == nil {
		return
	}
	t := time.NewTicker(r.opts.Flush)
	defer t.Stop()
	batch := make([]Event, 0, r.opts.Batch)
	for {
		select {
		case <-ctx.Done():
			// Written with a context of its own: the server is stopping, the database is still there.
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			r.drain(stop, batch)
			cancel()
			return
		case e := <-r.queue:
			if batch = append(batch, e); len(batch) >= r.opts.Batch {
				batch = r.flush(ctx, batch)
			}
		case <-t.C:
			batch = r.flush(ctx, batch)
		}
	}
}

// Flush writes every queued event now (tests, `gojoser` commands that record Later).
func (r *Recorder) Flush(ctx context.Context) {
	if r == nil {
		return
	}
	r.drain(ctx, nil)
}

func (r *Recorder) drain(ctx context.Context, batch []Event) {
	for {
		select {
		case e := <-r.queue:
			if batch = append(batch, e); len(batch) >= r.opts.Batch {
				batch = r.flush(ctx, batch)
			}
		default:
			r.flush(ctx, batch)
			return
		}
	}
}

// flush writes batch in one INSERT (in a transaction with the Sink when there is one) and returns it
// emptied. A batch the database refuses is logged and lost: the read path's events are best effort.
func (r *Recorder) flush(ctx context.Context, batch []Event) []Event {
	if len(batch) == 0 {
		return batch
	}
	var err error
	if r.Sink != nil {
		err = store.WithTx(ctx, r.db, func(tx *ent.Tx) error { return r.write(ctx, tx.Client(), batch) })
	} else {
		err = r.write(ctx, r.db, batch)
	}
	if err != nil {
		r.opts.Log.WarnContext(ctx, "audit events lost", "events", len(batch), "err", err)
	}
	clear(batch)
	return batch[:0]
}

func (r *Recorder) write(ctx context.Context, db *ent.Client, events []Event) error {
	creates := make([]*ent.AuditEventCreate, len(events))
	for i, e := range events {
		creates[i] = db.AuditEvent.Create().SetTime(e.Time).SetType(string(e.Type)).
			SetNillableActorID(e.ActorID).SetNillableSubjectID(e.SubjectID).
			SetIP(e.IP).SetUserAgent(e.UserAgent).SetRequestID(e.RequestID).SetDetail(e.Detail)
	}
	rows, err := db.AuditEvent.CreateBulk(creates...).Save(ctx)
	if err != nil {
		return fmt.Errorf("record audit events: %w", err)
	}
	for i, row := range rows {
		events[i].ID = row.ID
	}
	if r.Sink != nil {
		return r.Sink(ctx, db, events)
	}
	return nil
}

// fill completes e from the clock and ctx, and bounds what a client chose.
func (r *Recorder) fill(ctx context.Context, e *Event) {
	if e.Time.IsZero() {
		e.Time = r.opts.Now()
	}
	// Microseconds, UTC: what both databases keep, so a cursor made from a row finds it again.
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if e.ActorID == nil {
		if v := viewer.FromContext(ctx); v != nil {
			e.ActorID = User(v.UserID)
		}
	}
	info := reqinfo.FromContext(ctx)
	if e.IP == "" && info.IP.IsValid() {
		e.IP = info.IP.String()
	}
	if e.UserAgent == "" {
		e.UserAgent = info.UserAgent
	}
	if e.RequestID == "" {
		e.RequestID = info.RequestID
	}
	e.IP = Truncate(e.IP, maxIP)
	e.UserAgent = Truncate(e.UserAgent, maxUserAgent)
	e.RequestID = Truncate(e.RequestID, maxRequestID)
}

// Truncate cuts s to at most n bytes, at a character boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// InsertPG is the part of a caller's PostgreSQL statement, to be put after a CTE of its WITH, that
// records one event about each user id that cte returns (in column col) as both actor and subject, for
// a change made in one statement (the login) without a transaction of its own. Its parameters start at
// number first and are ArgsPG's. It does not call the Sink: with one, take a transaction and Record.
func InsertPG(cte, col string, first int) string {
	n := func(i int) int { return first + i }
	return fmt.Sprintf(`, audit_insert AS (INSERT INTO %s (%s, %s, %s, %s, %s, %s, %s, %s) SELECT $%d, $%d, %s, %s, $%d, $%d, $%d, $%d FROM %s)`,
		auditevent.Table, auditevent.FieldTime, auditevent.FieldType, auditevent.FieldActorID, auditevent.FieldSubjectID,
		auditevent.FieldIP, auditevent.FieldUserAgent, auditevent.FieldRequestID, auditevent.FieldDetail,
		n(0), n(1), col, col, n(2), n(3), n(4), n(5), cte)
}

// ArgsPG are InsertPG's parameters for e, filled from ctx as Record fills an event.
func (r *Recorder) ArgsPG(ctx context.Context, e Event) ([]any, error) {
	r.fill(ctx, &e)
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return nil, fmt.Errorf("audit detail: %w", err)
	}
	return []any{e.Time, string(e.Type), e.IP, e.UserAgent, e.RequestID, string(detail)}, nil
}
