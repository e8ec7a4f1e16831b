package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
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
		if known := drfhttp.Error(w, fromOgen(err)); !known {
			log.ErrorContext(ctx, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
}

// fromOgen names the generated server's own errors as DRF would: a security requirement nobody
// satisfied is DRF's NotAuthenticated, and parameters or a body it cannot decode are a ParseError.
func fromOgen(err error) error {
	var (
		derr *ogenerrors.DecodeParamsError
		rerr *ogenerrors.DecodeRequestError
	)
	switch {
	case errors.Is(err, ogenerrors.ErrSecurityRequirementIsNotSatisfied):
		return drf.ErrNotAuthenticated
	case errors.As(err, &derr), errors.As(err, &rerr):
		return drf.ErrMalformed
	}
	return err
}
