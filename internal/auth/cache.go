package auth

import (
	"sync"
	"time"
)

// Cache keeps resolved tokens for a short while so that an authenticated request costs no database
// round trip. Revocation stays immediate: every change that affects a user's tokens or what the viewer
// holds (logout, password, email, username, roles, deactivation, deletion) calls InvalidateUser, on
// this node directly and on the others through Notifier. The TTL only bounds staleness for changes
// made behind the server's back (another process on SQLite, manual SQL).
type Cache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu       sync.Mutex
	byDigest map[string]*cacheEntry
	byUser   map[int]map[string]struct{}
}

type cacheEntry struct {
	viewer       Viewer
	until        time.Time  // cache entry expiry
	tokenExpires *time.Time // the token's own expiry (GOJOSER_TOKEN_TTL)
	lastUsed     *time.Time
}

// NewCache returns a cache of at most max tokens, each kept ttl. A zero ttl or max disables it.
func NewCache(ttl time.Duration, max int, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{ttl: ttl, max: max, now: now, byDigest: map[string]*cacheEntry{}, byUser: map[int]map[string]struct{}{}}
}

func (c *Cache) enabled() bool { return c != nil && c.ttl > 0 && c.max > 0 }

func (c *Cache) get(digest []byte) (cacheEntry, bool) {
	if !c.enabled() {
		return cacheEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byDigest[string(digest)]
	if !ok {
		return cacheEntry{}, false
	}
	if !c.now().Before(e.until) {
		c.removeLocked(string(digest), e.viewer.UserID)
		return cacheEntry{}, false
	}
	return *e, true
}

func (c *Cache) put(digest []byte, e cacheEntry) {
	if !c.enabled() {
		return
	}
	e.until = c.now().Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byDigest) >= c.max {
		// Full: drop an arbitrary entry (map order). Good enough for a cache this short-lived.
		for k, old := range c.byDigest {
			c.removeLocked(k, old.viewer.UserID)
			break
		}
	}
	k := string(digest)
	c.byDigest[k] = &e
	if c.byUser[e.viewer.UserID] == nil {
		c.byUser[e.viewer.UserID] = map[string]struct{}{}
	}
	c.byUser[e.viewer.UserID][k] = struct{}{}
}

// touched records a last_used write made for a cached token.
func (c *Cache) touched(digest []byte, at time.Time, tokenExpires *time.Time) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byDigest[string(digest)]; ok {
		e.lastUsed, e.tokenExpires = &at, tokenExpires
	}
}

func (c *Cache) removeLocked(k string, userID int) {
	delete(c.byDigest, k)
	if s := c.byUser[userID]; s != nil {
		delete(s, k)
		if len(s) == 0 {
			delete(c.byUser, userID)
		}
	}
}

// InvalidateUser forgets every cached token of these users.
func (c *Cache) InvalidateUser(ids ...int) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		for k := range c.byUser[id] {
			delete(c.byDigest, k)
		}
		delete(c.byUser, id)
	}
}

// Flush forgets everything.
func (c *Cache) Flush() {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byDigest = map[string]*cacheEntry{}
	c.byUser = map[int]map[string]struct{}{}
}
