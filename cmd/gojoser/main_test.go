package main

import (
	"context"
	encjson "encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/outbox"
)

const pw = "vQ7#kLm9zX"

// cli runs gojoser's commands as an operator does, on one database, with stdin that is not a terminal
// (as in a script or CI).
type cli struct {
	t     *testing.T
	env   map[string]string
	stdin io.Reader
}

func newCLI(t *testing.T, databaseURL string, settings map[string]string) *cli {
	return &cli{t: t, env: apitest.Environ(databaseURL, settings), stdin: strings.NewReader("")}
}

// with returns a cli whose environment also has the given GOJOSER_* settings (keys without the prefix).
func (c *cli) with(settings map[string]string) *cli {
	env := maps.Clone(c.env)
	maps.Copy(env, apitest.Environ(c.env["GOJOSER_DATABASE_URL"], settings))
	return &cli{t: c.t, env: env, stdin: c.stdin}
}

// reading returns a cli whose commands read stdin.
func (c *cli) reading(stdin io.Reader) *cli {
	return &cli{t: c.t, env: c.env, stdin: stdin}
}

// run executes one command line as main does and returns the exit code and what it printed.
func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut strings.Builder
	code = run(context.Background(), args, c.env, c.stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed and returns its standard output.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != 0 {
		c.t.Fatalf("gojoser %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// expect runs a command that must succeed and print exactly want.
func (c *cli) expect(want string, args ...string) {
	c.t.Helper()
	if got := c.ok(args...); got != want {
		c.t.Errorf("gojoser %s printed %q, want %q", strings.Join(args, " "), got, want)
	}
}

// fails runs a command that must exit 1, print nothing on stdout, and print exactly want as its one
// "error: " line on stderr (among log lines, or before cobra's usage hints).
func (c *cli) fails(want string, args ...string) {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	var got []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(l, "error: ") {
			got = append(got, l)
		}
	}
	if code != 1 || out != "" || len(got) != 1 || got[0] != want {
		c.t.Errorf("gojoser %s: exit %d, stdout %q, stderr\n%s\nwant exit 1 and the error line %q", strings.Join(args, " "), code, out, errOut, want)
	}
}

// server runs gojoser on the CLI's database with the given settings (keys without the prefix).
func (c *cli) server(settings map[string]string, opts app.Options) *apitest.Server {
	c.t.Helper()
	return apitest.StartOn(c.t, c.env["GOJOSER_DATABASE_URL"], settings, opts)
}

// behindItsBack lets a change the CLI made reach a server that already caches the token: on PostgreSQL
// at once (LISTEN/NOTIFY); on SQLite the CLI's process cannot tell the server, which looks the token up
// again once half of GOJOSER_AUTH_CACHE_TTL (30s by default) has passed.
func behindItsBack(db apitest.DB, clock *apitest.Clock) {
	if db.Name != "postgres" {
		clock.Advance(16 * time.Second)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		first := c.ok("migrate")
		if !strings.HasPrefix(first, "applied ") || !strings.Contains(first, " initial\n") || !strings.HasSuffix(first, "database is up to date\n") {
			t.Errorf("gojoser migrate on an empty database printed %q", first)
		}
		c.expect("database is up to date\n", "migrate") // a second run finds nothing to do
		c.expect("admin\n", "role", "list")
		c.fails(`error: unknown command "migrat" for "gojoser"`, "migrat")
		c.fails(`error: unknown command "now" for "gojoser migrate"`, "migrate", "now")
	})
}

func TestSettingsComeFromTheEnvironment(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "mysql://localhost/gojoser", nil)
	c.fails(`error: GOJOSER_DATABASE_URL must start with sqlite:, postgres:// or postgresql://, got "mysql://localhost/gojoser"`, "migrate")
	c = newCLI(t, apitest.DBs(t)[0].NewURL(t), map[string]string{"LOG_FORMAT": "xml"})
	c.fails(`error: GOJOSER_LOG_FORMAT must be text or json, got "xml"`, "migrate")
}

