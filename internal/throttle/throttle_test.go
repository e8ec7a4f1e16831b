package throttle_test

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/reqinfo"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/throttle"
)

// The limiter straight on each database: the arithmetic of its buckets, their atomicity under
// concurrent requests, and the operator's view. Over HTTP, see internal/httpapi's throttle tests.

func newLimiter(t *testing.T, db apitest.DB, rates string) (*throttle.Limiter, *apitest.StillClock) {
	l, c, _ := newLimiterOn(t, db, rates)
	return l, c
}

func newLimiterOn(t *testing.T, db apitest.DB, rates string) (*throttle.Limiter, *apitest.StillClock, *ent.Client) {
	t.Helper()
	url := db.NewURL(t)
	if _, err := store.Migrate(context.Background(), url, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	client, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	r, err := throttle.ParseRates(rates)
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.NewStillClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	l := throttle.New(client, throttle.Options{
		Postgres: db.Name == "postgres", Secret: []byte("k"), Rates: r, Now: c.Now, Log: slog.New(slog.DiscardHandler),
	})
	return l, c, client
}

func from(ip string) context.Context {
	return reqinfo.NewContext(context.Background(), reqinfo.Info{IP: netip.MustParseAddr(ip)})
}

// wait is the Retry-After of err, or 0 when it let the request through.
func wait(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var e *drf.Error
	if !errors.As(err, &e) || e.Kind != drf.Throttled {
		t.Fatalf("want Throttled, got %v", err)
	}
	return e.Wait
}

func TestBucketAtItsBoundary(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		l, c := newLimiter(t, db, "signup_ip=3/m")
		ctx := from("192.0.2.1")
		for i := range 3 {
			if err := l.Take(ctx, "", throttle.SignupIP); err != nil {
				t.Fatalf("request %d of 3: %v", i+1, err)
			}
		}
		// 3/m: three at once, then one a minute; the wait counts down with the clock.
		for _, step := range []struct {
			want    int
			advance time.Duration
		}{{60, 45 * time.Second}, {15, 14 * time.Second}, {1, 500 * time.Millisecond}, {1, 500 * time.Millisecond}} {
			if got := wait(t, l.Take(ctx, "", throttle.SignupIP)); got != step.want {
				t.Fatalf("wait %d, want %d", got, step.want)
			}
			c.Add(step.advance)
		}
		if err := l.Take(ctx, "", throttle.SignupIP); err != nil {
			t.Fatalf("after the interval: %v", err)
		}
		if got := wait(t, l.Take(ctx, "", throttle.SignupIP)); got != 60 {
			t.Fatalf("wait %d, want 60", got)
		}
		// Another client has its own bucket; an IPv6 client shares one with its /64.
		if err := l.Take(from("192.0.2.2"), "", throttle.SignupIP); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := l.Take(from("2001:db8:1:2::"+string(rune('a'+i))), "", throttle.SignupIP); err != nil {
				t.Fatal(err)
			}
		}
		if wait(t, l.Take(from("2001:db8:1:2:ffff::1"), "", throttle.SignupIP)) == 0 {
			t.Fatal("a fourth address of the same /64 passed")
		}
		if err := l.Take(from("2001:db8:1:3::1"), "", throttle.SignupIP); err != nil {
			t.Fatal("the next /64 is another client:", err)
		}
	})
}

// TestRefusedRequestsTakeNothing: a request refused by one limit is not counted by the others, so a
// client stopped by its own IP limit cannot spend the budget of the address it names.
func TestRefusedRequestsTakeNothing(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		l, _ := newLimiter(t, db, "reset_ip=2/m,reset_address=3/m")
		attacker := from("198.51.100.7")
		for range 2 {
			if err := l.Take(attacker, "Victim@example.com", throttle.ResetIP, throttle.ResetAddress); err != nil {
				t.Fatal(err)
			}
		}
		for range 5 {
			if wait(t, l.Take(attacker, "victim@example.com", throttle.ResetIP, throttle.ResetAddress)) == 0 {
				t.Fatal("past reset_ip")
			}
		}
		// One unit of the address is left for everyone else, however often the attacker tried.
		if err := l.Take(from("192.0.2.9"), "victim@example.com", throttle.ResetIP, throttle.ResetAddress); err != nil {
			t.Fatal(err)
		}
		if wait(t, l.Take(from("192.0.2.10"), "VICTIM@example.com ", throttle.ResetIP, throttle.ResetAddress)) != 60 {
			t.Fatal("the address's bucket is not shared between clients and letter cases")
		}
	})
}

// TestConcurrentRequestsNeverTakeMoreThanThereIs: many requests at once, as from one attacker with
// many connections, or from two nodes: exactly the burst passes (6 of 10/h).
func TestConcurrentRequestsNeverTakeMoreThanThereIs(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		l, _ := newLimiter(t, db, "signup_ip=10/h")
		ctx := from("203.0.113.5")
		var passed atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				err := l.Take(ctx, "", throttle.SignupIP)
				if err == nil {
					passed.Add(1)
				} else if wait(t, err) == 0 {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := passed.Load(); got != 6 {
			t.Fatalf("%d of 40 concurrent requests passed a burst of 6", got)
		}
	})
}

