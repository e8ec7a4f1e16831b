package social

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"
	oauth2github "golang.org/x/oauth2/github"
)

// githubProvider is GitHub's OAuth app flow, which is not OpenID Connect: the identity comes from its
// REST API (GET /user, and GET /user/emails for the verified addresses, which /user does not say).
type githubProvider struct {
	conf     ProviderConfig
	endpoint oauth2.Endpoint
	api      string // https://api.github.com, without a trailing slash
}

func newGitHub(conf ProviderConfig) *githubProvider {
	return &githubProvider{conf: conf, endpoint: oauth2github.Endpoint, api: "https://api.github.com"}
}

func (p *githubProvider) oauth2(_ context.Context, redirectURI string) (*oauth2.Config, error) {
	return &oauth2.Config{
		ClientID: p.conf.ClientID, ClientSecret: p.conf.ClientSecret, Endpoint: p.endpoint,
		RedirectURL: redirectURI, Scopes: []string{"read:user", "user:email"},
	}, nil
}

// pkce: GitHub takes S256 for OAuth apps (since July 2025).
func (p *githubProvider) pkce(context.Context) bool { return true }

func (p *githubProvider) authParams(string) []oauth2.AuthCodeOption { return nil }

func (p *githubProvider) identity(ctx context.Context, tok *oauth2.Token, _ string) (Identity, error) {
	var u struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	if err := p.get(ctx, tok, "/user", &u); err != nil {
		return Identity{}, err
	}
	if u.ID == 0 {
		return Identity{}, fmt.Errorf("github /user has no id: %w", errIDToken)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := p.get(ctx, tok, "/user/emails", &emails); err != nil {
		return Identity{}, err
	}
	id := Identity{Subject: strconv.FormatInt(u.ID, 10), Username: u.Login}
	// The primary address if it is verified, else the first verified one.
	for _, e := range emails {
		if e.Verified && (e.Primary || !id.EmailVerified) {
			id.Email, id.EmailVerified = e.Email, true
		}
	}
	return id, nil
}

func (p *githubProvider) get(ctx context.Context, tok *oauth2.Token, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.api+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	res, err := oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok)).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		// A token GitHub just issued and now refuses: treat it as a refused login, not an outage.
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
			return fmt.Errorf("github %s: %s: %w", path, res.Status, errCanceled)
		}
		return fmt.Errorf("github %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, res.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("github %s: %w", path, err)
	}
	return nil
}
