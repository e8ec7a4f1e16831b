package social

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// A state is base64url(JSON payload) "." base64url(HMAC-SHA256 of the first part). It carries all the
// flow needs, so no server keeps a session for it: the provider and redirect_uri it was issued for,
// its expiry, a random id (recorded when used, so it works once), and a MAC of the browser's nonce
// (the gojoser_social cookie), so that only the browser that started the flow can finish it. The PKCE
// verifier and the OpenID Connect nonce are derived from the browser nonce and the id, so they never
// travel through the browser's address bar with the code.
type statePayload struct {
	Provider    string `json:"p"`
	RedirectURI string `json:"r"`
	ID          string `json:"i"`
	Expires     int64  `json:"e"`
	Browser     string `json:"b"`
}

// keys are derived from the secret key, one per use, so a value made for one use never checks as
// another.
type keys struct {
	state, browser, pkce, nonce []byte
}

func deriveKeys(secret []byte) keys {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("gojoser.social." + purpose))
		return m.Sum(nil)
	}
	return keys{state: derive("state"), browser: derive("browser"), pkce: derive("pkce"), nonce: derive("oidc-nonce")}
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0}) // parts never contain NUL, so no two lists hash alike
	}
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

func (k keys) sign(p statePayload) string {
	raw, _ := json.Marshal(p) // strings and an int: cannot fail
	body := b64.EncodeToString(raw)
	return body + "." + b64.EncodeToString(mac(k.state, body))
}

// open checks a state's MAC and decodes it; it says nothing about expiry, provider or browser.
func (k keys) open(state string) (statePayload, bool) {
	body, sig, ok := strings.Cut(state, ".")
	if !ok {
		return statePayload{}, false
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(k.state, body)) {
		return statePayload{}, false
	}
	raw, err := b64.DecodeString(body)
	if err != nil {
		return statePayload{}, false
	}
	var p statePayload
	if json.Unmarshal(raw, &p) != nil || p.ID == "" {
		return statePayload{}, false
	}
	return p, true
}

// browserTag is what a state holds of the browser nonce: a MAC, so the state does not reveal it.
func (k keys) browserTag(browser string) string {
	return b64.EncodeToString(mac(k.browser, browser)[:16])
}

// verifier is the PKCE code verifier of a flow: 43 characters of base64url, as RFC 7636 allows.
func (k keys) verifier(browser, id string) string {
	return b64.EncodeToString(mac(k.pkce, browser, id))
}

// oidcNonce is the OpenID Connect nonce of a flow, which the ID token must carry back.
func (k keys) oidcNonce(browser, id string) string {
	return b64.EncodeToString(mac(k.nonce, browser, id))
}

// NewBrowserNonce returns a fresh random value for the gojoser_social cookie.
func NewBrowserNonce() string { return random(32) }

// ValidBrowserNonce reports whether v could be a browser nonce this package made.
func ValidBrowserNonce(v string) bool {
	b, err := b64.DecodeString(v)
	return err == nil && len(b) == 32
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b64.EncodeToString(b)
}

func expiry(now time.Time, lifetime time.Duration) int64 { return now.Add(lifetime).Unix() }
