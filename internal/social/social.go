// Package social is the provider side of Djoser's social login (/auth/o/{provider}/): it builds the
// authorization URL with a signed, short-lived, single-use state bound to the browser, and turns the
// code the provider sends back into the provider's verified identity. OpenID Connect providers are found
// by discovery (github.com/coreos/go-oidc); GitHub is plain OAuth2 and its REST API. The OAuth2 exchange,
// PKCE included, is golang.org/x/oauth2's. Accounts (who an identity logs in as) are internal/users'.
package social

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/socialstate"
	"github.com/gojoser/gojoser/internal/drf"
)

// Identity is an account at a provider, as the provider describes it.
type Identity struct {
	Provider string
	// Subject is the provider's stable id of the account.
	Subject       string
	Email         string
	EmailVerified bool
	// Username is the account's name at the provider (preferred_username, GitHub's login), or "".
	Username string
}

// ProviderConfig names one provider and its client credentials.
type ProviderConfig struct {
	// Name is the provider's path segment: /auth/o/{name}/.
	Name         string
	ClientID     string
	ClientSecret string
	// Issuer makes an OpenID Connect provider, found by discovery. Empty with GitHub set.
	Issuer string
	// GitHub makes the GitHub provider (OAuth2 and its REST API).
	GitHub bool
}

// GoogleIssuer is Google's OpenID Connect issuer, for the google-oauth2 preset.
const GoogleIssuer = "https://accounts.google.com"

// Config is what a Manager needs.
type Config struct {
	// Secret signs states and derives PKCE verifiers and nonces (the GOJOSER_SECRET_KEY).
	Secret              []byte
	AllowedRedirectURIs []string
	StateLifetime       time.Duration
	Providers           []ProviderConfig
	// DB records used states.
	DB *ent.Client
	// HTTPClient talks to the providers; nil means one with a 15 s timeout.
	HTTPClient *http.Client
	Now        func() time.Time // nil: time.Now
	Log        *slog.Logger     // nil: slog.Default()
}

// Manager runs the flows of the configured providers.
type Manager struct {
	cfg       Config
	keys      keys
	providers map[string]provider
}

// provider is one kind of provider: it adds its parameters to the authorization URL and turns an
// exchanged token into an identity.
type provider interface {
	// oauth2 returns the client configuration for redirectURI, discovering the provider if needed.
	oauth2(ctx context.Context, redirectURI string) (*oauth2.Config, error)
	// pkce reports whether the provider takes PKCE (S256).
	pkce(ctx context.Context) bool
	// authParams are extra authorization parameters (the OpenID Connect nonce).
	authParams(nonce string) []oauth2.AuthCodeOption
	// identity reads the identity behind tok, checking what the provider signed against nonce.
	identity(ctx context.Context, tok *oauth2.Token, nonce string) (Identity, error)
}

// New returns a Manager for cfg's providers.
func New(cfg Config) *Manager {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	m := &Manager{cfg: cfg, keys: deriveKeys(cfg.Secret), providers: map[string]provider{}}
	for _, p := range cfg.Providers {
		if p.GitHub {
			m.providers[p.Name] = newGitHub(p)
		} else {
			m.providers[p.Name] = newOIDC(p, cfg.HTTPClient, cfg.Now)
		}
	}
	return m
}

// Errors of Start and Finish that are not DRF answers themselves.
var (
	// ErrUnknownProvider: no provider of that name is configured (a 404).
	ErrUnknownProvider = errors.New("social: unknown provider")
)

var (
	errRedirectURI   = drf.Message(drf.MsgSocialRedirectURI)
	errStateMissing  = drf.Field(drf.NonField, drf.MsgSocialStateMissing)
	errStateNoCookie = drf.Field(drf.NonField, drf.MsgSocialStateNoCookie)
	errStateInvalid  = drf.Field(drf.NonField, drf.MsgSocialStateInvalid)
	errCodeMissing   = drf.Field(drf.NonField, drf.MsgSocialCodeMissing)
	errCanceled      = drf.Field(drf.NonField, drf.MsgSocialCanceled)
	errIDToken       = drf.Field(drf.NonField, drf.MsgSocialIDToken)
)

// unreachable is the answer when a provider cannot be reached: a 503, as for the database.
var unreachable = drf.UnavailableFor(5)

// Known reports whether a provider of that name is configured.
func (m *Manager) Known(name string) bool {
	_, ok := m.providers[name]
	return ok
}

