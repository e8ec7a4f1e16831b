package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/health"
	"github.com/gojoser/gojoser/internal/httpapi"
	"github.com/gojoser/gojoser/internal/metrics"
	"github.com/gojoser/gojoser/internal/retention"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/tracing"
)

// ops is what operators run gojoser with (README, "Operations"): tracing, metrics, health probes,
// retention. Whatever is off is nil, and the hooks it would feed stay nil: off costs nothing.
type ops struct {
	tracing *tracing.Tracing
	// migrated is set once the schema migrations this build carries are applied (New, store.Migrate):
	// the readiness check of migrations.
	migrated atomic.Bool
	// workers is how many background jobs Run keeps running; running how many run now.
	workers, running atomic.Int32
	// metricsBound is closed once Run has opened GOJOSER_METRICS_ADDR (or failed to), at metricsAddr.
	metricsBound chan struct{}
	metricsAddr  net.Addr
}

// startTracing sets up tracing: the provider of opts (tests), else one from the OTEL_* environment.
func (a *App) startTracing(ctx context.Context, opts Options) error {
	tp := opts.TracerProvider
	if tp == nil {
		sdk, err := tracing.NewProvider(ctx, os.Getenv)
		if err != nil {
			return err
		}
		if sdk != nil {
			tp = sdk
			// Closing sends the spans still buffered.
			a.closers = append(a.closers, func() error {
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				return sdk.Shutdown(sctx)
			})
		}
	}
	a.tracing = tracing.New(tp)
	return nil
}

// sqlOpener opens the database pool: instrumented when tracing.
func (a *App) sqlOpener() store.Opener {
	if a.tracing == nil {
		return nil
	}
	return a.tracing.SQLOpener()
}

// requestObserver feeds answered requests to the metrics and names their spans; nil when neither is on.
func (a *App) requestObserver() httpapi.RequestObserver {
	m, traced := a.Metrics, a.tracing != nil
	switch {
	case m != nil && traced:
		return func(r *http.Request, op, route string, status int, took time.Duration) {
			m.Request(op, status, took)
			tracing.NameSpan(r, op, route)
		}
	case m != nil:
		return func(_ *http.Request, op, _ string, status int, took time.Duration) { m.Request(op, status, took) }
	case traced:
		return func(r *http.Request, op, route string, _ int, _ time.Duration) { tracing.NameSpan(r, op, route) }
	}
	return nil
}

// hashObservers are what the password hasher reports to: a tracer and a wait observer, each nil when off.
func (a *App) hashObservers() (trace.Tracer, func(time.Duration)) {
	var wait func(time.Duration)
	if a.Metrics != nil {
		wait = a.Metrics.HashWait
	}
	return a.tracing.Tracer(), wait
}

// watch gives the metrics the figures they read at scrape time.
func (a *App) watch() {
	if a.Metrics == nil {
		return
	}
	a.Metrics.WatchCache(a.Cache)
	a.Metrics.WatchHasher(a.hasher)
	a.Metrics.WatchPool(a.pool)
	a.Metrics.WatchOutbox(a.DB)
}

// newRetention builds the retention janitor with gojoser's own rules.
func (a *App) newRetention() {
	postgres := store.IsPostgres(a.Config.DatabaseURL)
	d := dialect.SQLite
	if postgres {
		d = dialect.Postgres
	}
	a.Retention = retention.New(retention.Options{Postgres: postgres, Pool: a.pool, Log: a.Log})
	a.Retention.Register(retention.Builtin(a.DB, d, a.Config.MailRetention)...)
	// Also with GOJOSER_AUDIT=false: what was recorded before still ages out.
	a.Retention.Register(audit.Retention(a.DB, d, a.Config.AuditRetention))
}

// newHealth builds the readiness checks: the database answers, the migrations are applied and the
// background workers run.
func (a *App) newHealth() {
	a.Health = health.New(a.Log,
		health.Check{Name: "database", Run: a.pool.PingContext},
		health.Check{Name: "migrations", Run: func(context.Context) error {
			// New applies every pending migration (store.Migrate, under the migration lock) before
			// anything serves, and a schema does not go back: once set, the flag stays true. Asking
			// store.Status on every probe would open a connection each time to learn nothing more.
			if !a.migrated.Load() {
				return errors.New("schema migrations not applied")
			}
			return nil
		}},
		health.Check{Name: "workers", Run: func(context.Context) error {
			want, running := a.workers.Load(), a.running.Load()
			if want == 0 || running < want {
				return fmt.Errorf("%d of %d background workers running", running, want)
			}
			return nil
		}},
	)
}

// serveMetrics opens GOJOSER_METRICS_ADDR and serves /metrics there in g; the returned func shuts it
// down. Without metrics it does nothing.
func (a *App) serveMetrics(g *errgroup.Group) (shutdown func(context.Context) error, err error) {
	if a.Metrics == nil {
		return func(context.Context) error { return nil }, nil
	}
	defer close(a.metricsBound)
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("GOJOSER_METRICS_ADDR: listen: %w", err)
	}
	a.metricsAddr = ln.Addr()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler(a.Log))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("metrics: %w", err)
		}
		return nil
	})
	return srv.Shutdown, nil
}

// MetricsAddr is where Run serves /metrics: it waits until Run has opened GOJOSER_METRICS_ADDR, and is
// nil without metrics or when that failed.
func (a *App) MetricsAddr() net.Addr {
	if a.Metrics == nil {
		return nil
	}
	<-a.metricsBound
	return a.metricsAddr
}

// newMetrics makes the registry when GOJOSER_METRICS_ADDR is set.
func (a *App) newMetrics() {
	if a.Config.MetricsAddr == "" {
		return
	}
	a.Metrics = metrics.New(httpapi.Operations())
	a.metricsBound = make(chan struct{})
}
