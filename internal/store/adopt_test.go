package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"

	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/store/dburl"
)

// previousRelease is the last commit whose gojoser created its schema by Ent's auto-migration.
const previousRelease = "3c66cfe"

var (
	previousOnce    sync.Once
	previousDir     string
	previousBin     string
	previousErr     error
	previousMissing bool
)

// buildPrevious builds cmd/gojoser of previousRelease from this repository's history.
func buildPrevious(t *testing.T) string {
	t.Helper()
	previousOnce.Do(func() {
		if err := exec.Command("git", "cat-file", "-e", previousRelease+"^{commit}").Run(); err != nil {
			previousErr, previousMissing = fmt.Errorf("commit %s is not in this clone: %w", previousRelease, err), true
			return
		}
		top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
		if err != nil {
			previousErr = err
			return
		}
		// A fixed path, not a random one: the build cache keys on it, so later runs reuse the build.
		dir := filepath.Join(os.TempDir(), "gojoser-previous-"+previousRelease)
		if err := os.RemoveAll(dir); err != nil {
			previousErr = err
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			previousErr = err
			return
		}
		previousDir = dir
		src := filepath.Join(dir, "src")
		previousBin = filepath.Join(dir, "gojoser")
		for _, c := range [][]string{
			{"git", "archive", "-o", filepath.Join(dir, "src.tar"), previousRelease},
			{"mkdir", src},
			{"tar", "-xf", filepath.Join(dir, "src.tar"), "-C", src},
		} {
			cmd := exec.Command(c[0], c[1:]...)
			cmd.Dir = strings.TrimSpace(string(top)) // git archive elsewhere would take only that subtree
			if out, err := cmd.CombinedOutput(); err != nil {
				previousErr = fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
				return
			}
		}
		build := exec.Command("go", "build", "-o", previousBin, "./cmd/gojoser")
		build.Dir, build.Env = src, append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
		if out, err := build.CombinedOutput(); err != nil {
			previousErr = fmt.Errorf("build %s: %v\n%s", previousRelease, err, out)
		}
	})
	if previousMissing && os.Getenv("CI") != "true" {
		t.Skip(previousErr)
	}
	if previousErr != nil {
		t.Fatal(previousErr)
	}
	return previousBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if previousDir != "" {
		os.RemoveAll(previousDir)
	}
	os.Exit(code)
}

// A database made by the previous release (auto-migration, and on SQLite times in Go's String() form)
// is adopted by the versioned migrations: nothing is lost, it ends up with the schema a fresh database
// gets, and on SQLite its times are rewritten.
func TestAdoptDatabaseOfPreviousRelease(t *testing.T) {
	bin := buildPrevious(t)
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		ctx := context.Background()
		url := db.NewURL(t)
		old := previousState(t, bin, url)

		ms, err := store.Status(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if ms[0].State != store.StateAdopt {
			t.Fatalf("status before the upgrade: %+v, want the first migration to adopt the schema", ms)
		}

		s := apitest.StartOn(t, url, map[string]string{"TOKEN_TTL": "1h"}, app.Options{})
		ms, err = store.Status(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range ms {
			if want := map[bool]string{true: store.StateBaseline, false: store.StateApplied}[i == 0]; m.State != want || m.At.IsZero() {
				t.Errorf("after the upgrade, %s is %s at %v, want %s", m.Version, m.State, m.At, want)
			}
		}

		// The data of the previous release still works.
		if res, body := s.Do(t, http.MethodGet, "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + old.token}); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"alice"`) {
			t.Fatalf("me with the old token: %d %s", res.StatusCode, body)
		}
		s.Login(t, "alice", apitest.Password)
		if res, body := s.Do(t, http.MethodPost, "/auth/jwt/refresh/", "application/json", `{"refresh":"`+old.refresh+`"}`, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("refresh with the old refresh token: %d %s", res.StatusCode, body)
		}
		holders, err := s.App.DB.Role.Query().Where(role.Name("editor")).QueryUsers().Select(user.FieldUsername).Strings(ctx)
		if err != nil || len(holders) != 1 || holders[0] != "alice" {
			t.Fatalf("editor role holders = %v, %v", holders, err)
		}
		if n, err := s.App.DB.OutboxMessage.Query().Count(ctx); err != nil || n == 0 {
			t.Fatalf("outbox rows = %d, %v", n, err)
		}
		s.Stop()

		// The adopted schema is the one a fresh database gets.
		fresh := db.NewURL(t)
		if _, err := store.Migrate(ctx, fresh, quiet); err != nil {
			t.Fatal(err)
		}
		if changes := schemaDiff(t, url, fresh); len(changes) > 0 {
			for _, c := range changes {
				t.Errorf("adopted schema differs from a fresh one: %T %+v", c, c)
			}
		}
		if db.Name == "sqlite" {
			checkSQLiteTimes(t, strings.TrimPrefix(url, "sqlite:"))
		}
	})
}

