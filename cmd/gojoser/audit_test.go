package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestAuditCLI reads the audit log with `gojoser audit`: a role granted from the command line is there
// with no actor and via "cli", filters select, and a bad filter is the API's field error.
func TestAuditCLI(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		s := c.server(nil, app.Options{})
		alice := s.Register(t, "alice", "alice@example.com", pw)
		s.Login(t, "alice", pw)
		c.ok("role", "create", "editor")
		c.ok("role", "grant", "alice", "editor")

		out := c.ok("audit", "--json", "--type", "role.granted")
		var e struct {
			Type    string         `json:"type"`
			Actor   *int           `json:"actor"`
			Subject *int           `json:"subject"`
			Detail  map[string]any `json:"detail"`
		}
		if err := json.Unmarshal([]byte(out), &e); err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		if e.Type != "role.granted" || e.Actor != nil || e.Subject == nil || *e.Subject != alice || e.Detail["via"] != "cli" || e.Detail["role"] != "editor" {
			t.Errorf("role.granted from the CLI: %+v", e)
		}
		// alice's events, oldest first: registration, login, the grant.
		lines := strings.Split(strings.TrimSpace(c.ok("audit", "--user", fmt.Sprint(alice))), "\n")
		if len(lines) != 3 || !strings.Contains(lines[0], "\tuser.registered\t") || !strings.Contains(lines[2], "\trole.granted\t") {
			t.Errorf("gojoser audit --user: %q", lines)
		}
		if got := c.ok("audit", "--limit", "1", "--type", "login.succeeded,user.registered"); strings.Count(got, "\n") != 1 || !strings.Contains(got, "login.succeeded") {
			t.Errorf("--limit 1: %q", got)
		}
		c.expect("", "audit", "--since", "-1h") // an hour from now: nothing yet
		c.fails(`error: {"ip":["Enter a valid IPv4 or IPv6 address."]}`, "audit", "--ip", "nowhere")
	})
}
