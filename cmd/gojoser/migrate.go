package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gojoser/gojoser/internal/store"
)

// migrateCmd applies the pending schema migrations, or with "status" lists them; neither needs the rest
// of the application.
func migrateCmd(env map[string]string, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending schema migrations (serve applies them too, under a lock)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, flush, err := loadConfig(env, stderr)
			if err != nil {
				return err
			}
			defer flush()
			applied, err := store.Migrate(cmd.Context(), cfg.DatabaseURL, log)
			for _, m := range applied {
				fmt.Fprintf(cmd.OutOrStdout(), "applied %s %s\n", m.Version, m.Description)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "database is up to date")
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List the migrations: applied, baseline, pending, or unknown to this build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, flush, err := loadConfig(env, stderr)
			if err != nil {
				return err
			}
			defer flush()
			ms, err := store.Status(cmd.Context(), cfg.DatabaseURL)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tSTATE\tAPPLIED AT\tDESCRIPTION")
			pending := 0
			for _, m := range ms {
				at := "-"
				if !m.At.IsZero() {
					at = m.At.UTC().Format(time.RFC3339)
				}
				if m.State == store.StatePending || m.State == store.StateAdopt {
					pending++
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Version, m.State, at, m.Description)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d pending\n", pending)
			return nil
		},
	})
	return cmd
}

// loadConfig reads the configuration and builds the logger, warning about unknown GOJOSER_* variables as
// every command does.
