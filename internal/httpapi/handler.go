// Package httpapi implements the generated oas.Handler: it converts between wire types and the
// services, keeps DRF's pipeline order (permission before body errors) and maps every error to HTTP in
// one table (errors.go).
package httpapi

import (
	"context"
	"log/slog"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/reqbody"
	"github.com/gojoser/gojoser/internal/users"
	"github.com/gojoser/gojoser/internal/validation"
)

// Handler serves the API operations.
type Handler struct {
	users *users.Service
	log   *slog.Logger
	jwks  []byte
}

var _ oas.Handler = (*Handler)(nil)

// NewHandler returns a Handler.
// jwks is the JSON Web Key Set served at /.well-known/jwks.json.
func NewHandler(u *users.Service, log *slog.Logger, jwks []byte) *Handler {
	return &Handler{users: u, log: log, jwks: jwks}
}

func value(o oas.OptNilString) validation.Value {
	return validation.Value{Set: o.Set, Null: o.Null, S: o.Value}
}

func toUser(u users.User) *oas.User {
	return &oas.User{Email: u.Email, ID: int64(u.ID), Username: u.Username}
}

// viewer returns the authenticated requester. Operations that reach it declare security in the spec, so
// the generated server has already refused anonymous requests; the check guards against a spec mistake.
func viewer(ctx context.Context) (*auth.Viewer, error) {
	if v := auth.FromContext(ctx); v != nil {
		return v, nil
	}
	return nil, auth.ErrNotAuthenticated
}

// target authorises an /auth/users/{id}/ request and only then surfaces a body error, in DRF's order.
func (h *Handler) target(ctx context.Context, id string, a users.Action) (*auth.Viewer, int, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, 0, err
	}
	uid, err := h.users.Target(ctx, v, id, a)
	if err != nil {
		return nil, 0, err
	}
	return v, uid, reqbody.Err(ctx)
}

func (h *Handler) CreateUser(ctx context.Context, req *oas.UserCreateRequest) (oas.CreateUserRes, error) {
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
	r, err := h.users.Register(ctx, users.RegisterInput{
		Username: value(req.Username), Email: value(req.Email),
		Password: value(req.Password), RePassword: value(req.RePassword),
	}, site(ctx))
	if err != nil {
		return nil, err
	}
	out := &oas.UserCreated{Email: r.User.Email, Username: r.User.Username, ID: int64(r.User.ID)}
	if r.Token != "" {
		out.AuthToken = oas.NewOptString(r.Token)
	}
	return out, nil
}

func (h *Handler) ListUsers(ctx context.Context) (oas.ListUsersRes, error) {
	v, err := viewer(ctx)
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
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	return &oas.User{Email: v.Email, ID: int64(v.UserID), Username: v.Username}, nil
}

func (h *Handler) updateMe(ctx context.Context, req *oas.UserUpdateRequest) (*oas.User, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
	u, err := h.users.Update(ctx, v.UserID, users.UpdateInput{Email: value(req.Email)}, site(ctx))
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (h *Handler) UpdateMe(ctx context.Context, req *oas.UserUpdateRequest) (oas.UpdateMeRes, error) {
	return h.updateMe(ctx, req)
}

func (h *Handler) PartialUpdateMe(ctx context.Context, req *oas.UserUpdateRequest) (oas.PartialUpdateMeRes, error) {
	return h.updateMe(ctx, req)
}

func (h *Handler) DeleteMe(ctx context.Context, req *oas.UserDeleteRequest) (oas.DeleteMeRes, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
	if err := h.users.Delete(ctx, v, v.UserID, value(req.CurrentPassword)); err != nil {
		return nil, err
	}
	return &oas.DeleteMeNoContent{}, nil
}

func (h *Handler) GetUser(ctx context.Context, p oas.GetUserParams) (oas.GetUserRes, error) {
	_, id, err := h.target(ctx, p.ID, users.Retrieve)
	if err != nil {
		return nil, err
	}
	u, err := h.users.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (h *Handler) updateUser(ctx context.Context, req *oas.UserUpdateRequest, idParam string) (*oas.User, error) {
	_, id, err := h.target(ctx, idParam, users.Update)
	if err != nil {
		return nil, err
	}
	u, err := h.users.Update(ctx, id, users.UpdateInput{Email: value(req.Email)}, site(ctx))
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (h *Handler) UpdateUser(ctx context.Context, req *oas.UserUpdateRequest, p oas.UpdateUserParams) (oas.UpdateUserRes, error) {
	return h.updateUser(ctx, req, p.ID)
}

func (h *Handler) PartialUpdateUser(ctx context.Context, req *oas.UserUpdateRequest, p oas.PartialUpdateUserParams) (oas.PartialUpdateUserRes, error) {
	return h.updateUser(ctx, req, p.ID)
}

func (h *Handler) DeleteUser(ctx context.Context, req *oas.UserDeleteRequest, p oas.DeleteUserParams) (oas.DeleteUserRes, error) {
	v, id, err := h.target(ctx, p.ID, users.Destroy)
	if err != nil {
		return nil, err
	}
	if err := h.users.Delete(ctx, v, id, value(req.CurrentPassword)); err != nil {
		return nil, err
	}
	return &oas.DeleteUserNoContent{}, nil
}

func (h *Handler) TokenLogin(ctx context.Context, req *oas.TokenCreateRequest) (oas.TokenLoginRes, error) {
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
	key, err := h.users.Login(ctx, users.LoginInput{
		Username: value(req.Username), Password: value(req.Password), Label: value(req.Label),
	})
	if err != nil {
		return nil, err
	}
	return &oas.TokenCreated{AuthToken: key}, nil
}

func (h *Handler) TokenLogout(ctx context.Context) (oas.TokenLogoutRes, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.users.Logout(ctx, v); err != nil {
		return nil, err
	}
	return &oas.TokenLogoutNoContent{}, nil
}

func (h *Handler) GetMyRoles(ctx context.Context) (oas.GetMyRolesRes, error) {
	v, err := viewer(ctx)
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
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
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
	if err := h.users.Revoke(ctx, auth.FromContext(ctx), p.ID, p.Role); err != nil {
		return nil, err
	}
	return &oas.RevokeRoleNoContent{}, nil
}