// TestNoPeriodHoldsMoreThanN: whatever the pattern of requests, no period lets more than N through,
// as DRF's sliding window, while a client within the rate is never refused.
func TestNoPeriodHoldsMoreThanN(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		for _, c := range []struct {
			rate  string
			n     int
			every []time.Duration // gaps between requests, cycled
		}{
			{"10/m", 10, []time.Duration{time.Second}},
			{"10/m", 10, []time.Duration{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 59 * time.Second}},
			{"10/m", 10, []time.Duration{6 * time.Second}},
			{"5/m", 5, []time.Duration{200 * time.Millisecond, 29 * time.Second}},
			{"3/h", 3, []time.Duration{time.Minute}},
			{"1/m", 1, []time.Duration{7 * time.Second}},
		} {
			l, c2 := newLimiter(t, db, "reset_ip="+c.rate)
			ctx := from("192.0.2.77")
			var passed []time.Time
			period := map[string]time.Duration{"m": time.Minute, "h": time.Hour}[c.rate[len(c.rate)-1:]]
			for i := range 200 {
				if l.Take(ctx, "", throttle.ResetIP) == nil {
					passed = append(passed, c2.Now())
				}
				c2.Add(c.every[i%len(c.every)])
			}
			for i := range passed {
				j := i
				for j < len(passed) && passed[j].Sub(passed[i]) < period {
					j++
				}
				if j-i > c.n {
					t.Fatalf("%s with gaps %v: %d requests within %s from %s", c.rate, c.every, j-i, period, passed[i])
				}
			}
			if len(passed) == 0 {
				t.Fatalf("%s: nothing passed", c.rate)
			}
		}
		// A client that keeps to N/2 a period is never refused.
		l, c := newLimiter(t, db, "reset_ip=10/m")
		for range 50 {
			if err := l.Take(from("192.0.2.78"), "", throttle.ResetIP); err != nil {
				t.Fatal(err)
			}
			c.Add(12 * time.Second)
		}
	})
}

// TestLoginBackoff: past login_account's burst each failure doubles the wait, up to a day; a success
// clears it, and login_account_all caps every IP together.
func TestLoginBackoff(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		l, c, client := newLimiterOn(t, db, "login_account=3/3m,login_ip=1000/m,login_request_ip=1000/m")
		ctx := from("192.0.2.50")
		fail := func() int {
			t.Helper()
			a, err := l.Login(ctx, "alice")
			if err != nil {
				return wait(t, err)
			}
			if err := a.Failed(ctx); err != nil {
				t.Fatal(err)
			}
			return 0
		}
		for range 3 {
			if w := fail(); w != 0 {
				t.Fatalf("within the burst: wait %d", w)
			}
		}
		for _, want := range []time.Duration{3 * time.Minute, 6 * time.Minute, 12 * time.Minute, 24 * time.Minute} {
			if got := fail(); got != int(want/time.Second) {
				t.Fatalf("wait %ds, want %s", got, want)
			}
			c.Add(want - time.Second)
			if got := fail(); got != 1 {
				t.Fatalf("a second before: wait %ds, want 1", got)
			}
			c.Add(time.Second)
			if got := fail(); got != 0 {
				t.Fatalf("after %s: still throttled for %ds", want, got)
			}
		}
		for range 12 {
			c.Add(time.Duration(fail()) * time.Second)
			fail()
		}
		if got := fail(); got != 24*3600 {
			t.Fatalf("the wait grows past a day: %ds", got)
		}
		// Another IP is not locked out of the account.
		if _, err := l.Login(from("192.0.2.51"), "alice"); err != nil {
			t.Fatal(err)
		}
		// A password reset clears the account's counters, from every IP.
		if err := l.ClearAccount(context.Background(), client, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Login(ctx, "alice"); err != nil {
			t.Fatal("after the reset:", err)
		}
	})
}

// TestFullCountersAreRememberedBriefly: a node answers a flood on a full counter from memory, and so
// sees a clear made elsewhere (another node, the CLI) only when it asks the database again, within a
// second; its own clears it sees at once.
func TestFullCountersAreRememberedBriefly(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		url := db.NewURL(t)
		clock := apitest.NewStillClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
		node := func() (*throttle.Limiter, *ent.Client) {
			if _, err := store.Migrate(context.Background(), url, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			client, err := store.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { client.Close() })
			r, _ := throttle.ParseRates("login_account=2/h")
			return throttle.New(client, throttle.Options{Postgres: db.Name == "postgres", Secret: []byte("k"), Rates: r,
				Now: clock.Now, Log: slog.New(slog.DiscardHandler)}), client
		}
		a, aDB := node()
		b, _ := node()
		ctx := from("192.0.2.60")
		for range 2 {
			attempt, err := a.Login(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			attempt.Failed(ctx)
		}
		if wait(t, loginErr(a.Login(ctx, "alice"))) != 3600 {
			t.Fatal("not full")
		}
		// Cleared on node b: a still answers from memory, for at most a second.
		if _, err := b.Clear(context.Background(), throttle.Subject{Account: "alice"}); err != nil {
			t.Fatal(err)
		}
		if wait(t, loginErr(a.Login(ctx, "alice"))) != 3600 {
			t.Fatal("node a asked the database within the second")
		}
		clock.Add(time.Second)
		if _, err := a.Login(ctx, "alice"); err != nil {
			t.Fatal("a second later:", err)
		}
		// Cleared on node a itself: seen at once.
		attempt, _ := a.Login(ctx, "alice")
		attempt.Failed(ctx)
		if wait(t, loginErr(a.Login(ctx, "alice"))) == 0 {
			t.Fatal("not full again")
		}
		if err := a.ClearAccount(context.Background(), aDB, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Login(ctx, "alice"); err != nil {
			t.Fatal("after its own clear:", err)
		}
	})
}

func loginErr(_ *throttle.Attempt, err error) error { return err }
