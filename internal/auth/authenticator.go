// Package auth turns a request's credentials into its viewer: DRF tokens against the token table, then
// SimpleJWT access tokens, with an in-process cache of resolved tokens that every committed change to
// users, tokens and roles invalidates (invalidate.go), on every node (notify.go).
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/tokens"
	"github.com/gojoser/gojoser/internal/viewer"
)

// Authenticator resolves Authorization headers: DRF tokens against the token table, then SimpleJWT
// access tokens, in DRF's order of authentication classes.
type Authenticator struct {
	db    *ent.Client
	jwt   *jwt.Manager // nil: Bearer is not understood
	now   func() time.Time
	cache *Cache // may be nil
	// TokenTTL, when positive, makes opaque tokens expire after that long without use (sliding).
	TokenTTL time.Duration

	// Cached tokens due for a refresh; see RunRefresh.
	refreshQ chan []byte

	// Uses of tokens waiting to be written (last_used, and expires_at under TokenTTL); see RunTouches.
	touchMu sync.Mutex
	touches map[int]touchRecord
}

type touchRecord struct {
	at      time.Time
	expires *time.Time
}

// touchEvery throttles last_used writes: a busy token costs one write a minute, not one per request.
const touchEvery = time.Minute

// NewAuthenticator returns an Authenticator; now may be nil (time.Now), jwt may be nil.
func NewAuthenticator(db *ent.Client, jwtm *jwt.Manager, cache *Cache, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{db: db, jwt: jwtm, cache: cache, now: now, refreshQ: make(chan []byte, 8*refreshBatch)}
}

// Authenticate parses header as DRF's TokenAuthentication does. It returns (nil, nil) for a request that
// carries no credentials this server understands (no header, another scheme): DRF treats those as
// anonymous and lets the permission check decide.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (*viewer.Viewer, error) {
	scheme, cred, n := authFields(header)
	if n == 0 {
		return nil, nil
	}
	if !equalFoldASCII(scheme, "token") {
		// SimpleJWT matches its scheme case-sensitively: "bearer x" is anonymous.
		if scheme == "Bearer" && a.jwt != nil {
			return a.authenticateBearer(ctx, cred, n)
		}
		return nil, nil
	}
	switch {
	case n == 1:
		return nil, ErrNoCredentials
	case n > 2:
		return nil, ErrTokenHasSpaces
	case !utf8.ValidString(cred):
		return nil, ErrTokenInvalidChar
	}
	return a.resolveKey(ctx, cred)
}

// authFields splits header as DRF and SimpleJWT do (Python's bytes.split(): runs of ASCII whitespace,
// so "Token\t<key>" and surrounding blanks work, and a non-ASCII space is part of a field). It returns
// the first two fields and how many there are, counting no further than 3, which is all either scheme
// needs to know. It runs on every authenticated request, so it makes no slice and reads each byte once.
func authFields(header string) (scheme, cred string, n int) {
	for rest := header; n < 3; n++ {
		i := 0
		for i < len(rest) && isASCIISpace(rest[i]) {
			i++
		}
		if rest = rest[i:]; rest == "" {
			break
		}
		j := 0
		for j < len(rest) && !isASCIISpace(rest[j]) {
			j++
		}
		switch n {
		case 0:
			scheme = rest[:j]
		case 1:
			cred = rest[:j]
		}
		rest = rest[j:]
	}
	return scheme, cred, n
}

// equalFoldASCII is DRF's bytes.lower() comparison of the scheme: ASCII letters only, so that
// "To\u212Aen" (a Kelvin sign, which strings.EqualFold folds to k) is another scheme, as in DRF.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isASCIISpace(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

func (a *Authenticator) resolveKey(ctx context.Context, key string) (*viewer.Viewer, error) {
	digest := tokens.Digest(key)
	now := a.now()
	if e, ok, refresh := a.cache.get(digest); ok {
		if e.tokenExpires != nil && !now.Before(*e.tokenExpires) {
			a.cache.InvalidateUser(e.viewer.UserID)
			return nil, ErrInvalidToken
		}
		if e.lastUsed == nil || now.Sub(*e.lastUsed) >= touchEvery {
			a.cache.touched(digest, now, a.touch(ctx, e.viewer.TokenID, now, e.tokenExpires))
		}
		if refresh {
			select {
			case a.refreshQ <- digest:
			default: // the refresher is behind (or not running): the entry expires and the next use looks it up
			}
		}
		v := e.viewer
		return &v, nil
	}
	since := a.cache.generation()
	found, err := a.lookup(ctx, digest)
	if err != nil {
		return nil, err
	}
	t := found[string(digest)]
	// The index lookup already matched; comparing the digests again in constant time keeps the check
	// itself free of timing differences whatever the database does.
	if t == nil || subtle.ConstantTimeCompare(t.digest, digest) != 1 {
		return nil, ErrInvalidToken
	}
	e, err := a.entry(t, now)
	if err != nil {
		return nil, err
	}
	if e.lastUsed == nil || now.Sub(*e.lastUsed) >= touchEvery {
		e.tokenExpires, e.lastUsed = a.touch(ctx, t.tokenID, now, e.tokenExpires), &now
	}
	a.cache.put(digest, e, since)
	v := e.viewer
	return &v, nil
}

