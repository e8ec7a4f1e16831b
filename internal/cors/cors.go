// Package cors lets browser apps served from other origins call the API. It configures
// github.com/rs/cors with the methods and headers a Djoser client uses, and refuses configurations that
// a browser would reject or that would open the API wider than intended.
package cors

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/cors"
)

// Config says which origins may call the API from a browser.
type Config struct {
	// AllowedOrigins are exact origins ("https://app.example.com", "http://localhost:3000"), origins with
	// one "*" wildcard ("https://*.example.com"), or a lone "*" for any origin. Empty disables CORS:
	// the middleware then adds nothing.
	AllowedOrigins []string
	// AllowCredentials sends Access-Control-Allow-Credentials: true, which browsers need before they send
	// cookies or TLS client certificates cross-origin. The Token and Bearer Authorization header does not
	// need it. It cannot be combined with "*".
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight answer, in whole seconds. Zero sends no
	// Access-Control-Max-Age, so browsers use their default (5 s).
	MaxAge time.Duration
}

// The methods, request headers and response headers cross-origin callers may use.
var (
	AllowedMethods = []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
	}
	// AllowedHeaders are the request headers a preflight may ask for. Authorization carries the token;
	// Content-Type is needed for application/json bodies. X-CSRFToken is what Django frontends add to
	// unsafe requests; gojoser ignores it (cookie mode checks origins), but must not refuse it.
	AllowedHeaders = []string{"Accept", "Accept-Language", "Authorization", "Content-Type", "X-CSRFToken", "X-Requested-With"}
	// ExposedHeaders are the response headers scripts may read: WWW-Authenticate tells which scheme a 401
	// wants, Allow lists the methods after a 405.
	ExposedHeaders = []string{"Allow", "WWW-Authenticate"}
)

// New returns the CORS middleware for cfg, or an error naming what is wrong with cfg.
//
// The middleware answers preflight requests (OPTIONS with Access-Control-Request-Method) itself with 204,
// never passing them on; an origin, method or header that is not allowed gets the 204 without any
// Access-Control-* header, which the browser treats as a refusal. Other requests go on to next, with
// the CORS headers added only for allowed origins. A plain OPTIONS without Access-Control-Request-Method
// is not a preflight and reaches next.
func New(cfg Config) (func(http.Handler) http.Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(cfg.AllowedOrigins) == 0 {
		// rs/cors reads an empty list as "every origin"; here it means CORS is off.
		return func(next http.Handler) http.Handler { return next }, nil
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.AllowedOrigins,
		AllowedMethods:   AllowedMethods,
		AllowedHeaders:   AllowedHeaders,
		ExposedHeaders:   ExposedHeaders,
		AllowCredentials: cfg.AllowCredentials,
		MaxAge:           int(cfg.MaxAge / time.Second),
	})
	return c.Handler, nil
}

func (cfg Config) validate() error {
	if cfg.MaxAge < 0 {
		return fmt.Errorf("cors: max age %s is negative", cfg.MaxAge)
	}
	var errs []error
	for _, origin := range cfg.AllowedOrigins {
		if origin == "*" {
			if len(cfg.AllowedOrigins) > 1 {
				errs = append(errs, errors.New(`cors: "*" allows every origin, so it must be the only one`))
			}
			if cfg.AllowCredentials {
				errs = append(errs, errors.New(`cors: "*" cannot be combined with credentials; list the origins instead`))
			}
			continue
		}
		if err := checkOrigin(origin); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkOrigin accepts what a browser sends in Origin: scheme://host[:port], nothing more. A trailing
// slash or a path is the usual mistake, and such an entry would silently never match.
func checkOrigin(origin string) error {
	if strings.Count(origin, "*") > 1 {
		return fmt.Errorf("cors: origin %q has more than one wildcard", origin)
	}
	u, err := url.Parse(strings.Replace(origin, "*", "wildcard", 1))
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(origin, "?#") {
		return fmt.Errorf("cors: origin %q is not of the form scheme://host[:port] (no path, no trailing slash)", origin)
	}
	return nil
}

// Matcher reports whether an Origin header names one of origins, with rs/cors's rule for a "*"
// wildcard inside an entry (any run of characters there). A lone "*" matches nothing: it lets every
// origin read answers, which says nothing about whom to trust with cookies.
func Matcher(origins []string) func(origin string) bool {
	exact := map[string]bool{}
	var patterns [][2]string
	for _, o := range origins {
		switch prefix, suffix, wild := strings.Cut(strings.ToLower(o), "*"); {
		case o == "*":
		case wild:
			patterns = append(patterns, [2]string{prefix, suffix})
		default:
			exact[prefix] = true
		}
	}
	return func(origin string) bool {
		origin = strings.ToLower(origin)
		if exact[origin] {
			return true
		}
		for _, p := range patterns {
			if len(origin) >= len(p[0])+len(p[1]) && strings.HasPrefix(origin, p[0]) && strings.HasSuffix(origin, p[1]) {
				return true
			}
		}
		return false
	}
}
