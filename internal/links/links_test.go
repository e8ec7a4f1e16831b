package links_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/links"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	g := links.New([]byte("secret"), clock)
	st := links.State{UserID: 7, LinkVersion: 3, Email: "a@example.com", PasswordHash: "$argon2id$x"}
	tok := g.Make(links.PasswordReset, st)

	changed := func(f func(*links.State)) links.State { s := st; f(&s); return s }
	cases := []struct {
		name    string
		gen     *links.Generator
		purpose links.Purpose
		state   links.State
		token   string
		maxAge  time.Duration
		ok      bool
	}{
		{"valid", g, links.PasswordReset, st, tok, time.Hour, true},
		{"another flow", g, links.Activation, st, tok, time.Hour, false},
		{"another user", g, links.PasswordReset, changed(func(s *links.State) { s.UserID = 8 }), tok, time.Hour, false},
		{"link version bumped", g, links.PasswordReset, changed(func(s *links.State) { s.LinkVersion++ }), tok, time.Hour, false},
		{"email changed", g, links.PasswordReset, changed(func(s *links.State) { s.Email = "b@example.com" }), tok, time.Hour, false},
		{"pending email changed", g, links.PasswordReset, changed(func(s *links.State) { s.PendingEmail = "c@example.com" }), tok, time.Hour, false},
		{"password changed", g, links.PasswordReset, changed(func(s *links.State) { s.PasswordHash = "$argon2id$y" }), tok, time.Hour, false},
		{"another secret", links.New([]byte("other"), clock), links.PasswordReset, st, tok, time.Hour, false},
		{"tampered signature", g, links.PasswordReset, st, tok[:len(tok)-1] + flip(tok[len(tok)-1]), time.Hour, false},
		{"tampered timestamp", g, links.PasswordReset, st, "1" + tok, time.Hour, false},
		{"expired", links.New([]byte("secret"), func() time.Time { return now.Add(time.Hour + time.Second) }), links.PasswordReset, st, tok, time.Hour, false},
		{"just in time", links.New([]byte("secret"), func() time.Time { return now.Add(time.Hour) }), links.PasswordReset, st, tok, time.Hour, true},
		{"empty", g, links.PasswordReset, st, "", time.Hour, false},
		{"no dash", g, links.PasswordReset, st, "abcdef", time.Hour, false},
		{"garbage", g, links.PasswordReset, st, "zz-" + "0123456789abcdef0123456789abcdef", time.Hour, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.gen.Check(c.purpose, c.state, c.token, c.maxAge)
			if c.ok && err != nil {
				t.Fatalf("Check = %v, want ok", err)
			}
			if !c.ok && !errors.Is(err, links.ErrInvalid) {
				t.Fatalf("Check = %v, want ErrInvalid", err)
			}
		})
	}
}

func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestUID(t *testing.T) {
	for id, want := range map[int]string{1: "MQ", 37: "Mzc", 1000: "MTAwMA"} {
		if got := links.EncodeUID(id); got != want {
			t.Errorf("EncodeUID(%d) = %q, want %q", id, got, want)
		}
		if got, ok := links.DecodeUID(want); !ok || got != id {
			t.Errorf("DecodeUID(%q) = %d, %v", want, got, ok)
		}
	}
	for _, bad := range []string{"", "!!", "YWJj" /* "abc" */, "MA" /* "0" */, "LTE" /* "-1" */} {
		if _, ok := links.DecodeUID(bad); ok {
			t.Errorf("DecodeUID(%q) accepted", bad)
		}
	}
}
