package httpapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/validation"
)

func (h *Handler) JwtCreate(ctx context.Context, req *oas.JWTCreateRequest) (oas.JwtCreateRes, error) {
	p, err := h.users.JWTCreate(ctx, jwtCreateInput(req))
	if err != nil {
		return nil, err
	}
	h.cookies.setPair(ctx, p)
	return &oas.JWTPair{Refresh: p.Refresh, Access: p.Access}, nil
}

// refreshToken is the refresh token of a request to refresh or blacklist: the body's, or in cookie
// mode, when the body has none, the refresh cookie's (fromCookie).
func (h *Handler) refreshToken(ctx context.Context, in oas.OptNilString) (v validation.Value, fromCookie bool) {
	if !in.Set {
		if c := h.cookies.refresh(ctx); c != "" {
			return validation.Value{Set: true, S: c}, true
		}
	}
	return value(in), false
}

func (h *Handler) JwtRefresh(ctx context.Context, req *oas.JWTRefreshRequest) (oas.JwtRefreshRes, error) {
	tok, fromCookie := h.refreshToken(ctx, req.Refresh)
	p, err := h.users.JWTRefresh(ctx, tok)
	if err != nil {
		if fromCookie && isAuthFailure(err) {
			h.cookies.clear(ctx) // the session it held is over
		}
		return nil, err
	}
	h.cookies.setPair(ctx, p)
	out := &oas.JWTRefreshed{Access: p.Access}
	// A refresh token that came in a cookie goes back only in a cookie: no script gets to read it.
	if p.Refresh != "" && !fromCookie {
		out.Refresh = oas.NewOptString(p.Refresh)
	}
	return out, nil
}

func (h *Handler) JwtVerify(ctx context.Context, req *oas.JWTVerifyRequest) (oas.JwtVerifyRes, error) {
	if err := h.users.JWTVerify(ctx, value(req.Token)); err != nil {
		return nil, err
	}
	return &oas.Empty{}, nil
}

func (h *Handler) JwtBlacklist(ctx context.Context, req *oas.JWTRefreshRequest) (oas.JwtBlacklistRes, error) {
	tok, _ := h.refreshToken(ctx, req.Refresh)
	err := h.users.JWTBlacklist(ctx, tok)
	if !req.Refresh.Set {
		// A logout by cookie: whether or not a refresh cookie was left, or still good, the session ends.
		h.cookies.clear(ctx)
	}
	if err != nil {
		return nil, err
	}
	return &oas.Empty{}, nil
}

func (h *Handler) GetJWKS(ctx context.Context) (*oas.JWKS, error) {
	var set struct {
		Keys []oas.JWKSKeysItem `json:"keys"`
	}
	if err := json.Unmarshal(h.jwks, &set); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	if set.Keys == nil {
		set.Keys = []oas.JWKSKeysItem{}
	}
	return &oas.JWKS{Keys: set.Keys}, nil
}
