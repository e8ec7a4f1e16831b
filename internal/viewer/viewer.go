// Package viewer is who is asking: the authenticated user behind a request, with their roles. Services
// decide what a viewer may do; internal/auth resolves one from a request's credentials.
package viewer

import (
	"context"
	"slices"
)

// AdminRole holders are Djoser's staff. The role is built in: migrations create it.
const AdminRole = "admin"

// Viewer is the authenticated requester, resolved once per request with their roles.
type Viewer struct {
	UserID   int
	Username string
	Email    string
	Roles    []string // sorted
	// TokenID is the opaque token the request came with; logout revokes it. 0 for a JWT.
	TokenID int
	// JWT is set when the request came with a Bearer access token.
	JWT bool
}

// HasRole reports whether the viewer holds role.
func (v *Viewer) HasRole(role string) bool {
	_, found := slices.BinarySearch(v.Roles, role)
	return found
}

// IsAdmin reports whether the viewer is staff.
func (v *Viewer) IsAdmin() bool { return v.HasRole(AdminRole) }

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer, or nil for an anonymous request.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}
