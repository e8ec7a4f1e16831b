package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestPostgresRestartUnderLoad restarts a real PostgreSQL under a steady load: while it is down, what
// needs the database answers 503 with DRF's body and Retry-After, cached tokens keep answering GET
// /auth/users/me/, nothing answers 500, and when it is back everything works again without a restart.
func TestPostgresRestartUnderLoad(t *testing.T) {
	cluster := apitest.NewCluster(t)
	s := apitest.StartOn(t, cluster.URL, map[string]string{"AUTH_CACHE_TTL": "1m"}, app.Options{})
	var keys []string
	for i := range 4 {
		name := fmt.Sprintf("load%d", i)
		s.Register(t, name, name+"@example.com", pw)
		keys = append(keys, s.Login(t, name, pw))
	}
	for _, k := range keys {
		s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + k}) // cached
	}

	type answer struct {
		what       string
		status     int
		body       string
		retryAfter string
	}
	var (
		mu      sync.Mutex
		answers []answer
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	load := func(what, method, path, body string, headers map[string]string) {
		defer wg.Done()
		client := &http.Client{Timeout: 20 * time.Second}
		for ctx.Err() == nil {
			a := answer{what: what}
			if res, b, err := do(client, s.URL, method, path, body, headers); err != nil {
				a.body = err.Error()
			} else {
				a.status, a.body, a.retryAfter = res.StatusCode, string(b), res.Header.Get("Retry-After")
			}
			mu.Lock()
			answers = append(answers, a)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}
	wg.Add(4)
	go load("me", "GET", "/auth/users/me/", "", map[string]string{"Authorization": "Token " + keys[0]})
	go load("list", "GET", "/auth/users/", "", map[string]string{"Authorization": "Token " + keys[1]})
	go load("login", "POST", "/auth/token/login/", `{"username":"load2","password":"`+pw+`"}`, nil)
	go load("register", "POST", "/auth/users/", `{"username":"","password":"x"}`, nil)

	time.Sleep(300 * time.Millisecond)
	cluster.Stop()
	time.Sleep(2500 * time.Millisecond)
	mu.Lock()
	during := len(answers)
	mu.Unlock()
	cluster.Start()
	// Recovery needs no restart of gojoser: wait for the database-bound requests to succeed again.
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, _ := s.Do(t, "GET", "/auth/users/", "", "", map[string]string{"Authorization": "Token " + keys[1]})
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after PostgreSQL came back", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()

	counts := map[string]map[int]int{}
	for i, a := range answers {
		if counts[a.what] == nil {
			counts[a.what] = map[int]int{}
		}
		counts[a.what][a.status]++
		switch a.status {
		case 0:
			t.Errorf("%s failed: %s", a.what, a.body)
		case 500:
			t.Errorf("%s answered 500: %s", a.what, a.body)
		case 503:
			if a.body != `{"detail":"Service temporarily unavailable, try again later."}` || a.retryAfter == "" {
				t.Errorf("%s: 503 %s with Retry-After %q", a.what, a.body, a.retryAfter)
			}
		}
		if a.what == "me" && a.status != 200 && i < during {
			t.Errorf("a cached token was refused during the outage: %d %s", a.status, a.body)
		}
	}
	t.Logf("answers by status: %v", counts)
	for _, what := range []string{"list", "login"} {
		if counts[what][503] == 0 {
			t.Errorf("%s never answered 503 while PostgreSQL was down: %v", what, counts[what])
		}
	}
	// And afterwards everything works, new logins included.
	key := s.Login(t, "load3", pw)
	if res, body := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + key}); res.StatusCode != 200 {
		t.Errorf("after the restart: %d %s", res.StatusCode, body)
	}
}

// do sends one request from a load goroutine (where t.Fatal may not be called).
func do(client *http.Client, base, method, path, body string, headers map[string]string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

// TestListenerReconnectMissesNoRevocation: while a node's PostgreSQL listener is disconnected, another
// node revokes a token the first one has cached. The notification is lost; the first node must still
// stop accepting the token once it is listening again, long before the cache TTL.
func TestListenerReconnectMissesNoRevocation(t *testing.T) {
	url := apitest.Postgres(t).NewURL(t)
	settings := map[string]string{"AUTH_CACHE_TTL": "1h"}
	a := apitest.StartOn(t, url, settings, app.Options{})
	b := apitest.StartOn(t, url, settings, app.Options{})
	a.Register(t, "node", "node@example.com", pw)
	key := a.Login(t, "node", pw)
	h := map[string]string{"Authorization": "Token " + key}
	if res, body := b.Do(t, "GET", "/auth/users/me/", "", "", h); res.StatusCode != 200 { // now cached on b
		t.Fatalf("%d %s", res.StatusCode, body)
	}

	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Cut every listener of this database (both nodes'), then revoke while they reconnect.
	if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN gojoser_auth' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if res, body := a.Do(t, "POST", "/auth/token/logout/", "", "", h); res.StatusCode != 204 {
		t.Fatalf("logout: %d %s", res.StatusCode, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, body := b.Do(t, "GET", "/auth/users/me/", "", "", h)
		if res.StatusCode == 401 && string(body) == `{"detail":"Invalid token."}` {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node b still answers %d %s for a token revoked while its listener was down", res.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
