package audit

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/auditevent"
	"github.com/gojoser/gojoser/ent/predicate"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/retention"
)

// Page sizes, as DRF's CursorPagination takes them: page_size and max_page_size.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Query is a read of the log as a client sends it, unparsed: GET /auth/audit/'s parameters.
type Query struct {
	User         string
	Types        []string // each may be a comma list
	Since, Until string   // RFC 3339
	IP           string
	Cursor       string
	Limit        string
}

// Filter is a parsed Query.
type Filter struct {
	// User matches events whose actor or subject is the user; Subject only those whose subject is.
	User, Subject *int
	Types         []Type
	Since, Until  time.Time // zero: unbounded
	IP            string
	// AfterID keeps only events written after the one with that id (`gojoser audit --follow`).
	AfterID int
	// after is the cursor: events older than it, newest first.
	after *position
	Limit int
}

type position struct {
	micros int64
	id     int
}

// Parse checks q as DRF would: each bad filter is a field error, all of them together; a cursor that
// is not one of ours is DRF's "Invalid cursor" (404); a limit that is not a positive integer is the
// default, and one above MaxLimit is MaxLimit.
func Parse(q Query) (Filter, error) {
	var (
		f    Filter
		errs drf.FieldErrors
	)
	if q.User != "" {
		n, err := strconv.Atoi(q.User)
		if err != nil {
			errs.Add("user", drf.MsgInteger)
		} else {
			f.User = &n
		}
	}
	for _, list := range q.Types {
		for t := range strings.SplitSeq(list, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if !slices.Contains(Types, Type(t)) {
				errs.Add("type", drf.InvalidChoice(t))
				continue
			}
			f.Types = append(f.Types, Type(t))
		}
	}
	for _, b := range []struct {
		name, in string
		out      *time.Time
	}{{"since", q.Since, &f.Since}, {"until", q.Until, &f.Until}} {
		if b.in == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, b.in)
		if err != nil {
			errs.Add(b.name, drf.MsgDateTime)
			continue
		}
		*b.out = t
	}
	if q.IP != "" {
		a, err := netip.ParseAddr(q.IP)
		if err != nil {
			errs.Add("ip", drf.MsgIPAddress)
		} else {
			f.IP = a.String()
		}
	}
	if err := errs.Err(); err != nil {
		return Filter{}, err
	}
	f.Limit = DefaultLimit
	if n, err := strconv.Atoi(q.Limit); err == nil && n > 0 {
		f.Limit = min(n, MaxLimit)
	}
	if q.Cursor != "" {
		p, ok := decodeCursor(q.Cursor)
		if !ok {
			return Filter{}, &drf.Error{Kind: drf.NotFound, Detail: drf.MsgInvalidCursor}
		}
		f.after = &p
	}
	return f, nil
}

// Result is one page of the log, newest first; Next is the cursor of the following page, "" after the
// last.
type Result struct {
	Events []Event
	Next   string
}

// List reads the log through db.
func List(ctx context.Context, db *ent.Client, f Filter) (Result, error) {
	var where []predicate.AuditEvent
	if f.User != nil {
		where = append(where, auditevent.Or(auditevent.ActorID(*f.User), auditevent.SubjectID(*f.User)))
	}
	if f.Subject != nil {
		where = append(where, auditevent.SubjectID(*f.Subject))
	}
	if len(f.Types) > 0 {
		ts := make([]string, len(f.Types))
		for i, t := range f.Types {
			ts[i] = string(t)
		}
		where = append(where, auditevent.TypeIn(ts...))
	}
	if !f.Since.IsZero() {
		where = append(where, auditevent.TimeGTE(f.Since.UTC()))
	}
	if !f.Until.IsZero() {
		where = append(where, auditevent.TimeLTE(f.Until.UTC()))
	}
	if f.IP != "" {
		where = append(where, auditevent.IP(f.IP))
	}
	if f.AfterID > 0 {
		where = append(where, auditevent.IDGT(f.AfterID))
	}
	if p := f.after; p != nil {
		t := time.UnixMicro(p.micros).UTC()
		where = append(where, auditevent.Or(auditevent.TimeLT(t), auditevent.And(auditevent.Time(t), auditevent.IDLT(p.id))))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	rows, err := db.AuditEvent.Query().Where(where...).
		Order(auditevent.ByTime(entsql.OrderDesc()), auditevent.ByID(entsql.OrderDesc())).
		Limit(limit + 1).All(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("list audit events: %w", err)
	}
	var out Result
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.Next = encodeCursor(position{micros: last.Time.UnixMicro(), id: last.ID})
	}
	out.Events = make([]Event, len(rows))
	for i, row := range rows {
		out.Events[i] = fromEnt(row)
	}
	return out, nil
}

func fromEnt(row *ent.AuditEvent) Event {
	return Event{ID: row.ID, Time: row.Time.UTC(), Type: Type(row.Type), ActorID: row.ActorID, SubjectID: row.SubjectID,
		IP: row.IP, UserAgent: row.UserAgent, RequestID: row.RequestID, Detail: row.Detail}
}

// The cursor is opaque to clients: base64 of the last row's time (µs) and id.
func encodeCursor(p position) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", p.micros, p.id))
}

func decodeCursor(s string) (position, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, false
	}
	t, id, ok := strings.Cut(string(b), ".")
	if !ok {
		return position{}, false
	}
	micros, err1 := strconv.ParseInt(t, 10, 64)
	n, err2 := strconv.Atoi(id)
	if err1 != nil || err2 != nil {
		return position{}, false
	}
	return position{micros: micros, id: n}, true
}

// Retention is the rule that deletes events older than keep.
func Retention(db *ent.Client, dialect string, keep time.Duration) retention.Rule {
	return retention.Rule{Name: "audit_events", Delete: func(ctx context.Context, now time.Time, limit int) (int, error) {
		return retention.DeleteBatch(ctx, db, dialect, auditevent.Table, entsql.LT(auditevent.FieldTime, now.Add(-keep).UTC()), limit)
	}}
}
