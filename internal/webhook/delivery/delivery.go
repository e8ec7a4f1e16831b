// Package delivery posts queued webhook deliveries (internal/webhook) to their endpoints, signed as
// the Standard Webhooks specification describes. It is the outbox worker's Deliver for the webhook
// channel: a 2xx answer is delivered; any other answer, a redirect or a network error is retried.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/webhook"
)

// Sender signs and posts deliveries.
type Sender struct {
	signer    *standardwebhooks.Webhook
	endpoints map[string]string // webhook.Endpoint.Key -> URL
	client    *http.Client
	now       func() time.Time
}

// New returns a Sender for q's endpoints and key; each attempt, answer included, gets timeout.
func New(q *webhook.Queue, timeout time.Duration, now func() time.Time) (*Sender, error) {
	if now == nil {
		now = time.Now
	}
	signer, err := standardwebhooks.NewWebhookRaw(q.Key())
	if err != nil {
		return nil, fmt.Errorf("webhook signer: %w", err)
	}
	transport := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = t.Clone() // its dialer and TLS timeouts, with a connection pool of our own
	}
	s := &Sender{signer: signer, endpoints: map[string]string{}, now: now, client: &http.Client{
		Timeout:   timeout,
		Transport: transport,
		// A redirect is not followed: the receiver is the configured URL and nothing else, and a
		// signed event must not be handed on to wherever an answer points. It counts as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	for _, ep := range q.Endpoints() {
		s.endpoints[ep.Key] = ep.URL
	}
	return s, nil
}

// Deliver posts one claimed delivery. The signature is made at each attempt, over the stored payload
// and the attempt's time, with the same webhook-id every time.
func (s *Sender) Deliver(ctx context.Context, m *ent.OutboxMessage) (outbox.Result, error) {
	target, ok := s.endpoints[m.Endpoint]
	if !ok {
		return 0, outbox.Permanent(errors.New("endpoint no longer configured in GOJOSER_WEBHOOK_URLS"))
	}
	payload := []byte(m.Payload)
	at := s.now()
	sig, err := s.signer.Sign(m.EventID, at, payload)
	if err != nil {
		return 0, outbox.Permanent(fmt.Errorf("sign: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(m.Payload))
	if err != nil {
		// The configured URL was checked at start; do not repeat it here, it may hold a token.
		return 0, outbox.Permanent(errors.New("cannot build the request"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gojoser-webhooks")
	req.Header.Set(standardwebhooks.HeaderWebhookID, m.EventID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, withoutURL(err)
	}
	// Read a little of the body so the connection can be reused; a receiver's answer is not kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return outbox.Sent, nil
}

// withoutURL drops the request URL that net/http puts in its errors: it may hold a token, and the
// error is logged and stored as the delivery's last_error.
func withoutURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	if ue.Timeout() {
		return fmt.Errorf("post: timed out: %w", ue.Err)
	}
	return fmt.Errorf("post: %w", ue.Err)
}
