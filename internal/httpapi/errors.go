package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/reqbody"
	"github.com/gojoser/gojoser/internal/users"
	"github.com/gojoser/gojoser/internal/validation"
)

// httpError is what a domain error becomes on the wire.
type httpError struct {
	status int
	body   any // marshalled as JSON; key order matters, so field errors use *validation.Errors
}

type detail struct {
	Detail string `json:"detail"`
}

type nonField struct {
	NonFieldErrors []string `json:"non_field_errors"`
}

// toHTTP is the one table that maps errors to responses. Everything not listed is a 500 whose cause is
// logged and never sent.
func toHTTP(err error) (httpError, bool) {
	var (
		verrs *validation.Errors
		berr  *reqbody.Error
		aerr  *auth.Error
		perr  *auth.PermissionError
		derr  *ogenerrors.DecodeParamsError
		rerr  *ogenerrors.DecodeRequestError
	)
	switch {
	case errors.As(err, &verrs):
		return httpError{http.StatusBadRequest, verrs}, true
	case errors.As(err, &berr):
		if berr.Detail != "" {
			return httpError{berr.Status, detail{berr.Detail}}, true
		}
		return httpError{berr.Status, nonField{berr.NonFieldErrors}}, true
	case errors.As(err, &aerr):
		return httpError{http.StatusUnauthorized, detail{aerr.Detail}}, true
	case errors.As(err, &perr):
		return httpError{http.StatusForbidden, detail{perr.Detail}}, true
	case errors.Is(err, ogenerrors.ErrSecurityRequirementIsNotSatisfied):
		return httpError{http.StatusUnauthorized, detail{auth.ErrNotAuthenticated.Detail}}, true
	case errors.As(err, new(users.EmailNotFoundError)):
		// Djoser raises this outside is_valid(), so DRF renders a bare list, not an object.
		return httpError{http.StatusBadRequest, []string{err.Error()}}, true
	case errors.Is(err, users.ErrActivationDisabled):
		return httpError{http.StatusBadRequest, detail{"Account activation is disabled."}}, true
	case errors.Is(err, users.ErrNotFound):
		return httpError{http.StatusNotFound, detail{"Not found."}}, true
	case errors.As(err, &derr), errors.As(err, &rerr):
		return httpError{http.StatusBadRequest, detail{"Malformed request."}}, true
	}
	return httpError{http.StatusInternalServerError, detail{"A server error occurred."}}, false
}

// errorHandler is the generated server's single exit for handler, security and decoding errors.
func errorHandler(log *slog.Logger) func(context.Context, http.ResponseWriter, *http.Request, error) {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// The client went away; nobody is left to answer.
			return
		}
		he, known := toHTTP(err)
		if !known {
			log.ErrorContext(ctx, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeJSON(w, he.status, he.body)
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"A server error occurred."}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, detail{msg})
}
