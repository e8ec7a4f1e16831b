package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/password"
)

// The figures below are read when Prometheus scrapes, not kept up to date on the request path.

// WatchCache exposes the auth cache's lookups and size.
func (m *Metrics) WatchCache(c *auth.Cache) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "auth_cache", Name: "hits_total",
			Help: "Credential lookups answered from the auth cache.",
		}, func() float64 { return float64(c.Stats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "auth_cache", Name: "misses_total",
			Help: "Credential lookups the auth cache could not answer (absent or expired).",
		}, func() float64 { return float64(c.Stats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "auth_cache", Name: "entries",
			Help: "Credentials the auth cache holds now (GOJOSER_AUTH_CACHE_SIZE bounds it).",
		}, func() float64 { return float64(c.Stats().Size) }),
	)
}

// WatchHasher exposes the password-hash slots; their queue wait comes through HashWait.
func (m *Metrics) WatchHasher(h *password.Hasher) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "password", Name: "slots_in_use",
			Help: "Password hashes running now.",
		}, func() float64 { inUse, _ := h.Slots(); return float64(inUse) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "password", Name: "slots",
			Help: "Password hashes that may run at once (GOJOSER_HASH_CONCURRENCY).",
		}, func() float64 { _, n := h.Slots(); return float64(n) }),
	)
}

// WatchPool exposes the database connection pool's statistics (sql.DBStats) as go_sql_*.
func (m *Metrics) WatchPool(db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, "gojoser"))
}

// WatchOutbox exposes the outbox's mails and webhook deliveries by state and the age of the oldest
// pending one, read from the database at each scrape (the outbox is shared by every node: take max,
// not sum, across nodes).
func (m *Metrics) WatchOutbox(db *ent.Client) {
	m.reg.MustRegister(&outboxCollector{db: db, channel: outbox.Mail, messages: outboxMessages, oldest: outboxOldest},
		&outboxCollector{db: db, channel: outbox.Webhooks, messages: webhookDeliveries, oldest: webhookOldest})
}

// scrapeTimeout bounds the database reads of one scrape, so a database outage does not hang it.
const scrapeTimeout = 2 * time.Second

var (
	outboxMessages = prometheus.NewDesc(namespace+"_outbox_messages",
		"Mails in the outbox by state: pending, sent, failed (for good), skipped; kept for GOJOSER_MAIL_RETENTION once done.",
		[]string{"status"}, nil)
	outboxOldest = prometheus.NewDesc(namespace+"_outbox_oldest_pending_age_seconds",
		"Age of the oldest mail waiting to be sent; 0 when none waits.", nil, nil)
	webhookDeliveries = prometheus.NewDesc(namespace+"_webhook_deliveries",
		"Webhook deliveries in the outbox by state: pending, sent, failed (for good); kept for GOJOSER_MAIL_RETENTION once done.",
		[]string{"status"}, nil)
	webhookOldest = prometheus.NewDesc(namespace+"_webhook_oldest_pending_age_seconds",
		"Age of the oldest webhook delivery waiting to be made; 0 when none waits.", nil, nil)
)

// outboxCollector reads one channel of the outbox.
type outboxCollector struct {
	db               *ent.Client
	channel          outbox.Channel
	messages, oldest *prometheus.Desc
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.messages
	ch <- c.oldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := outbox.ChannelStats(ctx, c.db, c.channel)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.messages, err)
		return
	}
	counts := map[string]int{"pending": st.Pending, "sent": st.Sent, "failed": st.Failed}
	if c.channel == outbox.Mail {
		counts["skipped"] = st.Skipped // a webhook delivery is never skipped
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.messages, prometheus.GaugeValue, float64(n), status)
	}
	age := 0.0
	if st.OldestPending != nil {
		age = max(0, time.Since(*st.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}