// entry checks a looked-up token at now and makes its cache entry.
func (a *Authenticator) entry(t *resolved, now time.Time) (cacheEntry, error) {
	expires, lastUsed := t.expires, t.lastUsed
	if p, ok := a.pendingTouch(t.tokenID); ok {
		// A use not yet written back is newer than what the database says.
		expires, lastUsed = p.expires, &p.at
	}
	if expires != nil && !now.Before(*expires) {
		return cacheEntry{}, ErrInvalidToken
	}
	if !t.active {
		return cacheEntry{}, ErrUserInactive
	}
	slices.Sort(t.roles)
	v := viewer.Viewer{UserID: t.userID, Username: t.username, Email: t.email, Roles: t.roles, TokenID: t.tokenID}
	return cacheEntry{viewer: v, tokenExpires: expires, lastUsed: lastUsed}, nil
}

// refreshBatch is the most tokens one background refresh looks up in one query.
const refreshBatch = 500

// RunRefresh refreshes cached tokens that are still in use, in batches, until ctx ends. Without it,
// entries simply expire after the cache TTL and the next use looks the token up on the request path.
func (a *Authenticator) RunRefresh(ctx context.Context, log *slog.Logger) {
	batch := make([][]byte, 0, refreshBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-a.refreshQ:
			batch = append(batch[:0], d)
		}
	more:
		for len(batch) < refreshBatch {
			select {
			case d := <-a.refreshQ:
				batch = append(batch, d)
			default:
				break more
			}
		}
		if err := a.refresh(ctx, batch); err != nil && ctx.Err() == nil {
			// The entries expire as they would have without a refresher.
			log.Warn("auth cache refresh failed", "tokens", len(batch), "err", err)
		}
	}
}

// warmWindow is how recently a token must have been used for Warm to load it. last_used is written at
// most once a minute per token, so anything in use shows up well inside it.
const warmWindow = 10 * time.Minute

// Warm loads the tokens used most recently (within warmWindow, up to the cache's size) into the cache,
// in batches like RunRefresh, and returns how many it holds. A node that starts (a deploy, a restart)
// then answers its users' next requests from memory instead of sending every one of them to the
// database at once.
func (a *Authenticator) Warm(ctx context.Context) (int, error) {
	if !a.cache.enabled() {
		return 0, nil
	}
	var rows []struct {
		Digest []byte `sql:"digest"`
	}
	err := a.db.Token.Query().Where(token.LastUsedGTE(a.now().Add(-warmWindow))).
		Order(ent.Desc(token.FieldLastUsed)).Limit(a.cache.max).
		Select(token.FieldDigest).Scan(ctx, &rows)
	if err != nil {
		return 0, fmt.Errorf("list recent tokens: %w", err)
	}
	digests := make([][]byte, len(rows))
	for i, r := range rows {
		digests[i] = r.Digest
	}
	for chunk := range slices.Chunk(digests, refreshBatch) {
		if err := a.refresh(ctx, chunk); err != nil {
			return 0, err
		}
	}
	return a.cache.Len(), nil
}

