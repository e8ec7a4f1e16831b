package httpapi

import (
	"context"
	"net/http"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/reqbody"
	"github.com/gojoser/gojoser/internal/users"
)

type siteKey struct{}

// withSite remembers the request's host and scheme: Djoser builds mail links from them unless the
// EMAIL_FRONTEND_* settings override them.
func withSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := outbox.Site{Domain: r.Host, Protocol: "http"}
		if r.TLS != nil {
			s.Protocol = "https"
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), siteKey{}, s)))
	})
}

func site(ctx context.Context) outbox.Site {
	s, _ := ctx.Value(siteKey{}).(outbox.Site)
	return s
}

func (h *Handler) ActivateUser(ctx context.Context, req *oas.UIDTokenRequest) (oas.ActivateUserRes, error) {
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
	if err := h.users.Activate(ctx, value(req.UID), value(req.Token), site(ctx)); err != nil {
		return nil, err
	}
	return &oas.ActivateUserNoContent{}, nil
}

func (h *Handler) requestByEmail(ctx context.Context, kind mail.Kind, req *oas.EmailRequest) error {
	if err := reqbody.Err(ctx); err != nil {
		return err
	}
	return h.users.RequestByEmail(ctx, kind, value(req.Email), site(ctx))
}

func (h *Handler) ResendActivation(ctx context.Context, req *oas.EmailRequest) (oas.ResendActivationRes, error) {
	if err := h.requestByEmail(ctx, mail.Activation, req); err != nil {
		return nil, err
	}
	return &oas.ResendActivationNoContent{}, nil
}

func (h *Handler) ResetPassword(ctx context.Context, req *oas.EmailRequest) (oas.ResetPasswordRes, error) {
	if err := h.requestByEmail(ctx, mail.PasswordReset, req); err != nil {
		return nil, err
	}
	return &oas.ResetPasswordNoContent{}, nil
}

func (h *Handler) ResetUsername(ctx context.Context, req *oas.EmailRequest) (oas.ResetUsernameRes, error) {
	if err := h.requestByEmail(ctx, mail.UsernameReset, req); err != nil {
		return nil, err
	}
	return &oas.ResetUsernameNoContent{}, nil
}

func (h *Handler) SetPassword(ctx context.Context, req *oas.SetPasswordRequest) (oas.SetPasswordRes, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := reqbody.Err(ctx); err != nil {
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
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
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
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := reqbody.Err(ctx); err != nil {
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
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
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
	if err := reqbody.Err(ctx); err != nil {
		return nil, err
	}
	if err := h.users.ConfirmEmailChange(ctx, value(req.UID), value(req.Token)); err != nil {
		return nil, err
	}
	return &oas.ConfirmEmailChangeNoContent{}, nil
}
