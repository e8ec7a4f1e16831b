package auth

import (
	"container/list"
	"sync"
	"time"

	"github.com/gojoser/gojoser/internal/viewer"
)

// Cache keeps resolved tokens for a short while so that an authenticated request costs no database
// round trip. Revocation stays immediate: every change that affects a user's tokens or what the viewer
// holds (logout, password, email, username, roles, deactivation, deletion) calls InvalidateUser, on
// this node directly and on the others through Notifier. The TTL only bounds staleness for changes
// made behind the server's back (another process on SQLite, manual SQL).
//
// A token still in use is refreshed in the background once half its TTL has passed (see
// Authenticator.RunRefresh), so a busy token never pays a database round trip on the request path.
type Cache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu       sync.Mutex
	byDigest map[string]*cacheEntry
	byUser   map[int]map[string]struct{}
	// order lists keys by when they were stored, oldest first. Every entry lives the same TTL, so that
	// is also expiry order: a full cache drops the front, which is expired or the closest to it.
	order *list.List
	// A lookup may read a row just before a change commits and store it just after the change's
	// invalidation ran. gen counts invalidations; put refuses an entry whose user was invalidated (or
	// the cache flushed) since the lookup began, so a revoked token cannot come back that way.
	gen         uint64
	invalidated map[int]uint64 // user id -> gen of the last invalidation
	flushedAt   uint64
	// hits and misses count lookups, for the metrics; they are kept under mu, which every lookup
	// holds already, so counting costs nothing more.
	hits, misses uint64
}

type cacheEntry struct {
	viewer       viewer.Viewer
	until        time.Time  // cache entry expiry
	refreshAt    time.Time  // from then on a use asks for a background refresh
	refreshing   bool       // a refresh has been asked for
	tokenExpires *time.Time // the token's own expiry (GOJOSER_TOKEN_TTL)
	lastUsed     *time.Time
	elem         *list.Element // in Cache.order
}

// maxTombstones bounds the invalidated map; past it the map is dropped and counts as a flush, which
// costs in-flight lookups their put, nothing more.
const maxTombstones = 4096

// NewCache returns a cache of at most max tokens, each kept ttl. A zero ttl or max disables it.
func NewCache(ttl time.Duration, max int, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{ttl: ttl, max: max, now: now, byDigest: map[string]*cacheEntry{}, byUser: map[int]map[string]struct{}{},
		order: list.New(), invalidated: map[int]uint64{}}
}

func (c *Cache) enabled() bool { return c != nil && c.ttl > 0 && c.max > 0 }

// Len reports how many entries the cache holds.
func (c *Cache) Len() int {
	if !c.enabled() {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byDigest)
}

// CacheStats are a cache's lookups so far and its size now.
type CacheStats struct {
	Hits, Misses uint64
	Size         int
}

// Stats reports the cache's lookups and size; a disabled cache reports zeros.
func (c *Cache) Stats() CacheStats {
	if !c.enabled() {
		return CacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Hits: c.hits, Misses: c.misses, Size: len(c.byDigest)}
}

// generation is the invalidation count to pass to put for a lookup that starts now.
func (c *Cache) generation() uint64 {
	if !c.enabled() {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns the live entry for digest. refresh is true for the one caller that should have the entry
// refreshed: it is past half its TTL and nobody has asked yet.
func (c *Cache) get(digest []byte) (e cacheEntry, ok, refresh bool) {
	if !c.enabled() {
		return cacheEntry{}, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.byDigest[string(digest)]
	if !ok {
		c.misses++
		return cacheEntry{}, false, false
	}
	now := c.now()
	if !now.Before(p.until) {
		c.removeLocked(string(digest))
		c.misses++
		return cacheEntry{}, false, false
	}
	c.hits++
	if !p.refreshing && !now.Before(p.refreshAt) {
		p.refreshing, refresh = true, true
	}
	return *p, true, refresh
}

// put stores e for digest unless its user was invalidated after generation since was read.
func (c *Cache) put(digest []byte, e cacheEntry, since uint64) {
	if !c.enabled() {
		return
	}
	now := c.now()
	e.until, e.refreshAt, e.refreshing = now.Add(c.ttl), now.Add(c.ttl/2), false
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flushedAt > since || c.invalidated[e.viewer.UserID] > since {
		return
	}
	k := string(digest)
	c.removeLocked(k) // a refreshed entry moves to the back

	// Expired entries nobody asked for again go first; past the bound, the oldest live ones.
	for f := c.order.Front(); f != nil; f = c.order.Front() {
		if len(c.byDigest) < c.max && now.Before(c.byDigest[f.Value.(string)].until) {
			break
		}
		c.removeLocked(f.Value.(string))
	}
	e.elem = c.order.PushBack(k)
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

func (c *Cache) removeLocked(k string) {
	e, ok := c.byDigest[k]
	if !ok {
		return
	}
	delete(c.byDigest, k)
	c.order.Remove(e.elem)
	userID := e.viewer.UserID
	if s := c.byUser[userID]; s != nil {
		delete(s, k)
		if len(s) == 0 {
			delete(c.byUser, userID)
		}
	}
}

// remove forgets one entry (a refresh found its token gone or no longer valid).
func (c *Cache) remove(digest []byte) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(string(digest))
}

// keys lists the cache's keys.
func (c *Cache) keys() []string {
	if !c.enabled() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.byDigest))
	for k := range c.byDigest {
		out = append(out, k)
	}
	return out
}

// InvalidateUser forgets every cached token of these users.
func (c *Cache) InvalidateUser(ids ...int) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if len(c.invalidated)+len(ids) > maxTombstones {
		c.invalidated = map[int]uint64{}
		c.flushedAt = c.gen
	}
	for _, id := range ids {
		c.invalidated[id] = c.gen
		for k := range c.byUser[id] {
			c.removeLocked(k) // drops byUser[id] with its last key
		}
	}
}

// Flush forgets everything.
func (c *Cache) Flush() {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.flushedAt = c.gen
	c.byDigest = map[string]*cacheEntry{}
	c.byUser = map[int]map[string]struct{}{}
	c.order.Init()
	c.invalidated = map[int]uint64{}
}
