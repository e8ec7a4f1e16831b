package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/gojoser/gojoser/internal/store"
)

// A SQLite path may hold characters that SQLite's URI filenames treat as syntax ("#", "%"): the
// database is still the file the path names (a "#" once cut the path short, so that two such paths
// could open one database).
func TestSQLitePathWithURICharacters(t *testing.T) {
	for _, name := range []string{"a#1", "b%20c", "d#e%f"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "gojoser.db")
		if _, err := store.Migrate(context.Background(), "sqlite:"+path, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the database is not where the path says: %v", name, err)
		}
	}
}
