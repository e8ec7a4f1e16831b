// Package djangotest builds real Django + Djoser databases for tests, with the project in
// testdata/django run by Debian's /usr/bin/python3: on SQLite, or on a fresh PostgreSQL database.
//
// Tests skip when that Python lacks Django and its packages, except under CI=true, where they fail:
// CI (.ci/run) installs them, so a green run always covered the import.
package djangotest

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/store/dburl"
)

// Python is Debian's interpreter, where apt installs python3-django and the rest. pyenv's python3
// on PATH lacks them.
const Python = "/usr/bin/python3"

// Manifest is what make_fixture.py made.
type Manifest struct {
	SecretKey string `json:"secret_key"`
	Django    string `json:"django"`
	UserTable string `json:"user_table"`
	Users     map[string]User
	Groups    []string
	Refresh   struct {
		Live        []Refresh `json:"live"`
		Blacklisted []Refresh `json:"blacklisted"`
	}
}

// User is one Django user with the secrets a client of the Django deployment holds.
type User struct {
	ID          int
	Password    *string // nil: unusable password
	Hasher      string
	Legacy      bool
	IsStaff     bool `json:"is_staff"`
	IsSuperuser bool `json:"is_superuser"`
	IsActive    bool `json:"is_active"`
	Groups      []string
	Token       *string // the DRF key, nil when the user has none
}

// Refresh is a SimpleJWT refresh token Django issued.
type Refresh struct {
	Username, JTI, Token string
}

// Dir is testdata/django.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "django")
}

// Require skips t (fails it under CI=true) unless Debian's Python has Django and its packages, and
// psycopg2 for PostgreSQL.
func Require(t testing.TB) {
	t.Helper()
	out, err := exec.Command(Python, "-c", "import django, rest_framework, rest_framework_simplejwt, djoser, argon2, bcrypt, psycopg2").CombinedOutput()
	if err == nil {
		return
	}
	msg := "Debian's Django stack is missing (apt-get install python3-django python3-djangorestframework " +
		"python3-djangorestframework-simplejwt python3-djoser python3-argon2 python3-bcrypt python3-psycopg2): " +
		strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Make fills the fresh database at url (sqlite:<path> or postgres://..., as `gojoser import django
// --from` takes it) with make_fixture.py, with env added to the environment
// (DJANGO_USER_MODEL=accounts.User for the custom user model), and returns the manifest.
func Make(t testing.TB, url string, env ...string) Manifest {
	t.Helper()
	manifest := filepath.Join(t.TempDir(), "manifest.json")
	cmd := exec.Command(Python, filepath.Join(Dir(), "make_fixture.py"), "--manifest", manifest)
	cmd.Env = append(os.Environ(), append(env, "DJANGO_DATABASE="+url, "PYTHONDONTWRITEBYTECODE=1")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make_fixture.py: %v\n%s", err, out)
	}
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Exec runs a statement on the Django database at url, as a change made in Django between two imports.
func Exec(t testing.TB, url string, query string) {
	t.Helper()
	db := Open(t, url)
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Open opens the database at url (Django's or gojoser's) with the settings gojoser uses, closed at the
// end of the test.
func Open(t testing.TB, url string) *sql.DB {
	t.Helper()
	u, err := dburl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQL(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
