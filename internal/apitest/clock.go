package apitest

import (
	"sync"
	"time"
)

// StillClock is a server clock (app.Options.Now) that stands still until the test moves it, so that
// every time the server computes, a wait or an expiry, is exact. (Clock, in env.go, runs with real
// time and only jumps when moved.)
type StillClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewStillClock returns a StillClock at t.
func NewStillClock(t time.Time) *StillClock { return &StillClock{t: t} }

// Now is the clock's time.
func (c *StillClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *StillClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
