// Package health answers an orchestrator's probes, outside the API: GET /healthz while the process
// lives, GET /readyz only while the service can do its work (its checks pass). Both are JSON, need no
// credentials and cost next to nothing: /readyz runs its checks at most once a second, however many ask,
// and shares the answer.
//
// Neither is access-logged, traced or counted in the request metrics: probes come every few seconds
// from every kubelet and load balancer, and would drown the lines that matter. What a probe would show
// is logged instead when it changes: a warning naming the failing check and why when the service stops
// being ready, a line when it is ready again.
package health

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
	"golang.org/x/sync/singleflight"
)

// Check is one condition of readiness.
type Check struct {
	Name string
	// Run returns nil when the condition holds. Its error is logged, never answered.
	Run func(ctx context.Context) error
}

// Checker runs the readiness checks and serves the probes.
type Checker struct {
	checks []Check
	log    *slog.Logger
	// Timeout bounds one round of checks; MaxAge is how long its result answers probes.
	Timeout, MaxAge time.Duration

	group singleflight.Group
	mu    sync.Mutex
	last  result
	at    time.Time
	// logged is the readiness last logged; nil before the first round.
	logged *bool
}

type result struct {
	failed map[string]error // by check name; empty when ready
}

// New returns a Checker of checks, which run in order.
func New(log *slog.Logger, checks ...Check) *Checker {
	return &Checker{checks: checks, log: log, Timeout: 2 * time.Second, MaxAge: time.Second}
}

// Ready runs the checks, or reuses a round at most MaxAge old, and reports each failing one.
func (c *Checker) Ready(ctx context.Context) map[string]error {
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < c.MaxAge {
		r := c.last
		c.mu.Unlock()
		return r.failed
	}
	c.mu.Unlock()
	v, _, _ := c.group.Do("ready", func() (any, error) {
		// The round is shared by every probe waiting on it: a probe that gives up must not cut it short.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Timeout)
		defer cancel()
		r := result{failed: map[string]error{}}
		for _, ch := range c.checks {
			if err := ch.Run(ctx); err != nil {
				r.failed[ch.Name] = err
			}
		}
		c.mu.Lock()
		c.last, c.at = r, time.Now()
		c.mu.Unlock()
		c.report(r)
		return r, nil
	})
	return v.(result).failed
}

// report logs a change of readiness.
func (c *Checker) report(r result) {
	ready := len(r.failed) == 0
	c.mu.Lock()
	changed := c.logged == nil || *c.logged != ready
	c.logged = &ready
	c.mu.Unlock()
	switch {
	case !changed:
	case ready:
		c.log.Info("ready")
	default:
		args := make([]any, 0, 2*len(r.failed))
		for name, err := range r.failed {
			args = append(args, name, err.Error())
		}
		c.log.Warn("not ready: /readyz answers 503", args...)
	}
}

// Mount answers /healthz and /readyz and passes every other request to next.
func (c *Checker) Mount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			if allowed(w, r) {
				write(w, r, http.StatusOK, `{"status":"ok"}`)
			}
		case "/readyz":
			if allowed(w, r) {
				c.serveReady(w, r)
			}
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (c *Checker) serveReady(w http.ResponseWriter, r *http.Request) {
	failed := c.Ready(r.Context())
	status, body := http.StatusOK, `{"status":"ok","checks":{`
	if len(failed) > 0 {
		status, body = http.StatusServiceUnavailable, `{"status":"unavailable","checks":{`
	}
	for i, ch := range c.checks {
		if i > 0 {
			body += ","
		}
		state := "ok"
		if failed[ch.Name] != nil {
			state = "failing"
		}
		body += `"` + ch.Name + `":"` + state + `"`
	}
	write(w, r, status, body+"}}")
}

// allowed answers a method other than GET and HEAD with a 405.
func allowed(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	w.Header().Set("Cache-Control", "no-store")
	drfhttp.Error(w, drf.MethodNotAllowedFor(r.Method))
	return false
}

func write(w http.ResponseWriter, r *http.Request, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body + "\n"))
	}
}
