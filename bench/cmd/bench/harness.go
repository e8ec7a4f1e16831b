package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gojoser/gojoser/internal/config"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/tokens"
	"golang.org/x/crypto/argon2"
)

//go:embed lua/*.lua
var luaFS embed.FS

// benchPassword is every seeded user's password and every registration's. It passes Django's four
// validators and contains nothing that needs escaping in the Lua scripts' hand-built JSON.
const benchPassword = "Staple-Horse-Bench-4812"

// userPrefix names seeded users: u1 .. uN (user id i is "u<i>").
const userPrefix = "u"

type harness struct {
	opt  options
	root string
	tmp  string

	gojoserBin, baselineBin string
	profserveBin            string            // with -profile
	scripts                 map[string]string // me, login, register, refresh, flood -> path

	cfg    config.Config // what the gojoser server will run with
	params password.Params
	hash   string // argon2id PHC string of benchPassword at params
	keys   []string
	digest [][]byte

	mu    sync.Mutex
	procs map[*proc]struct{}
	seq   int // for unique log names and registration tags

	batches int // measure calls so far, see scenario.Batch
}

func (h *harness) build(ctx context.Context) error {
	h.gojoserBin = filepath.Join(h.tmp, "gojoser")
	h.baselineBin = filepath.Join(h.tmp, "baseline")
	builds := []struct{ out, pkg string }{{h.gojoserBin, "./cmd/gojoser"}, {h.baselineBin, "./bench/baseline"}}
	if h.opt.profile != "" {
		h.profserveBin = filepath.Join(h.tmp, "profserve")
		builds = append(builds, struct{ out, pkg string }{h.profserveBin, "./bench/cmd/profserve"})
	}
	for _, b := range builds {
		logf("go build -o %s %s", b.out, b.pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b.out, b.pkg)
		cmd.Dir = h.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", b.pkg, err, out)
		}
	}
	h.scripts = map[string]string{}
	common, err := luaFS.ReadFile("lua/common.lua")
	if err != nil {
		return err
	}
	for _, name := range []string{"me", "login", "register", "refresh", "flood"} {
		body, err := luaFS.ReadFile("lua/" + name + ".lua")
		if err != nil {
			return err
		}
		p := filepath.Join(h.tmp, name+".lua")
		if err := os.WriteFile(p, append(append(bytes.Clone(common), '\n'), body...), 0o644); err != nil {
			return err
		}
		h.scripts[name] = p
	}
	return nil
}

// serverEnvMap is the GOJOSER_* environment the server sees (process environment plus -server-env).
func (h *harness) serverEnvMap() map[string]string {
	m := map[string]string{}
	for _, kv := range append(os.Environ(), h.opt.serverEnv...) {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, config.Prefix) {
			m[k] = v
		}
	}
	return m
}

// prepare hashes the password once at the server's argon2 parameters and makes every user's token key.
func (h *harness) prepare() error {
	env := h.serverEnvMap()
	env["GOJOSER_DATABASE_URL"] = "sqlite:unused"
	cfg, err := config.FromMap(env)
	if err != nil {
		return err
	}
	h.cfg = cfg
	// The parameters the server will hash with, so a seeded hash never needs a rehash.
	h.params = cfg.PasswordParams()
	if h.hash, err = password.NewHasher(h.params, 1).Hash(context.Background(), benchPassword); err != nil {
		return err
	}
	logf("argon2id m=%d KiB t=%d p=%d; making %d token keys", h.params.MemoryKiB, h.params.Time, h.params.Threads, h.opt.users)
	h.keys = make([]string, h.opt.users)
	h.digest = make([][]byte, h.opt.users)
	for i := range h.keys {
		h.keys[i], h.digest[i] = tokens.NewKey()
	}
	return nil
}

