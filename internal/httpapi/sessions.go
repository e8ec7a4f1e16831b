package httpapi

import (
	"context"
	"time"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/users"
)

func toSessions(ss []users.Session) *oas.ListMyTokensOKApplicationJSON {
	out := make(oas.ListMyTokensOKApplicationJSON, len(ss))
	for i, s := range ss {
		out[i] = oas.Session{ID: int64(s.ID), Label: s.Label, Created: s.Created.UTC(),
			LastUsed: nilTime(s.LastUsed), Expires: nilTime(s.ExpiresAt), Current: s.Current}
	}
	return &out
}

func nilTime(t *time.Time) oas.NilDateTime {
	if t == nil {
		return oas.NilDateTime{Null: true}
	}
	return oas.NewNilDateTime(t.UTC())
}

func (h *Handler) ListMyTokens(ctx context.Context) (oas.ListMyTokensRes, error) {
	me, err := self(ctx)
	if err != nil {
		return nil, err
	}
	ss, err := h.users.Sessions(ctx, me)
	if err != nil {
		return nil, err
	}
	return toSessions(ss), nil
}

func (h *Handler) ListUserTokens(ctx context.Context, p oas.ListUserTokensParams) (oas.ListUserTokensRes, error) {
	t, err := h.authorize(ctx, p.ID, users.Retrieve)
	if err != nil {
		return nil, err
	}
	ss, err := h.users.Sessions(ctx, t)
	if err != nil {
		return nil, err
	}
	return toSessions(ss), nil
}

func (h *Handler) RevokeUserTokens(ctx context.Context, p oas.RevokeUserTokensParams) (oas.RevokeUserTokensRes, error) {
	t, err := h.authorize(ctx, p.ID, users.Destroy)
	if err != nil {
		return nil, err
	}
	if err := h.users.RevokeUserSessions(ctx, t); err != nil {
		return nil, err
	}
	return &oas.RevokeUserTokensNoContent{}, nil
}

func (h *Handler) RequestUserPasswordReset(ctx context.Context, p oas.RequestUserPasswordResetParams) (oas.RequestUserPasswordResetRes, error) {
	t, err := h.authorize(ctx, p.ID, users.Update)
	if err != nil {
		return nil, err
	}
	if err := h.users.RequestUserPasswordReset(ctx, t, site(ctx)); err != nil {
		return nil, err
	}
	return &oas.RequestUserPasswordResetNoContent{}, nil
}

func (h *Handler) RevokeToken(ctx context.Context, p oas.RevokeTokenParams) (oas.RevokeTokenRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.users.RevokeSession(ctx, v, p.ID); err != nil {
		return nil, err
	}
	return &oas.RevokeTokenNoContent{}, nil
}

func (h *Handler) LogoutAll(ctx context.Context) (oas.LogoutAllRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.users.LogoutAll(ctx, v); err != nil {
		return nil, err
	}
	h.cookies.clear(ctx)
	return &oas.LogoutAllNoContent{}, nil
}
