package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/audit"
)

// auditCmd prints the audit log, oldest of the selection first, as `tail` would, and with --follow keeps
// printing what is written after (by polling: the nodes that write it may be anywhere).
func auditCmd(withApp appRunner) *cobra.Command {
	var (
		q        audit.Query
		types    []string
		follow   bool
		asJSON   bool
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the audit log's latest security events, filtered; --follow keeps printing new ones",
		Long: "Print the latest --limit security events (README, \"Security events\") that match the filters, " +
			"oldest first, one a line: time, type, actor, subject, address, request id and detail. " +
			"--since and --until take RFC 3339 times or durations back from now (\"2h\"). " +
			"--json prints each event as a JSON object instead. --follow then polls for new events until interrupted.",
		Args: cobra.NoArgs,
		RunE: withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
			now := time.Now()
			q.Since, q.Until = agoOrTime(q.Since, now), agoOrTime(q.Until, now)
			q.Types = types
			f, err := audit.Parse(q)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			res, err := audit.List(ctx, a.DB, f)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			last := printEvents(out, res.Events, asJSON, 0)
			if !follow {
				return nil
			}
			f.Limit = audit.MaxLimit
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
				f.AfterID = last
				res, err := audit.List(ctx, a.DB, f)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				last = printEvents(out, res.Events, asJSON, last)
			}
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&q.User, "user", "", "a user id: events whose actor or subject is that user")
	fl.StringSliceVar(&types, "type", nil, "event types (repeat, or a comma-separated list)")
	fl.StringVar(&q.Since, "since", "", "events at or after this time (RFC 3339, or a duration ago: 24h)")
	fl.StringVar(&q.Until, "until", "", "events at or before this time (RFC 3339, or a duration ago)")
	fl.StringVar(&q.IP, "ip", "", "the client address")
	fl.StringVar(&q.Limit, "limit", strconv.Itoa(audit.DefaultLimit), "how many of the latest events to print (at most 200)")
	fl.BoolVar(&follow, "follow", false, "keep printing new events")
	fl.BoolVar(&asJSON, "json", false, "print JSON lines")
	fl.DurationVar(&interval, "interval", time.Second, "how often --follow polls")
	return cmd
}

// agoOrTime turns a duration ("2h") into the RFC 3339 time that long before now; anything else is left
// for audit.Parse to judge.
func agoOrTime(s string, now time.Time) string {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d).UTC().Format(time.RFC3339Nano)
	}
	return s
}

// printEvents prints events (newest first, as read) oldest first and returns the highest id printed,
// or last when there were none.
func printEvents(w io.Writer, events []audit.Event, asJSON bool, last int) int {
	events = slices.Clone(events)
	slices.Reverse(events)
	for _, e := range events {
		last = max(last, e.ID)
		detail, _ := json.Marshal(e.Detail)
		if e.Detail == nil {
			detail = []byte("{}")
		}
		if asJSON {
			b, _ := json.Marshal(map[string]any{"id": e.ID, "time": e.Time.Format(time.RFC3339Nano), "type": e.Type,
				"actor": e.ActorID, "subject": e.SubjectID, "ip": e.IP, "user_agent": e.UserAgent,
				"request_id": e.RequestID, "detail": json.RawMessage(detail)})
			fmt.Fprintln(w, string(b))
			continue
		}
		fmt.Fprintf(w, "%s\t%s\tactor=%s\tsubject=%s\tip=%s\treq=%s\t%s\n", e.Time.Format(time.RFC3339Nano), e.Type,
			idOrDash(e.ActorID), idOrDash(e.SubjectID), orDash(e.IP), orDash(e.RequestID), detail)
	}
	return last
}

func idOrDash(id *int) string {
	if id == nil {
		return "-"
	}
	return strconv.Itoa(*id)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
