package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/webhook"
)

// troubledShown is how many deliveries that failed at least once `outbox status` lists.
const troubledShown = 20

// outboxCmd inspects the outbox; "mail" is its name from before webhooks went through it too.
func outboxCmd(withApp appRunner) *cobra.Command {
	cmd := &cobra.Command{Use: "outbox", Aliases: []string{"mail"}, Short: "Inspect the outbox of mail and webhook deliveries"}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Count mails and webhook deliveries by state; list webhook deliveries that failed",
		Long: "Count outbox mails by state (pending, sent, failed, skipped) and, when webhooks are on or " +
			"were, webhook deliveries by state (webhook_pending, webhook_sent, webhook_failed), then list the " +
			"latest webhook deliveries that failed at least once: id, webhook-id, state, event type, " +
			"attempts, endpoint (scheme and host only) and last error.",
		Args: cobra.NoArgs,
		RunE: withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
			ctx, w := cmd.Context(), cmd.OutOrStdout()
			st, err := outbox.Stats(ctx, a.DB)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "pending\t%d\nsent\t%d\nfailed\t%d\nskipped\t%d\n", st.Pending, st.Sent, st.Failed, st.Skipped)
			if st.OldestPending != nil {
				fmt.Fprintf(w, "oldest pending since %s\n", st.OldestPending.UTC().Format(time.RFC3339))
			}
			wh, err := outbox.ChannelStats(ctx, a.DB, outbox.Webhooks)
			if err != nil {
				return err
			}
			if !a.Webhooks.Enabled() && wh.Pending+wh.Sent+wh.Failed == 0 {
				return nil // webhooks have never been used: nothing to say
			}
			fmt.Fprintf(w, "webhook_pending\t%d\nwebhook_sent\t%d\nwebhook_failed\t%d\n", wh.Pending, wh.Sent, wh.Failed)
			if wh.OldestPending != nil {
				fmt.Fprintf(w, "oldest pending webhook since %s\n", wh.OldestPending.UTC().Format(time.RFC3339))
			}
			troubled, err := webhook.Troubled(ctx, a.DB, troubledShown)
			if err != nil {
				return err
			}
			for _, d := range troubled {
				fmt.Fprintf(w, "webhook %d\t%s\t%s\t%s\tattempts %d\t%s\t%s\n",
					d.ID, d.EventID, d.Status, d.Type, d.Attempts, a.Webhooks.Describe(d.EndpointKey), d.LastError)
			}
			return nil
		}),
	})
	return cmd
}
