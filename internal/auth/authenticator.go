package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/jwt"
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
}

// touchEvery throttles last_used writes: a busy token costs one write a minute, not one per request.
const touchEvery = time.Minute

// NewAuthenticator returns an Authenticator; now may be nil (time.Now), jwt may be nil.
func NewAuthenticator(db *ent.Client, jwtm *jwt.Manager, cache *Cache, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{db: db, jwt: jwtm, cache: cache, now: now}
}

// Authenticate parses header as DRF's TokenAuthentication does. It returns (nil, nil) for a request that
// carries no credentials this server understands (no header, another scheme): DRF treats those as
// anonymous and lets the permission check decide.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (*Viewer, error) {
	// DRF splits the raw header bytes on ASCII whitespace, so "Token\t<key>" and surrounding blanks work.
	parts := strings.FieldsFunc(header, isASCIISpace)
	if len(parts) == 0 {
		return nil, nil
	}
	if !strings.EqualFold(parts[0], "token") {
		// SimpleJWT matches its scheme case-sensitively: "bearer x" is anonymous.
		if parts[0] == "Bearer" && a.jwt != nil {
			return a.authenticateBearer(ctx, strings.Fields(header))
		}
		return nil, nil
	}
	switch {
	case len(parts) == 1:
		return nil, ErrNoCredentials
	case len(parts) > 2:
		return nil, ErrTokenHasSpaces
	case !utf8.ValidString(parts[1]):
		return nil, ErrTokenInvalidChar
	}
	return a.resolveKey(ctx, parts[1])
}

func isASCIISpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

func (a *Authenticator) resolveKey(ctx context.Context, key string) (*Viewer, error) {
	digest := Digest(key)
	now := a.now()
	if e, ok := a.cache.get(digest); ok {
		if e.tokenExpires != nil && !now.Before(*e.tokenExpires) {
			a.cache.InvalidateUser(e.viewer.UserID)
			return nil, ErrInvalidToken
		}
		if e.lastUsed == nil || now.Sub(*e.lastUsed) >= touchEvery {
			a.cache.touched(digest, now, a.touch(ctx, e.viewer.TokenID, now, e.tokenExpires))
		}
		v := e.viewer
		return &v, nil
	}
	t, err := a.db.Token.Query().
		Where(token.Digest(digest)).
		WithUser(func(q *ent.UserQuery) { q.WithRoles() }).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	// The index lookup already matched; comparing the digests again in constant time keeps the check
	// itself free of timing differences whatever the database does.
	if subtle.ConstantTimeCompare(t.Digest, digest) != 1 {
		return nil, ErrInvalidToken
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	u := t.Edges.User
	if !u.IsActive {
		return nil, ErrUserInactive
	}
	expires, lastUsed := t.ExpiresAt, t.LastUsed
	if lastUsed == nil || now.Sub(*lastUsed) >= touchEvery {
		expires, lastUsed = a.touch(ctx, t.ID, now, t.ExpiresAt), &now
	}
	roles := make([]string, 0, len(u.Edges.Roles))
	for _, r := range u.Edges.Roles {
		roles = append(roles, r.Name)
	}
	slices.Sort(roles)
	v := Viewer{UserID: u.ID, Username: u.Username, Email: u.Email, Roles: roles, TokenID: t.ID}
	a.cache.put(digest, cacheEntry{viewer: v, tokenExpires: expires, lastUsed: lastUsed})
	return &v, nil
}

// touch records a use of token id, at most once a minute per token, and slides its expiry under
// GOJOSER_TOKEN_TTL. It returns the token's expiry after the write.
func (a *Authenticator) touch(ctx context.Context, id int, now time.Time, expires *time.Time) *time.Time {
	upd := a.db.Token.UpdateOneID(id).SetLastUsed(now)
	if a.TokenTTL > 0 {
		e := now.Add(a.TokenTTL)
		upd.SetExpiresAt(e)
		expires = &e
	}
	// Best effort: a failed bookkeeping write must not fail an authenticated request.
	_ = upd.Exec(ctx)
	return expires
}

// authenticateBearer is SimpleJWT's JWTAuthentication: parts is the header split on whitespace.
func (a *Authenticator) authenticateBearer(ctx context.Context, parts []string) (*Viewer, error) {
	if len(parts) != 2 {
		return nil, ErrBearerHeader
	}
	claims, err := a.jwt.Parse(parts[1], jwt.TypeAccess)
	if err != nil {
		msg := jwt.MessageInvalid
		if e, ok := errors.AsType[*jwt.Error](err); ok {
			msg = e.Message
		}
		return nil, bearerInvalid(msg)
	}
	// The user behind a JWT is cached too, under a key no token digest can take (digests are 32 bytes).
	cacheKey := []byte("jwt-user:" + strconv.FormatInt(claims.UserID, 10))
	if e, ok := a.cache.get(cacheKey); ok {
		v := e.viewer
		return &v, nil
	}
	u, err := a.db.User.Query().Where(user.ID(int(claims.UserID))).WithRoles().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrBearerUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %d: %w", claims.UserID, err)
	}
	if !u.IsActive {
		return nil, ErrBearerUserInactive
	}
	roles := make([]string, 0, len(u.Edges.Roles))
	for _, r := range u.Edges.Roles {
		roles = append(roles, r.Name)
	}
	slices.Sort(roles)
	v := Viewer{UserID: u.ID, Username: u.Username, Email: u.Email, Roles: roles, JWT: true}
	a.cache.put(cacheKey, cacheEntry{viewer: v})
	return &v, nil
}

// SecurityHandler answers the generated server's security checks.
type SecurityHandler struct {
	auth *Authenticator
}

var _ oas.SecurityHandler = (*SecurityHandler)(nil)

// NewSecurityHandler wraps an Authenticator for the generated server.
func NewSecurityHandler(a *Authenticator) *SecurityHandler { return &SecurityHandler{auth: a} }

// HandleTokenAuth authenticates the request and enforces the roles the operation declares in
// openapi.yaml (security: [{tokenAuth: [admin]}]); this is the only place roles are checked.
func (h *SecurityHandler) HandleTokenAuth(ctx context.Context, _ oas.OperationName, t oas.TokenAuth) (context.Context, error) {
	v, err := h.auth.Authenticate(ctx, t.APIKey)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, ogenerrors.ErrSkipServerSecurity
	}
	for _, role := range t.Roles {
		if !v.HasRole(role) {
			return nil, ErrPermissionDenied
		}
	}
	return WithViewer(ctx, v), nil
}
