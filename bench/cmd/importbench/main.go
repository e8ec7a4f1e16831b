// Command importbench measures `gojoser import django` on a Django PostgreSQL database of -users users,
// each with a DRF token, and what an imported PBKDF2 hash does to login timing. See bench/README.md.
//
//	go run ./bench/cmd/importbench                  # 1M users into PostgreSQL, then login timing
//	go run ./bench/cmd/importbench -users 100000 -target sqlite
//
// The Django schema is made by Django itself (testdata/django, `manage.py migrate` with Debian's
// /usr/bin/python3); the rows are then written with COPY, all with one password hash that Django made,
// as a Django database that grew over the years has them, only faster to fill.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gojoser/gojoser/internal/password"
)

type options struct {
	users, refresh, samples int
	iterations              int
	pgURL, target           string
	keep, loginTiming       bool
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 1000000, "Django users to import, each with a DRF token")
	flag.IntVar(&o.refresh, "refresh", 100000, "outstanding SimpleJWT refresh tokens (every tenth blacklisted)")
	flag.IntVar(&o.iterations, "iterations", 1000000, "PBKDF2-SHA256 iterations of the users' Django hash (Django 5.2: 1000000; 3.2: 260000)")
	flag.StringVar(&o.pgURL, "pg", envOr("GOJOSER_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL allowed to CREATE DATABASE")
	flag.StringVar(&o.target, "target", "pg", "gojoser's database: pg or sqlite")
	flag.BoolVar(&o.loginTiming, "login-timing", true, "after the import, time logins of imported users against unknown users")
	flag.IntVar(&o.samples, "samples", 15, "login timing: requests per figure (the median is reported)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory and the databases")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

type bench struct {
	opt                 options
	root, tmp, bin      string
	djangoURL, gojoser  string
	drop                []func()
	hash                string
	djangoUsers, tokens int
}

func run(ctx context.Context, o options) (err error) {
	b := &bench{opt: o}
	if b.root, err = os.Getwd(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(b.root, "testdata", "django", "manage.py")); err != nil {
		return errors.New("run from the repository root")
	}
	if b.tmp, err = os.MkdirTemp("", "importbench"); err != nil {
		return err
	}
	defer func() {
		if o.keep {
			logf("kept %s", b.tmp)
			return
		}
		for _, d := range slices.Backward(b.drop) {
			d()
		}
		os.RemoveAll(b.tmp)
	}()
	b.bin = filepath.Join(b.tmp, "gojoser")
	logf("go build ./cmd/gojoser")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", b.bin, "./cmd/gojoser").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	if err := b.makeDjango(ctx); err != nil {
		return err
	}
	if b.gojoser, err = b.database(ctx, "gojoser_bench_import"); err != nil {
		return err
	}
	if o.target == "sqlite" {
		b.gojoser = "sqlite:" + filepath.Join(b.tmp, "gojoser.db")
	}

	first, out, err := b.importOnce(ctx, false)
	if err != nil {
		return err
	}
	logf("import: %s\n%s", first.Round(time.Millisecond), out)
	rerun, out, err := b.importOnce(ctx, false)
	if err != nil {
		return err
	}
	logf("rerun: %s\n%s", rerun.Round(time.Millisecond), out)
	dry, _, err := b.importOnce(ctx, true)
	if err != nil {
		return err
	}

	fmt.Printf("\n## gojoser import django: %d users with DRF tokens, %d refresh tokens (Django on PostgreSQL, gojoser on %s)\n\n",
		o.users, o.refresh, o.target)
	fmt.Println("| run | time | users/s |")
	fmt.Println("|---|---|---|")
	for _, r := range []struct {
		name string
		d    time.Duration
	}{{"first import", first}, {"rerun, nothing changed", rerun}, {"dry run", dry}} {
		fmt.Printf("| %s | %s | %.0f |\n", r.name, r.d.Round(100*time.Millisecond), float64(o.users)/r.d.Seconds())
	}
	target := "PASS"
	if first > 2*time.Minute*time.Duration(o.users)/1000000 {
		target = "FAIL"
	}
	fmt.Printf("\ntarget 1M users in under 2 minutes (scaled to -users): %s\n", target)

	if o.loginTiming {
		return b.loginTiming(ctx)
	}
	return nil
}

