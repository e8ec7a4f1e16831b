package app

import (
	"log/slog"

	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/webhook"
	"github.com/gojoser/gojoser/internal/webhook/delivery"
)

// webhookConcurrency is how many webhook deliveries a node makes at once: receivers that hang until
// GOJOSER_WEBHOOK_TIMEOUT hold up only as many slots as they have deliveries due.
const webhookConcurrency = 8

// newWebhooks builds the webhook queue (always: off without GOJOSER_WEBHOOK_URLS, when Enqueue does
// nothing) and, when endpoints are configured, the worker that delivers its messages. That worker is
// the outbox's, on a channel of its own, so a slow receiver holds up neither requests nor mail.
func (a *App) newWebhooks(opts Options, log *slog.Logger) error {
	cfg := a.Config
	q, err := webhook.New(webhook.Settings{URLs: cfg.WebhookURLs, Secret: cfg.WebhookSecret, Events: cfg.WebhookEvents, Now: opts.Now})
	if err != nil {
		return err
	}
	a.Webhooks = q
	if !q.Enabled() {
		return nil
	}
	sender, err := delivery.New(q, cfg.WebhookTimeout, opts.Now)
	if err != nil {
		return err
	}
	var attempted func(string)
	if a.Metrics != nil {
		attempted = a.Metrics.WebhookAttempt
	}
	a.WebhookWorker = outbox.NewWorker(a.DB, sender.Deliver, log, outbox.Options{
		Channel: outbox.Webhooks, Now: opts.Now, PollInterval: opts.MailPoll,
		MaxAttempts: cfg.WebhookMaxAttempts, Backoff: outbox.JitteredBackoff(cfg.WebhookBackoff, cfg.WebhookBackoffMax),
		Attempted: attempted, Concurrency: webhookConcurrency,
	})
	q.Wake = a.WebhookWorker.Notify
	log.Info("webhooks on", "endpoints", len(q.Endpoints()), "events", cfg.WebhookEvents)
	return nil
}

// webhookJobs is the webhook worker, when webhooks are on.
func (a *App) webhookJobs() []job {
	if a.WebhookWorker == nil {
		return nil
	}
	return []job{{run: a.WebhookWorker.Run}}
}
