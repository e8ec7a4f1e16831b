// Package jwt mints and verifies the JSON Web Tokens of djangorestframework-simplejwt 5.2.2, byte for
// byte: a token SimpleJWT signs with the same HS256 key verifies here, and the other way round.
//
// Wire shape (PyJWT: compact JSON, base64url without padding):
//
//	header  {"alg":"HS256","typ":"JWT"}            ({"alg":..,"kid":..,"typ":"JWT"} for EdDSA and ES256)
//	payload {"token_type":"access"|"refresh","exp":..,"iat":..,"jti":"<uuid4 hex>","user_id":..}
//
// Beyond SimpleJWT, a Manager can sign with an Ed25519 (EdDSA) or P-256 (ES256) key whose public half is
// published as a JWKS, and keeps verifying tokens signed by retired keys (rotation). It knows nothing of
// HTTP or users; a Manager is immutable and safe for concurrent use.
package jwt

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
)

// Token types, the token_type claim.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
)

// Signing algorithms.
const (
	AlgHS256 = "HS256"
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
)

// SimpleJWT's default lifetimes, and the shortest HMAC key RFC 7518 §3.2 allows for HS256.
const (
	DefaultAccessLifetime  = 5 * time.Minute
	DefaultRefreshLifetime = 24 * time.Hour
	MinHMACKeyLen          = 32
)

// Config is what New needs. The zero values of Algorithm, the lifetimes and Now mean HS256, SimpleJWT's
// defaults and time.Now.
type Config struct {
	// Algorithm signs new tokens: HS256 (SimpleJWT's default), EdDSA or ES256.
	Algorithm string
	// HMACKey signs and verifies HS256 tokens (SimpleJWT's SIGNING_KEY, Django's SECRET_KEY by default).
	HMACKey []byte
	// PrivateKeyPEM signs EdDSA (Ed25519) or ES256 (P-256) tokens: one PKCS#8 or SEC 1 private key.
	PrivateKeyPEM []byte

	// Retired keys: tokens they signed keep verifying until they expire; nothing new is signed with them.
	// OldHMACKeys are HS256 secrets (HS256 tokens carry no kid, so each is tried in turn).
	// Each OldKeysPEM entry holds one or more PEM keys, public or private; tokens pick theirs by kid.
	OldHMACKeys [][]byte
	OldKeysPEM  [][]byte

	AccessLifetime  time.Duration
	RefreshLifetime time.Duration

	// Now is the clock for iat, exp and expiry checks.
	Now func() time.Time
}

// Claims is a token's payload.
type Claims struct {
	TokenType string // TypeAccess or TypeRefresh
	Exp       int64  // Unix seconds
	Iat       int64  // Unix seconds
	JTI       string // 32 lowercase hex digits
	UserID    int64
}

// payload is Claims in SimpleJWT's key order; the field list must match Claims for the conversion.
type payload struct {
	TokenType string `json:"token_type"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	JTI       string `json:"jti"`
	UserID    int64  `json:"user_id"`
}

// header is in PyJWT's key order (it sorts header keys).
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ"`
}

// Manager mints and verifies tokens.
type Manager struct {
	method  gojwt.SigningMethod
	signKey any    // []byte for HS256, else the private key
	kid     string // "" for HS256

	hmacKeys []gojwt.VerificationKey // current first, then retired
	keys     map[string]*asymKey     // every public key by kid
	methods  []string                // algorithms a token may use
	jwks     []byte

	accessLifetime  time.Duration
	refreshLifetime time.Duration
	now             func() time.Time
	newJTI          func() string
}

