package jwt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// asymKey is one Ed25519 or P-256 key: private when it can sign, public only when it just verifies.
type asymKey struct {
	alg     string
	public  crypto.PublicKey // ed25519.PublicKey or *ecdsa.PublicKey
	private crypto.Signer    // ed25519.PrivateKey or *ecdsa.PrivateKey; nil for a public key
	jwk     jwk
}

// jwk is one entry of the JWKS, members in the order they are served.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

var b64 = base64.RawURLEncoding

func newAsymKey(pub crypto.PublicKey, priv crypto.Signer) (*asymKey, error) {
	k := &asymKey{public: pub, private: priv}
	switch p := pub.(type) {
	case ed25519.PublicKey:
		k.alg = AlgEdDSA
		k.jwk = jwk{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(p)}
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA curve %s is not supported: ES256 needs P-256", p.Curve.Params().Name)
		}
		point, err := p.Bytes() // 0x04 || X || Y, 32 bytes each
		if err != nil {
			return nil, fmt.Errorf("encode P-256 public key: %w", err)
		}
		k.alg = AlgES256
		k.jwk = jwk{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(point[1:33]), Y: b64.EncodeToString(point[33:65])}
	case *rsa.PublicKey:
		return nil, errors.New("RSA keys are not supported: use Ed25519 (EdDSA) or P-256 (ES256)")
	default:
		return nil, fmt.Errorf("unsupported key type %T: use Ed25519 (EdDSA) or P-256 (ES256)", pub)
	}
	k.jwk.Kid = thumbprint(k.jwk)
	k.jwk.Alg = k.alg
	k.jwk.Use = "sig"
	return k, nil
}

func (k *asymKey) kid() string { return k.jwk.Kid }

// thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url): the hash of the required members in
// lexicographic order without whitespace. The members are constants and base64url, so nothing to escape.
func thumbprint(j jwk) string {
	var canonical string
	if j.Kty == "EC" {
		canonical = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	} else {
		canonical = `{"crv":"` + j.Crv + `","kty":"` + j.Kty + `","x":"` + j.X + `"}` // RFC 8037 §2
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64.EncodeToString(sum[:])
}

// parseKeysPEM reads every PEM block in data: PKCS#8 "PRIVATE KEY", SEC 1 "EC PRIVATE KEY" or PKIX
// "PUBLIC KEY", each Ed25519 or P-256.
func parseKeysPEM(data []byte) ([]*asymKey, error) {
	var keys []*asymKey
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		k, err := parseBlock(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", len(keys)+1, block.Type, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block found")
	}
	return keys, nil
}

func parseBlock(block *pem.Block) (*asymKey, error) {
	if len(block.Headers) > 0 || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("encrypted keys are not supported: decrypt it first (openssl pkey -in key.pem -out plain.pem)")
	}
	var (
		parsed any
		err    error
	)
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		parsed, err = x509.ParsePKIXPublicKey(block.Bytes)
	default:
		return nil, errors.New("unsupported PEM block: want PRIVATE KEY, EC PRIVATE KEY or PUBLIC KEY")
	}
	if err != nil {
		return nil, err
	}
	switch k := parsed.(type) {
	case ed25519.PrivateKey:
		return newAsymKey(k.Public(), k)
	case *ecdsa.PrivateKey:
		return newAsymKey(&k.PublicKey, k)
	case crypto.Signer:
		return newAsymKey(k.Public(), nil) // RSA and others: refused with the public key's message
	default:
		return newAsymKey(k, nil)
	}
}

// GenerateKeyPEM returns a new private key for alg (EdDSA or ES256) as a PKCS#8 "PRIVATE KEY" PEM block,
// ready for GOJOSER_JWT_PRIVATE_KEY_FILE.
func GenerateKeyPEM(alg string) ([]byte, error) {
	var key any
	switch alg {
	case AlgEdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwt: generate Ed25519 key: %w", err)
		}
		key = priv
	case AlgES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwt: generate P-256 key: %w", err)
		}
		key = priv
	case AlgHS256:
		return nil, errors.New("jwt: HS256 signs with a shared secret, not a key pair: use at least 32 random bytes (openssl rand -base64 48)")
	default:
		return nil, fmt.Errorf("jwt: unknown algorithm %q: use EdDSA or ES256", alg)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("jwt: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PublicKeyPEM returns the PKIX "PUBLIC KEY" blocks of every key in keyPEM (private or public), for
// keeping a retired key as verify-only (Config.OldKeysPEM) or handing it to other verifiers.
func PublicKeyPEM(keyPEM []byte) ([]byte, error) {
	keys, err := parseKeysPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("jwt: %w", err)
	}
	var out bytes.Buffer
	for _, k := range keys {
		der, err := x509.MarshalPKIXPublicKey(k.public)
		if err != nil {
			return nil, fmt.Errorf("jwt: encode public key: %w", err)
		}
		if err := pem.Encode(&out, &pem.Block{Type: "PUBLIC KEY", Bytes: der}); err != nil {
			return nil, fmt.Errorf("jwt: encode public key: %w", err)
		}
	}
	return out.Bytes(), nil
}

// KeyID returns the kid (RFC 7638 thumbprint) and algorithm of the single key in keyPEM.
func KeyID(keyPEM []byte) (kid, alg string, err error) {
	keys, err := parseKeysPEM(keyPEM)
	if err != nil {
		return "", "", fmt.Errorf("jwt: %w", err)
	}
	if len(keys) != 1 {
		return "", "", fmt.Errorf("jwt: want one key, found %d", len(keys))
	}
	return keys[0].kid(), keys[0].alg, nil
}

// marshalJWKS renders the key set; an empty set is {"keys":[]}.
func marshalJWKS(keys []*asymKey) []byte {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.jwk)
	}
	out, err := json.Marshal(set)
	if err != nil {
		panic("jwt: marshal JWKS: " + err.Error()) // strings only: cannot fail
	}
	return out
}
