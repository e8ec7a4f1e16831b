package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/gojoser/gojoser/internal/webhook"
)

// Webhook holds the settings of signed webhooks (internal/webhook): where events are posted, the
// secret they are signed with, which event types go out, and how failed deliveries are retried.
// Config embeds it.
type Webhook struct {
	// WebhookURLs are the endpoints every matching event is posted to; empty turns webhooks off.
	WebhookURLs []string `env:"WEBHOOK_URLS" envSeparator:","`
	// WebhookSecret signs the deliveries, in the Standard Webhooks form whsec_<base64>. Never logged.
	WebhookSecret string `env:"WEBHOOK_SECRET"`
	// WebhookEvents filters event types: exact types and prefixes ending in ".*" ("user.*"); empty
	// or "*" sends every event.
	WebhookEvents []string `env:"WEBHOOK_EVENTS" envSeparator:","`
	// WebhookTimeout bounds one delivery attempt, answer included.
	WebhookTimeout time.Duration `env:"WEBHOOK_TIMEOUT" envDefault:"10s"`
	// WebhookMaxAttempts is how many attempts a delivery gets before it is marked failed.
	WebhookMaxAttempts int `env:"WEBHOOK_MAX_ATTEMPTS" envDefault:"12"`
	// WebhookBackoff is the wait after the first failed attempt; it doubles after each further one,
	// up to WebhookBackoffMax, and each wait is jittered (between half and all of it).
	WebhookBackoff    time.Duration `env:"WEBHOOK_BACKOFF" envDefault:"30s"`
	WebhookBackoffMax time.Duration `env:"WEBHOOK_BACKOFF_MAX" envDefault:"1h"`
}

// maxWebhookTimeout keeps an attempt within the half of the outbox's claim lease (2m) that a worker
// gives one delivery: past it, another node could take the message while it is still being sent.
const maxWebhookTimeout = time.Minute

func (c Config) validateWebhook() []error {
	w := c.Webhook
	var errs []error
	if w.WebhookTimeout <= 0 || w.WebhookTimeout > maxWebhookTimeout {
		errs = append(errs, fmt.Errorf("GOJOSER_WEBHOOK_TIMEOUT must be positive and at most %s, got %s", maxWebhookTimeout, w.WebhookTimeout))
	}
	if w.WebhookMaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("GOJOSER_WEBHOOK_MAX_ATTEMPTS must be at least 1, got %d", w.WebhookMaxAttempts))
	}
	if w.WebhookBackoff <= 0 || w.WebhookBackoffMax < w.WebhookBackoff {
		errs = append(errs, fmt.Errorf("GOJOSER_WEBHOOK_BACKOFF must be positive and at most GOJOSER_WEBHOOK_BACKOFF_MAX, got %s and %s", w.WebhookBackoff, w.WebhookBackoffMax))
	}
	endpoints, err := webhook.ParseEndpoints(w.WebhookURLs)
	if err != nil {
		errs = append(errs, err)
	}
	if _, err := webhook.ParseFilter(w.WebhookEvents); err != nil {
		errs = append(errs, err)
	}
	switch {
	case len(endpoints) == 0:
	case w.WebhookSecret == "":
		errs = append(errs, errors.New("GOJOSER_WEBHOOK_SECRET must be set when GOJOSER_WEBHOOK_URLS is (the Standard Webhooks form whsec_<base64>)"))
	default:
		if _, err := webhook.ParseSecret(w.WebhookSecret); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
