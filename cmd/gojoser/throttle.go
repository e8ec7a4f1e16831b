package main

import (
	"errors"
	"fmt"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/throttle"
)

// throttleCmd shows and clears abuse-protection counters: what an operator needs when a user is locked
// out, or an address behind which many users share one IP keeps hitting a limit.
func throttleCmd(withApp appRunner) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "throttle",
		Short: "Show or clear the throttling counters of an account or a client IP",
		Long: "Show or clear the throttling counters of an account (by username: its failed logins, and its " +
			"address's and uid's requests and mails) or of a client IP (an IPv6 client is its /64).",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status <username|ip>",
		Short: "List the counters: how many requests would pass now, or how long until one does",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
			s, err := throttleSubject(cmd, a, args[0])
			if err != nil {
				return err
			}
			counters, err := a.Limiter.Status(cmd.Context(), s)
			if err != nil {
				return err
			}
			if len(counters) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no counters: every limit is untouched")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "LIMIT\tRATE\tSTATE\tSTREAK\tREFUSED\tKEY")
			for _, c := range counters {
				state := fmt.Sprintf("%d left", c.Left)
				if c.Wait > 0 {
					state = "blocked for " + c.Wait.Round(time.Second).String()
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\n", c.Limit, c.Rate, state, c.Streak, c.Denied, c.Key)
			}
			return w.Flush()
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "clear <username|ip>",
		Short: "Delete the counters, lifting every limit on them (a running server may refuse for a second more)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
			s, err := throttleSubject(cmd, a, args[0])
			if err != nil {
				return err
			}
			n, err := a.Limiter.Clear(cmd.Context(), s)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cleared %d counter(s)\n", n)
			return nil
		}),
	})
	return cmd
}

// throttleSubject reads the argument as an IP address (or an IPv6 prefix such as a log's /64), and
// otherwise as a username.
func throttleSubject(cmd *cobra.Command, a *app.App, arg string) (throttle.Subject, error) {
	if a.Limiter == nil {
		return throttle.Subject{}, errors.New("throttling is off (GOJOSER_THROTTLE=false): there are no counters")
	}
	if ip, err := netip.ParseAddr(arg); err == nil {
		return throttle.Subject{IP: ip.WithZone("").Unmap()}, nil
	}
	if p, err := netip.ParsePrefix(arg); err == nil {
		return throttle.Subject{IP: p.Addr()}, nil
	}
	return a.Users.ThrottleSubject(cmd.Context(), arg)
}
