package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/reqinfo"
	"github.com/gojoser/gojoser/internal/users"
)

type exchangeKey struct{}

// exchange is what handlers may need of the HTTP exchange beyond the operation's typed input and the
// request facts in reqinfo: its cookies, and the answer's headers (for Set-Cookie).
type exchange struct {
	req    *http.Request
	header http.Header
}

// withExchange remembers the exchange's cookies and answer headers for the handlers.
func withExchange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := &exchange{req: r, header: w.Header()}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	})
}

// exchangeOf returns the request's exchange; nil only outside withExchange (never for an operation).
func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// site is where the request came from: Djoser builds mail links from its host and scheme unless the
// EMAIL_FRONTEND_* settings override them.
func site(ctx context.Context) users.Site {
	info := reqinfo.FromContext(ctx)
	s := users.Site{Domain: info.Host, Protocol: "http"}
	if info.TLS {
		s.Protocol = "https"
	}
	return s
}

// ApiRoot is DRF's DefaultRouter root: its one route, as an absolute link on the request's own site.
func (h *Handler) ApiRoot(ctx context.Context) (oas.ApiRootRes, error) {
	s := site(ctx)
	return &oas.APIRoot{Users: url.URL{Scheme: s.Protocol, Host: s.Domain, Path: "/auth/users/"}}, nil
}

func (h *Handler) ActivateUser(ctx context.Context, req *oas.UIDTokenRequest) (oas.ActivateUserRes, error) {
	if err := h.users.Activate(ctx, value(req.UID), value(req.Token), site(ctx)); err != nil {
		return nil, err
	}
	return &oas.ActivateUserNoContent{}, nil
}

func (h *Handler) ResendActivation(ctx context.Context, req *oas.EmailRequest) (oas.ResendActivationRes, error) {
	if err := h.users.RequestActivation(ctx, value(req.Email), site(ctx)); err != nil {
		return nil, err
	}
	return &oas.ResendActivationNoContent{}, nil
}

func (h *Handler) ResetPassword(ctx context.Context, req *oas.EmailRequest) (oas.ResetPasswordRes, error) {
	if err := h.users.RequestPasswordReset(ctx, value(req.Email), site(ctx)); err != nil {
		return nil, err
	}
	return &oas.ResetPasswordNoContent{}, nil
}

func (h *Handler) ResetUsername(ctx context.Context, req *oas.EmailRequest) (oas.ResetUsernameRes, error) {
	if err := h.users.RequestUsernameReset(ctx, value(req.Email), site(ctx)); err != nil {
		return nil, err
	}
	return &oas.ResetUsernameNoContent{}, nil
}

func (h *Handler) SetPassword(ctx context.Context, req *oas.SetPasswordRequest) (oas.SetPasswordRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	err = h.users.SetPassword(ctx, v, users.SetPasswordInput{
		NewPassword: value(req.NewPassword), ReNewPassword: value(req.ReNewPassword),
		CurrentPassword: value(req.CurrentPassword),
	}, site(ctx))
	if err != nil {
		return nil, err
	}
	return &oas.SetPasswordNoContent{}, nil
}

func (h *Handler) ResetPasswordConfirm(ctx context.Context, req *oas.ResetPasswordConfirmRequest) (oas.ResetPasswordConfirmRes, error) {
	err := h.users.ResetPasswordConfirm(ctx, users.ResetPasswordConfirmInput{
		UID: value(req.UID), Token: value(req.Token),
		NewPassword: value(req.NewPassword), ReNewPassword: value(req.ReNewPassword),
	}, site(ctx))
	if err != nil {
		return nil, err
	}
	return &oas.ResetPasswordConfirmNoContent{}, nil
}

func (h *Handler) SetUsername(ctx context.Context, req *oas.SetUsernameRequest) (oas.SetUsernameRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	err = h.users.SetUsername(ctx, v, users.SetUsernameInput{
		CurrentPassword: value(req.CurrentPassword),
		NewUsername:     value(req.NewUsername), ReNewUsername: value(req.ReNewUsername),
	}, site(ctx))
	if err != nil {
		return nil, err
	}
	return &oas.SetUsernameNoContent{}, nil
}

func (h *Handler) ResetUsernameConfirm(ctx context.Context, req *oas.ResetUsernameConfirmRequest) (oas.ResetUsernameConfirmRes, error) {
	err := h.users.ResetUsernameConfirm(ctx, users.ResetUsernameConfirmInput{
		UID: value(req.UID), Token: value(req.Token),
		NewUsername: value(req.NewUsername), ReNewUsername: value(req.ReNewUsername),
	}, site(ctx))
	if err != nil {
		return nil, err
	}
	return &oas.ResetUsernameConfirmNoContent{}, nil
}

func (h *Handler) ConfirmEmailChange(ctx context.Context, req *oas.UIDTokenRequest) (oas.ConfirmEmailChangeRes, error) {
	if err := h.users.ConfirmEmailChange(ctx, value(req.UID), value(req.Token)); err != nil {
		return nil, err
	}
	return &oas.ConfirmEmailChangeNoContent{}, nil
}
