package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gojoser/gojoser/internal/throttle"
)

// spec is one figure to measure and how to make one run of it.
type spec struct {
	sc   *scenario
	once func(ctx context.Context, sc *scenario, run int) (runResult, error)
}

// measure makes h.opt.runs runs of each spec, interleaved (run 1 of each, then run 2 of each, ...), so
// that drift in the machine's load from other work spreads over the figures that are compared.
func (h *harness) measure(ctx context.Context, specs []spec) error {
	h.batches++
	for _, s := range specs {
		s.sc.Batch = h.batches
	}
	for i := range h.opt.runs {
		for _, s := range specs {
			if s.sc.Skipped != "" {
				continue
			}
			r, err := s.once(ctx, s.sc, i)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", s.sc.ID, i+1, err)
			}
			s.sc.Runs = append(s.sc.Runs, r)
			logf("%-44s run %d/%d: %s", s.sc.ID, i+1, h.opt.runs, r.short())
		}
	}
	return nil
}

type starter func(ctx context.Context) (*proc, error)

// sameKeysScenario is me(Token) at -users rotating over as many keys as the -compare-users run did.
const sameKeysScenario = "me_token_same_keys"

// metricsScenario is me(Token) with GOJOSER_METRICS_ADDR set and /metrics scraped.
const metricsScenario = "me_token_metrics"

// loadRun is one run of a load scenario: a fresh server process (so that VmHWM belongs to this scenario
// alone), optional preparation, an unmeasured warm-up, the measured load, then the server's peak RSS.
func (h *harness) loadRun(start starter, prep func(context.Context, *proc) error, conns int, script string,
	args func() []string) func(context.Context, *scenario, int) (runResult, error) {
	return func(ctx context.Context, sc *scenario, run int) (runResult, error) {
		p, err := start(ctx)
		if err != nil {
			return runResult{}, err
		}
		defer h.stop(p)
		if prep != nil {
			if err := prep(ctx, p); err != nil {
				return runResult{}, err
			}
		}
		if h.opt.warmup > 0 {
			if _, err := h.wrk(ctx, p.addr, conns, h.opt.warmup, script, args()); err != nil {
				return runResult{}, err
			}
		}
		var profErr chan error
		base := ""
		if p.pprof != "" && run == 0 {
			base = filepath.Join(h.opt.profile, strings.ReplaceAll(sc.ID, "/", "_"))
			secs := max(1, int(h.opt.duration/time.Second)-1)
			profErr = make(chan error, 1)
			go func() { profErr <- fetchProfile(ctx, p, "profile", "?seconds="+strconv.Itoa(secs), base+".cpu.pprof") }()
		}
		cpu0, m0, t0 := p.cpuSeconds(), readMachineCPU(), time.Now()
		r, err := h.wrk(ctx, p.addr, conns, h.opt.duration, script, args())
		if err != nil {
			return runResult{}, err
		}
		r.ServerCPU = (p.cpuSeconds() - cpu0) / time.Since(t0).Seconds()
		r.MachineBusy = busySince(m0)
		if profErr != nil {
			if err := <-profErr; err != nil {
				return runResult{}, err
			}
			if err := fetchProfile(ctx, p, "heap", "", base+".heap.pprof"); err != nil {
				return runResult{}, err
			}
			logf("saved %s.{cpu,heap}.pprof", base)
		}
		if err := p.alive(); err != nil {
			return runResult{}, err
		}
		r.PeakRSSMiB, err = p.peakRSSMiB()
		return r, err
	}
}

func fixed(args ...string) func() []string { return func() []string { return args } }

// prime sends every key in keysFile once, over conns connections, before the warm-up (unless -prime=false),
// and again while a pass takes longer than primeFast (at most primePasses passes): a pass slower than the
// cache TTL lets its first entries expire before the end. A server that has run for a while has seen its
// active tokens; without this a fresh server's measured seconds would be mostly first uses when the key
// set is large (100k keys at 1M users), which measures start-up, not the steady state. The baselines are
// primed the same way (PostgreSQL's buffers warm up for them too).
func (h *harness) prime(keysFile string, conns int) func(context.Context, *proc) error {
	if !h.opt.prime {
		return nil
	}
	return func(ctx context.Context, p *proc) error {
		b, err := os.ReadFile(keysFile)
		if err != nil {
			return err
		}
		keys := strings.Fields(string(b))
		c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
		defer c.CloseIdleConnections()
		for pass := 1; ; pass++ {
			start := time.Now()
			if err := primePass(ctx, c, p.addr, keys, conns); err != nil {
				return err
			}
			took := time.Since(start)
			logf("primed %d keys in %v (pass %d)", len(keys), took.Round(100*time.Millisecond), pass)
			if took <= primeFast || pass == primePasses {
				return nil
			}
		}
	}
}

