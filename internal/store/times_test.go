package store_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// SQLite used to store times as Go's String() ("2026-11-30 14:39:40.66 +0000 UTC m=+3.71"), which other
// tools cannot read. Every time gojoser writes is now UTC in SQLite's own format.
func TestSQLiteWritesTimesInUTCInItsOwnFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s := apitest.StartOn(t, "sqlite:"+path, map[string]string{"TOKEN_TTL": "1h"}, app.Options{})
	s.Register(t, "alice", "alice@example.com", apitest.Password)
	tok := s.Login(t, "alice", apitest.Password)
	for _, r := range []struct{ path, body string }{
		{"/auth/jwt/create/", `{"username":"alice","password":"` + apitest.Password + `"}`},
		{"/auth/users/reset_password/", `{"email":"alice@example.com"}`},
	} {
		if res, body := s.Do(t, http.MethodPost, r.path, "application/json", r.body, nil); res.StatusCode >= 300 {
			t.Fatalf("%s: %d %s", r.path, res.StatusCode, body)
		}
	}
	if res, body := s.Do(t, http.MethodGet, "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + tok}); res.StatusCode != http.StatusOK {
		t.Fatalf("me: %d %s", res.StatusCode, body)
	}
	s.Stop() // writes out batched token use

	checkSQLiteTimes(t, path)
}

// checkSQLiteTimes checks every time stored in the SQLite file at path: UTC in SQLite's format, which its
// date functions read. Every column must hold at least one value, so that none goes unchecked.
func checkSQLiteTimes(t *testing.T, path string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	sqliteUTC := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})?\+00:00$`)
	for _, c := range []struct{ table, column string }{
		{"users", "date_joined"}, {"users", "last_login"},
		{"tokens", "created"}, {"tokens", "last_used"}, {"tokens", "expires_at"},
		{"refresh_tokens", "created_at"}, {"refresh_tokens", "expires_at"},
		{"outbox_messages", "next_attempt_at"}, {"outbox_messages", "created_at"},
	} {
		rows, err := raw.QueryContext(context.Background(),
			"SELECT "+c.column+" || '', julianday("+c.column+") IS NOT NULL FROM "+c.table+" WHERE "+c.column+" IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var v string
			var readable bool
			if err := rows.Scan(&v, &readable); err != nil {
				t.Fatal(err)
			}
			n++
			if !sqliteUTC.MatchString(v) || !readable {
				t.Errorf("%s.%s = %q, want UTC as YYYY-MM-DD HH:MM:SS[.f]+00:00, which SQLite reads", c.table, c.column, v)
			}
		}
		rows.Close()
		if n == 0 {
			t.Errorf("%s.%s: no value written; the test does not cover it", c.table, c.column)
		}
	}
}
