package httpapi

import (
	"context"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/viewer"
)

// security adapts the authenticator to the generated server's security checks.
type security struct {
	auth *auth.Authenticator
	// cookies: cookie mode is on, so the request may carry a viewer cookieAuth already resolved.
	cookies bool
}

var _ oas.SecurityHandler = security{}

// HandleTokenAuth authenticates the request and enforces the roles the operation declares in
// openapi.yaml (security: [{tokenAuth: [admin]}]); this is the only place roles are checked.
func (s security) HandleTokenAuth(ctx context.Context, _ oas.OperationName, t oas.TokenAuth) (context.Context, error) {
	var v *viewer.Viewer
	if s.cookies {
		v = cookieViewer(ctx)
	}
	if v == nil {
		var err error
		if v, err = s.auth.Authenticate(ctx, t.APIKey); err != nil {
			return nil, err
		}
	}
	if v == nil {
		return nil, ogenerrors.ErrSkipServerSecurity
	}
	for _, role := range t.Roles {
		if !v.HasRole(role) {
			return nil, drf.ErrPermissionDenied
		}
	}
	return viewer.NewContext(ctx, v), nil
}
