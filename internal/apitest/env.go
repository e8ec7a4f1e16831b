package apitest

import (
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/app"
)

// Env is a running gojoser as a user meets it: the server, the mailbox its mail goes to, and the clock it
// reads, which the test moves forward to let links and tokens expire.
type Env struct {
	*Server
	Mailbox *Mailbox
	Clock   *Clock
}

// NewEnv runs gojoser on a fresh database of db with the given GOJOSER_* settings (keys without the
// prefix), sending mail over SMTP to a Mailbox of its own.
func NewEnv(t testing.TB, db DB, settings map[string]string) *Env {
	t.Helper()
	mb := NewMailbox(t)
	env := mb.Settings()
	maps.Copy(env, settings)
	c := &Clock{}
	s := StartOn(t, db.NewURL(t), env, app.Options{Now: c.Now})
	return &Env{Server: s, Mailbox: mb, Clock: c}
}

// Clock is real time plus an offset the test moves forward; the server and the test share it.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
