// Package httpapi is the HTTP adapter: it implements the generated oas.Handler by converting between
// wire types and the services, adapts the authenticator to the generated security checks, keeps DRF's
// pipeline order around the generated router (routes.go, compat.go) and hands every error to the one
// table in internal/drf.
package httpapi

import (
	"context"
	"net/http"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/users"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// Handler serves the API operations.
type Handler struct {
	users *users.Service
	jwks  []byte
	// cookies is cookie mode's jar; nil when it is off.
	cookies *cookieJar
	social  SocialOptions
}

var _ oas.Handler = (*Handler)(nil)

// NewHandler returns a Handler.
// jwks is the JSON Web Key Set served at /.well-known/jwks.json.
func NewHandler(u *users.Service, jwks []byte) *Handler {
	return &Handler{users: u, jwks: jwks}
}

func value(o oas.OptNilString) validation.Value {
	return validation.Value{Set: o.Set, Null: o.Null, S: o.Value}
}

// deref is *p, or the zero value for nil (the generated converters' nullable fields).
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// requester returns the authenticated viewer. Operations that reach it declare security in the spec, so
// the generated server has already refused anonymous requests; the check guards against a spec mistake.
func requester(ctx context.Context) (*viewer.Viewer, error) {
	if v := viewer.FromContext(ctx); v != nil {
		return v, nil
	}
	return nil, drf.ErrNotAuthenticated
}

// authorize resolves the {id} of /auth/users/{id}/ for the requester and action a.
func (h *Handler) authorize(ctx context.Context, id string, a users.Action) (users.Subject, error) {
	v, err := requester(ctx)
	if err != nil {
		return users.Subject{}, err
	}
	return h.users.Authorize(ctx, v, id, a)
}

// self is the requester's own account, for the /me/ endpoints.
func self(ctx context.Context) (users.Subject, error) {
	v, err := requester(ctx)
	if err != nil {
		return users.Subject{}, err
	}
	return users.Self(v), nil
}

// actionOf is the viewset action a detail route's method performs.
func actionOf(method string) users.Action {
	switch method {
	case http.MethodPut, http.MethodPatch:
		return users.Update
	case http.MethodDelete:
		return users.Destroy
	}
	return users.Retrieve
}

func (h *Handler) CreateUser(ctx context.Context, req *oas.UserCreateRequest) (oas.CreateUserRes, error) {
	r, err := h.users.CreateUser(ctx, viewer.FromContext(ctx), registerInput(req), site(ctx))
	if err != nil {
		return nil, err
	}
	return toUserCreated(r), nil
}

func (h *Handler) ListUsers(ctx context.Context) (oas.ListUsersRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	us, err := h.users.List(ctx, v)
	if err != nil {
		return nil, err
	}
	out := make(oas.ListUsersOKApplicationJSON, len(us))
	for i, u := range us {
		out[i] = *toUser(u)
	}
	return &out, nil
}

// GetMe answers from the authenticated viewer: it was resolved for this request (or served from the
// auth cache, which every change to the user invalidates), so a second query would add nothing.
func (h *Handler) GetMe(ctx context.Context) (oas.GetMeRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	return toUser(users.User{ID: v.UserID, Username: v.Username, Email: v.Email, Profile: v.Profile}), nil
}

func (h *Handler) updateMe(ctx context.Context, req *oas.UserUpdateRequest, partial bool) (*oas.User, error) {
	me, err := self(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.users.Update(ctx, me, updateInput(req, partial), site(ctx))
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (h *Handler) UpdateMe(ctx context.Context, req *oas.UserUpdateRequest) (oas.UpdateMeRes, error) {
	return h.updateMe(ctx, req, false)
}

func (h *Handler) PartialUpdateMe(ctx context.Context, req *oas.UserUpdateRequest) (oas.PartialUpdateMeRes, error) {
	return h.updateMe(ctx, req, true)
}

func (h *Handler) DeleteMe(ctx context.Context, req *oas.UserDeleteRequest) (oas.DeleteMeRes, error) {
	me, err := self(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.users.Delete(ctx, me, value(req.CurrentPassword)); err != nil {
		return nil, err
	}
	h.cookies.clear(ctx)
	return &oas.DeleteMeNoContent{}, nil
}

func (h *Handler) GetUser(ctx context.Context, p oas.GetUserParams) (oas.GetUserRes, error) {
	t, err := h.authorize(ctx, p.ID, users.Retrieve)
	if err != nil {
		return nil, err
	}
	u, err := h.users.Get(ctx, t)
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (h *Handler) updateUser(ctx context.Context, req *oas.UserUpdateRequest, idParam string, partial bool) (*oas.User, error) {
	t, err := h.authorize(ctx, idParam, users.Update)
	if err != nil {
		return nil, err
	}
	u, err := h.users.Update(ctx, t, updateInput(req, partial), site(ctx))
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (h *Handler) UpdateUser(ctx context.Context, req *oas.UserUpdateRequest, p oas.UpdateUserParams) (oas.UpdateUserRes, error) {
	return h.updateUser(ctx, req, p.ID, false)
}

func (h *Handler) PartialUpdateUser(ctx context.Context, req *oas.UserUpdateRequest, p oas.PartialUpdateUserParams) (oas.PartialUpdateUserRes, error) {
	return h.updateUser(ctx, req, p.ID, true)
}

func (h *Handler) DeleteUser(ctx context.Context, req *oas.UserDeleteRequest, p oas.DeleteUserParams) (oas.DeleteUserRes, error) {
	t, err := h.authorize(ctx, p.ID, users.Destroy)
	if err != nil {
		return nil, err
	}
	if err := h.users.Delete(ctx, t, value(req.CurrentPassword)); err != nil {
		return nil, err
	}
	return &oas.DeleteUserNoContent{}, nil
}

func (h *Handler) TokenLogin(ctx context.Context, req *oas.TokenCreateRequest) (oas.TokenLoginRes, error) {
	key, err := h.users.Login(ctx, loginInput(req))
	if err != nil {
		return nil, err
	}
	h.cookies.setToken(ctx, key)
	return &oas.TokenCreated{AuthToken: key}, nil
}

func (h *Handler) TokenLogout(ctx context.Context) (oas.TokenLogoutRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.users.Logout(ctx, v); err != nil {
		return nil, err
	}
	h.cookies.clear(ctx)
	return &oas.TokenLogoutNoContent{}, nil
}

func (h *Handler) GetMyRoles(ctx context.Context) (oas.GetMyRolesRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	return &oas.RoleNames{Roles: users.MyRoles(v)}, nil
}

func (h *Handler) ListRoles(ctx context.Context) (oas.ListRolesRes, error) {
	names, err := h.users.Roles(ctx)
	if err != nil {
		return nil, err
	}
	out := make(oas.ListRolesOKApplicationJSON, len(names))
	for i, n := range names {
		out[i] = oas.Role{Name: n}
	}
	return &out, nil
}

func (h *Handler) CreateRole(ctx context.Context, req *oas.RoleCreateRequest) (oas.CreateRoleRes, error) {
	name, err := h.users.CreateRole(ctx, value(req.Name))
	if err != nil {
		return nil, err
	}
	return &oas.Role{Name: name}, nil
}

func (h *Handler) ListUserRoles(ctx context.Context, p oas.ListUserRolesParams) (oas.ListUserRolesRes, error) {
	names, err := h.users.UserRoles(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return &oas.RoleNames{Roles: names}, nil
}

func (h *Handler) GrantRole(ctx context.Context, p oas.GrantRoleParams) (oas.GrantRoleRes, error) {
	if err := h.users.Grant(ctx, p.ID, p.Role); err != nil {
		return nil, err
	}
	return &oas.GrantRoleNoContent{}, nil
}

func (h *Handler) RevokeRole(ctx context.Context, p oas.RevokeRoleParams) (oas.RevokeRoleRes, error) {
	if err := h.users.Revoke(ctx, viewer.FromContext(ctx), p.ID, p.Role); err != nil {
		return nil, err
	}
	return &oas.RevokeRoleNoContent{}, nil
}
