// Package webhook queues events for the configured webhook endpoints. Enqueue writes one outbox row
// per matching endpoint in the caller's transaction, so an event and its deliveries commit together,
// and costs the request one insert; internal/webhook/delivery signs and posts them from the outbox's
// background worker. The package speaks no HTTP, so services may import it.
package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/outboxmessage"
	"github.com/gojoser/gojoser/internal/outbox"
)

// Event is what receivers get. Data must never hold a password, token, key or link token.
type Event struct {
	// ID is sent as the webhook-id header, the same on every retry; receivers drop duplicates by it.
	// Empty: a random msg_… id is given.
	ID   string
	Type string
	// Time is when the event happened (default: now).
	Time time.Time
	Data map[string]any
}

// body is the JSON of a delivery, as the Standard Webhooks specification suggests.
type body struct {
	Type      string         `json:"type"`
	Timestamp string         `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// TimeFormat is the payload's timestamp: RFC 3339, UTC, with milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Settings configure a Queue (GOJOSER_WEBHOOK_*).
type Settings struct {
	URLs   []string
	Secret string
	Events []string
	Now    func() time.Time
}

// Queue decides which endpoints an event goes to and writes those deliveries to the outbox. A nil
// Queue, or one without endpoints, is off: Enqueue does nothing.
type Queue struct {
	endpoints []Endpoint
	filter    Filter
	key       []byte
	now       func() time.Time
	// Wake, when set, asks the delivery worker to look for due deliveries now (see Notify).
	Wake func()
}

// Endpoint is a configured receiver.
type Endpoint struct {
	URL string
	// Key is how outbox rows name the endpoint: the hex SHA-256 of URL. URLs often carry a token,
	// so the database never holds them, and a delivery whose URL is no longer configured is not sent.
	Key string
}

// New checks s and returns the Queue it describes; with no URLs, the Queue is off.
func New(s Settings) (*Queue, error) {
	q := &Queue{now: s.Now}
	if q.now == nil {
		q.now = time.Now
	}
	var err error
	if q.endpoints, err = ParseEndpoints(s.URLs); err != nil {
		return nil, err
	}
	if q.filter, err = ParseFilter(s.Events); err != nil {
		return nil, err
	}
	if len(q.endpoints) == 0 {
		return q, nil
	}
	if q.key, err = ParseSecret(s.Secret); err != nil {
		return nil, err
	}
	return q, nil
}

// Enabled reports whether any endpoint is configured.
func (q *Queue) Enabled() bool { return q != nil && len(q.endpoints) > 0 }

// Endpoints are the configured receivers.
func (q *Queue) Endpoints() []Endpoint {
	if q == nil {
		return nil
	}
	return q.endpoints
}

// Key is the signing key (the decoded GOJOSER_WEBHOOK_SECRET).
func (q *Queue) Key() []byte { return q.key }

// Enqueue stores one delivery per configured endpoint for each event whose type the filter lets
// through, with db, which should be the transaction of the change the events record
// (tx.Client()): they commit or roll back together. It is one INSERT (per 1000 deliveries), whatever
// the receivers do.
// Call Notify once the transaction has committed to have them sent at once rather than at the
// worker's next poll.
func (q *Queue) Enqueue(ctx context.Context, db *ent.Client, events ...Event) error {
	if !q.Enabled() {
		return nil
	}
	now := q.now().UTC()
	var rows []*ent.OutboxMessageCreate
	for _, e := range events {
		if e.Type == "" {
			return errors.New("enqueue webhooks: an event without a type")
		}
		if !q.filter.Match(e.Type) {
			continue
		}
		id, payload, err := q.encode(e, now)
		if err != nil {
			return err
		}
		for _, ep := range q.endpoints {
			rows = append(rows, db.OutboxMessage.Create().
				SetKind(outbox.KindWebhook).SetEndpoint(ep.Key).SetEventID(id).SetPayload(payload).
				SetNextAttemptAt(now).SetCreatedAt(now))
		}
	}
	// One INSERT, in chunks that keep each statement under the databases' limits on bound
	// parameters (SQLite's 32766) when a batch of events meets several endpoints.
	for chunk := range slices.Chunk(rows, insertChunk) {
		if err := db.OutboxMessage.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("enqueue webhooks: %w", err)
		}
	}
	return nil
}

// insertChunk is how many deliveries one INSERT writes (about 10 parameters each).
const insertChunk = 1000

// Notify wakes the delivery worker; it never blocks.
func (q *Queue) Notify() {
	if q != nil && q.Wake != nil {
		q.Wake()
	}
}

func (q *Queue) encode(e Event, now time.Time) (id, payload string, err error) {
	id = e.ID
	if id == "" {
		id = NewID()
	}
	at := e.Time
	if at.IsZero() {
		at = now
	}
	data := e.Data
	if data == nil {
		data = map[string]any{} // receivers get an object, never null
	}
	b, err := json.Marshal(body{Type: e.Type, Timestamp: at.UTC().Format(TimeFormat), Data: data})
	if err != nil {
		return "", "", fmt.Errorf("encode %s webhook: %w", e.Type, err)
	}
	return id, string(b), nil
}

// NewID is a random message id in the form Standard Webhooks' examples use: msg_ and 26 characters
// (128 random bits).
func NewID() string { return "msg_" + rand.Text() }

// Filter selects event types: exact types, prefixes written "user.*", or everything.
type Filter struct {
	all      bool
	exact    map[string]bool
	prefixes []string
}

// ParseFilter reads GOJOSER_WEBHOOK_EVENTS: empty or "*" lets every type through.
func ParseFilter(patterns []string) (Filter, error) {
	f := Filter{exact: map[string]bool{}}
	n := 0
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			continue
		case p == "*":
			f.all = true
		case strings.HasSuffix(p, ".*") && !strings.Contains(strings.TrimSuffix(p, ".*"), "*") && len(p) > 2:
			f.prefixes = append(f.prefixes, strings.TrimSuffix(p, "*"))
		case strings.Contains(p, "*"):
			return Filter{}, fmt.Errorf("GOJOSER_WEBHOOK_EVENTS: %q: a wildcard may only end a prefix, as in user.*", p)
		default:
			f.exact[p] = true
		}
		n++
	}
	f.all = f.all || n == 0
	return f, nil
}

// Match reports whether events of type t pass.
func (f Filter) Match(t string) bool {
	if f.all || f.exact[t] {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// ParseEndpoints reads GOJOSER_WEBHOOK_URLS: absolute http or https URLs, each once.
func ParseEndpoints(urls []string) ([]Endpoint, error) {
	var eps []Endpoint
	seen := map[string]bool{}
	for _, raw := range urls {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		// The URL may hold a token: errors name the position, never the URL.
		where := fmt.Sprintf("GOJOSER_WEBHOOK_URLS: URL %d", len(eps)+1)
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s is not a URL", where)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s must be an http or https URL with a host", where)
		}
		if u.Fragment != "" {
			return nil, fmt.Errorf("%s must not have a #fragment", where)
		}
		if seen[raw] {
			return nil, fmt.Errorf("%s is listed twice", where)
		}
		seen[raw] = true
		sum := sha256.Sum256([]byte(raw))
		eps = append(eps, Endpoint{URL: raw, Key: hex.EncodeToString(sum[:])})
	}
	return eps, nil
}

// ParseSecret decodes a Standard Webhooks secret, whsec_<base64>, whose key the specification wants
// between 24 and 64 bytes. Errors never repeat the secret.
func ParseSecret(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(strings.TrimSpace(s), "whsec_")
	if !ok {
		return nil, errors.New("GOJOSER_WEBHOOK_SECRET must have the form whsec_<base64>")
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, errors.New("GOJOSER_WEBHOOK_SECRET: the part after whsec_ is not standard base64")
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("GOJOSER_WEBHOOK_SECRET must hold a key of 24 to 64 bytes, got %d (e.g. whsec_ and the output of: head -c 32 /dev/urandom | base64)", len(key))
	}
	return key, nil
}

// Describe names an endpoint for operators without what may be secret in it (path, query, user
// info): its scheme and host.
func Describe(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host
}

// Delivery is a webhook delivery as operators see it (`gojoser outbox status`): no payload, and the
// endpoint only by its key.
type Delivery struct {
	ID, Attempts           int
	EventID, Type, Status  string
	EndpointKey, LastError string
	CreatedAt, NextAttempt time.Time
}

// Troubled lists, newest first, up to limit deliveries that failed at least once: those failed for
// good and those waiting for a retry.
func Troubled(ctx context.Context, db *ent.Client, limit int) ([]Delivery, error) {
	rows, err := db.OutboxMessage.Query().
		Where(outboxmessage.KindEQ(outbox.KindWebhook), outboxmessage.LastErrorNEQ(""),
			outboxmessage.StatusIn(outboxmessage.StatusPending, outboxmessage.StatusFailed)).
		Order(ent.Desc(outboxmessage.FieldCreatedAt), ent.Desc(outboxmessage.FieldID)).
		Limit(limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("troubled webhooks: %w", err)
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		var b body
		_ = json.Unmarshal([]byte(r.Payload), &b) // we wrote it; a bad one just shows no type
		out = append(out, Delivery{
			ID: r.ID, Attempts: r.Attempts, EventID: r.EventID, Type: b.Type, Status: string(r.Status),
			EndpointKey: r.Endpoint, LastError: r.LastError, CreatedAt: r.CreatedAt, NextAttempt: r.NextAttemptAt,
		})
	}
	return out, nil
}

// Describe names the endpoint of key for operators (see Describe), or says it is no longer configured.
func (q *Queue) Describe(key string) string {
	for _, ep := range q.Endpoints() {
		if ep.Key == key {
			return Describe(ep.URL)
		}
	}
	return "(endpoint no longer configured)"
}
