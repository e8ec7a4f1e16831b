package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/social"
	"github.com/gojoser/gojoser/internal/users"
)

// SocialOptions configure social login (/auth/o/{provider}/); a nil Manager answers 404 there.
type SocialOptions struct {
	Manager *social.Manager
	// The browser cookie's attributes, as for cookie mode's cookies, and how long it lasts.
	Secure        bool
	SameSite      http.SameSite
	StateLifetime time.Duration
}

// socialCookie holds the browser's nonce, which binds a social login's state to the browser that
// started it. It is sent to /auth/o/ only.
const (
	socialCookie     = "gojoser_social"
	socialCookiePath = "/auth/o/"
)

func (h *Handler) SocialAuthURL(ctx context.Context, p oas.SocialAuthURLParams) (oas.SocialAuthURLRes, error) {
	if h.social.Manager == nil {
		return nil, drf.ErrNotFound
	}
	browser := h.browserNonce(ctx)
	if browser == "" {
		browser = social.NewBrowserNonce()
	}
	u, err := h.social.Manager.Start(ctx, p.Provider, p.RedirectURI.Value, browser)
	if errors.Is(err, social.ErrUnknownProvider) {
		return nil, drf.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	// Renewed on every start, so a flow begun now can finish within the state's lifetime; the nonce
	// stays the same, so flows started in several tabs all finish.
	if x := exchangeOf(ctx); x != nil {
		c := &http.Cookie{Name: socialCookie, Value: browser, Path: socialCookiePath, HttpOnly: true,
			Secure: h.social.Secure, SameSite: h.social.SameSite, MaxAge: int(h.social.StateLifetime / time.Second)}
		x.header.Add("Set-Cookie", c.String())
	}
	return &oas.SocialAuthURL{AuthorizationURL: u}, nil
}

// browserNonce is the request's gojoser_social cookie, or "" when it has none that could be one.
func (h *Handler) browserNonce(ctx context.Context) string {
	x := exchangeOf(ctx)
	if x == nil {
		return ""
	}
	c, err := x.req.Cookie(socialCookie)
	if err != nil || !social.ValidBrowserNonce(c.Value) {
		return ""
	}
	return c.Value
}

func (h *Handler) SocialLogin(ctx context.Context, req oas.OptSocialLoginRequest, p oas.SocialLoginParams) (oas.SocialLoginRes, error) {
	if h.social.Manager == nil {
		return nil, drf.ErrNotFound
	}
	// python-social-auth reads the query string and then the body, which wins.
	code, state := p.Code.Value, p.State.Value
	if b := req.Value; req.Set {
		if b.Code.Set && !b.Code.Null {
			code = b.Code.Value
		}
		if b.State.Set && !b.State.Null {
			state = b.State.Value
		}
	}
	id, err := h.social.Manager.Finish(ctx, p.Provider, code, state, h.browserNonce(ctx))
	if errors.Is(err, social.ErrUnknownProvider) {
		return nil, drf.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	res, err := h.users.LoginWithIdentity(ctx, users.SocialIdentity{
		Provider: id.Provider, Subject: id.Subject, Email: id.Email, EmailVerified: id.EmailVerified, Username: id.Username,
	})
	if err != nil {
		return nil, err
	}
	h.cookies.setPair(ctx, res.Pair)
	return &oas.SocialLogin{Access: res.Access, Refresh: res.Refresh, User: res.Username}, nil
}

func (h *Handler) ListMyIdentities(ctx context.Context) (oas.ListMyIdentitiesRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := h.users.Identities(ctx, v)
	if err != nil {
		return nil, err
	}
	out := make(oas.ListMyIdentitiesOKApplicationJSON, len(ids))
	for i, x := range ids {
		out[i] = oas.Identity{ID: int64(x.ID), Provider: x.Provider, UID: x.Subject, Email: x.Email, Created: x.Created.UTC()}
	}
	return &out, nil
}

func (h *Handler) UnlinkIdentity(ctx context.Context, p oas.UnlinkIdentityParams) (oas.UnlinkIdentityRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.users.UnlinkIdentity(ctx, v, p.ID); err != nil {
		return nil, err
	}
	return &oas.UnlinkIdentityNoContent{}, nil
}
