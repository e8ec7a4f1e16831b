// Command bench measures gojoser under load against baselines measured in the same run, and prints a
// markdown table of ratios with PASS/FAIL against the targets of issue #6. See bench/README.md.
//
//	go run ./bench/cmd/bench                       # 10k users, 3 runs x 10 s per figure
//	go run ./bench/cmd/bench -runs 3 -duration 5s  # shorter
//	go run ./bench/cmd/bench -users 1000000        # adds the p99 at 1M vs 10k users comparison
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	users        int
	compareUsers int
	runs         int
	duration     time.Duration
	warmup       time.Duration
	conns        []int
	targets      []string
	only         map[string]bool
	pgURL        string
	wrkThreads   int
	timeout      time.Duration
	out          string
	jwtUsers     int
	keep         bool
	serverEnv    []string
	profile      string
	rotateKeys   int
	prime        bool
}

// All scenario groups, in the order they run. -only picks a subset.
var groups = []string{"argon2", "me", "jwt", "login", "register", "baseline", "flood"}

var targetNames = []string{"pg", "sqlite"}

func main() {
	var o options
	var conns, targets, only string
	flag.IntVar(&o.users, "users", 10000, "users to seed, each with one token (e.g. 1000000)")
	flag.IntVar(&o.compareUsers, "compare-users", 10000,
		"when -users is larger, me(Token) is also measured after seeding only this many users, for the p99 comparison")
	flag.IntVar(&o.runs, "runs", 3, "measured runs per figure (the median is reported); at least 3 for a target verdict")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of one measured run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each run (0 to skip)")
	flag.StringVar(&conns, "conns", "32,128", "comma-separated connection counts")
	flag.StringVar(&targets, "targets", "pg,sqlite", "comma-separated storage targets: pg, sqlite")
	flag.StringVar(&only, "only", strings.Join(groups, ","), "comma-separated scenario groups: "+strings.Join(groups, ", "))
	flag.StringVar(&o.pgURL, "pg", envOr("GOJOSER_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
		"PostgreSQL URL allowed to CREATE DATABASE (env GOJOSER_BENCH_POSTGRES_URL)")
	flag.IntVar(&o.wrkThreads, "threads", runtime.NumCPU(), "wrk threads (capped at the connection count)")
	flag.DurationVar(&o.timeout, "timeout", 60*time.Second, "wrk request timeout (a login storm queues for seconds)")
	flag.StringVar(&o.out, "out", "", "JSON results file (default <repo>/bench/results/latest.json)")
	flag.BoolVar(&o.prime, "prime", true, "send every rotated key once before each me(Token) run's warm-up (steady state, not a cold start)")
	flag.IntVar(&o.rotateKeys, "rotate-keys", 100000, "at most this many token keys, drawn at random from the seeded users, are rotated over by me(Token)")
	flag.IntVar(&o.jwtUsers, "jwt-users", 100, "users that get JWTs for the Bearer and refresh scenarios (each costs a password hash)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, scripts, server logs) and print its path")
	flag.StringVar(&o.profile, "profile", "", "run gojoser as bench/cmd/profserve and save a CPU and a heap profile of each scenario's first run in this directory")
	flag.Func("server-env", "extra KEY=VALUE for the gojoser server, repeatable (e.g. GOJOSER_LOG_LEVEL=warn)", func(s string) error {
		if !strings.Contains(s, "=") {
			return errors.New("want KEY=VALUE")
		}
		o.serverEnv = append(o.serverEnv, s)
		return nil
	})
	flag.Parse()

	var err error
	if o.conns, err = parseInts(conns); err != nil {
		fatalf("-conns: %v", err)
	}
	o.targets = splitList(targets)
	for _, t := range o.targets {
		if !slices.Contains(targetNames, t) {
			fatalf("-targets: unknown target %q (want pg, sqlite)", t)
		}
	}
	o.only = map[string]bool{}
	for _, g := range splitList(only) {
		if !slices.Contains(groups, g) {
			fatalf("-only: unknown group %q (want %s)", g, strings.Join(groups, ", "))
		}
		o.only[g] = true
	}
	if o.users < 1 || o.runs < 1 || o.duration <= 0 || o.jwtUsers < 1 || o.rotateKeys < 1 {
		fatalf("-users, -runs, -duration, -jwt-users and -rotate-keys must be positive")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := 0
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		code = 1
	}
	stop()
	os.Exit(code)
}

func run(ctx context.Context, o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bench", "results", "latest.json")
	}
	if o.profile != "" {
		if o.profile, err = filepath.Abs(o.profile); err != nil {
			return err
		}
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
	}
	if err := ensureWrk(ctx); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gojoser-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		defer logf("kept %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	h := &harness{opt: o, root: root, tmp: tmp}
	defer h.stopAll()
	if err := h.build(ctx); err != nil {
		return err
	}
	if err := h.prepare(); err != nil {
		return err
	}
	logf("%d users, %d runs x %s (+%s warm-up), connections %v, targets %v; about %s",
		o.users, o.runs, o.duration, o.warmup, o.conns, o.targets, h.estimate().Round(time.Minute))

	rep := newReport(o, h)
	for _, t := range o.targets {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := h.runTarget(ctx, t, rep); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep.finish()
	fmt.Print(rep.markdown())
	if err := rep.writeJSON(o.out); err != nil {
		return err
	}
	logf("wrote %s", o.out)
	return nil
}

// estimate is a rough wall-clock time for the whole run, shown before it starts.
func (h *harness) estimate() time.Duration {
	o := h.opt
	perRun := o.duration + o.warmup + 2*time.Second
	n := 0
	for _, t := range o.targets {
		for _, g := range []string{"me", "login", "register"} {
			if o.only[g] {
				n += len(o.conns)
			}
		}
		if o.only["me"] {
			n += 2 // me_token_metrics; me with throttling off
		}
		if o.only["login"] { // with throttling on
			n += len(o.conns)
		}
		if o.only["flood"] {
			n++
		}
		if o.only["me"] && o.users > o.compareUsers {
			n++
		}
		if t == "pg" && o.only["baseline"] {
			n += 2 * len(o.conns)
		}
	}
	d := time.Duration(n*o.runs) * perRun
	if o.only["argon2"] || o.only["login"] || o.only["register"] {
		d += time.Duration(o.runs*len(o.targets)) * o.duration
	}
	return d + time.Duration(o.users/20000)*time.Second*time.Duration(len(o.targets))
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.Contains(string(b), "module github.com/gojoser/gojoser\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the gojoser checkout (no go.mod for github.com/gojoser/gojoser above the working directory)")
		}
		dir = parent
	}
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}
