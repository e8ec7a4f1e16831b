package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gojoser/gojoser/internal/app"
)

// cleanupCmd runs the retention job now, as the serving nodes do every GOJOSER_CLEANUP_INTERVAL: for a
// cron job when the interval is 0, or to clear a backlog. On PostgreSQL it waits for a node that is
// running it to finish.
func cleanupCmd(withApp appRunner) *cobra.Command {
	return &cobra.Command{
		Use:   "cleanup",
		Short: "Delete expired tokens and refresh tokens, and old outbox mail and webhook deliveries, now; print what was deleted",
		Long: "Delete tokens and refresh tokens that expired more than an hour ago, and outbox mail and webhook deliveries that were " +
			"sent, failed for good or skipped more than GOJOSER_MAIL_RETENTION ago, in batches, and print " +
			"how many rows of each went. Serving nodes do the same every GOJOSER_CLEANUP_INTERVAL, one at a time.",
		Args: cobra.NoArgs,
		RunE: withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
			counts, err := a.Retention.Cleanup(cmd.Context())
			for _, c := range counts {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d\n", c.Rule, c.Deleted)
			}
			return err
		}),
	}
}
