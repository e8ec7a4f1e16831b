package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/outboxmessage"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/webhook"
)

// key is the test's signing key; secret is how GOJOSER_WEBHOOK_SECRET writes it.
var (
	key    = []byte("0123456789abcdef0123456789abcdef")
	secret = "whsec_" + base64.StdEncoding.EncodeToString(key)
)

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a real HTTP server that records what it is sent and answers as answer says for the
// n-th request (from 0).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b})
		rc.mu.Unlock()
		if rc.answer != nil {
			rc.answer(n, w, r)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// settings turn webhooks on toward urls, with a test-short backoff.
func settings(urls ...string) map[string]string {
	return map[string]string{
		"WEBHOOK_URLS": strings.Join(urls, ","), "WEBHOOK_SECRET": secret,
		"WEBHOOK_BACKOFF": "10ms", "WEBHOOK_BACKOFF_MAX": "40ms",
	}
}

// enqueue queues events in one transaction, as a service would with the change they record, and
// wakes the worker once it has committed.
func enqueue(t *testing.T, s *apitest.Server, events ...webhook.Event) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.App.DB.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Webhooks.Enqueue(ctx, tx.Client(), events...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	s.App.Webhooks.Notify()
}

// waitFor polls the outbox until done says the webhook deliveries are as wanted.
func waitFor(t *testing.T, db *ent.Client, what string, done func(rows []*ent.OutboxMessage) bool) []*ent.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows, err := db.OutboxMessage.Query().Where(outboxmessage.KindEQ(outbox.KindWebhook)).Order(outboxmessage.ByID()).All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if done(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			for _, r := range rows {
				t.Logf("delivery %d: %s, %d attempts, %q", r.ID, r.Status, r.Attempts, r.LastError)
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func allIn(status outboxmessage.Status, n int) func([]*ent.OutboxMessage) bool {
	return func(rows []*ent.OutboxMessage) bool {
		if len(rows) != n {
			return false
		}
		for _, r := range rows {
			if r.Status != status {
				return false
			}
		}
		return true
	}
}

// verify checks a delivery's Standard Webhooks headers with an HMAC computed here, independently of
// the library gojoser signs with, and returns its webhook-id.
func verify(t *testing.T, r received) string {
	t.Helper()
	id, ts, sig := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp"), r.header.Get("webhook-signature")
	if id == "" || ts == "" || sig == "" {
		t.Fatalf("missing Standard Webhooks headers: %v", r.header)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("webhook-timestamp %q is not Unix seconds", ts)
	}
	// The specification's replay window: a receiver rejects a timestamp five minutes off.
	if d := time.Since(time.Unix(sec, 0)); d < -5*time.Minute || d > 5*time.Minute {
		t.Errorf("webhook-timestamp %s is %s off", ts, d)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(r.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		t.Errorf("webhook-signature %q, computed %q", sig, want)
	}
	return id
}

// TestWebhookDeliveredSigned: events queued in a transaction reach a real receiver as JSON, signed as
// Standard Webhooks says; the filter keeps out the types it does not name, and a transaction that
// rolls back queues nothing.
func TestWebhookDeliveredSigned(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		rc := newReceiver(t, nil)
		set := settings(rc.srv.URL + "/hooks/T0/secret-path?token=s3cret")
		set["WEBHOOK_EVENTS"] = "user.*, token.created"
		s := apitest.Start(t, db, set)

		at := time.Date(2026, 11, 30, 12, 0, 0, 123e6, time.UTC)
		enqueue(t, s,
			webhook.Event{ID: "msg_one", Type: "user.registered", Time: at, Data: map[string]any{"user_id": 1, "username": "alice"}},
			webhook.Event{ID: "msg_skip", Type: "login.failed", Time: at},
			webhook.Event{ID: "msg_two", Type: "token.created", Time: at},
			webhook.Event{ID: "msg_skip2", Type: "token.created.extra", Time: at},
		)
		// Rolled back: its delivery must not exist.
		ctx := context.Background()
		tx, err := s.App.DB.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.App.Webhooks.Enqueue(ctx, tx.Client(), webhook.Event{ID: "msg_rolledback", Type: "user.deleted"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}

		rows := waitFor(t, s.App.DB, "two deliveries sent", allIn(outboxmessage.StatusSent, 2))
		for _, r := range rows {
			if r.Attempts != 1 || r.LastError != "" || strings.Contains(r.Endpoint, "s3cret") {
				t.Errorf("delivery %+v", r)
			}
		}
		got := rc.requests()
		if len(got) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(got))
		}
		want := map[string]string{
			"msg_one": `{"type":"user.registered","timestamp":"2026-11-30T12:00:00.123Z","data":{"user_id":1,"username":"alice"}}`,
			"msg_two": `{"type":"token.created","timestamp":"2026-11-30T12:00:00.123Z","data":{}}`,
		}
		for _, r := range got {
			id := verify(t, r)
			if string(r.body) != want[id] {
				t.Errorf("%s: body %s, want %s", id, r.body, want[id])
			}
			delete(want, id)
		}
		if len(want) != 0 {
			t.Errorf("not delivered: %v", want)
		}
	})
}

// TestWebhookRetried: a receiver that answers 500, then one that hangs past GOJOSER_WEBHOOK_TIMEOUT,
// gets the delivery again, with the same webhook-id, until it takes it.
func TestWebhookRetried(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
			switch n {
			case 0:
				http.Error(w, "down", http.StatusInternalServerError)
			case 1:
				<-r.Context().Done() // hangs until the sender gives up
			default:
				w.WriteHeader(http.StatusNoContent)
			}
		})
		set := settings(rc.srv.URL)
		set["WEBHOOK_TIMEOUT"] = "300ms"
		s := apitest.Start(t, db, set)
		enqueue(t, s, webhook.Event{Type: "user.activated", Data: map[string]any{"user_id": 7}})

		rows := waitFor(t, s.App.DB, "the delivery sent", allIn(outboxmessage.StatusSent, 1))
		if rows[0].Attempts != 3 {
			t.Errorf("delivered after %d attempts, want 3", rows[0].Attempts)
		}
		got := rc.requests()
		if len(got) != 3 {
			t.Fatalf("receiver got %d requests, want 3", len(got))
		}
		first := verify(t, got[0])
		if !strings.HasPrefix(first, "msg_") || rows[0].EventID != first {
			t.Errorf("webhook-id %q, row's %q", first, rows[0].EventID)
		}
		for _, r := range got[1:] {
			if id := verify(t, r); id != first || string(r.body) != string(got[0].body) {
				t.Errorf("retry sent %s %s, first attempt %s %s", id, r.body, first, got[0].body)
			}
		}
	})
}

