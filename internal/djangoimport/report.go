package djangoimport

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// report writes what a run finds, line by line as it finds it, then the summary. It never writes a
// password hash, token key or refresh token: only ids, usernames and counts.
type report struct {
	mu sync.Mutex
	w  io.Writer
}

func newReport(w io.Writer) *report { return &report{w: w} }

func (r *report) line(kind, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "%-9s %s\n", kind, fmt.Sprintf(format, args...))
}

func (r *report) conflict(format string, args ...any) { r.line("conflict", format, args...) }
func (r *report) warn(format string, args ...any)     { r.line("warning", format, args...) }
func (r *report) note(format string, args ...any)     { r.line("note", format, args...) }

func (r *report) summary(s *Summary, opts Options) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if opts.DryRun {
		fmt.Fprintln(r.w, "\nDry run: nothing was written. The counts say what an import would do now.")
	} else {
		fmt.Fprintln(r.w, "\nImported in one transaction.")
	}
	tw := tabwriter.NewWriter(r.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tcreated\tupdated\tskipped\tconflicting\tremoved\t")
	for _, row := range []struct {
		name string
		c    Counts
	}{{"users", s.Users}, {"roles", s.Roles}, {"tokens", s.Tokens}, {"refresh tokens", s.RefreshTokens}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", row.name, row.c.Created, row.c.Updated, row.c.Skipped, row.c.Conflicting, row.c.Removed)
	}
	tw.Flush()
	if len(s.Hashes) > 0 {
		var parts []string
		for _, alg := range slices.Sorted(maps.Keys(s.Hashes)) {
			parts = append(parts, fmt.Sprintf("%s %d", alg, s.Hashes[alg]))
		}
		fmt.Fprintf(r.w, "password hashes written: %s\n", strings.Join(parts, ", "))
	}
	if s.Unverifiable > 0 {
		fmt.Fprintf(r.w, "%d users have a hash gojoser cannot verify (see the warnings above)\n", s.Unverifiable)
	}
	if s.Missing > 0 {
		fmt.Fprintf(r.w, "%d users imported earlier are no longer in Django; they were kept\n", s.Missing)
	}
	if s.Slowest != "" {
		fmt.Fprintf(r.w, "slowest imported hash: %s, a failed check takes %s here; failed logins take at least that long "+
			"until no imported hash is left\n", s.Slowest, s.Floor.Round(time.Millisecond))
	}
}

// progress shows a line on a terminal, redrawn at most a few times a second.
type progress struct {
	w     io.Writer
	what  string
	total int
	n     int
	start time.Time
	last  time.Time
	now   func() time.Time
}

func newProgress(w io.Writer, what string, total int, now func() time.Time) *progress {
	return &progress{w: w, what: what, total: total, start: now(), now: now}
}

func (p *progress) add(n int) {
	p.n += n
	if p.w == nil {
		return
	}
	if t := p.now(); t.Sub(p.last) >= 200*time.Millisecond || p.n == p.total {
		p.last = t
		p.draw(t)
	}
}

func (p *progress) draw(t time.Time) {
	rate := float64(p.n) / max(t.Sub(p.start).Seconds(), 0.001)
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.n) / float64(p.total)
	}
	fmt.Fprintf(p.w, "\r%s %d/%d (%.0f%%), %.0f/s   ", p.what, p.n, p.total, pct, rate)
}

func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.draw(p.now())
	fmt.Fprintln(p.w)
}
