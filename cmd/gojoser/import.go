package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gojoser/gojoser/internal/djangoimport"
	"github.com/gojoser/gojoser/internal/store/dburl"
)

func importCmd(env map[string]string, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Bring accounts over from another system"}
	var o djangoimport.Options
	var maps, roleMaps []string
	django := &cobra.Command{
		Use:   "django --from URL",
		Short: "Import users, password hashes, staff, groups, DRF tokens and SimpleJWT refresh tokens from a Django database",
		Long: `Import a Django + Djoser deployment's accounts into the gojoser database (GOJOSER_DATABASE_URL).

--from is the Django database: postgres://user:pass@host/db or sqlite:/path/to/db.sqlite3. It is only read.
User ids are kept; passwords keep working (Django's hashes are verified and replaced by argon2id at the
first login); is_staff and is_superuser give the admin role; groups become roles; DRF token keys and
SimpleJWT refresh tokens keep working, blacklisted ones stay refused.

The run is one transaction: all or nothing. Run it again at any time: it is idempotent and takes what
changed in Django since, without undoing what changed in gojoser. --dry-run writes nothing and lists
what an import would do, with every conflict. README, "Moving from Django + Djoser", has the details.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.From == "" {
				return errors.New("--from is required: the Django database URL (postgres://... or sqlite:/path/db.sqlite3)")
			}
			cfg, log, flush, err := loadConfig(env, stderr)
			if err != nil {
				return err
			}
			defer flush()
			if o.Map, err = djangoimport.ParseMapping(maps); err != nil {
				return err
			}
			o.RoleMap = map[string]string{}
			for _, m := range roleMaps {
				group, role, ok := strings.Cut(m, "=")
				if !ok || group == "" || role == "" {
					return fmt.Errorf("--role-map %q: want 'Django group=role'", m)
				}
				o.RoleMap[group] = role
			}
			o.Legacy = cfg.LegacyHashers
			o.Argon2 = cfg.PasswordParams()
			o.Log = log
			o.Report = cmd.OutOrStdout()
			if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				o.Progress = stderr
			}
			mode := "importing"
			if o.DryRun {
				mode = "dry run of an import"
			}
			fmt.Fprintf(o.Report, "%s from %s into %s\n", mode, dburl.Redact(o.From), dburl.Redact(cfg.DatabaseURL))
			_, err = djangoimport.Run(cmd.Context(), cfg.DatabaseURL, o)
			return err
		},
	}
	f := django.Flags()
	f.StringVar(&o.From, "from", "", "Django database URL: postgres://... or sqlite:/path/db.sqlite3 (required)")
	f.BoolVar(&o.DryRun, "dry-run", false, "report what would be imported and every conflict; write nothing")
	f.StringVar(&o.UserTable, "user-table", "auth_user", "the user model's table, for a custom user model")
	f.StringArrayVar(&maps, "map", nil, "field=column: which column fills a gojoser user field (repeatable; fields: "+
		"id, username, password, email, is_active, date_joined, last_login, is_staff, is_superuser)")
	f.StringVar(&o.GroupsTable, "groups-table", "", "the user model's groups table (default <user-table>_groups)")
	f.StringArrayVar(&roleMaps, "role-map", nil, "'Django group=role': the role a group becomes (repeatable)")
	f.IntVar(&o.BatchSize, "batch-size", 5000, "users read and written at a time")
	cmd.AddCommand(django)
	return cmd
}