// keysFile writes the keys me.lua rotates over when the first n users are seeded: all n keys, or
// count of them drawn at random when n is larger. wrk loads the file in each thread's init, and
// it starts the clock only after every thread's init while earlier threads already send requests, so
// a long load (a million lines) would inflate req/s; a large random sample still spreads the lookups
// over the whole index and tables.
func (h *harness) keysFile(n, count int) (string, error) {
	p := filepath.Join(h.tmp, fmt.Sprintf("keys-%d-%d.txt", n, count))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if n > count {
		rand.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:count]
	}
	var b bytes.Buffer
	b.Grow(len(idx) * (2*tokens.KeyBytes + 1))
	for _, i := range idx {
		b.WriteString(h.keys[i])
		b.WriteByte('\n')
	}
	return p, os.WriteFile(p, b.Bytes(), 0o644)
}

func (h *harness) nextSeq() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	return h.seq
}

// ---- processes ----

type proc struct {
	name  string
	cmd   *exec.Cmd
	addr  string
	pprof string // profserve's pprof address, with -profile
	log   string
	done  chan struct{}
	err   error // set when done is closed
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startGojoser starts a server on dbURL with the process environment, -server-env and then extra (the
// last value of a variable wins).
func (h *harness) startGojoser(ctx context.Context, dbURL string, extra ...string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), h.opt.serverEnv...)
	env = append(append(env, extra...), "GOJOSER_ADDR="+addr, "GOJOSER_DATABASE_URL="+dbURL)
	if h.profserveBin == "" {
		return h.startProc(ctx, "gojoser", h.gojoserBin, []string{"serve"}, env, addr)
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := h.startProc(ctx, "profserve", h.profserveBin, []string{"-pprof", pprofAddr}, env, addr)
	if p != nil {
		p.pprof = pprofAddr
	}
	return p, err
}

// startScraped starts a server with metrics on (GOJOSER_METRICS_ADDR) and scrapes its /metrics every
// scrapeEvery while it runs, as Prometheus would (more often than its usual 15 s or more), so the
// metrics scenario pays for scrapes too.
func (h *harness) startScraped(ctx context.Context, dbURL string) (*proc, error) {
	maddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := h.startGojoser(ctx, dbURL, "GOJOSER_METRICS_ADDR="+maddr)
	if err != nil {
		return nil, err
	}
	go func() {
		c := &http.Client{Timeout: 10 * time.Second}
		t := time.NewTicker(scrapeEvery)
		defer t.Stop()
		for {
			resp, err := c.Get("http://" + maddr + "/metrics")
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil && p.alive() == nil {
				logf("scraping %s/metrics: %v", maddr, err)
			}
			select {
			case <-p.done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p, nil
}

const scrapeEvery = 5 * time.Second

// fetchProfile saves /debug/pprof/<kind> from a profserve process.
func fetchProfile(ctx context.Context, p *proc, kind, query, path string) error {
	c := &http.Client{Timeout: 10 * time.Minute}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.pprof+"/debug/pprof/"+kind+query, nil)
	if err != nil {
		return err
	}
	st, body, err := do(c, req)
	if err != nil {
		return err
	}
	if st != http.StatusOK {
		return fmt.Errorf("pprof %s: status %d: %s", kind, st, clip(body))
	}
	return os.WriteFile(path, body, 0o644)
}

func (h *harness) startBaseline(ctx context.Context, pgURL, mode string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return h.startProc(ctx, "baseline-"+mode, h.baselineBin, []string{"-addr", addr, "-db", pgURL, "-mode", mode}, os.Environ(), addr)
}

func (h *harness) startProc(ctx context.Context, name, bin string, args, env []string, addr string) (*proc, error) {
	logPath := filepath.Join(h.tmp, "logs", fmt.Sprintf("%03d-%s.log", h.nextSeq(), name))
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	// Should the harness die, the kernel takes the server with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, addr: addr, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	h.mu.Lock()
	if h.procs == nil {
		h.procs = map[*proc]struct{}{}
	}
	h.procs[p] = struct{}{}
	h.mu.Unlock()
	if err := p.waitReady(ctx, 2*time.Minute); err != nil {
		h.stop(p)
		return nil, err
	}
	return p, nil
}

// waitReady polls until the server answers any HTTP request.
func (p *proc) waitReady(ctx context.Context, limit time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		resp, err := c.Get("http://" + p.addr + "/auth/users/me/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before answering (%v):\n%s", p.name, p.err, tail(p.log))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer on %s within %s:\n%s", p.name, p.addr, limit, tail(p.log))
		}
	}
}

// peakRSSMiB is VmHWM, the process's peak resident set, from /proc.
func (p *proc) peakRSSMiB() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kib / 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// cpuSeconds is the process's user+system CPU time so far, from /proc/<pid>/stat (USER_HZ is 100 on
// every Linux architecture Go supports for this purpose).
func (p *proc) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may contain spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64) // field 14 of stat: utime
	st, _ := strconv.ParseFloat(f[12], 64) // field 15: stime
	return (ut + st) / 100
}

