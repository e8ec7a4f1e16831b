package throttle

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rate
		err  string
	}{
		{in: "10/m", want: Rate{10, time.Minute}},
		{in: "5/15m", want: Rate{5, 15 * time.Minute}},
		{in: "100/day", want: Rate{100, 24 * time.Hour}},
		{in: " 3/h ", want: Rate{3, time.Hour}},
		{in: "1/second", want: Rate{1, time.Second}},
		{in: "1000000/s", want: Rate{1000000, time.Second}},
		{in: "10", err: "want N/period"},
		{in: "0/m", err: "N at least 1"},
		{in: "-1/m", err: "N at least 1"},
		{in: "x/m", err: "want N/period"},
		{in: "10/", err: "needs a unit"},
		{in: "10/15", err: "needs a unit"},
		{in: "10/0m", err: "multiplier"},
		{in: "10/w", err: "unknown period unit"},
		{in: "10/400d", err: "longer than a year"},
		{in: "10/99999999999999999d", err: "longer than a year"},
		{in: "10/999999999999999999999d", err: "multiplier"},
		{in: "2000000/s", err: "per microsecond"},
	} {
		got, err := ParseRate(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
		if again, err := ParseRate(got.String()); err != nil || again != got {
			t.Errorf("%q: String() %q does not read back: %v", c.in, got.String(), err)
		}
	}
}

func TestParseRates(t *testing.T) {
	r, err := ParseRates("login_ip=20/m, mail_address=5/2h,")
	if err != nil {
		t.Fatal(err)
	}
	if r[LoginIP] != (Rate{20, time.Minute}) || r[MailAddress] != (Rate{5, 2 * time.Hour}) || r[LoginAccount] != (Rate{5, 5 * time.Minute}) {
		t.Fatalf("got %v", r)
	}
	if len(r) != len(limits) {
		t.Fatalf("%d rates for %d limits", len(r), len(limits))
	}
	for _, bad := range []string{"login=10/m", "login_ip", "login_ip=fast"} {
		if _, err := ParseRates(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestBucketShapes: the depth and refill of each default bucket, as README states them.
func TestBucketShapes(t *testing.T) {
	for _, c := range []struct {
		rate     string
		backoff  bool
		interval time.Duration
		burst    int
	}{
		{"10/m", false, 12 * time.Second, 6},
		{"5/m", false, 30 * time.Second, 4},
		{"3/h", false, time.Hour, 3},
		{"1/m", false, time.Minute, 1},
		{"100/h", false, 72 * time.Second, 51},
		{"5/5m", true, time.Minute, 5},
	} {
		r, err := ParseRate(c.rate)
		if err != nil {
			t.Fatal(err)
		}
		interval, burst := r.shape(c.backoff)
		if time.Duration(interval)*time.Microsecond != c.interval || burst != c.burst {
			t.Errorf("%s (backoff %v): every %s, %d at once; want every %s, %d", c.rate, c.backoff,
				time.Duration(interval)*time.Microsecond, burst, c.interval, c.burst)
		}
	}
}
