package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/ogen-go/ogen/middleware"

	gojoser "github.com/gojoser/gojoser"
	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/clientip"
	"github.com/gojoser/gojoser/internal/docs"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
	"github.com/gojoser/gojoser/internal/reqbody"
	"github.com/gojoser/gojoser/internal/throttle"
)

// Options shape the handler New builds.
type Options struct {
	// AccessLog adds one log line per request (method, path, status, duration; never headers or bodies).
	AccessLog bool
	// StaticDir, when set, is served at / for every path that is not the API's.
	StaticDir string
	// ClientIP decides each request's client address (nil: the socket peer's).
	ClientIP *clientip.Resolver
	// Throttle limits the operations in throttled; nil turns request limits off.
	Throttle *throttle.Limiter
}

// New assembles the HTTP handler: framing and logging, Django/DRF routing compatibility, DRF body
// parsing, then the generated server.
func New(h *Handler, authn *auth.Authenticator, log *slog.Logger, opts Options) (http.Handler, error) {
	table, err := newRoutes(gojoser.OpenAPISpec)
	if err != nil {
		return nil, err
	}
	beforeView := middleware.Middleware(h.bodyErrors)
	if opts.Throttle != nil {
		beforeView = throttleRequests(opts.Throttle, h.bodyErrors)
	}
	srv, err := oas.NewServer(h, security{auth: authn},
		oas.WithErrorHandler(errorHandler(log)),
		oas.WithMiddleware(beforeView),
		// compat answers unknown paths and methods before the generated router sees them; these are
		// the backstop should the two ever disagree.
		oas.WithNotFound(func(w http.ResponseWriter, r *http.Request) {
			drfhttp.Error(w, drf.ErrNotFound)
		}),
		oas.WithMethodNotAllowed(func(w http.ResponseWriter, r *http.Request, _ string) {
			drfhttp.Error(w, drf.MethodNotAllowedFor(r.Method))
		}),
	)
	if err != nil {
		return nil, err
	}
	ips := opts.ClientIP
	if ips == nil {
		ips = &clientip.Resolver{}
	}
	var api http.Handler = &compat{next: withRequestInfo(ips, reqbody.Middleware(srv)), routes: table, authn: authn}
	// The interactive docs (/docs/) and the spec the server was generated from (/openapi.yaml).
	api = docs.Mount(api, gojoser.OpenAPISpec)
	if opts.StaticDir != "" {
		api = withStatic(api, table, opts.StaticDir)
	}
	return observe(log, opts.AccessLog, api), nil
}

// bodyErrors surfaces a body the parser could not read, for every operation that takes one, where DRF
// first reads request.data: after authentication and the permission check (the generated server has run
// the security handler) and, on a detail route, after the object lookup and its permission check, so a
// 404 or 403 there wins over a body error. Handlers never see a request whose body failed to parse.
func (h *Handler) bodyErrors(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	err := reqbody.Err(req.Context)
	if err == nil || req.Body == nil {
		return next(req)
	}
	if views[req.OperationName].object {
		id, _ := req.Params[middleware.ParameterKey{Name: "id", In: "path"}].(string)
		if _, aerr := h.authorize(req.Context, id, actionOf(req.Raw.Method)); aerr != nil {
			return middleware.Response{}, aerr
		}
	}
	return middleware.Response{}, err
}

// withStatic serves a built frontend from dir at /, leaving every API path to api.
func withStatic(api http.Handler, table *routes, dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if table.isAPI(r.URL.Path) || docs.Serves(r.URL.Path) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			api.ServeHTTP(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
