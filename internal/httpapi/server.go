package httpapi

import (
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"

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
	// Requests, when set, learns of every answered request (metrics, tracing).
	Requests RequestObserver
	// Cookies configure cookie mode; a zero value leaves it off.
	Cookies CookieOptions
	// Social configures social login; a zero value answers 404 at /auth/o/.
	Social SocialOptions
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
	h.cookies, h.social = newCookieJar(opts.Cookies), opts.Social
	beforeView := middleware.Middleware(h.bodyErrors)
	if opts.Throttle != nil {
		beforeView = throttleRequests(opts.Throttle, h.bodyErrors)
	}
	srv, err := oas.NewServer(h, security{auth: authn, cookies: h.cookies != nil},
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
	var api http.Handler = &compat{next: withExchange(reqbody.Middleware(srv)), routes: table, authn: authn, log: log}
	if h.cookies != nil {
		api = &cookieAuth{next: api, authn: authn, jar: h.cookies, cop: http.NewCrossOriginProtection(), log: log}
	}
	// Request facts (client address, user agent, host) are known from here on, to every layer below.
	api = withRequestInfo(ips, api)
	// The interactive docs (/docs/) and the spec the server was generated from (/openapi.yaml).
	api = docs.Mount(api, gojoser.OpenAPISpec)
	if opts.StaticDir != "" {
		api = withStatic(api, table, opts.StaticDir)
	}
	return observe(log, opts.AccessLog, opts.Requests, api), nil
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

// withStatic serves a built frontend from dir at /, leaving every API path to api. A single-page app
// routes in the browser (history API), so an HTML navigation to a path with no file behind it gets the
// app's index.html; any other request for a missing file (a script, an image) is a 404. Directories are
// never listed.
func withStatic(api http.Handler, table *routes, dir string) http.Handler {
	root := http.Dir(dir)
	files := http.FileServer(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if table.isAPI(r.URL.Path) || docs.Serves(r.URL.Path) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			api.ServeHTTP(w, r)
			return
		}
		if servable(root, r.URL.Path) {
			files.ServeHTTP(w, r)
			return
		}
		if acceptsHTML(r.Header.Values("Accept")) && servable(root, "/index.html") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		http.NotFound(w, r)
	})
}

// servable reports whether p names a file in root, or a directory with an index.html.
func servable(root http.FileSystem, p string) bool {
	f, err := root.Open(path.Clean("/" + p))
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	if st.IsDir() {
		return servable(root, path.Join(p, "index.html"))
	}
	return true
}

// acceptsHTML reports whether a request asks for an HTML page, as a browser navigation does.
func acceptsHTML(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/html" {
				return true
			}
		}
	}
	return false
}