// machineCPU is the whole machine's busy and total CPU time in ticks, from /proc/stat.
type machineCPU struct{ busy, total float64 }

func readMachineCPU() machineCPU {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var m machineCPU
	for i, v := range f[1:] {
		x, _ := strconv.ParseFloat(v, 64)
		if i >= 8 { // guest time is already counted in user
			break
		}
		m.total += x
		if i != 3 && i != 4 { // idle, iowait
			m.busy += x
		}
	}
	return m
}

// busySince is the share of all CPUs that were busy since m0, from 0 to 1.
func busySince(m0 machineCPU) float64 {
	m1 := readMachineCPU()
	if m1.total <= m0.total {
		return 0
	}
	return (m1.busy - m0.busy) / (m1.total - m0.total)
}

// alive reports an error if the process has exited.
func (p *proc) alive() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited during the run (%v):\n%s", p.name, p.err, tail(p.log))
	default:
		return nil
	}
}

// stop sends SIGTERM, waits for the graceful shutdown, then kills. Logs go unless -keep.
func (h *harness) stop(p *proc) {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	h.mu.Lock()
	delete(h.procs, p)
	h.mu.Unlock()
	if !h.opt.keep {
		os.Remove(p.log)
	}
}

func (h *harness) stopAll() {
	h.mu.Lock()
	ps := make([]*proc, 0, len(h.procs))
	for p := range h.procs {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	for _, p := range ps {
		h.stop(p)
	}
}

// tail returns the last lines of a log, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// runGojoser runs a gojoser subcommand (migrate) against dbURL.
func (h *harness) runGojoser(ctx context.Context, dbURL string, args ...string) error {
	cmd := exec.CommandContext(ctx, h.gojoserBin, args...)
	cmd.Env = append(append(os.Environ(), h.opt.serverEnv...), "GOJOSER_DATABASE_URL="+dbURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gojoser %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// ---- wrk ----

// ensureWrk installs Debian's wrk when it is missing.
func ensureWrk(ctx context.Context) error {
	if _, err := exec.LookPath("wrk"); err == nil {
		return nil
	}
	logf("wrk not found: installing it with apt-get")
	var prefix []string
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("sudo"); err != nil {
			return errors.New("wrk is missing and apt-get needs root: install it with `apt-get install -y wrk`")
		}
		prefix = []string{"sudo"}
	}
	for _, args := range [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "wrk"}} {
		args = append(prefix, args...)
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
		}
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("apt-get installed wrk but it is not on PATH")
	}
	return nil
}

// wrkSummary is the line common.lua's done() prints.
type wrkSummary struct {
	Requests   float64 `json:"requests"`
	DurationUS float64 `json:"duration_us"`
	Bytes      float64 `json:"bytes"`
	ErrConnect float64 `json:"err_connect"`
	ErrRead    float64 `json:"err_read"`
	ErrWrite   float64 `json:"err_write"`
	ErrStatus  float64 `json:"err_status"`
	ErrTimeout float64 `json:"err_timeout"`
	MeanUS     float64 `json:"mean_us"`
	MaxUS      float64 `json:"max_us"`
	P50US      float64 `json:"p50_us"`
	P90US      float64 `json:"p90_us"`
	P99US      float64 `json:"p99_us"`
	Throttled  float64 `json:"throttled"` // 429s, counted by flood.lua
}

