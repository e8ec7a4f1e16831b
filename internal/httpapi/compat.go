package httpapi

import (
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/auth"
)

// routeFinder is the generated router's lookup.
type routeFinder interface {
	FindRoute(method, path string) (oas.Route, bool)
}

// compat does what Django and DRF do around a view and ogen's strict router does not: format-suffix and
// slash-optional paths, trailing-slash redirects, HEAD and OPTIONS, content negotiation, and DRF's order
// for unmapped methods (authentication and permission before 405).
type compat struct {
	next   http.Handler
	routes routeFinder
	authn  *auth.Authenticator
	// static memoizes allow for the spec's fixed paths (path -> allowance): five router lookups and an
	// Allow header built on every request otherwise. Paths with an id are not kept, so it holds at most
	// one entry per route without parameters.
	static sync.Map
}

// allowance is what the spec maps at one path: its methods and DRF's Allow header for them.
type allowance struct {
	methods []string
	header  string
}

// routedMethods are the methods the spec may map, in the order DRF lists them in Allow.
var routedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (c *compat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Vary", "Accept")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")

	r.Method = strings.ToUpper(r.Method) // Django upper-cases the method before dispatch
	if p := canonicalPath(r.URL.Path); p != r.URL.Path {
		r.URL.Path, r.URL.RawPath = p, ""
	}
	path := r.URL.Path
	a := c.allow(path)
	allowed := a.methods
	if len(allowed) == 0 {
		if !strings.HasSuffix(path, "/") && len(c.allow(path+"/").methods) > 0 {
			redirectSlash(w, r)
			return
		}
		writeDetail(w, http.StatusNotFound, "Not found.")
		return
	}
	h.Set("Allow", a.header)
	if !acceptsJSON(r.Header.Values("Accept")) {
		writeDetail(w, http.StatusNotAcceptable, "Could not satisfy the request Accept header.")
		return
	}
	if r.Method == http.MethodHead && slices.Contains(allowed, http.MethodGet) {
		// Djoser answers HEAD /auth/users/me/ with a 500; we answer it as the GET it stands for.
		r.Method = http.MethodGet
		w = &headWriter{ResponseWriter: w}
	}
	if !slices.Contains(allowed, r.Method) {
		c.unmapped(w, r)
		return
	}
	c.next.ServeHTTP(w, r)
}

// allow answers allowed(path) with its Allow header, from the memo when path is a static route's.
func (c *compat) allow(path string) allowance {
	if a, ok := c.static.Load(path); ok {
		return a.(allowance)
	}
	methods, static := c.allowed(path)
	a := allowance{methods: methods}
	if len(methods) > 0 {
		a.header = formatAllow(methods)
	}
	if static {
		c.static.Store(path, a)
	}
	return a
}

// allowed lists the methods the spec maps for path. static reports that every one of them is a route
// without parameters, so path is one of the spec's fixed paths.
func (c *compat) allowed(path string) (methods []string, static bool) {
	static = true
	for _, m := range routedMethods {
		r, ok := c.routes.FindRoute(m, path)
		// /auth/token/{id}/ would also match /auth/token/login/ and friends; those keep Djoser's Allow.
		if ok && !(r.OperationID() == "revokeToken" && !isNumeric(r.Args()[0])) {
			methods = append(methods, m)
			static = static && len(r.Args()) == 0
		}
	}
	return methods, static && len(methods) > 0
}

// formatAllow renders DRF's Allow header: mapped methods, HEAD when GET is mapped, and OPTIONS.
func formatAllow(methods []string) string {
	out := slices.Clone(methods)
	if slices.Contains(methods, http.MethodGet) {
		out = append(out, http.MethodHead)
	}
	return strings.Join(append(out, http.MethodOptions), ", ")
}

// canonicalPath maps the spellings Djoser's URLconf accepts onto the spec's paths: DRF format suffixes
// (/auth/users/me.json) and the slash-less token routes, which Djoser matches without a redirect.
func canonicalPath(p string) string {
	if strings.HasPrefix(p, "/auth/") && strings.HasSuffix(p, ".json") {
		p = strings.TrimSuffix(p, ".json") + "/"
	}
	switch p {
	case "/auth/token/login", "/auth/token/logout", "/auth/jwt/create", "/auth/jwt/refresh", "/auth/jwt/verify", "/auth/jwt/blacklist":
		p += "/"
	}
	return p
}

// redirectSlash sends a router path without its trailing slash to the slashed one. Django answers 301,
// which makes clients retry a POST as a GET and silently drop its body; for methods other than GET and
// HEAD we answer 308, which keeps the method and the body.
func redirectSlash(w http.ResponseWriter, r *http.Request) {
	loc := r.URL.Path + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	status := http.StatusPermanentRedirect
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		status = http.StatusMovedPermanently
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(status)
}

// acceptsJSON implements DRF's negotiation between its JSON and browsable-API renderers; we render JSON
// for anything either would accept.
func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "*/*", "application/*", "application/json", "text/*", "text/html":
				return true
			}
		}
	}
	return false
}

// unmapped answers a method the route does not map. DRF has no action for it, so the viewset's default
// permission (authenticated) runs first: an anonymous GET /auth/users/activation/ is a 401, not a 405.
func (c *compat) unmapped(w http.ResponseWriter, r *http.Request) {
	v, err := c.authn.Authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		he, _ := toHTTP(err)
		writeJSON(w, he.status, he.body)
		return
	}
	if v == nil && !publicPath(r.URL.Path) {
		writeDetail(w, http.StatusUnauthorized, auth.ErrNotAuthenticated.Detail)
		return
	}
	if r.Method == http.MethodOptions {
		writeJSON(w, http.StatusOK, options{
			Name:    "gojoser",
			Renders: []string{"application/json"},
			Parses:  []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		})
		return
	}
	writeDetail(w, http.StatusMethodNotAllowed, `Method "`+r.Method+`" not allowed.`)
}

// publicPath lists the views whose fallback permission is AllowAny (DRF APIViews, not viewset routes).
func publicPath(p string) bool {
	return p == "/auth/token/login/" || strings.HasPrefix(p, "/auth/jwt/")
}

// options is DRF's SimpleMetadata answer to OPTIONS.
type options struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Renders     []string `json:"renders"`
	Parses      []string `json:"parses"`
}

// headWriter drops the body of a GET answered for a HEAD request.
type headWriter struct {
	http.ResponseWriter
}

func (w *headWriter) Write(b []byte) (int, error) { return len(b), nil }

func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