// TestWebhookFailsForGood: after GOJOSER_WEBHOOK_MAX_ATTEMPTS failures the delivery is failed, with
// the receiver's answer as its last error and nothing of the URL, which may hold a token.
func TestWebhookFailsForGood(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "nope", http.StatusServiceUnavailable)
		})
		set := settings(rc.srv.URL + "/in?token=s3cret")
		set["WEBHOOK_MAX_ATTEMPTS"] = "3"
		s := apitest.Start(t, db, set)
		enqueue(t, s, webhook.Event{Type: "user.deleted"})

		rows := waitFor(t, s.App.DB, "the delivery failed", allIn(outboxmessage.StatusFailed, 1))
		if r := rows[0]; r.Attempts != 3 || r.LastError != "receiver answered 503 Service Unavailable" {
			t.Errorf("failed delivery: %d attempts, last error %q", r.Attempts, r.LastError)
		}
		if n := len(rc.requests()); n != 3 {
			t.Errorf("receiver got %d requests, want 3", n)
		}
		troubled, err := webhook.Troubled(context.Background(), s.App.DB, 10)
		if err != nil || len(troubled) != 1 || troubled[0].Type != "user.deleted" || troubled[0].Status != "failed" {
			t.Errorf("Troubled: %+v, %v", troubled, err)
		}

		// A receiver that cannot be reached: the error names no URL either.
		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL + "/x?token=s3cret"
		dead.Close()
		set = settings(deadURL)
		set["WEBHOOK_MAX_ATTEMPTS"] = "1"
		s2 := apitest.StartOn(t, s.DatabaseURL, set, app.Options{})
		s.Stop()
		enqueue(t, s2, webhook.Event{Type: "user.deleted"})
		rows = waitFor(t, s2.App.DB, "the second delivery failed", allIn(outboxmessage.StatusFailed, 2))
		if e := rows[1].LastError; !strings.HasPrefix(e, "post: ") || strings.Contains(e, "s3cret") || strings.Contains(e, "/x") {
			t.Errorf("last error %q", e)
		}
	})
}

// TestWebhookDeliveredOnceByTwoNodes: two servers on one database share the queue; the claim lease
// lets each delivery out once.
func TestWebhookDeliveredOnceByTwoNodes(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
		url := db.NewURL(t)
		a := apitest.StartOn(t, url, settings(rc.srv.URL), app.Options{})
		b := apitest.StartOn(t, url, settings(rc.srv.URL), app.Options{})
		const n = 60
		for i := range n {
			s := a
			if i%2 == 1 {
				s = b
			}
			enqueue(t, s, webhook.Event{ID: fmt.Sprintf("msg_%d", i), Type: "user.logged_in"})
		}
		waitFor(t, a.App.DB, "every delivery sent", allIn(outboxmessage.StatusSent, n))
		seen := map[string]int{}
		for _, r := range rc.requests() {
			seen[verify(t, r)]++
		}
		if len(seen) != n {
			t.Errorf("%d distinct deliveries, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%s delivered %d times", id, c)
			}
		}
	})
}