// database creates a fresh PostgreSQL database and returns its URL.
func (b *bench) database(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d", prefix, os.Getpid())
	admin, err := pgx.Connect(ctx, b.opt.pgURL)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	b.drop = append(b.drop, func() {
		c, err := pgx.Connect(context.Background(), b.opt.pgURL)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(b.opt.pgURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (b *bench) python(ctx context.Context, script ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", script...)
	cmd.Dir = filepath.Join(b.root, "testdata", "django")
	cmd.Env = append(os.Environ(), "DJANGO_DATABASE="+b.djangoURL, "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("python %v: %w\n%s", script, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// makeDjango migrates a Django database and fills it with COPY.
func (b *bench) makeDjango(ctx context.Context) (err error) {
	if b.djangoURL, err = b.database(ctx, "gojoser_bench_django"); err != nil {
		return err
	}
	logf("manage.py migrate")
	if _, err := b.python(ctx, "manage.py", "migrate", "-v", "0"); err != nil {
		return err
	}
	b.hash, err = b.python(ctx, "-c", fmt.Sprintf(`import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoproject.settings")
django.setup()
from django.contrib.auth.hashers import PBKDF2PasswordHasher
h = PBKDF2PasswordHasher()
print(h.encode("bench-Password-1", h.salt(), iterations=%d))`, b.opt.iterations))
	if err != nil {
		return err
	}
	start := time.Now()
	conn, err := pgx.Connect(ctx, b.djangoURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	now := time.Now().UTC()
	n := b.opt.users
	i := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"auth_user"},
		[]string{"id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active", "date_joined"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			i++
			var last any
			if i%3 == 0 {
				last = now.Add(-time.Duration(i) * time.Second)
			}
			return []any{i, b.hash, last, i == 1, fmt.Sprintf("user%d", i), "", "", fmt.Sprintf("user%d@example.com", i),
				i%1000 == 0, i%50 != 0, now.Add(-time.Duration(n-i) * time.Minute)}, nil
		})); err != nil {
		return fmt.Errorf("copy auth_user: %w", err)
	}
	key := make([]byte, 20)
	i = 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"authtoken_token"}, []string{"key", "created", "user_id"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			i++
			_, _ = rand.Read(key)
			return []any{hex.EncodeToString(key), now, i}, nil
		})); err != nil {
		return fmt.Errorf("copy authtoken_token: %w", err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO auth_group (id, name) VALUES (1, 'editors'), (2, 'support')"); err != nil {
		return err
	}
	i = 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"auth_user_groups"}, []string{"user_id", "group_id"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n/10 {
				return nil, nil
			}
			i++
			return []any{i * 10, 1 + i%2}, nil
		})); err != nil {
		return fmt.Errorf("copy auth_user_groups: %w", err)
	}
	i = 0
	jti := make([]byte, 16)
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"token_blacklist_outstandingtoken"},
		[]string{"id", "token", "created_at", "expires_at", "user_id", "jti"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= b.opt.refresh {
				return nil, nil
			}
			i++
			_, _ = rand.Read(jti)
			return []any{i, "(the JWT, not read by the importer)", now, now.Add(24 * time.Hour), 1 + (i*7919)%n, hex.EncodeToString(jti)}, nil
		})); err != nil {
		return fmt.Errorf("copy outstanding tokens: %w", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
		SELECT id, now() FROM token_blacklist_outstandingtoken WHERE id % 10 = 0`); err != nil {
		return err
	}
	for _, t := range []string{"auth_user", "auth_group", "token_blacklist_outstandingtoken"} {
		if _, err := conn.Exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), (SELECT max(id) FROM %[1]s))", t)); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return err
	}
	logf("Django database: %d users, %d DRF tokens, %d refresh tokens in %s", n, n, b.opt.refresh, time.Since(start).Round(time.Millisecond))
	return nil
}

func (b *bench) importOnce(ctx context.Context, dry bool) (time.Duration, string, error) {
	args := []string{"import", "django", "--from", b.djangoURL}
	if dry {
		args = append(args, "--dry-run")
	}
	cmd := exec.CommandContext(ctx, b.bin, args...)
	cmd.Env = append(os.Environ(), "GOJOSER_DATABASE_URL="+b.gojoser, "GOJOSER_LOG_LEVEL=warn")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return 0, "", fmt.Errorf("gojoser %v: %w\n%s", args, err, out)
	}
	// The summary is the tail; per-row lines would be many at 1M users.
	s := string(out)
	if i := strings.Index(s, "\nImported"); i >= 0 {
		s = s[i+1:]
	} else if i := strings.Index(s, "\nDry run"); i >= 0 {
		s = s[i+1:]
	}
	return d, s, nil
}

// loginTiming compares, in this process, a check of the imported hash with gojoser's argon2id, then
// starts gojoser on the imported database and times logins: unknown users, imported users still on
// Django's PBKDF2 hash, and the same users after their first login. It does so with the failure floor
// calibrated at startup, then without (the importer's record deleted), where the floor only rises
// with the first failure on an imported hash.
func (b *bench) loginTiming(ctx context.Context) error {
	// A fresh hasher, without a failure floor: the raw cost of one argon2id check.
	var native []time.Duration
	h := password.NewHasher(password.DefaultParams(), 1)
	for range 5 {
		start := time.Now()
		h.VerifyDummy(ctx, "x")
		native = append(native, time.Since(start))
	}
	slices.Sort(native)
	twin, err := password.Twin(b.hash)
	if err != nil {
		return err
	}
	pbkdf2Fail, err := h.CalibrateFailureFloor(ctx, twin)
	if err != nil {
		return err
	}
	fmt.Printf("\n## Imported PBKDF2-SHA256 hashes (%d iterations) and login timing\n\n", b.opt.iterations)
	fmt.Printf("In process, one core: an argon2id check (m=19456 KiB, t=2) takes %s; a failed check of the imported "+
		"hash (PBKDF2, then one argon2id) %s, %.1f times as much CPU.\n\n",
		native[2].Round(time.Millisecond), pbkdf2Fail.Round(time.Millisecond), float64(pbkdf2Fail)/float64(native[2]))
	fmt.Printf("Over HTTP, sequential, median of %d:\n\n", b.opt.samples)
	fmt.Println("| failure floor | unknown user | imported user, wrong password | imported user, first login (check + rehash) | same user, next login | same user, wrong password | unknown user, afterwards |")
	fmt.Println("|---|---|---|---|---|---|---|")
	next := 2
	for _, floor := range []bool{true, false} {
		row, err := b.timeLogins(ctx, floor, &next)
		if err != nil {
			return err
		}
		label := "calibrated at startup"
		if !floor {
			label = "not calibrated (rises at the first failure on an imported hash)"
		}
		fmt.Printf("| %s | %s |\n", label, strings.Join(row, " | "))
	}
	return nil
}

func (b *bench) timeLogins(ctx context.Context, floor bool, next *int) ([]string, error) {
	env := []string{"GOJOSER_DATABASE_URL=" + b.gojoser, "GOJOSER_LOG_LEVEL=warn", "GOJOSER_ACCESS_LOG=false"}
	if !floor {
		if err := b.forgetSlowest(ctx); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.CommandContext(ctx, b.bin, "serve")
	srv.Env = append(os.Environ(), append(env, "GOJOSER_ADDR="+addr)...)
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() }()
	base := "http://" + addr
	for start := time.Now(); ; {
		if res, err := http.Get(base + "/auth/users/me/"); err == nil {
			res.Body.Close()
			break
		}
		if time.Since(start) > time.Minute {
			return nil, errors.New("gojoser did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	login := func(user, pw string) (time.Duration, int, error) {
		body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
		start := time.Now()
		res, err := http.Post(base+"/auth/token/login/", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return time.Since(start), res.StatusCode, nil
	}
	// Ordinary active users: every 50th is inactive and every 1000th staff in the generated data.
	user := func() string {
		for *next%50 == 0 || *next%1000 == 0 {
			*next++
		}
		*next++
		return fmt.Sprintf("user%d", *next-1)
	}
	unknownRun := func() ([]time.Duration, error) {
		var ds []time.Duration
		for i := range b.opt.samples {
			d, _, err := login(fmt.Sprintf("nobody%d", i), "bench-Password-1")
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		return ds, nil
	}
	unknown, err := unknownRun()
	if err != nil {
		return nil, err
	}
	var wrong, first, again, argonWrong []time.Duration
	for range b.opt.samples {
		u := user()
		d, _, err := login(u, "wrong-password")
		if err != nil {
			return nil, err
		}
		wrong = append(wrong, d)
		d, status, err := login(u, "bench-Password-1")
		if err != nil || status != 200 {
			return nil, fmt.Errorf("first login of %s: %d %v", u, status, err)
		}
		first = append(first, d)
		if d, status, err = login(u, "bench-Password-1"); err != nil || status != 200 {
			return nil, fmt.Errorf("second login of %s: %d %v", u, status, err)
		}
		again = append(again, d)
		if d, _, err = login(u, "wrong-password"); err != nil {
			return nil, err
		}
		argonWrong = append(argonWrong, d)
	}
	after, err := unknownRun()
	if err != nil {
		return nil, err
	}
	var row []string
	for _, s := range [][]time.Duration{unknown, wrong, first, again, argonWrong, after} {
		slices.Sort(s)
		row = append(row, s[len(s)/2].Round(time.Millisecond).String())
	}
	return row, nil
}

func (b *bench) forgetSlowest(ctx context.Context) error {
	if !strings.HasPrefix(b.gojoser, "postgres") {
		return errors.New("-login-timing needs -target pg")
	}
	conn, err := pgx.Connect(ctx, b.gojoser)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "DELETE FROM meta WHERE key = 'slowest_imported_hash'")
	return err
}