func TestCreateSuperuser(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		c.expect("superuser \"root\" created (id 1)\n", "createsuperuser", "--username", "root", "--email", "root@example.com", "--password", pw)
		env := c.with(map[string]string{"SUPERUSER_PASSWORD": pw})
		env.expect("superuser \"boss\" created (id 2)\n", "createsuperuser", "--username", "boss")

		noPassword := "error: no password: pass --password or set GOJOSER_SUPERUSER_PASSWORD (stdin is not a terminal)"
		c.fails(noPassword, "createsuperuser", "--username", "nopass")
		devNull, err := os.Open(os.DevNull) // a file, but not a terminal: a script run with </dev/null
		if err != nil {
			t.Fatal(err)
		}
		defer devNull.Close()
		c.reading(devNull).fails(noPassword, "createsuperuser", "--username", "nopass")
		c.fails("error: --username is required", "createsuperuser", "--password", pw)
		// Rejections read as the API's JSON, with the API's messages.
		c.fails(`error: {"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`,
			"createsuperuser", "--username", "weak", "--password", "1234567")
		c.fails(`error: {"username":["A user with that username already exists."]}`, "createsuperuser", "--username", "root", "--password", pw)
		c.fails(`error: {"email":["Enter a valid email address."],"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`,
			"createsuperuser", "--username", "a b", "--email", "nope", "--password", pw)

		// Both superusers log in over HTTP and are admins; the refused ones do not exist.
		s := c.server(nil, app.Options{})
		for _, name := range []string{"root", "boss"} {
			s.Expect(t, "GET", "/auth/users/me/roles/", "", s.Login(t, name, pw), 200, `{"roles":["admin"]}`)
		}
		s.Expect(t, "POST", "/auth/token/login/", `{"username":"nopass","password":"`+pw+`"}`, "", 400,
			`{"non_field_errors":["Unable to log in with provided credentials."]}`)
		c.expect("admin\n", "role", "list")
	})
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		url := db.NewURL(t)
		c := newCLI(t, url, nil)
		clock := &apitest.Clock{}
		s := c.server(nil, app.Options{Now: clock.Now})
		s.Register(t, "alice", "alice@example.com", pw)
		me := `{"email":"alice@example.com","id":1,"username":"alice"}`

		key := strings.TrimSuffix(c.ok("token", "create", "alice"), "\n")
		if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(key) {
			t.Fatalf("token create printed %q, want a 40-digit hex key", key)
		}
		s.Expect(t, "GET", "/auth/users/me/", "", key, 200, me)
		labelled := strings.TrimSuffix(c.ok("token", "create", "alice", "--label", "deploy"), "\n")
		_, body := s.Call(t, "GET", "/auth/token/", "", labelled)
		var sessions []struct{ Label string }
		if err := encjson.Unmarshal([]byte(body), &sessions); err != nil || len(sessions) != 2 ||
			sessions[0].Label != "deploy" || sessions[1].Label != "cli" {
			t.Fatalf("sessions after two token creates: %s (%v)", body, err)
		}

		// The running server stops taking a revoked key (it holds it in its cache by now).
		c.expect("revoked\n", "token", "revoke", key)
		behindItsBack(db, clock)
		s.Eventually(t, "a revocation from the CLI", "/auth/users/me/", key, `{"detail":"Invalid token."}`)
		c.fails("error: no such token", "token", "revoke", key)
		s.Expect(t, "GET", "/auth/users/me/", "", labelled, 200, me)

		s.Login(t, "alice", pw)
		c.expect("revoked 2 token(s)\n", "token", "revoke", "--all", "alice")
		behindItsBack(db, clock)
		s.Eventually(t, "revoke --all from the CLI", "/auth/users/me/", labelled, `{"detail":"Invalid token."}`)
		c.expect("revoked 0 token(s)\n", "token", "revoke", "--all", "alice")

		c.fails("error: no such user or role", "token", "create", "nobody")
		c.fails("error: no such user or role", "token", "revoke", "--all", "nobody")
		c.fails("error: accepts 1 arg(s), received 0", "token", "create")
	})
}

