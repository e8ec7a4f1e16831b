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
	// bearerRealm: SimpleJWT's own views answer 401 with WWW-Authenticate: Bearer realm="api".
	bearerRealm bool
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
		jerr  *auth.BearerError
		perr  *auth.PermissionError
		derr  *ogenerrors.DecodeParamsError
		rerr  *ogenerrors.DecodeRequestError
	)
	switch {
	case errors.As(err, &verrs):
		return httpError{status: http.StatusBadRequest, body: verrs}, true
	case errors.As(err, &berr):
		if berr.Detail != "" {
			return httpError{status: berr.Status, body: detail{berr.Detail}}, true
		}
		return httpError{status: berr.Status, body: nonField{berr.NonFieldErrors}}, true
	case errors.As(err, &jerr):
		return httpError{status: http.StatusUnauthorized, body: jerr, bearerRealm: jerr.JWTView}, true
	case errors.As(err, &aerr):
		return httpError{status: http.StatusUnauthorized, body: detail{aerr.Detail}}, true
	case errors.As(err, &perr):
		return httpError{status: http.StatusForbidden, body: detail{perr.Detail}}, true
	case errors.Is(err, ogenerrors.ErrSecurityRequirementIsNotSatisfied):
		return httpError{status: http.StatusUnauthorized, body: detail{auth.ErrNotAuthenticated.Detail}}, true
	case errors.As(err, new(users.EmailNotFoundError)):
		// Djoser raises this outside is_valid(), so DRF renders a bare list, not an object.
		return httpError{status: http.StatusBadRequest, body: []string{err.Error()}}, true
	case errors.Is(err, users.ErrActivationDisabled):
		return httpError{status: http.StatusBadRequest, body: detail{"Account activation is disabled."}}, true
	case errors.Is(err, users.ErrNotFound):
		return httpError{status: http.StatusNotFound, body: detail{"Not found."}}, true
	case errors.As(err, &derr), errors.As(err, &rerr):
		return httpError{status: http.StatusBadRequest, body: detail{"Malformed request."}}, true
	}
	return httpError{status: http.StatusInternalServerError, body: detail{"A server error occurred."}}, false
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
		if he.bearerRealm {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
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
