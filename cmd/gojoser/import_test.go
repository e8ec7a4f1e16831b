package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/djangoimport/djangotest"
)

// summaryRow returns the counts the summary prints for what ("users", "roles", ...): created, updated,
// skipped, conflicting, removed.
func summaryRow(out, what string) []string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 6 && strings.Join(f[:len(f)-5], " ") == what {
			return f[len(f)-5:]
		}
	}
	return nil
}

// The command as an operator runs it: a dry run, the import, and a rerun, each printing its summary.
// internal/djangoimport tests what an import does; this tests the command line around it.
func TestImportDjangoCommand(t *testing.T) {
	djangotest.Require(t)
	from := apitest.DBs(t)[0].NewURL(t)
	m := djangotest.Make(t, from)
	n := strconv.Itoa(len(m.Users))
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := newCLI(t, db.NewURL(t), nil)
		c.fails("error: --from is required: the Django database URL (postgres://... or sqlite:/path/db.sqlite3)", "import", "django")
		c.fails(`error: --map "nickname=nick": gojoser's user has no field "nickname" (fields: id, username, password, email, `+
			`is_active, date_joined, last_login, is_staff, is_superuser)`, "import", "django", "--from", from, "--map", "nickname=nick")

		for _, run := range []struct {
			args         []string
			header       string
			users, roles []string
		}{
			// Not migrated yet: the dry run would create the admin role too.
			{[]string{"--dry-run"}, "dry run of an import from " + from, []string{n, "0", "0", "0", "0"}, []string{"2", "0", "0", "1", "0"}},
			{[]string{"--role-map", "Content Editors=content-editors"}, "importing from " + from,
				[]string{n, "0", "0", "0", "0"}, []string{"2", "0", "1", "0", "0"}},
			{[]string{"--role-map", "Content Editors=content-editors"}, "importing from " + from,
				[]string{"0", "0", n, "0", "0"}, []string{"0", "0", "3", "0", "0"}},
		} {
			out := c.ok(append([]string{"import", "django", "--from", from}, run.args...)...)
			if !strings.HasPrefix(out, run.header) || !slices.Equal(summaryRow(out, "users"), run.users) ||
				!slices.Equal(summaryRow(out, "roles"), run.roles) {
				t.Errorf("gojoser import django %s: want %q, users %v, roles %v in\n%s", strings.Join(run.args, " "),
					run.header, run.users, run.roles, out)
			}
		}
		c.expect("admin\ncontent-editors\neditors\n", "role", "list")
	})
}
