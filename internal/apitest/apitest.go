// Package apitest runs the real server over HTTP against real databases for the test suites: a fresh
// SQLite file, and a fresh PostgreSQL database per test when one is reachable.
//
// PostgreSQL comes from GOJOSER_TEST_POSTGRES_URL (an admin connection that may CREATE DATABASE),
// defaulting to postgres://postgres@127.0.0.1:5432/postgres. When CI=true or the variable is set, an
// unreachable server fails the suite instead of skipping, so a green CI run always covered PostgreSQL.
package apitest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/config"
	"github.com/gojoser/gojoser/internal/store"
)

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DB names a database backend for subtests.
type DB struct {
	Name string
	// url creates a fresh, empty database for one test and returns its URL.
	url func(t testing.TB) string
}

// DBs lists the backends every scenario runs on.
func DBs(t testing.TB) []DB {
	dbs := []DB{{Name: "sqlite", url: sqliteURL}}
	if admin, ok := postgresAdmin(t); ok {
		dbs = append(dbs, DB{Name: "postgres", url: func(t testing.TB) string { return freshPostgres(t, admin) }})
	}
	return dbs
}

// EachDB runs fn as a subtest on every backend, in parallel: each has a database and a server of its own.
func EachDB(t *testing.T, fn func(t *testing.T, db DB)) {
	for _, db := range DBs(t) {
		t.Run(db.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, db)
		})
	}
}

func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "gojoser.db")
}

var (
	pgOnce  sync.Once
	pgAdmin string
	pgErr   error
)

func postgresAdmin(t testing.TB) (string, bool) {
	pgOnce.Do(func() {
		pgAdmin = os.Getenv("GOJOSER_TEST_POSTGRES_URL")
		if pgAdmin == "" {
			pgAdmin = defaultPostgres
		}
		db, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	if pgErr != nil {
		if os.Getenv("CI") == "true" || os.Getenv("GOJOSER_TEST_POSTGRES_URL") != "" {
			t.Fatalf("PostgreSQL required but unreachable (%v); set GOJOSER_TEST_POSTGRES_URL", pgErr)
		}
		t.Logf("PostgreSQL unreachable, running on SQLite only: %v", pgErr)
		return "", false
	}
	return pgAdmin, true
}

func freshPostgres(t testing.TB, admin string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "gojoser_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewURL creates a fresh, empty database of this backend for t.
func (db DB) NewURL(t testing.TB) string { return db.url(t) }

// Server is a running gojoser.
type Server struct {
	URL         string
	DatabaseURL string
	App         *app.App
	stop        func()
}

// Stop shuts the server down (HTTP, then the mail worker, then the database) ahead of the test's end.
func (s *Server) Stop() { s.stop() }

// Start runs gojoser on a fresh database of db with the given GOJOSER_* settings (keys without the
// prefix) on top of test defaults: cheap argon2 parameters so the suite stays fast.
func Start(t testing.TB, db DB, settings map[string]string) *Server {
	t.Helper()
	return StartOn(t, db.url(t), settings, app.Options{})
}

// StartOn runs gojoser on an existing database URL, with the mail worker running. Unless opts say
// otherwise the worker polls often and retries after 50ms, so mail tests stay quick.
func StartOn(t testing.TB, databaseURL string, settings map[string]string, opts app.Options) *Server {
	t.Helper()
	cfg := testConfig(t, databaseURL, settings)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("GOJOSER_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return startWith(t, cfg, log, opts)
}

// StartLogged runs gojoser like Start, logging through the service's own logger (the configured level
// and format) to w. flush writes out what that logger still buffers; the server stops at the test's end.
func StartLogged(t testing.TB, db DB, settings map[string]string, w io.Writer) (s *Server, flush func()) {
	t.Helper()
	cfg := testConfig(t, db.url(t), settings)
	log, flush := app.NewLogger(cfg, w)
	t.Cleanup(flush)
	return startWith(t, cfg, log, app.Options{}), flush
}

// testConfig is the configuration of a test server (see Environ): throttling is off there, so that
// suites may send one endpoint many requests from one address (the throttling tests turn it on).
func testConfig(t testing.TB, databaseURL string, settings map[string]string) config.Config {
	t.Helper()
	cfg, err := config.FromMap(Environ(databaseURL, settings))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Environ is the environment, GOJOSER_* variables only, that a test runs gojoser with on databaseURL:
// cheap argon2 parameters so the suite stays fast, and settings (keys without the prefix) on top.
func Environ(databaseURL string, settings map[string]string) map[string]string {
	env := map[string]string{
		"GOJOSER_DATABASE_URL":      databaseURL,
		"GOJOSER_ARGON2_MEMORY_KIB": "1024",
		"GOJOSER_ARGON2_TIME":       "1",
		"GOJOSER_SECRET_KEY":        "test-secret-key-test-secret-key-test-secret",
		"GOJOSER_THROTTLE":          "false",
	}
	for k, v := range settings {
		env[config.Prefix+k] = v
	}
	return env
}

func startWith(t testing.TB, cfg config.Config, log *slog.Logger, opts app.Options) *Server {
	t.Helper()
	if opts.MailPoll == 0 {
		opts.MailPoll = 20 * time.Millisecond
	}
	if opts.MailBackoff == nil {
		opts.MailBackoff = func(int) time.Duration { return 50 * time.Millisecond }
	}
	if opts.MailOut == nil {
		opts.MailOut = io.Discard
	}
	a, err := app.New(context.Background(), cfg, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The server runs as in production, background jobs and all, on a port of its own.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(stop)
	return &Server{URL: "http://" + ln.Addr().String(), DatabaseURL: cfg.DatabaseURL, App: a, stop: stop}
}

// Outsider opens an Ent client of its own on the server's database, as another process would: its writes
// go around the server's hooks, so the server learns of them only as of any change behind its back
// (when its cached entries are refreshed or expire).
func (s *Server) Outsider(t testing.TB) *ent.Client {
	t.Helper()
	c, err := store.Open(s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func itoa(n int) string { return fmt.Sprint(n) }

// Expand replaces {{name}} placeholders in s from vars.
func Expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

// Fmt is fmt.Sprint, for building vars.
func Fmt(v any) string { return fmt.Sprint(v) }
