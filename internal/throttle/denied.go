package throttle

import (
	"strings"
	"sync"
	"time"
)

// denied remembers, on this node, the counters the database has just found full, so that a flood on
// them is answered without asking it again: a throttled request then costs no database round trip,
// and an attacker's flood takes neither the database's CPU nor much of the server's. A full counter
// stays full until its time comes unless something empties it: this node's own clears forget it here
// at once; another node's (a password reset there, a success giving a unit back, `gojoser throttle
// clear`) is seen within rememberFull, how long an entry is trusted.
type denied struct {
	mu sync.Mutex
	m  map[string]denial
}

type denial struct {
	free  int64 // when the database said the counter has room again (µs)
	until int64 // when to ask it again (µs)
}

const (
	rememberFull = time.Second
	// deniedMax bounds the memory a flood from many addresses can make this take; past it, expired
	// entries go, and when none have, all of them.
	deniedMax = 100_000
)

// full returns the wait until every one of keys that is known to be full has room (µs), or 0.
func (d *denied) full(now int64, keys []*key) (spent []*key, wait int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range keys {
		if e, ok := d.m[k.id]; ok && now < e.until && now < e.free {
			spent = append(spent, k)
			wait = max(wait, e.free-now)
		}
	}
	return spent, wait
}

// remember notes that the database found id full until free.
func (d *denied) remember(now int64, id string, free int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= deniedMax {
		d.sweep(now)
	}
	d.m[id] = denial{free: free, until: min(free, now+rememberFull.Microseconds())}
}

func (d *denied) sweep(now int64) {
	for id, e := range d.m {
		if now >= e.until {
			delete(d.m, id)
		}
	}
	if d.m == nil || len(d.m) >= deniedMax {
		d.m = map[string]denial{}
	}
}

// forget drops ids, and every id starting with one of prefixes.
func (d *denied) forget(ids []string, prefixes ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range ids {
		delete(d.m, id)
	}
	if len(prefixes) == 0 {
		return
	}
	for id := range d.m {
		for _, p := range prefixes {
			if strings.HasPrefix(id, p) {
				delete(d.m, id)
			}
		}
	}
}

// reset forgets everything.
func (d *denied) reset() {
	d.mu.Lock()
	d.m = map[string]denial{}
	d.mu.Unlock()
}