func TestRoleCommands(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		c.expect("superuser \"root\" created (id 1)\n", "createsuperuser", "--username", "root", "--password", pw)
		clock := &apitest.Clock{}
		s := c.server(nil, app.Options{Now: clock.Now})
		s.Register(t, "alice", "alice@example.com", pw)
		alice, root := s.Login(t, "alice", pw), s.Login(t, "root", pw)
		s.Expect(t, "GET", "/auth/users/me/roles/", "", alice, 200, `{"roles":[]}`)

		c.expect("admin\n", "role", "list")
		c.expect("", "role", "create", "editor")
		c.expect("admin\neditor\n", "role", "list")
		c.fails(`error: {"name":["A role with that name already exists."]}`, "role", "create", "editor")
		c.fails(`error: {"name":["Enter a valid role name. This value may contain only letters, numbers, and _/./- characters."]}`, "role", "create", "no spaces")

		c.expect("grant: alice editor\n", "role", "grant", "alice", "editor")
		behindItsBack(db, clock)
		s.Eventually(t, "a grant from the CLI", "/auth/users/me/roles/", alice, `{"roles":["editor"]}`)
		c.expect("grant: alice editor\n", "role", "grant", "alice", "editor") // idempotent
		c.expect("revoke: alice editor\n", "role", "revoke", "alice", "editor")
		behindItsBack(db, clock)
		s.Eventually(t, "a revocation from the CLI", "/auth/users/me/roles/", alice, `{"roles":[]}`)

		c.fails("error: no such user or role", "role", "grant", "nobody", "editor")
		c.fails("error: no such user or role", "role", "grant", "alice", "ghost")
		c.fails("error: no such user or role", "role", "revoke", "alice", "ghost")
		c.fails("error: accepts 2 arg(s), received 1", "role", "grant", "alice")

		// The CLI is the repair path: it may take anyone's admin role, the last admin's included, which
		// the API refuses an admin for themself.
		s.Expect(t, "DELETE", "/auth/users/1/roles/admin/", "", root, 400, `{"non_field_errors":["You cannot revoke your own admin role."]}`)
		c.expect("revoke: root admin\n", "role", "revoke", "root", "admin")
		behindItsBack(db, clock)
		s.Eventually(t, "the admin role taken by the CLI", "/auth/users/me/roles/", root, `{"roles":[]}`)
		c.expect("grant: root admin\n", "role", "grant", "root", "admin")
		behindItsBack(db, clock)
		s.Eventually(t, "the admin role given back by the CLI", "/auth/users/me/roles/", root, `{"roles":["admin"]}`)
	})
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		c.expect("superuser \"root\" created (id 1)\n", "createsuperuser", "--username", "root", "--password", pw)
		clock := &apitest.Clock{}
		s := c.server(nil, app.Options{Now: clock.Now})
		s.Register(t, "alice", "alice@example.com", pw)
		key := s.Login(t, "alice", pw)
		s.Expect(t, "GET", "/auth/users/me/", "", key, 200, `{"email":"alice@example.com","id":2,"username":"alice"}`)

		// Deactivation revokes the tokens too, so the running server refuses the key it has cached.
		c.expect("deactivated: alice\n", "user", "deactivate", "alice")
		behindItsBack(db, clock)
		s.Eventually(t, "a deactivation from the CLI", "/auth/users/me/", key, `{"detail":"Invalid token."}`)
		s.Expect(t, "POST", "/auth/token/login/", `{"username":"alice","password":"`+pw+`"}`, "", 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
		c.expect("already inactive: alice\n", "user", "deactivate", "alice")

		c.expect("activated: alice\n", "user", "activate", "alice")
		s.Expect(t, "GET", "/auth/users/me/", "", key, 401, `{"detail":"Invalid token."}`) // old sessions stay revoked
		s.Login(t, "alice", pw)
		c.expect("already active: alice\n", "user", "activate", "alice")

		// The CLI is the repair path: it may deactivate an admin, even the last one, which the API refuses
		// an admin for themself.
		root := s.Login(t, "root", pw)
		s.Expect(t, "PATCH", "/auth/users/1/", `{"is_active":false}`, root, 400, `{"is_active":["You cannot deactivate your own account."]}`)
		c.expect("deactivated: root\n", "user", "deactivate", "root")
		c.expect("activated: root\n", "user", "activate", "root")
		s.Login(t, "root", pw)

		c.fails("error: no such user or role", "user", "deactivate", "nobody")
		c.fails("error: accepts 1 arg(s), received 0", "user", "activate")
	})
}

