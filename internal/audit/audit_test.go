package audit_test

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/reqinfo"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/viewer"
)

func open(t *testing.T, db apitest.DB) *ent.Client {
	t.Helper()
	url := db.NewURL(t)
	if _, err := store.Migrate(context.Background(), url, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	c, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The Sink sees each event in the transaction that writes it: when it fails, neither the event nor the
// change it records commits. Events of the batch writer reach it too.
func TestSink(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		c := open(t, db)
		ctx := reqinfo.NewContext(context.Background(), reqinfo.Info{IP: netip.MustParseAddr("192.0.2.7"), UserAgent: "ua", RequestID: "req-1"})
		ctx = viewer.NewContext(ctx, &viewer.Viewer{UserID: 7})
		r := audit.New(c, audit.Options{Flush: 10 * time.Millisecond})
		var seen []audit.Event
		refuse := false
		r.Sink = func(ctx context.Context, db *ent.Client, events []audit.Event) error {
			if refuse {
				return errors.New("receiver down")
			}
			seen = append(seen, events...)
			return nil
		}
		write := func() error {
			return store.WithTx(ctx, c, func(tx *ent.Tx) error {
				if err := tx.Role.Create().SetName("r" + time.Now().Format("150405.000000")).Exec(ctx); err != nil {
					return err
				}
				return r.Record(ctx, tx.Client(), audit.Event{Type: audit.RoleGranted, SubjectID: audit.User(9)})
			})
		}
		if err := write(); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0].ID == 0 || *seen[0].ActorID != 7 || seen[0].IP != "192.0.2.7" || seen[0].RequestID != "req-1" || seen[0].UserAgent != "ua" {
			t.Fatalf("the sink saw %+v", seen)
		}
		roles, _ := c.Role.Query().Count(ctx)
		refuse = true
		if err := write(); err == nil {
			t.Fatal("a refusing sink did not fail the transaction")
		}
		if n, _ := c.Role.Query().Count(ctx); n != roles {
			t.Error("the change committed without its event")
		}
		if n, _ := c.AuditEvent.Query().Count(ctx); n != 1 {
			t.Errorf("%d events stored, want 1", n)
		}
		// The batch writer: queued events are written and seen by the sink, in one batch.
		refuse = false
		run, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Run(run); close(done) }()
		for range 3 {
			r.Later(ctx, audit.Event{Type: audit.LoginFailed, Detail: map[string]any{"reason": audit.ReasonBadCredentials}})
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			if n, _ := c.AuditEvent.Query().Count(ctx); n == 4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("queued events never written")
			}
			time.Sleep(5 * time.Millisecond)
		}
		stop()
		<-done
		if len(seen) != 4 {
			t.Errorf("the sink saw %d events, want 4", len(seen))
		}
	})
}

// A full queue drops events and counts them; it never waits.
func TestLaterDropsWhenFull(t *testing.T) {
	t.Parallel()
	c := open(t, apitest.DBs(t)[0])
	var dropped atomic.Int32
	r := audit.New(c, audit.Options{Queue: 2, Dropped: func() { dropped.Add(1) }})
	for range 5 {
		r.Later(context.Background(), audit.Event{Type: audit.ThrottleTriggered})
	}
	if dropped.Load() != 3 {
		t.Errorf("%d dropped, want 3", dropped.Load())
	}
	r.Flush(context.Background())
	if n, _ := c.AuditEvent.Query().Count(context.Background()); n != 2 {
		t.Errorf("%d written, want 2", n)
	}
}

func TestTruncateAndDevice(t *testing.T) {
	t.Parallel()
	if got := audit.Truncate("héllo", 2); got != "h" {
		t.Errorf("Truncate cut a character: %q", got)
	}
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36":               "Chrome on Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/604.1": "Safari on iOS",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                    "Firefox on Linux",
		"curl/8.5.0": "curl",
		"":           "",
	} {
		if got := audit.Device(ua); got != want {
			t.Errorf("Device(%q) = %q, want %q", ua, got, want)
		}
	}
}