type previous struct{ token, refresh string }

// previousState runs the previous release on url and leaves some of everything in it: users, a role
// grant, a token, a refresh token, outbox mail.
func previousState(t *testing.T, bin, url string) previous {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "GOJOSER_DATABASE_URL="+url, "GOJOSER_ADDR="+addr, "GOJOSER_ARGON2_MEMORY_KIB=1024",
		"GOJOSER_ARGON2_TIME=1", "GOJOSER_SECRET_KEY=test-secret-key-test-secret-key-test-secret", "GOJOSER_TOKEN_TTL=1h")
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("previous release %v: %v", args, err)
		}
		return string(out)
	}
	srv := exec.Command(bin, "serve")
	srv.Env = env
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = srv.Process.Signal(syscall.SIGTERM)
			_ = srv.Wait()
		}
	}
	defer stop()
	base := "http://" + addr
	for i := 0; ; i++ {
		res, err := http.Get(base + "/auth/users/me/")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 600 {
			t.Fatalf("the previous release did not answer: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	post := func(path, body string, headers ...string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode >= 300 {
			t.Fatalf("previous release POST %s: %d %v", path, res.StatusCode, out)
		}
		return out
	}
	pw := apitest.Password
	post("/auth/users/", `{"username":"alice","email":"alice@example.com","password":"`+pw+`"}`)
	token, _ := post("/auth/token/login/", `{"username":"alice","password":"`+pw+`"}`)["auth_token"].(string)
	refresh, _ := post("/auth/jwt/create/", `{"username":"alice","password":"`+pw+`"}`)["refresh"].(string)
	post("/auth/users/reset_password/", `{"email":"alice@example.com"}`)
	req, _ := http.NewRequest(http.MethodGet, base+"/auth/users/me/", nil)
	req.Header.Set("Authorization", "Token "+token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("previous release me: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	stop() // writes out the token's last use
	run("createsuperuser", "--username", "root", "--password", pw)
	run("role", "create", "editor")
	run("role", "grant", "alice", "editor")
	if token == "" || refresh == "" {
		t.Fatalf("no token or refresh token from the previous release")
	}
	return previous{token: token, refresh: refresh}
}

// schemaDiff lists what differs between the schemas of two databases of one dialect.
func schemaDiff(t *testing.T, a, b string) []atlasschema.Change {
	t.Helper()
	inspect := func(raw string) *atlasschema.Schema {
		u, err := dburl.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		db, err := store.OpenSQL(u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s, err := atlasDriver(t, u.Dialect, db).InspectSchema(context.Background(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sa, sb := inspect(a), inspect(b)
	u, _ := dburl.Parse(a)
	db, err := store.OpenSQL(u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	changes, err := atlasDriver(t, u.Dialect, db).SchemaDiff(sa, sb)
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

func atlasDriver(t *testing.T, d dburl.Dialect, db *sql.DB) interface {
	atlasschema.Inspector
	atlasschema.Differ
} {
	t.Helper()
	open := postgres.Open
	if d == dburl.SQLite {
		open = sqlite.Open
	}
	drv, err := open(db)
	if err != nil {
		t.Fatal(err)
	}
	return drv
}