// New checks cfg and builds a Manager. Every problem is reported at once.
func New(cfg Config) (*Manager, error) {
	m := &Manager{
		keys:            map[string]*asymKey{},
		accessLifetime:  cfg.AccessLifetime,
		refreshLifetime: cfg.RefreshLifetime,
		now:             cfg.Now,
		newJTI:          newJTI,
	}
	if m.now == nil {
		m.now = time.Now
	}
	var errs []error
	var published []*asymKey // JWKS order: signing key first

	switch alg := cmp.Or(cfg.Algorithm, AlgHS256); alg {
	case AlgHS256:
		switch {
		case len(cfg.HMACKey) == 0:
			errs = append(errs, errors.New("jwt: HS256 needs a signing key (HMACKey)"))
		case len(cfg.HMACKey) < MinHMACKeyLen:
			errs = append(errs, fmt.Errorf("jwt: the HS256 signing key must be at least %d bytes (RFC 7518 §3.2), got %d", MinHMACKeyLen, len(cfg.HMACKey)))
		}
		if len(cfg.PrivateKeyPEM) > 0 {
			errs = append(errs, errors.New("jwt: PrivateKeyPEM is for EdDSA or ES256, but Algorithm is HS256"))
		}
		m.method, m.signKey = gojwt.SigningMethodHS256, cfg.HMACKey
		m.hmacKeys = append(m.hmacKeys, cfg.HMACKey)
	case AlgEdDSA, AlgES256:
		if len(cfg.HMACKey) > 0 {
			errs = append(errs, fmt.Errorf("jwt: HMACKey is for HS256, but Algorithm is %s; to keep verifying HS256 tokens, pass it in OldHMACKeys", alg))
		}
		k, err := signingKey(alg, cfg.PrivateKeyPEM)
		if err != nil {
			errs = append(errs, err)
			break
		}
		m.method, m.signKey, m.kid = gojwt.GetSigningMethod(alg), k.private, k.kid()
		m.keys[k.kid()] = k
		published = append(published, k)
	default:
		errs = append(errs, fmt.Errorf("jwt: unknown Algorithm %q: use HS256, EdDSA or ES256", cfg.Algorithm))
	}

	for i, key := range cfg.OldHMACKeys {
		if len(key) == 0 {
			errs = append(errs, fmt.Errorf("jwt: OldHMACKeys[%d] is empty", i))
			continue
		}
		m.hmacKeys = append(m.hmacKeys, key)
	}
	for i, data := range cfg.OldKeysPEM {
		keys, err := parseKeysPEM(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("jwt: OldKeysPEM[%d]: %w", i, err))
			continue
		}
		for _, k := range keys {
			if _, dup := m.keys[k.kid()]; dup {
				continue
			}
			k.private = nil // retired keys only verify
			m.keys[k.kid()] = k
			published = append(published, k)
		}
	}

	for _, l := range []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{{"AccessLifetime", &m.accessLifetime, DefaultAccessLifetime}, {"RefreshLifetime", &m.refreshLifetime, DefaultRefreshLifetime}} {
		switch {
		case *l.d == 0:
			*l.d = l.def
		case *l.d < time.Second: // exp is in whole seconds
			errs = append(errs, fmt.Errorf("jwt: %s must be at least 1s, got %s", l.name, *l.d))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	if len(m.hmacKeys) > 0 {
		m.methods = append(m.methods, AlgHS256)
	}
	for _, alg := range []string{AlgEdDSA, AlgES256} {
		for _, k := range published {
			if k.alg == alg {
				m.methods = append(m.methods, alg)
				break
			}
		}
	}
	m.jwks = marshalJWKS(published)
	return m, nil
}

func signingKey(alg string, data []byte) (*asymKey, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("jwt: %s needs a private key (PrivateKeyPEM)", alg)
	}
	keys, err := parseKeysPEM(data)
	if err != nil {
		return nil, fmt.Errorf("jwt: PrivateKeyPEM: %w", err)
	}
	switch k := keys[0]; {
	case len(keys) != 1:
		return nil, fmt.Errorf("jwt: PrivateKeyPEM must hold one key, found %d", len(keys))
	case k.private == nil:
		return nil, errors.New("jwt: PrivateKeyPEM holds a public key; signing needs the private key")
	case k.alg != alg:
		return nil, fmt.Errorf("jwt: Algorithm is %s but PrivateKeyPEM holds a key for %s", alg, k.alg)
	default:
		return k, nil
	}
}

