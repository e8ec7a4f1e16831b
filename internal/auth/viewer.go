// Package auth turns an Authorization header into the requesting user (the viewer) and answers the
// generated server's security checks, including the roles each operation declares in openapi.yaml.
package auth

import (
	"context"
	"slices"
)

// AdminRole holders are Djoser's staff.
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

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer, or nil for an anonymous request.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}