func parseWrk(out []byte) (runResult, error) {
	for _, line := range strings.Split(string(out), "\n") {
		js, ok := strings.CutPrefix(strings.TrimSpace(line), "BENCHJSON ")
		if !ok {
			continue
		}
		var s wrkSummary
		if err := json.Unmarshal([]byte(js), &s); err != nil {
			return runResult{}, fmt.Errorf("parse wrk summary %q: %w", js, err)
		}
		if s.DurationUS <= 0 {
			return runResult{}, errors.New("wrk reported no duration")
		}
		sec := s.DurationUS / 1e6
		return runResult{
			ReqPerSec:    (s.Requests - s.ErrStatus) / sec,
			P50Ms:        s.P50US / 1000,
			P90Ms:        s.P90US / 1000,
			P99Ms:        s.P99US / 1000,
			MeanMs:       s.MeanUS / 1000,
			MaxMs:        s.MaxUS / 1000,
			Requests:     int64(s.Requests),
			Non2xx:       int64(s.ErrStatus),
			Throttled:    int64(s.Throttled),
			SocketErrors: int64(s.ErrConnect + s.ErrRead + s.ErrWrite + s.ErrTimeout),
			DurationS:    sec,
		}, nil
	}
	return runResult{}, fmt.Errorf("no BENCHJSON line in wrk output:\n%s", out)
}

// wrk runs one load of d against addr and returns its summary.
func (h *harness) wrk(ctx context.Context, addr string, conns int, d time.Duration, script string, args []string) (runResult, error) {
	threads := max(1, min(h.opt.wrkThreads, conns))
	secs := max(1, int(d.Round(time.Second)/time.Second))
	argv := []string{
		"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", strconv.Itoa(secs) + "s",
		"--timeout", strconv.Itoa(max(1, int(h.opt.timeout/time.Second))) + "s",
		"-s", script, "http://" + addr, "--",
	}
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, "wrk", argv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return runResult{}, fmt.Errorf("wrk %s: %w\n%s", strings.Join(argv, " "), err, out.Bytes())
	}
	return parseWrk(out.Bytes())
}

// ---- small HTTP client for probes ----

func postJSON(ctx context.Context, c *http.Client, url string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(c, req)
}

func getAuth(ctx context.Context, c *http.Client, url, authz string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", authz)
	return do(c, req)
}

func do(c *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

// ---- argon2 ----

// argon2Run hashes with runtime.NumCPU() goroutines for d, in this process: through internal/password
// (the code gojoser uses, with one working buffer per core as GOJOSER_HASH_CONCURRENCY=0 gives), or with
// xcrypto through golang.org/x/crypto/argon2, which allocates each hash's memory afresh (the rate most Go
// services get, shown for comparison).
func (h *harness) argon2Run(ctx context.Context, d time.Duration, xcrypto bool) (runResult, error) {
	n := runtime.NumCPU()
	hasher := password.NewHasher(h.params, n)
	hash := func() error {
		_, err := hasher.Hash(ctx, benchPassword)
		return err
	}
	if xcrypto {
		p := h.params
		hash = func() error {
			salt := make([]byte, p.SaltLen)
			_, _ = crand.Read(salt)
			argon2.IDKey([]byte(benchPassword), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
			return nil
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count int
	)
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	m0 := readMachineCPU()
	start := time.Now()
	deadline := start.Add(d)
	for range n {
		wg.Go(func() {
			done := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := hash(); err != nil {
					break
				}
				done++
			}
			mu.Lock()
			count += done
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return runResult{}, err
	}
	el := time.Since(start).Seconds()
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := tvSec(ru1.Utime) + tvSec(ru1.Stime) - tvSec(ru0.Utime) - tvSec(ru0.Stime)
	return runResult{ReqPerSec: float64(count) / el, Requests: int64(count), DurationS: el,
		ServerCPU: cpu / el, MachineBusy: busySince(m0)}, nil
}

func tvSec(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