// Algorithm is the algorithm new tokens are signed with.
func (m *Manager) Algorithm() string { return m.method.Alg() }

// KeyID is the kid of the signing key, "" for HS256.
func (m *Manager) KeyID() string { return m.kid }

// JWKS is the JSON Web Key Set to serve at /.well-known/jwks.json: the public signing key first, then the
// retired ones still accepted. It is {"keys":[]} for HS256, whose key is secret.
func (m *Manager) JWKS() []byte { return append([]byte(nil), m.jwks...) }

// NewRefresh mints a refresh token for userID (SimpleJWT's RefreshToken.for_user).
func (m *Manager) NewRefresh(userID int64) (string, Claims, error) {
	return m.mint(TypeRefresh, m.refreshLifetime, userID, 0)
}

// NewAccess mints a stand-alone access token for userID (SimpleJWT's AccessToken.for_user).
func (m *Manager) NewAccess(userID int64) (string, Claims, error) {
	return m.mint(TypeAccess, m.accessLifetime, userID, 0)
}

// AccessFromRefresh mints the access token of a verified refresh token (SimpleJWT's
// RefreshToken.access_token, used by both /jwt/create/ and /jwt/refresh/): a new jti, exp counted from
// now, and iat and user_id copied from the refresh token.
func (m *Manager) AccessFromRefresh(refresh Claims) (string, Claims, error) {
	if refresh.TokenType != TypeRefresh {
		return "", Claims{}, wrongType(fmt.Errorf("want a refresh token, got %q", refresh.TokenType))
	}
	return m.mint(TypeAccess, m.accessLifetime, refresh.UserID, refresh.Iat)
}

// mint signs a new token; iat 0 means now.
func (m *Manager) mint(typ string, lifetime time.Duration, userID, iat int64) (string, Claims, error) {
	now := m.now()
	c := Claims{TokenType: typ, Exp: now.Add(lifetime).Unix(), Iat: now.Unix(), JTI: m.newJTI(), UserID: userID}
	if iat != 0 {
		c.Iat = iat
	}
	h, err := json.Marshal(header{Alg: m.method.Alg(), Kid: m.kid, Typ: "JWT"})
	if err != nil {
		return "", Claims{}, fmt.Errorf("jwt: encode header: %w", err)
	}
	p, err := json.Marshal(payload(c))
	if err != nil {
		return "", Claims{}, fmt.Errorf("jwt: encode payload: %w", err)
	}
	signingInput := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	sig, err := m.method.Sign(signingInput, m.signKey)
	if err != nil {
		return "", Claims{}, fmt.Errorf("jwt: sign: %w", err)
	}
	return signingInput + "." + b64.EncodeToString(sig), c, nil
}

// newJTI is uuid.uuid4().hex.
func newJTI() string {
	var b [16]byte
	rand.Read(b[:])         // never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return hex.EncodeToString(b[:])
}

// Parse verifies token and returns its claims. wantType is TypeAccess or TypeRefresh, or "" to accept
// either (/jwt/verify/). Failures are *Error matching ErrWrongType when the token is sound but of the
// other type, ErrInvalid otherwise (including expiry); an unknown wantType is a programming error.
//
// Checks run in SimpleJWT's order: signature and PyJWT's time claims (exp <= now is expired, iat or nbf
// after now is not yet valid, leeway 0), then the jti, then token_type, then user_id.
func (m *Manager) Parse(token, wantType string) (Claims, error) {
	if wantType != "" && wantType != TypeAccess && wantType != TypeRefresh {
		return Claims{}, fmt.Errorf("jwt: Parse: unknown token type %q", wantType)
	}
	var set claimSet
	parser := gojwt.NewParser(gojwt.WithValidMethods(m.methods), gojwt.WithoutClaimsValidation())
	if _, err := parser.ParseWithClaims(token, &set, m.verificationKey); err != nil {
		return Claims{}, invalid(err)
	}
	return set.check(m.now().Unix(), wantType)
}

