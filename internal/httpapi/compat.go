package httpapi

import (
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
)

// compat does what Django and DRF do around a view and ogen's strict router does not: format-suffix and
// slash-optional paths, trailing-slash redirects, HEAD and OPTIONS, content negotiation, and DRF's order
// for unmapped methods (authentication and permission before 405). It answers from the route table
// (routes.go), so the generated router is asked once per request, by the generated server itself.
type compat struct {
	next   http.Handler
	routes *routes
	authn  *auth.Authenticator
	log    *slog.Logger
}

func (c *compat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Vary", "Accept")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")

	r.Method = strings.ToUpper(r.Method) // Django upper-cases the method before dispatch
	if p := c.canonicalPath(r.URL.Path); p != r.URL.Path {
		r.URL.Path, r.URL.RawPath = p, ""
	}
	path := r.URL.Path
	rt := c.routes.lookup(path)
	if rt == nil {
		if !strings.HasSuffix(path, "/") && c.routes.lookup(path+"/") != nil {
			redirectSlash(w, r)
			return
		}
		drfhttp.Error(w, drf.ErrNotFound)
		return
	}
	h.Set("Allow", rt.allow)
	if !acceptsJSON(r.Header.Values("Accept")) {
		drfhttp.Error(w, drf.ErrNotAcceptable)
		return
	}
	if r.Method == http.MethodHead && slices.Contains(rt.methods, http.MethodGet) {
		// Djoser answers HEAD /auth/users/me/ with a 500; we answer it as the GET it stands for.
		r.Method = http.MethodGet
		w = &headWriter{ResponseWriter: w}
	}
	if !slices.Contains(rt.methods, r.Method) {
		routed(w, "", rt.pattern)
		c.unmapped(w, r, rt)
		return
	}
	routed(w, string(rt.ops[r.Method]), rt.pattern)
	c.next.ServeHTTP(w, r)
}

// canonicalPath maps the spellings Djoser's URLconf accepts onto the spec's paths: DRF format suffixes
// (/auth/users/me.json) and the slash-less paths of the views Djoser matches without a redirect.
func (c *compat) canonicalPath(p string) string {
	if strings.HasPrefix(p, "/auth/") && strings.HasSuffix(p, ".json") {
		p = strings.TrimSuffix(p, ".json") + "/"
	}
	if !strings.HasSuffix(p, "/") {
		if rt := c.routes.lookup(p + "/"); rt != nil && rt.slashOptional {
			p += "/"
		}
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

// unmapped answers a method the route does not map. DRF has no action for it, so the view's default
// permission runs first: authenticated for Djoser's viewset, so an anonymous GET
// /auth/users/activation/ is a 401, not a 405; AllowAny for the public views.
func (c *compat) unmapped(w http.ResponseWriter, r *http.Request, rt *route) {
	v, err := c.authn.Authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		writeError(r.Context(), c.log, w, r, err)
		return
	}
	if v == nil && !rt.public {
		drfhttp.Error(w, drf.ErrNotAuthenticated)
		return
	}
	if r.Method == http.MethodOptions {
		drfhttp.JSON(w, http.StatusOK, options{
			Name:    "gojoser",
			Renders: []string{"application/json"},
			Parses:  []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		})
		return
	}
	drfhttp.Error(w, drf.MethodNotAllowedFor(r.Method))
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