// Recheck looks every cached token up again, in batches, dropping those revoked meanwhile: what the
// PostgreSQL listener does after it was disconnected, when invalidations may have been missed. Verified
// JWTs are dropped instead, to be verified again on their next use.
func (a *Authenticator) Recheck(ctx context.Context) error {
	var digests [][]byte
	for _, k := range a.cache.keys() {
		if len(k) == sha256.Size {
			digests = append(digests, []byte(k))
		} else {
			a.cache.remove([]byte(k))
		}
	}
	for chunk := range slices.Chunk(digests, refreshBatch) {
		if err := a.refresh(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

// refresh looks the digests up again and replaces their entries, or drops those whose token is gone,
// expired or belongs to a deactivated user.
func (a *Authenticator) refresh(ctx context.Context, digests [][]byte) error {
	since := a.cache.generation()
	found, err := a.lookup(ctx, digests...)
	if err != nil {
		return err
	}
	now := a.now()
	for _, d := range digests {
		t := found[string(d)]
		if t == nil {
			a.cache.remove(d)
			continue
		}
		e, err := a.entry(t, now)
		if err != nil {
			a.cache.remove(d)
			continue
		}
		a.cache.put(d, e, since)
	}
	return nil
}

// resolved is a token with its user and roles.
type resolved struct {
	tokenID, userID   int
	digest            []byte
	expires, lastUsed *time.Time
	username, email   string
	active            bool
	roles             []string
}

// lookup resolves digests in one round trip: each token joined to its user and the user's roles (one
// row per role), keyed by digest; unknown digests are missing from the map. Ent's eager loading would
// take three queries, on the hottest path there is.
func (a *Authenticator) lookup(ctx context.Context, digests ...[]byte) (map[string]*resolved, error) {
	var rows []struct {
		TokenID  int            `sql:"t_id"`
		Digest   []byte         `sql:"t_digest"`
		Expires  sql.NullTime   `sql:"t_expires"`
		LastUsed sql.NullTime   `sql:"t_last_used"`
		UserID   int            `sql:"u_id"`
		Username string         `sql:"u_username"`
		Email    string         `sql:"u_email"`
		Active   bool           `sql:"u_active"`
		Role     sql.NullString `sql:"r_name"`
	}
	err := a.db.Token.Query().Where(token.DigestIn(digests...)).Modify(func(s *entsql.Selector) {
		u, ur, r := entsql.Table(user.Table), entsql.Table(user.RolesTable), entsql.Table(role.Table)
		s.Join(u).On(s.C(token.FieldUserID), u.C(user.FieldID)).
			LeftJoin(ur).On(u.C(user.FieldID), ur.C(user.RolesPrimaryKey[0])).
			LeftJoin(r).On(ur.C(user.RolesPrimaryKey[1]), r.C(role.FieldID))
		s.Select(
			entsql.As(s.C(token.FieldID), "t_id"), entsql.As(s.C(token.FieldDigest), "t_digest"),
			entsql.As(s.C(token.FieldExpiresAt), "t_expires"), entsql.As(s.C(token.FieldLastUsed), "t_last_used"),
			entsql.As(u.C(user.FieldID), "u_id"), entsql.As(u.C(user.FieldUsername), "u_username"),
			entsql.As(u.C(user.FieldEmail), "u_email"), entsql.As(u.C(user.FieldIsActive), "u_active"),
			entsql.As(r.C(role.FieldName), "r_name"),
		)
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	out := make(map[string]*resolved, len(digests))
	for _, row := range rows {
		t := out[string(row.Digest)]
		if t == nil {
			t = &resolved{tokenID: row.TokenID, userID: row.UserID, digest: row.Digest, username: row.Username,
				email: row.Email, active: row.Active, roles: []string{}}
			if row.Expires.Valid {
				t.expires = &row.Expires.Time
			}
			if row.LastUsed.Valid {
				t.lastUsed = &row.LastUsed.Time
			}
			out[string(row.Digest)] = t
		}
		if row.Role.Valid {
			t.roles = append(t.roles, row.Role.String)
		}
	}
	return out, nil
}

// touch records a use of token id (callers limit it to once a minute per token) and slides its expiry
// under GOJOSER_TOKEN_TTL. It returns the token's new expiry. The write is queued for RunTouches, so
// an authenticated request never waits on it.
func (a *Authenticator) touch(_ context.Context, id int, now time.Time, expires *time.Time) *time.Time {
	if a.TokenTTL > 0 {
		e := now.Add(a.TokenTTL)
		expires = &e
	}
	a.touchMu.Lock()
	if a.touches == nil {
		a.touches = map[int]touchRecord{}
	}
	a.touches[id] = touchRecord{at: now, expires: expires}
	a.touchMu.Unlock()
	return expires
}

func (a *Authenticator) pendingTouch(id int) (touchRecord, bool) {
	a.touchMu.Lock()
	defer a.touchMu.Unlock()
	r, ok := a.touches[id]
	return r, ok
}

// FlushTouches writes the queued token uses in one transaction: one UPDATE per second of use (the
// times are kept to the second), in chunks of ids, rather than one statement per token.
func (a *Authenticator) FlushTouches(ctx context.Context) error {
	a.touchMu.Lock()
	batch := a.touches
	a.touches = nil
	a.touchMu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := a.writeTouches(ctx, batch)
	if err != nil {
		// Keep the uses for the next flush (the database may be restarting); newer ones win.
		a.touchMu.Lock()
		if a.touches == nil {
			a.touches = map[int]touchRecord{}
		}
		for id, r := range batch {
			if cur, ok := a.touches[id]; !ok || cur.at.Before(r.at) {
				a.touches[id] = r
			}
		}
		a.touchMu.Unlock()
	}
	return err
}

// writeTouches writes batch, one UPDATE per second of use (the times are kept to the second).
func (a *Authenticator) writeTouches(ctx context.Context, batch map[int]touchRecord) error {
	bySecond := map[int64][]int{}
	for id, r := range batch {
		sec := r.at.Unix()
		bySecond[sec] = append(bySecond[sec], id)
	}
	// The cache already holds these uses; they must not invalidate it (see Invalidation).
	ctx = context.WithValue(ctx, touchKey{}, true)
	tx, err := a.db.Tx(ctx)
	if err != nil {
		return err
	}
	for sec, ids := range bySecond {
		at := time.Unix(sec, 0).UTC()
		for chunk := range slices.Chunk(ids, 1000) {
			upd := tx.Token.Update().Where(token.IDIn(chunk...)).SetLastUsed(at)
			if a.TokenTTL > 0 {
				upd.SetExpiresAt(at.Add(a.TokenTTL))
			}
			if _, err := upd.Save(ctx); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("record token use: %w", err)
			}
		}
	}
	return tx.Commit()
}

// RunTouches writes queued token uses every interval until ctx ends, then once more.
func (a *Authenticator) RunTouches(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := a.FlushTouches(context.WithoutCancel(ctx)); err != nil {
				log.Warn("token use not recorded", "err", err)
			}
			return
		case <-t.C:
			if err := a.FlushTouches(ctx); err != nil && ctx.Err() == nil {
				log.Warn("token use not recorded", "err", err)
			}
		}
	}
}

// authenticateBearer is SimpleJWT's JWTAuthentication: raw is the header's second field, of n.
func (a *Authenticator) authenticateBearer(ctx context.Context, raw string, n int) (*viewer.Viewer, error) {
	if n != 2 {
		return nil, ErrBearerHeader
	}
	// A token already verified is served from the cache until it expires, so a busy client pays for
	// the signature check and the user lookup once, not per request. Keys are 36 bytes, apart from
	// the 32-byte digests of opaque tokens.
	var tokenKey [4 + sha256.Size]byte
	copy(tokenKey[:], "jwt:")
	sum := sha256.Sum256([]byte(raw))
	copy(tokenKey[4:], sum[:])
	if e, ok, _ := a.cache.get(tokenKey[:]); ok && e.tokenExpires != nil && a.now().Before(*e.tokenExpires) {
		v := e.viewer
		return &v, nil
	}
	since := a.cache.generation()
	v, exp, err := a.verifyBearer(ctx, raw, since)
	if err != nil {
		return nil, err
	}
	a.cache.put(tokenKey[:], cacheEntry{viewer: *v, tokenExpires: &exp}, since)
	return v, nil
}

// verifyBearer checks the signature and loads the user; since is the cache generation read before.
func (a *Authenticator) verifyBearer(ctx context.Context, raw string, since uint64) (*viewer.Viewer, time.Time, error) {
	claims, err := a.jwt.Parse(raw, jwt.TypeAccess)
	if err != nil {
		msg := jwt.MessageInvalid
		if e, ok := errors.AsType[*jwt.Error](err); ok {
			msg = e.Message
		}
		return nil, time.Time{}, bearerInvalid(msg)
	}
	// The user behind a JWT is cached too, under a key no token digest can take (digests are 32 bytes).
	cacheKey := []byte("jwt-user:" + strconv.FormatInt(claims.UserID, 10))
	if e, ok, _ := a.cache.get(cacheKey); ok {
		v := e.viewer
		return &v, time.Unix(claims.Exp, 0), nil
	}
	u, err := a.db.User.Query().Where(user.ID(int(claims.UserID))).WithRoles().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, time.Time{}, ErrBearerUserNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("look up user %d: %w", claims.UserID, err)
	}
	if !u.IsActive {
		return nil, time.Time{}, ErrBearerUserInactive
	}
	roles := make([]string, 0, len(u.Edges.Roles))
	for _, r := range u.Edges.Roles {
		roles = append(roles, r.Name)
	}
	slices.Sort(roles)
	v := viewer.Viewer{UserID: u.ID, Username: u.Username, Email: u.Email, Roles: roles, JWT: true}
	a.cache.put(cacheKey, cacheEntry{viewer: v}, since)
	return &v, time.Unix(claims.Exp, 0), nil
}
