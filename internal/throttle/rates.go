package throttle

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Name names a limit; GOJOSER_THROTTLE_RATES sets each by name.
type Name string

// The limits. README lists each with its default and why; the defaults are no looser than
// django-allauth's (ACCOUNT_RATE_LIMITS), and the cross-IP failed-login cap is OWASP ASVS 2.2.1's.
const (
	// LoginRequestIP counts every token login and jwt/create request from one client IP (allauth "login").
	LoginRequestIP Name = "login_request_ip"
	// LoginIP counts failed logins from one client IP (allauth "login_failed", per IP).
	LoginIP Name = "login_ip"
	// LoginAccount counts failed logins for one account from one client IP (allauth "login_failed", per
	// key). Past it the wait doubles with every further failure.
	LoginAccount Name = "login_account"
	// LoginAccountAll counts failed logins for one account from every IP: the ASVS cap. Keyed without the
	// IP so that many addresses together cannot guess faster; checked before hashing, counted after.
	LoginAccountAll Name = "login_account_all"
	// SignupIP counts registrations from one client IP (allauth "signup").
	SignupIP Name = "signup_ip"
	// ResetIP and ResetAddress count reset_password, reset_username and resend_activation requests from
	// one client IP and for one address (allauth "reset_password").
	ResetIP      Name = "reset_ip"
	ResetAddress Name = "reset_address"
	// ConfirmIP and ConfirmAccount count the link confirmations (activation, reset_password_confirm,
	// reset_username_confirm, email_change_confirm) from one client IP (allauth
	// "reset_password_from_key") and for the account their uid names.
	ConfirmIP      Name = "confirm_ip"
	ConfirmAccount Name = "confirm_account"
	// JWTIP counts jwt/refresh, jwt/verify and jwt/blacklist requests from one client IP.
	JWTIP Name = "jwt_ip"
	// MailAddress caps the mails of one kind sent to one address for requests by address and
	// registrations. Past it the request still succeeds; the mail is not sent.
	MailAddress Name = "mail_address"
)

// subjectKind is whom a limit counts.
type subjectKind int

const (
	byIP             subjectKind = iota
	bySubject                    // an account or address the request names
	bySubjectAndIP               // an account, from one client IP
	bySubjectAndKind             // an address, per mail kind
)

type limitDef struct {
	by       subjectKind
	fallback string
	// backoff: past the limit, each further take doubles the wait (up to maxStep).
	backoff bool
}

var limits = map[Name]limitDef{
	LoginRequestIP:  {by: byIP, fallback: "30/m"},
	LoginIP:         {by: byIP, fallback: "10/m"},
	LoginAccount:    {by: bySubjectAndIP, fallback: "5/5m", backoff: true},
	LoginAccountAll: {by: bySubject, fallback: "100/h"},
	SignupIP:        {by: byIP, fallback: "20/m"},
	ResetIP:         {by: byIP, fallback: "20/m"},
	ResetAddress:    {by: bySubject, fallback: "5/m"},
	ConfirmIP:       {by: byIP, fallback: "20/m"},
	ConfirmAccount:  {by: bySubject, fallback: "10/m"},
	JWTIP:           {by: byIP, fallback: "120/m"},
	MailAddress:     {by: bySubjectAndKind, fallback: "3/h"},
}

// Names lists every limit, sorted.
func Names() []Name {
	out := make([]Name, 0, len(limits))
	for n := range limits {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Rate is N requests per period, in DRF's notation: "10/m", "100/day", and with a period multiplier,
// "5/15m". As with DRF's and allauth's throttles, no period ever holds more than N requests; see shape
// for how they may come.
type Rate struct {
	N      int
	Period time.Duration
}

// maxPeriod bounds a period so that sums of microsecond timestamps cannot overflow.
const maxPeriod = 366 * 24 * time.Hour

// ParseRate reads "N/[M]unit", unit s, m, h or d (only its first letter counts, as in DRF: "10/minute").
func ParseRate(s string) (Rate, error) {
	num, period, ok := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 {
		return Rate{}, fmt.Errorf("rate %q: want N/period, e.g. 10/m or 5/15m, with N at least 1", s)
	}
	i := strings.IndexFunc(period, func(r rune) bool { return r < '0' || r > '9' })
	mult := 1
	if i > 0 {
		if mult, err = strconv.Atoi(period[:i]); err != nil || mult < 1 {
			return Rate{}, fmt.Errorf("rate %q: bad period multiplier", s)
		}
	}
	if i < 0 {
		return Rate{}, fmt.Errorf("rate %q: the period needs a unit: s, m, h or d", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[period[i]]
	if unit == 0 {
		return Rate{}, fmt.Errorf("rate %q: unknown period unit %q (s, m, h or d)", s, period[i:])
	}
	r := Rate{N: n, Period: time.Duration(mult) * unit}
	if r.Period > maxPeriod || mult > int(maxPeriod/unit) {
		return Rate{}, fmt.Errorf("rate %q: the period is longer than a year", s)
	}
	if r.Period.Microseconds() < int64(r.N) {
		return Rate{}, fmt.Errorf("rate %q: more than one per microsecond cannot be counted", s)
	}
	return r, nil
}

func (r Rate) String() string {
	p := r.Period
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if p%u.d == 0 {
			if p == u.d {
				return fmt.Sprintf("%d/%s", r.N, u.name)
			}
			return fmt.Sprintf("%d/%d%s", r.N, p/u.d, u.name)
		}
	}
	return fmt.Sprintf("%d/%ds", r.N, p/time.Second)
}

// shape is the GCRA bucket that enforces r: a request passes while at most burst-1 intervals are
// queued, and each one queues an interval (in microseconds). A bucket never passes more than
// burst + period/interval - 1 requests in a period, so N per period, as DRF counts them in its
// sliding window, takes burst + period/interval = N + 1.
//
// With backoff the bucket is N deep and refills one request every period/N, as long as the client
// stays within it; past it, waits of a period and more (see sql.go) keep the period to N.
// Without, it is half as deep and refills at half the rate: about N/2+1 requests at once, and the
// rest of the N in one period spread over it. DRF's window lets all N come at once, and then N
// more at the start of the next period; a client that keeps pushing gets about N/2 a period here.
func (r Rate) shape(backoff bool) (interval int64, burst int) {
	p := r.Period.Microseconds()
	if backoff {
		return ceilDiv(p, int64(r.N)), r.N
	}
	k := max(r.N/2, 1) // requests refilled per period
	// Rounding up keeps period/interval at most k.
	return ceilDiv(p, int64(k)), r.N + 1 - k
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// Rates is a rate for every limit.
type Rates map[Name]Rate

// DefaultRates are the rates without GOJOSER_THROTTLE_RATES.
func DefaultRates() Rates {
	out := Rates{}
	for n, d := range limits {
		r, err := ParseRate(d.fallback)
		if err != nil {
			panic(err) // a typo in the table above
		}
		out[n] = r
	}
	return out
}

// ParseRates reads GOJOSER_THROTTLE_RATES: "name=rate,name=rate", each overriding that limit's default.
func ParseRates(s string) (Rates, error) {
	out := DefaultRates()
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		name, rate, ok := strings.Cut(item, "=")
		n := Name(strings.TrimSpace(name))
		if _, known := limits[n]; !ok || !known {
			return nil, fmt.Errorf("%q: want name=rate with name one of %s", item, strings.Join(namesOf(Names()), ", "))
		}
		r, err := ParseRate(rate)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[n] = r
	}
	return out, nil
}

func namesOf(ns []Name) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}
