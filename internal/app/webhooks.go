package app

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/audit"

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
	if a.Audit != nil {
		// Only with endpoints: a Sink makes the PostgreSQL token login a transaction instead of one
		// statement, a cost worth paying only when someone listens.
		a.Audit.Sink = a.auditToWebhooks
	}
	log.Info("webhooks on", "endpoints", len(q.Endpoints()), "events", cfg.WebhookEvents)
	return nil
}

// auditToWebhooks queues every committed audit event for the webhook endpoints whose filter takes its
// type, in the transaction that writes the event. The webhook-id is the audit row's, so a receiver can
// find the event again in GET /auth/audit/ and dedupes retries on it. The data is the row as the audit
// endpoint shows it: no event ever holds a secret.
func (a *App) auditToWebhooks(ctx context.Context, db *ent.Client, events []audit.Event) error {
	out := make([]webhook.Event, len(events))
	for i, e := range events {
		out[i] = webhook.Event{ID: "evt_" + strconv.Itoa(e.ID), Type: string(e.Type), Time: e.Time, Data: map[string]any{
			"id": e.ID, "actor": e.ActorID, "subject": e.SubjectID, "ip": e.IP, "user_agent": e.UserAgent,
			"request_id": e.RequestID, "detail": e.Detail,
		}}
	}
	return a.Webhooks.Enqueue(ctx, db, out...)
}

// wake is called after a transaction of the users service commits: it may have queued mail, and
// webhook deliveries of its audit events.
func (a *App) wake() {
	a.Outbox.Notify()
	a.Webhooks.Notify()
}

// webhookJobs is the webhook worker, when webhooks are on.
func (a *App) webhookJobs() []job {
	if a.WebhookWorker == nil {
		return nil
	}
	return []job{{run: a.WebhookWorker.Run}}
}