// Start returns the authorization URL of provider for redirectURI, for the browser whose nonce (the
// gojoser_social cookie) is browser.
func (m *Manager) Start(ctx context.Context, name, redirectURI, browser string) (string, error) {
	// Djoser checks redirect_uri before it looks for the provider.
	if !slices.Contains(m.cfg.AllowedRedirectURIs, redirectURI) {
		return "", errRedirectURI
	}
	p, ok := m.providers[name]
	if !ok {
		return "", ErrUnknownProvider
	}
	conf, err := p.oauth2(ctx, redirectURI)
	if err != nil {
		return "", m.providerDown(ctx, name, err)
	}
	st := statePayload{Provider: name, RedirectURI: redirectURI, ID: random(16),
		Expires: expiry(m.cfg.Now(), m.cfg.StateLifetime), Browser: m.keys.browserTag(browser)}
	opts := p.authParams(m.keys.oidcNonce(browser, st.ID))
	if p.pkce(ctx) {
		opts = append(opts, oauth2.S256ChallengeOption(m.keys.verifier(browser, st.ID)))
	}
	return conf.AuthCodeURL(m.keys.sign(st), opts...), nil
}

// Finish checks state for this browser and provider, uses it up, exchanges code and returns the
// provider's identity. Its errors are DRF's answers, as Djoser gives them.
func (m *Manager) Finish(ctx context.Context, name, code, state, browser string) (Identity, error) {
	p, ok := m.providers[name]
	if !ok {
		return Identity{}, ErrUnknownProvider
	}
	if state == "" {
		return Identity{}, errStateMissing
	}
	if browser == "" {
		return Identity{}, errStateNoCookie
	}
	st, ok := m.keys.open(state)
	if !ok || st.Provider != name || !hmac.Equal([]byte(st.Browser), []byte(m.keys.browserTag(browser))) ||
		m.cfg.Now().Unix() >= st.Expires {
		return Identity{}, errStateInvalid
	}
	if err := m.consume(ctx, st); err != nil {
		return Identity{}, err
	}
	if code == "" {
		return Identity{}, errCodeMissing
	}
	conf, err := p.oauth2(ctx, st.RedirectURI)
	if err != nil {
		return Identity{}, m.providerDown(ctx, name, err)
	}
	var opts []oauth2.AuthCodeOption
	if p.pkce(ctx) {
		opts = append(opts, oauth2.VerifierOption(m.keys.verifier(browser, st.ID)))
	}
	tok, err := conf.Exchange(m.client(ctx), code, opts...)
	if err != nil {
		if isNetError(err) {
			return Identity{}, m.providerDown(ctx, name, err)
		}
		// The provider refused the code (invalid_grant, a wrong verifier, a used code).
		m.cfg.Log.InfoContext(ctx, "social login: code refused", "provider", name, "err", err)
		return Identity{}, errCanceled
	}
	id, err := p.identity(m.client(ctx), tok, m.keys.oidcNonce(browser, st.ID))
	if err != nil {
		if fe := (*drf.FieldErrors)(nil); errors.As(err, &fe) {
			m.cfg.Log.InfoContext(ctx, "social login: identity refused", "provider", name, "err", err)
			return Identity{}, fe
		}
		return Identity{}, m.providerDown(ctx, name, err)
	}
	id.Provider = name
	return id, nil
}

// consume records the state as used; a state used before is invalid. Expired records go at the same
// time: their states fail the expiry check anyway.
func (m *Manager) consume(ctx context.Context, st statePayload) error {
	now := m.cfg.Now()
	if _, err := m.cfg.DB.SocialState.Delete().Where(socialstate.ExpiresAtLT(now)).Exec(ctx); err != nil {
		return fmt.Errorf("purge social states: %w", err)
	}
	err := m.cfg.DB.SocialState.Create().SetKey(st.ID).SetExpiresAt(time.Unix(st.Expires, 0).UTC()).Exec(ctx)
	if ent.IsConstraintError(err) {
		return errStateInvalid
	}
	if err != nil {
		return fmt.Errorf("record social state: %w", err)
	}
	return nil
}

// client carries the HTTP client to x/oauth2 and go-oidc.
func (m *Manager) client(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, m.cfg.HTTPClient)
}

func (m *Manager) providerDown(ctx context.Context, name string, err error) error {
	m.cfg.Log.WarnContext(ctx, "social login: provider unreachable", "provider", name, "err", err)
	return unreachable
}

func isNetError(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}
