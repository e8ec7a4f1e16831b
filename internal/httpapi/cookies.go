package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
	"github.com/gojoser/gojoser/internal/users"
	"github.com/gojoser/gojoser/internal/viewer"
)

// CookieOptions configure cookie mode (GOJOSER_AUTH_COOKIE): logins also set the credential in an
// httpOnly cookie, which the API then accepts wherever it accepts the Authorization header.
type CookieOptions struct {
	// Name is the credential cookie's name; "" turns cookie mode off. RefreshName is the JWT refresh
	// token's cookie, sent only to /auth/jwt/.
	Name, RefreshName string
	Secure            bool
	SameSite          http.SameSite
	// AccessLifetime and RefreshLifetime are the JWT lifetimes, which the cookies' Max-Age follow.
	AccessLifetime, RefreshLifetime time.Duration
	// Trusted reports whether an Origin may make cookie-authenticated requests from another origin:
	// the CORS allowed origins.
	Trusted func(origin string) bool
}

// refreshCookiePath scopes the refresh cookie to the views that take a refresh token (refresh and
// blacklist), so it never travels with ordinary API requests.
const refreshCookiePath = "/auth/jwt/"

// cookieJar sets and reads cookie mode's cookies for the handlers. A nil jar is cookie mode off.
type cookieJar struct {
	CookieOptions
}

func newCookieJar(o CookieOptions) *cookieJar {
	if o.Name == "" {
		return nil
	}
	return &cookieJar{o}
}

func (j *cookieJar) cookie(name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: j.Secure, SameSite: j.SameSite}
	switch {
	case value == "":
		c.MaxAge = -1 // Max-Age=0: the browser forgets it
	case maxAge > 0:
		c.MaxAge = int(maxAge / time.Second)
		c.Expires = time.Now().Add(maxAge).UTC() // for browsers that predate Max-Age
	}
	return c
}

func (j *cookieJar) set(ctx context.Context, cs ...*http.Cookie) {
	if x := exchangeOf(ctx); x != nil {
		for _, c := range cs {
			x.header.Add("Set-Cookie", c.String())
		}
	}
}

// setToken keeps a DRF token in the credential cookie, for the browser's session.
func (j *cookieJar) setToken(ctx context.Context, key string) {
	if j != nil {
		j.set(ctx, j.cookie(j.Name, key, "/", 0))
	}
}

// setPair keeps a JWT pair: the access token in the credential cookie, the refresh token in its own.
func (j *cookieJar) setPair(ctx context.Context, p users.Pair) {
	if j == nil {
		return
	}
	j.set(ctx, j.cookie(j.Name, p.Access, "/", j.AccessLifetime))
	if p.Refresh != "" {
		j.set(ctx, j.cookie(j.RefreshName, p.Refresh, refreshCookiePath, j.RefreshLifetime))
	}
}

// clear makes the browser forget both cookies.
func (j *cookieJar) clear(ctx context.Context) {
	if j != nil {
		j.set(ctx, j.cookie(j.Name, "", "/", 0), j.cookie(j.RefreshName, "", refreshCookiePath, 0))
	}
}

// refresh returns the refresh cookie of the request, or "".
func (j *cookieJar) refresh(ctx context.Context) string {
	if j == nil {
		return ""
	}
	x := exchangeOf(ctx)
	if x == nil {
		return ""
	}
	c, err := x.req.Cookie(j.RefreshName)
	if err != nil {
		return ""
	}
	return c.Value
}

// cookieAuth runs in cookie mode, before routing. A request with an Authorization header is left
// alone: the header wins, and such requests are not CSRF-checked, as in DRF. Otherwise:
//
//   - an unsafe request (not GET, HEAD or OPTIONS) must come from this origin or a trusted one
//     (net/http.CrossOriginProtection: Sec-Fetch-Site, else Origin against Host). This covers every
//     cookie-authenticated write, and logins too (login CSRF). Clients without those headers (curl,
//     servers) pass, as they carry no ambient cookies.
//   - a credential cookie stands in for the header. One that no longer authenticates (revoked,
//     expired) is treated as absent, as DRF treats a stale session, and the browser is told to forget
//     it: a dead cookie must not make the login views answer 401.
type cookieAuth struct {
	next  http.Handler
	authn *auth.Authenticator
	jar   *cookieJar
	cop   *http.CrossOriginProtection
	log   *slog.Logger
}

func (c *cookieAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		c.next.ServeHTTP(w, r)
		return
	}
	if err := c.cop.Check(r); err != nil {
		origin := r.Header.Get("Origin")
		if origin == "" || !c.jar.Trusted(origin) {
			if origin == "" {
				origin = "null"
			}
			drfhttp.Error(w, drf.CSRFBadOrigin(origin))
			return
		}
	}
	ck, err := r.Cookie(c.jar.Name)
	if err != nil || ck.Value == "" {
		c.next.ServeHTTP(w, r)
		return
	}
	cred := credential(ck.Value)
	v, err := c.authn.Authenticate(r.Context(), cred)
	switch {
	case v != nil:
		r.Header.Set("Authorization", cred)
		r = r.WithContext(context.WithValue(r.Context(), cookieViewerKey{}, v))
	case err == nil || isAuthFailure(err):
		w.Header().Add("Set-Cookie", c.jar.cookie(c.jar.Name, "", "/", 0).String())
	default:
		writeError(r.Context(), c.log, w, r, err)
		return
	}
	c.next.ServeHTTP(w, r)
}

// credential is the Authorization header a cookie value stands for: JWTs have dots, token keys not.
func credential(v string) string {
	if strings.Contains(v, ".") {
		return "Bearer " + v
	}
	return "Token " + v
}

// isAuthFailure reports whether err says the credential is not valid (DRF's AuthenticationFailed or
// SimpleJWT's), as opposed to a failure to find out (a database outage).
func isAuthFailure(err error) bool {
	var (
		e  *drf.Error
		be *drf.BearerError
	)
	return errors.As(err, &be) || errors.As(err, &e) && (e.Kind == drf.AuthenticationFailed || e.Kind == drf.NotAuthenticated)
}

type cookieViewerKey struct{}

// cookieViewer is the viewer cookieAuth resolved from the request's cookie, or nil.
func cookieViewer(ctx context.Context) *viewer.Viewer {
	v, _ := ctx.Value(cookieViewerKey{}).(*viewer.Viewer)
	return v
}