// verificationKey picks the keys a token may be signed with. The key, not the token, decides the
// algorithm: HS256 tokens are checked against HMAC secrets only, and EdDSA/ES256 tokens against the
// public key their kid names, which must be of that same algorithm. A public key is never an HMAC secret.
func (m *Manager) verificationKey(t *gojwt.Token) (any, error) {
	kid, hasKid := t.Header["kid"]
	kidStr, ok := kid.(string)
	if hasKid && !ok {
		return nil, errors.New("kid header is not a string")
	}
	alg := t.Method.Alg()
	if alg == AlgHS256 {
		// PyJWT ignores kid for HS256; so do we.
		return gojwt.VerificationKeySet{Keys: m.hmacKeys}, nil
	}
	if !hasKid {
		return nil, fmt.Errorf("%s token without kid", alg)
	}
	k, ok := m.keys[kidStr]
	switch {
	case !ok:
		return nil, fmt.Errorf("unknown kid %q", kidStr)
	case k.alg != alg:
		return nil, fmt.Errorf("kid %q is a key for %s, the token says %s", kidStr, k.alg, alg)
	}
	return k.public, nil
}

// claimSet is a verified payload, kept raw so that claims are matched by exact name and type-checked
// one by one (a struct would match names case-insensitively).
type claimSet map[string]json.RawMessage

// check validates the payload as PyJWT and SimpleJWT do, with types required.
func (s claimSet) check(now int64, wantType string) (Claims, error) {
	var c Claims
	if err := s.field("exp", &c.Exp, true); err != nil {
		return Claims{}, invalid(err)
	}
	if c.Exp <= now {
		return Claims{}, invalid(gojwt.ErrTokenExpired)
	}
	if err := s.field("iat", &c.Iat, true); err != nil {
		return Claims{}, invalid(err)
	}
	if c.Iat > now {
		return Claims{}, invalid(gojwt.ErrTokenUsedBeforeIssued)
	}
	var nbf int64
	if err := s.field("nbf", &nbf, false); err != nil {
		return Claims{}, invalid(err)
	}
	if nbf > now {
		return Claims{}, invalid(gojwt.ErrTokenNotValidYet)
	}
	if err := s.field("jti", &c.JTI, true); err != nil {
		return Claims{}, invalid(err)
	}
	if err := s.field("token_type", &c.TokenType, true); err != nil {
		return Claims{}, invalid(err)
	}
	switch {
	case c.TokenType != TypeAccess && c.TokenType != TypeRefresh:
		return Claims{}, invalid(fmt.Errorf("unknown token_type %q", c.TokenType))
	case wantType != "" && c.TokenType != wantType:
		return Claims{}, wrongType(fmt.Errorf("want %s, got %s", wantType, c.TokenType))
	}
	if err := s.field("user_id", &c.UserID, true); err != nil {
		return Claims{}, invalid(err)
	}
	return c, nil
}

// field decodes claim name into dst (*int64 or *string), which rejects wrong JSON types, fractions and
// overflow; null counts as ill-typed.
func (s claimSet) field(name string, dst any, required bool) error {
	raw, ok := s[name]
	switch {
	case !ok && required:
		return fmt.Errorf("no %s claim", name)
	case !ok:
		return nil
	case string(raw) == "null":
		return fmt.Errorf("%s claim is null", name)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s claim: %w", name, err)
	}
	return nil
}

// claimSet satisfies gojwt.Claims only to be filled by the parser: claims validation is switched off and
// done by check, which follows PyJWT's rules rather than golang-jwt's.
func (claimSet) GetExpirationTime() (*gojwt.NumericDate, error) { return nil, nil }
func (claimSet) GetIssuedAt() (*gojwt.NumericDate, error)       { return nil, nil }
func (claimSet) GetNotBefore() (*gojwt.NumericDate, error)      { return nil, nil }
func (claimSet) GetIssuer() (string, error)                     { return "", nil }
func (claimSet) GetSubject() (string, error)                    { return "", nil }
func (claimSet) GetAudience() (gojwt.ClaimStrings, error)       { return nil, nil }