func TestMailStatus(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		url := db.NewURL(t)
		c := newCLI(t, url, nil)
		c.expect("pending\t0\nsent\t0\nfailed\t0\nskipped\t0\n", "mail", "status")

		// One mail delivered, one request for an unknown address skipped.
		mb := apitest.NewMailbox(t)
		settings := mb.Settings()
		settings["SEND_CONFIRMATION_EMAIL"] = "true"
		s := c.server(settings, app.Options{})
		s.Register(t, "alice", "alice@example.com", pw)
		s.Expect(t, "POST", "/auth/users/reset_password/", `{"email":"nobody@example.com"}`, "", 204, "")
		mb.WaitFor(t, "alice@example.com", 1)
		deadline := time.Now().Add(10 * time.Second)
		for st, err := outbox.Stats(context.Background(), s.App.DB); err != nil || st.Pending > 0; st, err = outbox.Stats(context.Background(), s.App.DB) {
			if err != nil || time.Now().After(deadline) {
				t.Fatalf("outbox %+v, %v: want nothing pending", st, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		s.Stop()
		c.expect("pending\t0\nsent\t1\nfailed\t0\nskipped\t1\n", "mail", "status")

		// A mail server that is down leaves a mail pending, and the status says since when.
		down := map[string]string{"SEND_CONFIRMATION_EMAIL": "true", "EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": "1", "EMAIL_SECURITY": "none", "EMAIL_TIMEOUT": "1s"}
		s = c.server(down, app.Options{MailBackoff: func(int) time.Duration { return time.Hour }})
		s.Register(t, "bob", "bob@example.com", pw)
		s.Stop()
		out := c.ok("mail", "status")
		if !regexp.MustCompile(`^pending\t1\nsent\t1\nfailed\t0\nskipped\t1\noldest pending since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`).MatchString(out) {
			t.Errorf("mail status with a mail pending:\n%s", out)
		}
	})
}

func TestJWTGenkey(t *testing.T) {
	t.Parallel()
	db := apitest.DBs(t)[0]
	for _, alg := range []string{"EdDSA", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, db.NewURL(t), nil)
			code, pem, errOut := c.run("jwt", "genkey", alg)
			if code != 0 || !strings.HasPrefix(pem, "-----BEGIN PRIVATE KEY-----\n") || !strings.HasPrefix(errOut, "kid ") {
				t.Fatalf("jwt genkey %s: exit %d\n%s\n%s", alg, code, pem, errOut)
			}
			kid := strings.TrimSuffix(strings.TrimPrefix(errOut, "kid "), "\n")
			// The key signs for a server configured with it, and the JWKS names it by the kid printed.
			file := filepath.Join(t.TempDir(), "key.pem")
			if err := os.WriteFile(file, []byte(pem), 0o600); err != nil {
				t.Fatal(err)
			}
			s := c.server(map[string]string{"JWT_ALGORITHM": alg, "JWT_PRIVATE_KEY_FILE": file}, app.Options{})
			_, body := s.Call(t, "GET", "/.well-known/jwks.json", "", "")
			var set struct{ Keys []map[string]string }
			if err := encjson.Unmarshal([]byte(body), &set); err != nil || len(set.Keys) != 1 || set.Keys[0]["kid"] != kid || set.Keys[0]["alg"] != alg {
				t.Fatalf("JWKS %s, want one %s key with kid %s", body, alg, kid)
			}
		})
	}
	c := newCLI(t, "sqlite:unused", nil)
	c.fails("error: jwt: HS256 signs with a shared secret, not a key pair: use at least 32 random bytes (openssl rand -base64 48)", "jwt", "genkey", "HS256")
	c.fails(`error: jwt: unknown algorithm "RS256": use EdDSA or ES256`, "jwt", "genkey", "RS256")
}

// TestServe starts the server as an operator does and stops it as a signal would.
func TestServe(t *testing.T) {
	t.Parallel()
	env := apitest.Environ(apitest.DBs(t)[0].NewURL(t), map[string]string{"ADDR": "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr apitest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env, strings.NewReader(""), new(strings.Builder), &stderr)
	}()

	listening := regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+) `)
	deadline := time.Now().Add(10 * time.Second)
	var addr []string
	for addr = listening.FindStringSubmatch(stderr.String()); addr == nil; addr = listening.FindStringSubmatch(stderr.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log its address:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := &apitest.Server{URL: "http://" + addr[1]}
	s.Expect(t, "GET", "/auth/users/me/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`)

	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stderr.String(), "msg=\"shutting down\"") {
			t.Fatalf("serve exited %d after its context ended:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}
