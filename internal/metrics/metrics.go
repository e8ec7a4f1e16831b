// Package metrics is what gojoser exposes to Prometheus at /metrics on GOJOSER_METRICS_ADDR: requests
// by operation, logins, the password-hash slots, the auth cache, the mail outbox and the database pool.
// Every metric is defined here; the instrumented packages report through a plain func or a Stats method
// and know nothing of Prometheus. Without GOJOSER_METRICS_ADDR there is no *Metrics at all, and the
// hooks it would feed are nil, so metrics off cost nothing.
//
// A nil *Metrics is valid: its methods do nothing. Callers that may run without metrics (the throttle
// middleware, say) can hold one without checking.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "gojoser"

// Unrouted labels requests that map to no operation: unknown paths, redirects, OPTIONS and unmapped
// methods, the docs, static files.
const Unrouted = "none"

// Metrics is the registry and the instruments fed on the request path.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	// byOperation holds each operation's observers by status class (1xx..5xx), resolved once, so that
	// a request costs a map lookup and an observation, no label hashing.
	byOperation map[string]*[5]prometheus.Observer
	logins      *prometheus.CounterVec
	throttled   *prometheus.CounterVec
	hashWait    prometheus.Histogram
	mail        *prometheus.CounterVec
	webhook     *prometheus.CounterVec
	auditDrops  prometheus.Counter
}

// New returns a registry for a server whose operations are named operations (the generated names).
func New(operations []string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an API request, by generated operation name (" + Unrouted + ": none) and status class; _count counts requests.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "status"}),
		byOperation: map[string]*[5]prometheus.Observer{},
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "logins_total",
			Help: "Credential checks of token and JWT logins, by method (token, jwt) and result (succeeded, failed).",
		}, []string{"method", "result"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "throttled_total",
			Help: "Requests answered 429 by throttling, by scope.",
		}, []string{"scope"}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "password", Name: "slot_wait_seconds",
			Help:    "Time a password hash waited for a free slot (GOJOSER_HASH_CONCURRENCY).",
			Buckets: []float64{.0001, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "outbox", Name: "attempts_total",
			Help: "Mail delivery attempts, by outcome: sent, skipped (nobody to send to), retry (failed, will be retried), failed (for good).",
		}, []string{"outcome"}),
		webhook: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "webhook", Name: "attempts_total",
			Help: "Webhook delivery attempts, by outcome: sent (2xx), retry (failed, will be retried), failed (for good).",
		}, []string{"outcome"}),
	}
	m.auditDrops = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "audit", Name: "dropped_total",
		Help: "Read-path audit events (failed logins, throttling) dropped because the write queue was full.",
	})
	for _, op := range append(operations, Unrouted) {
		var obs [5]prometheus.Observer
		for i := range obs {
			obs[i] = m.requests.WithLabelValues(op, strconv.Itoa(i+1)+"xx")
		}
		m.byOperation[op] = &obs
	}
	// Children that exist from the start read 0 instead of being absent, so rate() works from the
	// first event.
	for _, method := range []string{"token", "jwt"} {
		m.logins.WithLabelValues(method, "succeeded")
		m.logins.WithLabelValues(method, "failed")
	}
	for _, o := range []string{"sent", "skipped", "retry", "failed"} {
		m.mail.WithLabelValues(o)
	}
	for _, o := range []string{"sent", "retry", "failed"} {
		m.webhook.WithLabelValues(o)
	}
	m.reg.MustRegister(m.requests, m.logins, m.throttled, m.hashWait, m.mail, m.webhook, m.auditDrops,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus's text format. A collector that fails (the outbox
// figures while the database is down) is left out of the answer; the rest is still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	})
}

// Request records one answered API request: op is the generated operation name ("" for none).
func (m *Metrics) Request(op string, status int, took time.Duration) {
	if m == nil {
		return
	}
	obs := m.byOperation[op]
	if obs == nil {
		obs = m.byOperation[Unrouted]
	}
	class := status/100 - 1
	if class < 0 || class > 4 {
		class = 1 // nothing written: net/http answers 200
	}
	obs[class].Observe(took.Seconds())
}

// Login records one credential check of a login (method "token" or "jwt").
func (m *Metrics) Login(method string, ok bool) {
	if m == nil {
		return
	}
	result := "failed"
	if ok {
		result = "succeeded"
	}
	m.logins.WithLabelValues(method, result).Inc()
}

// Throttled records a request answered 429 by throttling; scope names the rate that ran out.
func (m *Metrics) Throttled(scope string) {
	if m == nil {
		return
	}
	m.throttled.WithLabelValues(scope).Inc()
}

// HashWait records how long a password hash waited for a slot.
func (m *Metrics) HashWait(d time.Duration) {
	if m == nil {
		return
	}
	m.hashWait.Observe(d.Seconds())
}

// MailAttempt records how a delivery attempt ended (see outbox.Options.Attempted).
func (m *Metrics) MailAttempt(outcome string) {
	if m == nil {
		return
	}
	m.mail.WithLabelValues(outcome).Inc()
}

// WebhookAttempt records how a webhook delivery attempt ended (see outbox.Options.Attempted).
func (m *Metrics) WebhookAttempt(outcome string) {
	if m == nil {
		return
	}
	m.webhook.WithLabelValues(outcome).Inc()
}

// AuditDropped records a read-path audit event dropped because the queue was full.
func (m *Metrics) AuditDropped() {
	if m == nil {
		return
	}
	m.auditDrops.Inc()
}
