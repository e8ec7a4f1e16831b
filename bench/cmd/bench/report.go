package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// runResult is one measured run. For argon2id, ReqPerSec is hashes per second.
type runResult struct {
	ReqPerSec    float64 `json:"req_per_sec"` // 2xx/3xx responses per second
	P50Ms        float64 `json:"p50_ms"`
	P90Ms        float64 `json:"p90_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MeanMs       float64 `json:"mean_ms"`
	MaxMs        float64 `json:"max_ms"`
	Requests     int64   `json:"requests"`      // completed responses (hashes for argon2id)
	Non2xx       int64   `json:"non_2xx"`       // responses that were not 2xx/3xx
	Throttled    int64   `json:"throttled"`     // of which 429 (counted in the flood only)
	SocketErrors int64   `json:"socket_errors"` // connect, read, write errors and timeouts
	DurationS    float64 `json:"duration_s"`
	PeakRSSMiB   float64 `json:"peak_rss_mib,omitempty"` // the server's VmHWM at the end of the run
	// ServerCPU is the CPU time the server (the harness, for argon2id) used per second of the run, in cores.
	ServerCPU float64 `json:"server_cpu_cores"`
	// MachineBusy is the share of all the machine's CPUs busy during the run (server, wrk, PostgreSQL and
	// anything else running), 0..1: near 1 with a low ServerCPU means the server was starved.
	MachineBusy float64 `json:"machine_busy"`
}

func (r runResult) short() string {
	if r.P50Ms == 0 && r.PeakRSSMiB == 0 {
		return fmt.Sprintf("%.1f hashes/s, CPU %.2f cores, machine %.0f%% busy", r.ReqPerSec, r.ServerCPU, 100*r.MachineBusy)
	}
	s := fmt.Sprintf("%s req/s, p50 %s ms, p99 %s ms, peak RSS %.0f MiB, server CPU %.2f, machine %.0f%% busy",
		num(r.ReqPerSec), ms(r.P50Ms), ms(r.P99Ms), r.PeakRSSMiB, r.ServerCPU, 100*r.MachineBusy)
	if e := r.Non2xx + r.SocketErrors; e > 0 {
		s += fmt.Sprintf(", %d errors", e)
	}
	return s
}

// scenario is one figure: a server, an endpoint, a connection count, on one target.
type scenario struct {
	ID      string      `json:"id"`
	Target  string      `json:"target"` // pg, sqlite
	Server  string      `json:"server"` // gojoser, baseline-pg, baseline-cache, in-process
	Name    string      `json:"name"`   // me_token, me_bearer, jwt_refresh, login, register, argon2id
	Conns   int         `json:"conns"`  // connections (goroutines for argon2id)
	Users   int         `json:"users"`  // seeded users in the database
	Runs    []runResult `json:"runs"`
	Median  *runResult  `json:"median,omitempty"`
	Skipped string      `json:"skipped,omitempty"`
	// Batch numbers the measure call that made the runs: run i of scenarios in one batch ran in the
	// same round, back to back, so their ratios can be taken run by run (0: not measured).
	Batch int `json:"batch,omitempty"`
}

// errorRate is the share of failed requests over all runs. In the flood a 429 is the answer sought and
// anything else a failure.
func (s *scenario) errorRate() float64 {
	var bad, all int64
	for _, r := range s.Runs {
		if s.Name == floodScenario {
			bad += r.Requests - r.Throttled + r.SocketErrors
		} else {
			bad += r.Non2xx + r.SocketErrors
		}
		all += r.Requests + r.SocketErrors
	}
	if all == 0 {
		return 0
	}
	return float64(bad) / float64(all)
}

// targetRow is one line of the verdict table.
type targetRow struct {
	Figure  string   `json:"figure"`
	Value   *float64 `json:"value,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Target  string   `json:"target,omitempty"`
	Verdict string   `json:"verdict"` // PASS, FAIL, INFO, SKIP, INVALID
	Detail  string   `json:"detail,omitempty"`
}

