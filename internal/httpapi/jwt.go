package httpapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gojoser/gojoser/gen/oas"
)

func (h *Handler) JwtCreate(ctx context.Context, req *oas.JWTCreateRequest) (oas.JwtCreateRes, error) {
	p, err := h.users.JWTCreate(ctx, value(req.Username), value(req.Password))
	if err != nil {
		return nil, err
	}
	return &oas.JWTPair{Refresh: p.Refresh, Access: p.Access}, nil
}

func (h *Handler) JwtRefresh(ctx context.Context, req *oas.JWTRefreshRequest) (oas.JwtRefreshRes, error) {
	p, err := h.users.JWTRefresh(ctx, value(req.Refresh))
	if err != nil {
		return nil, err
	}
	out := &oas.JWTRefreshed{Access: p.Access}
	if p.Refresh != "" {
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
	if err := h.users.JWTBlacklist(ctx, value(req.Refresh)); err != nil {
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
