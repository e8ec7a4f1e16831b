package store_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/config"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testConfig is a configuration on databaseURL with cheap password hashing.
func testConfig(t testing.TB, databaseURL string) config.Config {
	t.Helper()
	cfg, err := config.FromMap(map[string]string{
		"GOJOSER_DATABASE_URL":      databaseURL,
		"GOJOSER_ARGON2_MEMORY_KIB": "1024",
		"GOJOSER_ARGON2_TIME":       "1",
		"GOJOSER_SECRET_KEY":        "test-secret-key-test-secret-key-test-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Nodes starting together on an empty database each run the migrations; on PostgreSQL they used to race
// on CREATE TABLE and one crashed (duplicate key ... pg_type_typname_nsp_index).
func TestNodesStartTogetherOnAnEmptyDatabase(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		for round := range 5 {
			cfg := testConfig(t, db.NewURL(t))
			const nodes = 3
			apps := make([]*app.App, nodes)
			errs := make([]error, nodes)
			var start, wg sync.WaitGroup
			start.Add(1)
			for i := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start.Wait()
					apps[i], errs[i] = app.New(context.Background(), cfg, quiet, app.Options{})
				}()
			}
			start.Done()
			wg.Wait()
			for i, a := range apps {
				if errs[i] != nil {
					t.Fatalf("round %d: node %d did not start: %v", round+1, i+1, errs[i])
				}
				t.Cleanup(func() { a.Close() })
			}
			// Every node answers from the shared schema.
			for i, a := range apps {
				hs := httptest.NewServer(a.Handler)
				t.Cleanup(hs.Close)
				s := &apitest.Server{URL: hs.URL, App: a}
				s.Register(t, "user"+apitest.Fmt(i), "user@example.com", apitest.Password)
			}
		}
	})
}

// An in-memory SQLite database used to start and then answer 500 (no such table), because every pooled
// connection opened its own empty one.
func TestInMemorySQLiteIsRefusedAtStart(t *testing.T) {
	for _, u := range []string{"sqlite:", "sqlite::memory:", "sqlite:gojoser.db?mode=memory"} {
		_, err := config.FromMap(map[string]string{"GOJOSER_DATABASE_URL": u})
		if err == nil || !strings.Contains(err.Error(), "GOJOSER_DATABASE_URL") || !strings.Contains(err.Error(), "in-memory") {
			t.Errorf("%s: err = %v, want one naming GOJOSER_DATABASE_URL and in-memory", u, err)
		}
	}
}

// A query string in a sqlite: URL used to end up inside the file name (near "?": syntax error).
func TestSQLiteURLKeepsItsQueryString(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s := apitest.StartOn(t, "sqlite:"+path+"?_pragma=cache_size(-3000)", nil, app.Options{})
	s.Register(t, "alice", "alice@example.com", apitest.Password)
	rows, err := s.App.DB.QueryContext(context.Background(), "PRAGMA cache_size")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var size int
	if !rows.Next() || rows.Scan(&size) != nil || size != -3000 {
		t.Fatalf("cache_size = %d, want the URL's -3000", size)
	}
}

func TestUnopenableDatabaseIsExplained(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "no-such-dir", "g.db")
		_, err := app.New(context.Background(), testConfig(t, "sqlite:"+path), quiet, app.Options{})
		if err == nil || !strings.Contains(err.Error(), "GOJOSER_DATABASE_URL") || !strings.Contains(err.Error(), path) {
			t.Fatalf("err = %v, want one naming GOJOSER_DATABASE_URL and %s", err, path)
		}
	})
	for _, db := range apitest.DBs(t) {
		if db.Name != "postgres" {
			continue
		}
		t.Run("postgres", func(t *testing.T) {
			u, err := url.Parse(db.NewURL(t))
			if err != nil {
				t.Fatal(err)
			}
			u.Path += "_missing"
			_, err = app.New(context.Background(), testConfig(t, u.String()), quiet, app.Options{})
			if err == nil || !strings.Contains(err.Error(), "does not exist") ||
				!strings.Contains(err.Error(), "createdb ") || !strings.Contains(err.Error(), strings.TrimPrefix(u.Path, "/")) {
				t.Fatalf("err = %v, want one saying the database does not exist, with createdb", err)
			}
		})
	}
}