const (
	primeFast   = 10 * time.Second
	primePasses = 3
)

func primePass(ctx context.Context, c *http.Client, addr string, keys []string, conns int) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make([]error, conns)
	)
	for w := range conns {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(keys) && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				st, body, err := getAuth(ctx, c, "http://"+addr+"/auth/users/me/", "Token "+keys[i])
				if err == nil && st != http.StatusOK {
					err = fmt.Errorf("priming: GET /auth/users/me/ answered %d: %s", st, clip(body))
				}
				if err != nil {
					errs[w] = err
					next.Store(int64(len(keys))) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runTarget makes a fresh database on target t, seeds it and measures every selected scenario on it.
func (h *harness) runTarget(ctx context.Context, t string, rep *report) error {
	o := h.opt
	db, err := h.newDatabase(ctx, t)
	if err != nil {
		return err
	}
	defer db.drop()
	if err := h.runGojoser(ctx, db.url, "migrate"); err != nil {
		return err
	}
	// The servers: gojoser with its defaults (throttling on, as deployed); unthrottled for the storms
	// that send one endpoint everything from one address, which the limits exist to stop; raised, with
	// throttling on and every limit out of reach, to measure what counting costs.
	gojoser := func(ctx context.Context) (*proc, error) { return h.startGojoser(ctx, db.url) }
	unthrottled := func(ctx context.Context) (*proc, error) {
		return h.startGojoser(ctx, db.url, "GOJOSER_THROTTLE=false")
	}
	// auditOff is unthrottled without the audit log, which the login storm is compared with.
	auditOff := func(ctx context.Context) (*proc, error) {
		return h.startGojoser(ctx, db.url, "GOJOSER_THROTTLE=false", "GOJOSER_AUDIT=false")
	}
	raised := func(ctx context.Context) (*proc, error) {
		return h.startGojoser(ctx, db.url, "GOJOSER_THROTTLE=true", "GOJOSER_THROTTLE_RATES="+raisedRates())
	}
	n := o.users
	meConns := o.conns[0]
	if slices.Contains(o.conns, 32) {
		meConns = 32
	}

	// With a large -users, seed -compare-users first and measure me(Token) there, then seed the rest.
	first := n
	if n > o.compareUsers && o.only["me"] {
		first = o.compareUsers
	}
	if err := h.seed(ctx, db, 0, first); err != nil {
		return err
	}
	if first < n {
		keys, err := h.keysFile(first, o.rotateKeys)
		if err != nil {
			return err
		}
		sc := rep.add(t, "gojoser", "me_token", meConns, first)
		if err := h.measure(ctx, []spec{{sc, h.loadRun(gojoser, h.prime(keys, meConns), meConns, h.scripts["me"], fixed(keys, "Token"))}}); err != nil {
			return err
		}
		if err := h.seed(ctx, db, first, n); err != nil {
			return err
		}
		// The same number of active tokens, drawn from all n users: this isolates the size of the user
		// base from the size of the working set, which the me_token run below also grows.
		same, err := h.keysFile(n, min(first, o.rotateKeys))
		if err != nil {
			return err
		}
		sc = rep.add(t, "gojoser", sameKeysScenario, meConns, n)
		if err := h.measure(ctx, []spec{{sc, h.loadRun(gojoser, h.prime(same, meConns), meConns, h.scripts["me"], fixed(same, "Token"))}}); err != nil {
			return err
		}
	}
	keys, err := h.keysFile(n, o.rotateKeys)
	if err != nil {
		return err
	}

	// JWT: only when the server answers it.
	var bearerSkip, refreshSkip string
	access := filepath.Join(h.tmp, "jwt-access.txt")
	refresh := filepath.Join(h.tmp, "jwt-refresh.txt")
	jwtPrep := func(ctx context.Context, p *proc) error {
		return h.fetchJWTs(ctx, p, min(o.jwtUsers, n), access, refresh)
	}
	if o.only["jwt"] {
		if bearerSkip, refreshSkip, err = h.probeJWT(ctx, unthrottled); err != nil {
			return err
		}
	}

	// me(Token), interleaved with what it is compared with: me(Bearer) and the baselines.
	if o.only["me"] || o.only["jwt"] || (o.only["baseline"] && t == "pg") {
		for _, c := range o.conns {
			var specs []spec
			if o.only["me"] {
				specs = append(specs, spec{rep.add(t, "gojoser", "me_token", c, n),
					h.loadRun(gojoser, h.prime(keys, c), c, h.scripts["me"], fixed(keys, "Token"))})
				if c == meConns {
					// The limiter must not touch authenticated GETs: the same with throttling off.
					specs = append(specs, spec{rep.add(t, "gojoser", meUnthrottledScenario, c, n),
						h.loadRun(unthrottled, h.prime(keys, c), c, h.scripts["me"], fixed(keys, "Token"))})
				}
			}
			if o.only["me"] && c == meConns {
				// The same with Prometheus metrics on and scraped: what metrics cost the cheapest request.
				scraped := func(ctx context.Context) (*proc, error) { return h.startScraped(ctx, db.url) }
				specs = append(specs, spec{rep.add(t, "gojoser", metricsScenario, c, n),
					h.loadRun(scraped, h.prime(keys, c), c, h.scripts["me"], fixed(keys, "Token"))})
			}
			if o.only["jwt"] {
				b := rep.add(t, "gojoser", "me_bearer", c, n)
				b.Skipped = bearerSkip
				// Raised limits let the preparation's logins from one address through; me is not limited.
				specs = append(specs, spec{b, h.loadRun(raised, jwtPrep, c, h.scripts["me"], fixed(access, "Bearer"))})
			}
			if t == "pg" && o.only["baseline"] {
				for _, mode := range []string{"pg", "cache"} {
					start := func(ctx context.Context) (*proc, error) { return h.startBaseline(ctx, db.pgURL, mode) }
					specs = append(specs, spec{rep.add(t, "baseline-"+mode, "me_token", c, n),
						h.loadRun(start, h.prime(keys, c), c, h.scripts["me"], fixed(keys, "Token"))})
				}
			}
			if err := h.measure(ctx, specs); err != nil {
				return err
			}
		}
	}
	if o.only["jwt"] {
		for _, c := range o.conns {
			r := rep.add(t, "gojoser", "jwt_refresh", c, n)
			r.Skipped = refreshSkip
			if err := h.measure(ctx, []spec{{r, h.loadRun(unthrottled, jwtPrep, c, h.scripts["refresh"], fixed(refresh))}}); err != nil {
				return err
			}
		}
	}

	// The hashing endpoints, interleaved with the raw argon2id rate they are compared with.
	// The raw rate is what login and registration are judged against, so it comes with them.
	var specs []spec
	if o.only["argon2"] || o.only["login"] || o.only["register"] {
		for _, x := range []struct {
			name    string
			xcrypto bool
		}{{"argon2id", false}, {"argon2id-xcrypto", true}} {
			sc := rep.add(t, "in-process", x.name, runtime.NumCPU(), 0)
			specs = append(specs, spec{sc, func(ctx context.Context, _ *scenario, _ int) (runResult, error) {
				return h.argon2Run(ctx, o.duration, x.xcrypto)
			}})
		}
	}
	for _, c := range o.conns {
		if o.only["login"] {
			login := fixed(userPrefix, strconv.Itoa(n), benchPassword)
			// What the audit log costs: the same storm recording nothing, run right before the storm it
			// is compared with.
			specs = append(specs, spec{rep.add(t, "gojoser", loginAuditOffScenario, c, n),
				h.loadRun(auditOff, nil, c, h.scripts["login"], login)},
				spec{rep.add(t, "gojoser", "login", c, n),
					h.loadRun(unthrottled, nil, c, h.scripts["login"], login)},
				// What the limits cost a login that passes them: the same storm, counted.
				spec{rep.add(t, "gojoser", loginThrottledScenario, c, n),
					h.loadRun(raised, nil, c, h.scripts["login"], login)})
		}
	}
	for _, c := range o.conns {
		if o.only["register"] {
			tag := func() []string { return []string{fmt.Sprintf("r%dx%d", os.Getpid()%10000, h.nextSeq()), benchPassword} }
			specs = append(specs, spec{rep.add(t, "gojoser", "register", c, n),
				h.loadRun(unthrottled, nil, c, h.scripts["register"], tag)})
		}
	}
	if err := h.measure(ctx, specs); err != nil {
		return err
	}

	// The flood: after the storms, whose counters it would otherwise meet (it locks u1 out from this
	// address for up to a day). Its rate is the rate of 429s.
	if o.only["flood"] {
		flood := h.loadRun(gojoser, nil, meConns, h.scripts["flood"], fixed(userPrefix+"1"))
		once := func(ctx context.Context, sc *scenario, run int) (runResult, error) {
			r, err := flood(ctx, sc, run)
			if err == nil && r.DurationS > 0 {
				r.ReqPerSec = float64(r.Throttled) / r.DurationS
			}
			return r, err
		}
		return h.measure(ctx, []spec{{rep.add(t, "gojoser", floodScenario, meConns, n), once}})
	}
	return nil
}

// Scenarios of throttling (issue #13).
const (
	meUnthrottledScenario  = "me_token_unthrottled"
	loginThrottledScenario = "login_throttled"
	floodScenario          = "login_flood"
)

// The audit log's paired scenario (issue #17): the login storm with GOJOSER_AUDIT=false.
const loginAuditOffScenario = "login_audit_off"

// raisedRates sets every limit out of a benchmark's reach: a million an hour. Not a million a second,
// whose buckets hold a second: a request that waits longer than that for the database (SQLite at 128
// connections) was judged at a time others had moved past, and refused.
func raisedRates() string {
	var out []string
	for _, n := range throttle.Names() {
		out = append(out, string(n)+"=1000000/h")
	}
	return strings.Join(out, ",")
}

// probeJWT asks a server whether it answers the JWT endpoints; a non-empty string is why a scenario is
// skipped.
func (h *harness) probeJWT(ctx context.Context, start starter) (bearerSkip, refreshSkip string, err error) {
	p, err := start(ctx)
	if err != nil {
		return "", "", err
	}
	defer h.stop(p)
	c := &http.Client{Timeout: 30 * time.Second}
	base := "http://" + p.addr
	st, body, err := postJSON(ctx, c, base+"/auth/jwt/create/", map[string]string{"username": userPrefix + "1", "password": benchPassword})
	if err != nil {
		return "", "", err
	}
	if st != http.StatusOK {
		note := fmt.Sprintf("POST /auth/jwt/create/ answers %d", st)
		if st == http.StatusNotFound {
			note += " (JWT not implemented yet)"
		} else {
			note += ": " + clip(body)
		}
		return note, note, nil
	}
	var tok struct{ Access, Refresh string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.Access == "" {
		note := "POST /auth/jwt/create/ gave no access token: " + clip(body)
		return note, note, nil
	}
	if st, body, err = getAuth(ctx, c, base+"/auth/users/me/", "Bearer "+tok.Access); err != nil {
		return "", "", err
	} else if st != http.StatusOK {
		bearerSkip = fmt.Sprintf("GET /auth/users/me/ with Bearer answers %d: %s", st, clip(body))
	}
	if st, body, err = postJSON(ctx, c, base+"/auth/jwt/refresh/", map[string]string{"refresh": tok.Refresh}); err != nil {
		return "", "", err
	} else if st != http.StatusOK {
		refreshSkip = fmt.Sprintf("POST /auth/jwt/refresh/ answers %d: %s", st, clip(body))
	}
	return bearerSkip, refreshSkip, nil
}

// fetchJWTs logs users 1..n in through POST /auth/jwt/create/ and writes their access and refresh
// tokens, one per line. It runs per server start, since a restarted server may sign with a new key.
func (h *harness) fetchJWTs(ctx context.Context, p *proc, n int, accessFile, refreshFile string) error {
	c := &http.Client{Timeout: time.Minute}
	access, refresh := make([]string, n), make([]string, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for range 2 * runtime.NumCPU() {
		wg.Go(func() {
			for i := range next {
				st, body, err := postJSON(ctx, c, "http://"+p.addr+"/auth/jwt/create/",
					map[string]string{"username": userPrefix + strconv.Itoa(i+1), "password": benchPassword})
				var tok struct{ Access, Refresh string }
				if err == nil && st != http.StatusOK {
					err = fmt.Errorf("POST /auth/jwt/create/ answers %d: %s", st, clip(body))
				} else if err == nil {
					err = json.Unmarshal(body, &tok)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				access[i], refresh[i] = tok.Access, tok.Refresh
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := os.WriteFile(accessFile, []byte(strings.Join(access, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(refreshFile, []byte(strings.Join(refresh, "\n")+"\n"), 0o644)
}

func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