type report struct {
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished"`
	Host      map[string]any `json:"host"`
	Settings  map[string]any `json:"settings"`
	Scenarios []*scenario    `json:"scenarios"`
	Targets   []targetRow    `json:"targets"`
	Notes     []string       `json:"notes"`
	opt       options
}

func newReport(o options, h *harness) *report {
	wrkVersion := ""
	if out, err := exec.Command("wrk", "--version").CombinedOutput(); err == nil || len(out) > 0 {
		wrkVersion, _, _ = strings.Cut(string(out), " Copyright")
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return &report{
		Started: time.Now().UTC(),
		Host: map[string]any{
			"cpus": runtime.NumCPU(), "goos": runtime.GOOS, "goarch": runtime.GOARCH, "go": runtime.Version(),
			"kernel": strings.TrimSpace(string(kernel)), "wrk": strings.TrimSpace(wrkVersion),
		},
		Settings: map[string]any{
			"users": o.users, "compare_users": o.compareUsers, "runs": o.runs,
			"duration_s": o.duration.Seconds(), "warmup_s": o.warmup.Seconds(), "conns": o.conns,
			"targets": o.targets, "wrk_threads": o.wrkThreads, "wrk_timeout_s": o.timeout.Seconds(),
			"jwt_users": o.jwtUsers, "rotate_keys": o.rotateKeys, "server_env": o.serverEnv,
			"argon2":           map[string]any{"memory_kib": h.params.MemoryKiB, "time": h.params.Time, "threads": h.params.Threads},
			"hash_concurrency": h.cfg.HashConcurrency, "log_level": h.cfg.LogLevel,
		},
		Scenarios: []*scenario{},
		Notes:     []string{},
		opt:       o,
	}
}

func scenarioID(target, server, name string, conns, users int) string {
	return fmt.Sprintf("%s/%s/%s/%dc/%du", target, server, name, conns, users)
}

func (r *report) add(target, server, name string, conns, users int) *scenario {
	s := &scenario{ID: scenarioID(target, server, name, conns, users), Target: target, Server: server, Name: name,
		Conns: conns, Users: users, Runs: []runResult{}}
	r.Scenarios = append(r.Scenarios, s)
	return s
}

func (r *report) find(target, server, name string, conns, users int) *scenario {
	id := scenarioID(target, server, name, conns, users)
	for _, s := range r.Scenarios {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// median of each field separately.
func median(runs []runResult) *runResult {
	if len(runs) == 0 {
		return nil
	}
	med := func(f func(runResult) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		return medianOf(v)
	}
	var sumReq, sumNon, sumSock, sumThr int64
	for _, r := range runs {
		sumReq += r.Requests
		sumNon += r.Non2xx
		sumSock += r.SocketErrors
		sumThr += r.Throttled
	}
	return &runResult{
		ReqPerSec:    med(func(r runResult) float64 { return r.ReqPerSec }),
		P50Ms:        med(func(r runResult) float64 { return r.P50Ms }),
		P90Ms:        med(func(r runResult) float64 { return r.P90Ms }),
		P99Ms:        med(func(r runResult) float64 { return r.P99Ms }),
		MeanMs:       med(func(r runResult) float64 { return r.MeanMs }),
		MaxMs:        med(func(r runResult) float64 { return r.MaxMs }),
		DurationS:    med(func(r runResult) float64 { return r.DurationS }),
		PeakRSSMiB:   med(func(r runResult) float64 { return r.PeakRSSMiB }),
		ServerCPU:    med(func(r runResult) float64 { return r.ServerCPU }),
		MachineBusy:  med(func(r runResult) float64 { return r.MachineBusy }),
		Requests:     sumReq, // totals over all runs
		Non2xx:       sumNon,
		SocketErrors: sumSock,
		Throttled:    sumThr,
	}
}

const maxErrorRate = 0.01

// finish computes medians and the verdict rows.
func (r *report) finish() {
	r.Finished = time.Now().UTC()
	for _, s := range r.Scenarios {
		s.Median = median(s.Runs)
		if s.Median != nil && s.errorRate() > maxErrorRate {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: %.1f%% of requests failed (%d non-2xx, %d socket errors): its figures are not valid",
				s.ID, 100*s.errorRate(), s.Median.Non2xx, s.Median.SocketErrors))
		}
	}
	o := r.opt
	n := o.users
	meConns := o.conns[0]
	if slices.Contains(o.conns, 32) {
		meConns = 32
	}
	stormConns := slices.Max(o.conns)
	if slices.Contains(o.conns, 128) {
		stormConns = 128
	}
	if o.runs < 3 {
		r.Notes = append(r.Notes, fmt.Sprintf("only %d run(s) per figure: verdicts need at least 3", o.runs))
	}
	for _, t := range o.targets {
		T := strings.ToUpper(t)
		if t == "sqlite" {
			T = "SQLite"
		}
		if t == "pg" {
			for _, c := range o.conns {
				verdict := ""
				if c != meConns {
					verdict = "INFO"
				}
				r.ratio(fmt.Sprintf("me Token %s %dc / baseline (pgx, 1 query)", T, c), ">=", 0.80, verdict,
					r.find(t, "gojoser", "me_token", c, n), r.find(t, "baseline-pg", "me_token", c, n), rps, "req/s")
			}
		}
		r.ratio(fmt.Sprintf("me Token %s %dc, metrics on / off", T, meConns), ">=", 0.97, "",
			r.find(t, "gojoser", metricsScenario, meConns, n), r.find(t, "gojoser", "me_token", meConns, n), rps, "req/s")
		r.ratio(fmt.Sprintf("Bearer / Token, me %s %dc", T, meConns), ">=", 1.0, "",
			r.find(t, "gojoser", "me_bearer", meConns, n), r.find(t, "gojoser", "me_token", meConns, n), rps, "req/s")
		for _, c := range o.conns {
			r.ratio(fmt.Sprintf("login %s %dc / raw argon2id rate", T, c), ">=", 0.90, "",
				r.find(t, "gojoser", "login", c, n), r.find(t, "in-process", "argon2id", runtime.NumCPU(), 0), rps, "/s")
		}
		for _, c := range o.conns {
			r.ratio(fmt.Sprintf("register %s %dc / raw argon2id rate", T, c), ">=", 0.85, "",
				r.find(t, "gojoser", "register", c, n), r.find(t, "in-process", "argon2id", runtime.NumCPU(), 0), rps, "/s")
		}
		for _, c := range o.conns {
			r.ratio(fmt.Sprintf("login %s %dc, throttling on (limits raised) / off", T, c), ">=", 0.95, "",
				r.find(t, "gojoser", loginThrottledScenario, c, n), r.find(t, "gojoser", "login", c, n), rps, "/s")
		}
		for _, c := range o.conns {
			r.ratio(fmt.Sprintf("login %s %dc, audit log on / off", T, c), ">=", 0.95, "",
				r.find(t, "gojoser", "login", c, n), r.find(t, "gojoser", loginAuditOffScenario, c, n), rps, "/s")
		}
		flood, login := r.find(t, "gojoser", floodScenario, meConns, n), r.find(t, "gojoser", "login", meConns, n)
		r.ratio(fmt.Sprintf("429s of a login flood %s %dc / login rate", T, meConns), ">=", 50, "", flood, login, rps, "/s")
		r.cpuPer(fmt.Sprintf("server CPU per 429, login flood %s %dc", T, meConns), flood, login)
		r.ratio(fmt.Sprintf("me Token %s %dc, throttling on / off", T, meConns), ">=", 0.95, "",
			r.find(t, "gojoser", "me_token", meConns, n), r.find(t, "gojoser", meUnthrottledScenario, meConns, n), rps, "req/s")
		r.ratio(fmt.Sprintf("login %s %dc / x/crypto argon2id rate", T, meConns), "", 0, "INFO",
			r.find(t, "gojoser", "login", meConns, n), r.find(t, "in-process", "argon2id-xcrypto", runtime.NumCPU(), 0), rps, "/s")
		r.absolute(fmt.Sprintf("peak RSS, login storm %s %dc", T, stormConns), r.find(t, "gojoser", "login", stormConns, n),
			func(m *runResult) float64 { return m.PeakRSSMiB }, "MiB", "<=", 150)
		if n > o.compareUsers {
			r.ratio(fmt.Sprintf("p99 me Token %s %dc, %s vs %s users (%s active tokens each)", T, meConns, count(n), count(o.compareUsers), count(min(o.compareUsers, o.rotateKeys))), "<=", 1.20, "",
				r.find(t, "gojoser", sameKeysScenario, meConns, n), r.find(t, "gojoser", "me_token", meConns, o.compareUsers),
				func(m *runResult) float64 { return m.P99Ms }, "ms")
			r.ratio(fmt.Sprintf("p99 me Token %s %dc, %s users with %s active tokens vs %s users", T, meConns, count(n), count(min(n, o.rotateKeys)), count(o.compareUsers)), "", 0, "INFO",
				r.find(t, "gojoser", "me_token", meConns, n), r.find(t, "gojoser", "me_token", meConns, o.compareUsers),
				func(m *runResult) float64 { return m.P99Ms }, "ms")
			r.ratio(fmt.Sprintf("req/s me Token %s %dc, %s vs %s users (%s active tokens each)", T, meConns, count(n), count(o.compareUsers), count(min(o.compareUsers, o.rotateKeys))), "", 0, "INFO",
				r.find(t, "gojoser", sameKeysScenario, meConns, n), r.find(t, "gojoser", "me_token", meConns, o.compareUsers), rps, "req/s")
		} else if o.only["me"] {
			r.Targets = append(r.Targets, targetRow{Figure: fmt.Sprintf("p99 me Token %s %dc, 1M vs 10k users", T, meConns),
				Target: "≤ 1.20", Verdict: "SKIP", Detail: fmt.Sprintf("needs -users 1000000 (this run seeded %s)", count(n))})
		}
		if t == "pg" {
			r.ratio(fmt.Sprintf("me Token %s %dc / cache baseline (map)", T, meConns), ">=", 0.70, "",
				r.find(t, "gojoser", "me_token", meConns, n), r.find(t, "baseline-cache", "me_token", meConns, n), rps, "req/s")
			if n > o.compareUsers {
				// The same comparison with the working set of the default run, so that a 1M run shows
				// what more users cost apart from what more active tokens cost.
				r.ratio(fmt.Sprintf("me Token %s %dc, %s users with %s active tokens / cache baseline (map)", T, meConns, count(n), count(min(o.compareUsers, o.rotateKeys))), ">=", 0.70, "",
					r.find(t, "gojoser", sameKeysScenario, meConns, n), r.find(t, "baseline-cache", "me_token", meConns, n), rps, "req/s")
			}
			r.ratio(fmt.Sprintf("baseline (pgx) / cache baseline, %dc", meConns), "", 0, "INFO",
				r.find(t, "baseline-pg", "me_token", meConns, n), r.find(t, "baseline-cache", "me_token", meConns, n), rps, "req/s")
		}
	}
}

func rps(m *runResult) float64 { return m.ReqPerSec }

// ratio adds a row a/b compared with want by op (">=" or "<="); verdict "INFO" means no target.
func (r *report) ratio(figure, op string, want float64, verdict string, a, b *scenario, f func(*runResult) float64, unit string) {
	row := targetRow{Figure: figure}
	if verdict != "INFO" {
		row.Target = fmt.Sprintf("%s %.2f", strings.ReplaceAll(strings.ReplaceAll(op, ">=", "≥"), "<=", "≤"), want)
	}
	switch {
	case a == nil || b == nil:
		return // a group this run did not select
	case a.Skipped != "" || b.Skipped != "":
		row.Verdict, row.Detail = "SKIP", a.Skipped+b.Skipped
	case a.Median == nil || b.Median == nil || f(b.Median) == 0:
		row.Verdict, row.Detail = "SKIP", "no data"
	default:
		v := f(a.Median) / f(b.Median)
		row.Detail = fmt.Sprintf("%s / %s %s", num(f(a.Median)), num(f(b.Median)), unit)
		paired := a.Batch != 0 && a.Batch == b.Batch && len(a.Runs) == len(b.Runs)
		if paired {
			// The machine's speed drifts (other tenants) by more than the margins judged here; within
			// a round both sides ran back to back, so the median of the rounds' ratios cancels most of
			// the drift that a ratio of medians, taken from different rounds, keeps.
			v = pairedMedian(a.Runs, b.Runs, func(x, y *runResult) float64 { return f(x) / f(y) })
			row.Detail += " (medians); median of the rounds' ratios"
		}
		row.Value = &v
		if unit != "ms" && a.Median.ServerCPU > 0 && b.Median.ServerCPU > 0 {
			// Throughput per CPU-second of the process doing the work: less sensitive to what else
			// the machine was running, though it hides any failure to use the CPUs.
			perCPU := func(x, y *runResult) float64 { return (f(x) / x.ServerCPU) / (f(y) / y.ServerCPU) }
			if paired {
				row.Detail += fmt.Sprintf("; per CPU-second %.2f×", pairedMedian(a.Runs, b.Runs, perCPU))
			} else {
				row.Detail += fmt.Sprintf("; per CPU-second %.2f×", perCPU(a.Median, b.Median))
			}
		}
		switch {
		case a.errorRate() > maxErrorRate || b.errorRate() > maxErrorRate:
			row.Verdict = "INVALID"
			row.Detail += " (errors, see notes)"
		case verdict != "":
			row.Verdict = verdict
		case (op == ">=" && v >= want) || (op == "<=" && v <= want):
			row.Verdict = "PASS"
		default:
			row.Verdict = "FAIL"
		}
	}
	r.Targets = append(r.Targets, row)
}

// pairedMedian is the median over rounds i of f(a[i], b[i]), skipping rounds where f is not finite.
func pairedMedian(a, b []runResult, f func(x, y *runResult) float64) float64 {
	var vs []float64
	for i := range a {
		if v := f(&a[i], &b[i]); !math.IsNaN(v) && !math.IsInf(v, 0) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return math.NaN()
	}
	return medianOf(vs)
}

// medianOf sorts v in place and returns its median; v must not be empty.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// cpuPer adds an INFO row: the server's CPU time per answer of s (the median over runs), in µs, with
// the same for per for scale.
func (r *report) cpuPer(figure string, s, per *scenario) {
	if s == nil {
		return
	}
	row := targetRow{Figure: figure, Unit: "µs", Verdict: "INFO"}
	each := func(sc *scenario) float64 {
		var v []float64
		for _, run := range sc.Runs {
			if run.ReqPerSec > 0 {
				v = append(v, run.ServerCPU/run.ReqPerSec*1e6)
			}
		}
		if len(v) == 0 {
			return math.NaN()
		}
		return medianOf(v)
	}
	v := each(s)
	if math.IsNaN(v) {
		row.Verdict, row.Detail = "SKIP", "no data"
	} else {
		row.Value = &v
		row.Detail = "median of the runs' server CPU / answers"
		if per != nil {
			if p := each(per); !math.IsNaN(p) {
				row.Detail += fmt.Sprintf("; a %s: %.1f ms", per.Name, p/1000)
			}
		}
	}
	r.Targets = append(r.Targets, row)
}

func (r *report) absolute(figure string, s *scenario, f func(*runResult) float64, unit, op string, want float64) {
	row := targetRow{Figure: figure, Unit: unit, Target: fmt.Sprintf("≤ %.0f %s", want, unit)}
	switch {
	case s == nil:
		return
	case s.Median == nil:
		row.Verdict, row.Detail = "SKIP", "no data"
	default:
		v := f(s.Median)
		row.Value = &v
		hi := 0.0
		for _, run := range s.Runs {
			hi = max(hi, f(&run))
		}
		row.Detail = fmt.Sprintf("median of %d runs; highest %.0f %s", len(s.Runs), hi, unit)
		if (op == "<=" && v <= want) || (op == ">=" && v >= want) {
			row.Verdict = "PASS"
		} else {
			row.Verdict = "FAIL"
		}
	}
	r.Targets = append(r.Targets, row)
}

func (r *report) markdown() string {
	var b strings.Builder
	o := r.opt
	fmt.Fprintf(&b, "## gojoser benchmark, %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "%s users with one token each; median of %d runs x %s (after %s warm-up, a fresh server per run); "+
		"%v CPUs, %s, wrk -t%d; argon2id m=%v KiB t=%v p=%v.\n\n",
		count(o.users), o.runs, o.duration, o.warmup, r.Host["cpus"], r.Host["go"], o.wrkThreads,
		r.Settings["argon2"].(map[string]any)["memory_kib"], r.Settings["argon2"].(map[string]any)["time"],
		r.Settings["argon2"].(map[string]any)["threads"])

	b.WriteString("| figure | value | target | verdict | detail |\n|---|---:|---|---|---|\n")
	for _, t := range r.Targets {
		v := "—"
		if t.Value != nil {
			if t.Unit != "" {
				v = fmt.Sprintf("%.0f %s", *t.Value, t.Unit)
			} else {
				v = fmt.Sprintf("%.2f×", *t.Value)
			}
		}
		tg := t.Target
		if tg == "" {
			tg = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", t.Figure, v, tg, t.Verdict, t.Detail)
	}

	b.WriteString("\n| target | server | scenario | users | conns | req/s | p50 ms | p99 ms | peak RSS MiB | server CPU | machine busy | errors |\n" +
		"|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Scenarios {
		users := count(s.Users)
		if s.Users == 0 {
			users = "—"
		}
		if s.Skipped != "" {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | skipped: %s | | | | | | |\n", s.Target, s.Server, s.Name, users, s.Conns, s.Skipped)
			continue
		}
		m := s.Median
		if m == nil {
			continue
		}
		if strings.HasPrefix(s.Name, "argon2id") {
			fmt.Fprintf(&b, "| %s | %s | %s (hashes/s, %d goroutines) | — | — | %s | | | | %.2f | %.0f%% | |\n",
				s.Target, s.Server, s.Name, s.Conns, num(m.ReqPerSec), m.ServerCPU, 100*m.MachineBusy)
			continue
		}
		errs := m.Non2xx + m.SocketErrors
		if s.Name == floodScenario {
			errs = m.Requests - m.Throttled + m.SocketErrors
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s | %s | %s | %.0f | %.2f | %.0f%% | %d |\n", s.Target, s.Server, s.Name, users, s.Conns,
			num(m.ReqPerSec), ms(m.P50Ms), ms(m.P99Ms), m.PeakRSSMiB, m.ServerCPU, 100*m.MachineBusy, errs)
	}
	notes := append([]string{
		"Figures are medians of the runs; errors are totals over them. req/s counts 2xx responses only, but in " + floodScenario +
			" 429s, the answer sought there (anything else is an error).",
		"Load generator, servers and PostgreSQL share the same CPUs (and whatever else runs on the machine): figures are noisy; compare ratios, not absolutes. " +
			"server CPU is the server's CPU time per second in cores (the harness's for argon2id); machine busy is the share of all CPUs in use during the run.",
	}, r.Notes...)
	b.WriteString("\n")
	for _, n := range notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

func (r *report) writeJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func ms(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
