package social

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcProvider is any OpenID Connect provider, found by discovery on first use: Google is one with the
// issuer https://accounts.google.com.
type oidcProvider struct {
	conf   ProviderConfig
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	provider *oidc.Provider // nil until discovery succeeds
	verifier *oidc.IDTokenVerifier
	s256     bool
}

func newOIDC(conf ProviderConfig, client *http.Client, now func() time.Time) *oidcProvider {
	return &oidcProvider{conf: conf, client: client, now: now}
}

// discover fetches the provider's metadata once; a failure is retried on the next request.
func (p *oidcProvider) discover() (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	// Not the request's context: go-oidc keeps this one for fetching the signing keys later.
	ctx := oidc.ClientContext(context.Background(), p.client)
	prov, err := oidc.NewProvider(ctx, p.conf.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", p.conf.Issuer, err)
	}
	var meta struct {
		Methods []string `json:"code_challenge_methods_supported"`
	}
	if err := prov.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discover %s: %w", p.conf.Issuer, err)
	}
	p.s256 = slices.Contains(meta.Methods, "S256")
	p.verifier = prov.Verifier(&oidc.Config{ClientID: p.conf.ClientID, Now: p.now})
	p.provider = prov
	return prov, nil
}

func (p *oidcProvider) oauth2(_ context.Context, redirectURI string) (*oauth2.Config, error) {
	prov, err := p.discover()
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{
		ClientID: p.conf.ClientID, ClientSecret: p.conf.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: redirectURI, Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}, nil
}

// pkce: as the discovery document says (code_challenge_methods_supported).
func (p *oidcProvider) pkce(context.Context) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s256
}

func (p *oidcProvider) authParams(nonce string) []oauth2.AuthCodeOption {
	return []oauth2.AuthCodeOption{oidc.Nonce(nonce)}
}

// claims are the standard claims gojoser reads, from the ID token and the UserInfo endpoint.
type claims struct {
	Subject           string   `json:"sub"`
	Email             string   `json:"email"`
	EmailVerified     flexBool `json:"email_verified"`
	PreferredUsername string   `json:"preferred_username"`
}

func (p *oidcProvider) identity(ctx context.Context, tok *oauth2.Token, nonce string) (Identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fmt.Errorf("the token answer has no id_token: %w", errIDToken)
	}
	p.mu.Lock()
	verifier, prov := p.verifier, p.provider
	p.mu.Unlock()
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		if isNetError(err) {
			return Identity{}, err
		}
		return Identity{}, fmt.Errorf("%v: %w", err, errIDToken)
	}
	if idt.Nonce != nonce {
		return Identity{}, fmt.Errorf("the ID token's nonce is not this flow's: %w", errIDToken)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return Identity{}, fmt.Errorf("%v: %w", err, errIDToken)
	}
	if c.Email == "" || c.PreferredUsername == "" {
		// Providers may keep these claims to the UserInfo endpoint (the code flow's ID token need not
		// carry them); it answers for the same subject.
		info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return Identity{}, err
		}
		var more claims
		if err := info.Claims(&more); err != nil {
			return Identity{}, fmt.Errorf("userinfo: %v: %w", err, errIDToken)
		}
		if info.Subject != idt.Subject {
			return Identity{}, fmt.Errorf("userinfo is about another subject: %w", errIDToken)
		}
		if c.Email == "" {
			c.Email, c.EmailVerified = info.Email, flexBool(info.EmailVerified)
		}
		if c.PreferredUsername == "" {
			c.PreferredUsername = more.PreferredUsername
		}
	}
	return Identity{Subject: idt.Subject, Email: c.Email, EmailVerified: bool(c.EmailVerified), Username: c.PreferredUsername}, nil
}

// flexBool reads a boolean claim that some providers send as a string ("true"), as go-oidc's UserInfo
// does.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = flexBool(v)
	case string:
		*b = v == "true"
	default:
		return fmt.Errorf("email_verified is neither a boolean nor a string: %s", data)
	}
	return nil
}
