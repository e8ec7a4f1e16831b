package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Browser holds the settings for serving browsers directly: cookie mode (httpOnly credential cookies
// with cross-origin protection) and social login. Config embeds it.
type Browser struct {
	// AuthCookie names the cookie that carries the credential in cookie mode; empty (the default)
	// turns cookie mode off. AuthRefreshCookie names the JWT refresh token's cookie (default
	// "<AuthCookie>_refresh").
	AuthCookie        string `env:"AUTH_COOKIE"`
	AuthRefreshCookie string `env:"AUTH_REFRESH_COOKIE"`
	// AuthCookieSecure marks gojoser's cookies Secure. Browsers then keep them over https only, and
	// http://localhost and 127.0.0.1; false is for plain-http development on other hosts.
	AuthCookieSecure bool `env:"AUTH_COOKIE_SECURE" envDefault:"true"`
	// AuthCookieSameSite is Lax, Strict, or None (for an app on another site; needs Secure).
	AuthCookieSameSite string `env:"AUTH_COOKIE_SAMESITE" envDefault:"Lax"`

	// Social login (Djoser's /auth/o/{provider}/), with python-social-auth's setting names.
	SocialAuthAllowedRedirectURIs []string      `env:"SOCIAL_AUTH_ALLOWED_REDIRECT_URIS" envSeparator:","`
	SocialAuthStateLifetime       time.Duration `env:"SOCIAL_AUTH_STATE_LIFETIME" envDefault:"10m"`
	// Any OpenID Connect provider, found by discovery at <issuer>/.well-known/openid-configuration.
	SocialAuthOIDCName   string `env:"SOCIAL_AUTH_OIDC_NAME" envDefault:"oidc"`
	SocialAuthOIDCIssuer string `env:"SOCIAL_AUTH_OIDC_ISSUER"`
	SocialAuthOIDCKey    string `env:"SOCIAL_AUTH_OIDC_KEY"`
	SocialAuthOIDCSecret string `env:"SOCIAL_AUTH_OIDC_SECRET"`
	// Google (OpenID Connect, issuer https://accounts.google.com), as the "google-oauth2" provider.
	SocialAuthGoogleOAuth2Key    string `env:"SOCIAL_AUTH_GOOGLE_OAUTH2_KEY"`
	SocialAuthGoogleOAuth2Secret string `env:"SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET"`
	// GitHub (plain OAuth2 and its REST API), as the "github" provider.
	SocialAuthGitHubKey    string `env:"SOCIAL_AUTH_GITHUB_KEY"`
	SocialAuthGitHubSecret string `env:"SOCIAL_AUTH_GITHUB_SECRET"`
}

// RefreshCookie is the name of the JWT refresh token's cookie in cookie mode.
func (b Browser) RefreshCookie() string {
	if b.AuthRefreshCookie != "" {
		return b.AuthRefreshCookie
	}
	return b.AuthCookie + "_refresh"
}

// SocialEnabled reports whether any social login provider is configured.
func (b Browser) SocialEnabled() bool {
	return b.SocialAuthOIDCIssuer != "" || b.SocialAuthGoogleOAuth2Key != "" || b.SocialAuthGitHubKey != ""
}

func (c Config) validateBrowser() []error {
	b := c.Browser
	var errs []error
	if b.AuthCookie != "" {
		for name, v := range map[string]string{"GOJOSER_AUTH_COOKIE": b.AuthCookie, "GOJOSER_AUTH_REFRESH_COOKIE": b.RefreshCookie()} {
			if !isCookieName(v) {
				errs = append(errs, fmt.Errorf("%s must be a cookie name (letters, digits and !#$%%&'*+-.^_`|~), got %q", name, v))
			}
		}
		if b.RefreshCookie() == b.AuthCookie {
			errs = append(errs, errors.New("GOJOSER_AUTH_REFRESH_COOKIE must differ from GOJOSER_AUTH_COOKIE"))
		}
		if slices.Contains(c.CORSAllowedOrigins, "*") {
			errs = append(errs, errors.New(`GOJOSER_CORS_ALLOWED_ORIGINS="*" cannot be combined with GOJOSER_AUTH_COOKIE: cookie mode refuses unsafe requests from origins it does not trust, so list the origins of your apps`))
		}
	}
	switch b.AuthCookieSameSite {
	case "Lax", "Strict":
	case "None":
		if !b.AuthCookieSecure {
			errs = append(errs, errors.New("GOJOSER_AUTH_COOKIE_SAMESITE=None needs GOJOSER_AUTH_COOKIE_SECURE=true (browsers drop such cookies otherwise)"))
		}
	default:
		errs = append(errs, fmt.Errorf("GOJOSER_AUTH_COOKIE_SAMESITE must be Lax, Strict or None, got %q", b.AuthCookieSameSite))
	}
	if b.SocialAuthStateLifetime <= 0 {
		errs = append(errs, errors.New("GOJOSER_SOCIAL_AUTH_STATE_LIFETIME must be positive"))
	}
	for _, u := range b.SocialAuthAllowedRedirectURIs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Fragment != "" || strings.Contains(u, "#") {
			errs = append(errs, fmt.Errorf("GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS: %q is not an absolute http(s) URL without a fragment", u))
		}
	}
	if b.SocialAuthOIDCIssuer != "" {
		if p, err := url.Parse(b.SocialAuthOIDCIssuer); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("GOJOSER_SOCIAL_AUTH_OIDC_ISSUER must be an http(s) URL, got %q", b.SocialAuthOIDCIssuer))
		}
		if b.SocialAuthOIDCKey == "" {
			errs = append(errs, errors.New("GOJOSER_SOCIAL_AUTH_OIDC_KEY (the client id) must be set with GOJOSER_SOCIAL_AUTH_OIDC_ISSUER"))
		}
		if !isProviderName(b.SocialAuthOIDCName) || b.SocialAuthOIDCName == "google-oauth2" || b.SocialAuthOIDCName == "github" {
			errs = append(errs, fmt.Errorf("GOJOSER_SOCIAL_AUTH_OIDC_NAME must be letters, digits, '-' or '_' and not a preset's name, got %q", b.SocialAuthOIDCName))
		}
	}
	for _, p := range []struct{ name, key, secret string }{
		{"GOOGLE_OAUTH2", b.SocialAuthGoogleOAuth2Key, b.SocialAuthGoogleOAuth2Secret},
		{"GITHUB", b.SocialAuthGitHubKey, b.SocialAuthGitHubSecret},
	} {
		if (p.key == "") != (p.secret == "") {
			errs = append(errs, fmt.Errorf("GOJOSER_SOCIAL_AUTH_%[1]s_KEY and GOJOSER_SOCIAL_AUTH_%[1]s_SECRET must be set together", p.name))
		}
	}
	if b.SocialEnabled() && len(b.SocialAuthAllowedRedirectURIs) == 0 {
		errs = append(errs, errors.New("GOJOSER_SOCIAL_AUTH_ALLOWED_REDIRECT_URIS must list the frontend URLs providers may send users back to"))
	}
	return errs
}

// isCookieName reports whether s is an RFC 6265 token, as net/http accepts cookie names.
func isCookieName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, r) {
			return false
		}
	}
	return true
}

func isProviderName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
