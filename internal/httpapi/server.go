package httpapi

import (
	"log/slog"
	"net/http"

	gojoser "github.com/gojoser/gojoser"
	"github.com/gojoser/gojoser/internal/docs"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/reqbody"
)

// New assembles the HTTP handler: framing and logging, Django/DRF routing compatibility, DRF body
// parsing, then the generated server.
// accessLog adds one log line per request (method, path, status, duration; never headers or bodies).
func New(h *Handler, authn *auth.Authenticator, log *slog.Logger, accessLog bool) (http.Handler, error) {
	srv, err := oas.NewServer(h, auth.NewSecurityHandler(authn),
		oas.WithErrorHandler(errorHandler(log)),
		// compat answers unknown paths and methods before the generated router sees them; these are
		// the backstop should the two ever disagree.
		oas.WithNotFound(func(w http.ResponseWriter, r *http.Request) {
			writeDetail(w, http.StatusNotFound, "Not found.")
		}),
		oas.WithMethodNotAllowed(func(w http.ResponseWriter, r *http.Request, _ string) {
			writeDetail(w, http.StatusMethodNotAllowed, `Method "`+r.Method+`" not allowed.`)
		}),
	)
	if err != nil {
		return nil, err
	}
	api := &compat{next: withSite(reqbody.Middleware(srv)), routes: srv, authn: authn}
	// The interactive docs (/docs/) and the spec the server was generated from (/openapi.yaml).
	return observe(log, accessLog, docs.Mount(api, gojoser.OpenAPISpec)), nil
}
