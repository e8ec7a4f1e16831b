package auth

import (
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/viewer"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func entryFor(userID int) cacheEntry { return cacheEntry{viewer: viewer.Viewer{UserID: userID}} }

// A lookup that raced with a revocation must not put the revoked token back.
func TestPutAfterInvalidationIsRefused(t *testing.T) {
	c := NewCache(time.Minute, 100, nil)
	since := c.generation() // a lookup for user 1 and one for user 2 start
	c.InvalidateUser(1)     // user 1 logs out while they run
	c.put([]byte("k1"), entryFor(1), since)
	c.put([]byte("k2"), entryFor(2), since)
	if _, ok, _ := c.get([]byte("k1")); ok {
		t.Fatal("an entry read before its user's invalidation was stored after it")
	}
	if _, ok, _ := c.get([]byte("k2")); !ok {
		t.Fatal("another user's entry was refused")
	}
	// A lookup that starts after the invalidation stores as usual.
	c.put([]byte("k1"), entryFor(1), c.generation())
	if _, ok, _ := c.get([]byte("k1")); !ok {
		t.Fatal("a fresh lookup was refused")
	}

	since = c.generation()
	c.Flush() // e.g. the NOTIFY listener reconnected: anything may have changed
	c.put([]byte("k2"), entryFor(2), since)
	if _, ok, _ := c.get([]byte("k2")); ok {
		t.Fatal("an entry read before a flush was stored after it")
	}
}

func TestTombstonesAreBounded(t *testing.T) {
	c := NewCache(time.Minute, 100, nil)
	since := c.generation()
	for id := range maxTombstones + 10 {
		c.InvalidateUser(id)
	}
	if len(c.invalidated) > maxTombstones {
		t.Fatalf("%d tombstones kept, limit %d", len(c.invalidated), maxTombstones)
	}
	// Dropping them must still refuse every lookup that began before.
	c.put([]byte("k"), entryFor(3), since)
	if _, ok, _ := c.get([]byte("k")); ok {
		t.Fatal("dropping tombstones let a stale entry in")
	}
}

// Past half its TTL an entry is still served, and exactly one use is told to refresh it.
func TestRefreshIsAskedOnceAfterHalfTheTTL(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	c := NewCache(time.Minute, 100, clk.now)
	k := []byte("k")
	c.put(k, entryFor(1), c.generation())

	clk.t = clk.t.Add(29 * time.Second)
	if _, ok, refresh := c.get(k); !ok || refresh {
		t.Fatalf("before half the TTL: ok=%v refresh=%v, want served and not due", ok, refresh)
	}
	clk.t = clk.t.Add(2 * time.Second)
	if _, ok, refresh := c.get(k); !ok || !refresh {
		t.Fatalf("after half the TTL: ok=%v refresh=%v, want served and due", ok, refresh)
	}
	if _, ok, refresh := c.get(k); !ok || refresh {
		t.Fatalf("second use: ok=%v refresh=%v, want served and the refresh already asked for", ok, refresh)
	}

	c.put(k, entryFor(1), c.generation()) // the refresh lands
	clk.t = clk.t.Add(59 * time.Second)
	if _, ok, refresh := c.get(k); !ok || !refresh {
		t.Fatalf("after a refresh the entry should live a full TTL again: ok=%v refresh=%v", ok, refresh)
	}
	clk.t = clk.t.Add(2 * time.Second)
	if _, ok, _ := c.get(k); ok {
		t.Fatal("an entry outlived its TTL")
	}
}

// A full cache makes room by dropping expired (or oldest) entries, not live ones picked at random: with a
// working set as large as the bound, random eviction kept throwing out tokens in use.
func TestFullCacheEvictsExpiredFirst(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	c := NewCache(time.Minute, 100, clk.now)
	key := func(round, i int) []byte { return []byte{byte(round), byte(i)} }
	for i := range 100 {
		c.put(key(0, i), entryFor(i), c.generation())
	}
	clk.t = clk.t.Add(2 * time.Minute) // round 0 has expired, nobody asked for it again
	for i := range 100 {
		c.put(key(1, i), entryFor(i), c.generation())
	}
	for i := range 100 {
		if _, ok, _ := c.get(key(1, i)); !ok {
			t.Fatalf("live entry %d was evicted while expired ones were left", i)
		}
	}
	if len(c.byDigest) != 100 {
		t.Fatalf("cache holds %d entries, bound 100", len(c.byDigest))
	}
}

func TestFullCacheDropsTheOldestLiveEntry(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	c := NewCache(time.Minute, 3, clk.now)
	for i, k := range []string{"a", "b", "c"} {
		c.put([]byte(k), entryFor(i), c.generation())
		clk.t = clk.t.Add(time.Second)
	}
	c.put([]byte("a"), entryFor(0), c.generation()) // refreshed: now the newest
	c.put([]byte("d"), entryFor(3), c.generation())
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok, _ := c.get([]byte(k)); ok != want {
			t.Errorf("%s cached = %v, want %v", k, ok, want)
		}
	}
}
