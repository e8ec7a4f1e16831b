package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
	"github.com/gojoser/gojoser/internal/store"
)

// errorHandler is the generated server's single exit for handler, security and decoding errors. The
// generated server's own failures are named in DRF's terms here; drf.Render then answers every error,
// and an error it does not know is a 500 whose cause is logged and never sent.
func errorHandler(log *slog.Logger) func(context.Context, http.ResponseWriter, *http.Request, error) {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// The client went away; nobody is left to answer.
			return
		}
		writeError(ctx, log, w, r, err)
	}
}

// writeError answers err, logging what the client is not told: the cause of a 500, and of a 503.
func writeError(ctx context.Context, log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	named := name(err)
	if known := drfhttp.Error(w, named); !known {
		log.ErrorContext(ctx, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if named != err && store.Unavailable(err) {
		log.WarnContext(ctx, "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// unavailableRetryAfter is the Retry-After of a 503: about as long as a PostgreSQL restart takes.
const unavailableRetryAfter = 5

// name gives errors that are not drf's the name DRF would give them: a security requirement nobody
// satisfied is NotAuthenticated, parameters or a body the generated server cannot decode are a
// ParseError, and a database that cannot be reached is a 503 with Retry-After, never a 500.
func name(err error) error {
	var (
		derr *ogenerrors.DecodeParamsError
		rerr *ogenerrors.DecodeRequestError
	)
	switch {
	case errors.Is(err, ogenerrors.ErrSecurityRequirementIsNotSatisfied):
		return drf.ErrNotAuthenticated
	case errors.As(err, &derr), errors.As(err, &rerr):
		return drf.ErrMalformed
	case store.Unavailable(err):
		return drf.UnavailableFor(unavailableRetryAfter)
	}
	return err
}