// TestWebhookEndpointRemoved: a delivery queued for an endpoint that is no longer configured fails at
// once instead of being posted to a URL the operator took out.
func TestWebhookEndpointRemoved(t *testing.T) {
	t.Parallel()
	db := apitest.DBs(t)[0]
	old := newReceiver(t, nil)
	now := newReceiver(t, nil)
	url := db.NewURL(t)
	s := apitest.StartOn(t, url, settings(old.srv.URL), app.Options{})
	s.Stop() // nothing delivers what is queued next
	ctx := context.Background()
	if err := s.App.Webhooks.Enqueue(ctx, s.Outsider(t), webhook.Event{Type: "user.registered"}); err != nil {
		t.Fatal(err)
	}
	s = apitest.StartOn(t, url, settings(now.srv.URL), app.Options{})
	rows := waitFor(t, s.App.DB, "the delivery failed", allIn(outboxmessage.StatusFailed, 1))
	if rows[0].LastError != "endpoint no longer configured in GOJOSER_WEBHOOK_URLS" || len(old.requests())+len(now.requests()) != 0 {
		t.Errorf("last error %q; requests %d and %d", rows[0].LastError, len(old.requests()), len(now.requests()))
	}
}

// TestWebhooksOff: without GOJOSER_WEBHOOK_URLS, Enqueue queues nothing and no worker runs.
func TestWebhooksOff(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, apitest.DBs(t)[0], nil)
	if err := s.App.Webhooks.Enqueue(context.Background(), s.App.DB, webhook.Event{Type: "user.registered"}); err != nil {
		t.Fatal(err)
	}
	n, err := s.App.DB.OutboxMessage.Query().Count(context.Background())
	if err != nil || n != 0 || s.App.WebhookWorker != nil {
		t.Errorf("off: %d rows (%v), worker %v", n, err, s.App.WebhookWorker)
	}
	var q *webhook.Queue
	if err := q.Enqueue(context.Background(), s.App.DB, webhook.Event{Type: "x"}); err != nil || q.Enabled() {
		t.Errorf("nil queue: %v", err)
	}
}

// TestHangingReceiverHoldsUpNoOther: while one endpoint hangs on every delivery, another still gets its
// own: the worker posts several deliveries at once.
func TestHangingReceiverHoldsUpNoOther(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hanging := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	fine := newReceiver(t, nil)
	set := settings(hanging.srv.URL, fine.srv.URL)
	set["WEBHOOK_TIMEOUT"] = "1m"
	s := apitest.Start(t, apitest.DBs(t)[0], set)
	unhang := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unhang) // before the server stops, which waits for the deliveries in flight
	enqueue(t, s, webhook.Event{Type: "a"}, webhook.Event{Type: "b"}, webhook.Event{Type: "c"})
	waitFor(t, s.App.DB, "the fine endpoint's three deliveries", func(rows []*ent.OutboxMessage) bool {
		sent := 0
		for _, r := range rows {
			if r.Status == outboxmessage.StatusSent {
				sent++
			}
		}
		return sent == 3
	})
	if n := len(fine.requests()); n != 3 {
		t.Errorf("the fine endpoint got %d requests, want 3", n)
	}
	unhang()
	waitFor(t, s.App.DB, "every delivery sent", allIn(outboxmessage.StatusSent, 6))
}

// TestEnqueueManyAtOnce: a batch of events too large for one statement's parameters (as a flush of
// read-path events may be) is written whole, on both databases.
func TestEnqueueManyAtOnce(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, settings("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"))
		s.Stop() // no worker: only the queueing is tested
		events := make([]webhook.Event, 3500)
		for i := range events {
			events[i] = webhook.Event{Type: "login.failed", Data: map[string]any{"n": i}}
		}
		c := s.Outsider(t)
		if err := s.App.Webhooks.Enqueue(context.Background(), c, events...); err != nil {
			t.Fatal(err)
		}
		n, err := c.OutboxMessage.Query().Where(outboxmessage.KindEQ(outbox.KindWebhook)).Count(context.Background())
		if err != nil || n != 7000 {
			t.Errorf("%d deliveries queued (%v), want 7000", n, err)
		}
	})
}

// BenchmarkEnqueue is what one event costs the transaction that records it, with two endpoints.
func BenchmarkEnqueue(b *testing.B) {
	for _, db := range apitest.DBs(b) {
		b.Run(db.Name, func(b *testing.B) {
			s := apitest.Start(b, db, settings("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"))
			s.Stop()
			c := s.Outsider(b)
			ctx := context.Background()
			ev := webhook.Event{Type: "user.logged_in", Data: map[string]any{"user_id": 1, "ip": "192.0.2.1"}}
			for b.Loop() {
				if err := s.App.Webhooks.Enqueue(ctx, c, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
