package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/webhook"
)

// TestOutboxStatusShowsWebhooks: `gojoser outbox status`, and `mail status` as before, count webhook
// deliveries by state and list the one that failed for good, with its attempts and last error, and
// its endpoint by scheme and host only: the path and query may hold a token.
func TestOutboxStatusShowsWebhooks(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if b, _ := io.ReadAll(r.Body); bytes.Contains(b, []byte(`"user.deleted"`)) {
				http.Error(w, "no", http.StatusInternalServerError)
			}
		}))
		t.Cleanup(receiver.Close)
		hooks := map[string]string{
			"WEBHOOK_URLS": receiver.URL + "/in/T0/s3cret?token=s3cret", "WEBHOOK_MAX_ATTEMPTS": "2",
			"WEBHOOK_SECRET": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "WEBHOOK_BACKOFF": "10ms",
		}
		c := newCLI(t, db.NewURL(t), hooks)
		c.expect("pending\t0\nsent\t0\nfailed\t0\nskipped\t0\nwebhook_pending\t0\nwebhook_sent\t0\nwebhook_failed\t0\n", "outbox", "status")

		s := c.server(hooks, app.Options{})
		ctx := context.Background()
		err := s.App.Webhooks.Enqueue(ctx, s.App.DB,
			webhook.Event{ID: "msg_ok", Type: "user.registered"}, webhook.Event{ID: "msg_bad", Type: "user.deleted"})
		if err != nil {
			t.Fatal(err)
		}
		s.App.Webhooks.Notify()
		deadline := time.Now().Add(20 * time.Second)
		for st, err := outbox.ChannelStats(ctx, s.App.DB, outbox.Webhooks); err != nil || st.Sent+st.Failed < 2; st, err = outbox.ChannelStats(ctx, s.App.DB, outbox.Webhooks) {
			if err != nil || time.Now().After(deadline) {
				t.Fatalf("webhooks %+v, %v: want both done", st, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		s.Stop()

		u, _ := url.Parse(receiver.URL)
		want := "pending\t0\nsent\t0\nfailed\t0\nskipped\t0\n" +
			"webhook_pending\t0\nwebhook_sent\t1\nwebhook_failed\t1\n" +
			"webhook 2\tmsg_bad\tfailed\tuser.deleted\tattempts 2\thttp://" + u.Host + "\treceiver answered 500 Internal Server Error\n"
		c.expect(want, "outbox", "status")
		c.expect(want, "mail", "status")
		// With the endpoint gone from the configuration, the status says so.
		delete(hooks, "WEBHOOK_URLS")
		newCLI(t, c.env["GOJOSER_DATABASE_URL"], hooks).expect("pending\t0\nsent\t0\nfailed\t0\nskipped\t0\n"+
			"webhook_pending\t0\nwebhook_sent\t1\nwebhook_failed\t1\n"+
			"webhook 2\tmsg_bad\tfailed\tuser.deleted\tattempts 2\t(endpoint no longer configured)\treceiver answered 500 Internal Server Error\n",
			"outbox", "status")
	})
}
