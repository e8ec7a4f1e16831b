package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
)

// Minted by SimpleJWT's code path with Python's standard library (hmac, base64, json, uuid), replaying
// PyJWT 2.x: header dumped with sort_keys=True, payload in insertion order, separators (",", ":"),
// base64url without padding. The script:
//
//	KEY = b"django-insecure-8v#k2!interop-secret-for-gojoser-tests"
//	def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=")
//	def encode(payload):
//	    header = json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":"), sort_keys=True).encode()
//	    body = json.dumps(payload, separators=(",", ":")).encode()
//	    signing_input = b64(header) + b"." + b64(body)
//	    return (signing_input + b"." + b64(hmac.new(KEY, signing_input, hashlib.sha256).digest())).decode()
//	T0 = 1700000000
//	encode({"token_type": "refresh", "exp": T0 + 86400, "iat": T0, "jti": uuid.uuid4().hex, "user_id": 42})
//	T1 = T0 + 1000  # RefreshToken.access_token: exp from now, iat copied, new jti
//	encode({"token_type": "access", "exp": T1 + 300, "iat": T0, "jti": uuid.uuid4().hex, "user_id": 42})
const (
	pyKey        = "django-insecure-8v#k2!interop-secret-for-gojoser-tests"
	pyT0         = 1700000000
	pyT1         = pyT0 + 1000
	pyRefreshJTI = "682be999314a47b086fd08a2c8b59205"
	pyAccessJTI  = "767a2bdc154148b58ae09cfde1b2775a"
	pyRefresh    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTcwMDA4NjQwMCwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiI2ODJiZTk5OTMxNGE0N2IwODZmZDA4YTJjOGI1OTIwNSIsInVzZXJfaWQiOjQyfQ.ZPgPeG24FvaempgrbmFY_SepYPTpgj-5X4KH9WYP-Qc"
	pyAccess     = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzAwMDAxMzAwLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6Ijc2N2EyYmRjMTU0MTQ4YjU4YWUwOWNmZGUxYjI3NzVhIiwidXNlcl9pZCI6NDJ9.guL2ppq7UKlgYbU6hjlJKC3aPOTkVtRNcV530HWYWZE"
)

const t0 = pyT0

// clock is a settable Config.Now.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time      { return c.t }
func (c *clock) set(unix int64)      { c.t = time.Unix(unix, 0) }
func at(unix int64) func() time.Time { return func() time.Time { return time.Unix(unix, 0) } }

func mustNew(t *testing.T, cfg Config) *Manager {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func mustKeyPEM(t *testing.T, alg string) []byte {
	t.Helper()
	p, err := GenerateKeyPEM(alg)
	if err != nil {
		t.Fatalf("GenerateKeyPEM(%s): %v", alg, err)
	}
	return p
}

func mustPublicPEM(t *testing.T, keyPEM []byte) []byte {
	t.Helper()
	p, err := PublicKeyPEM(keyPEM)
	if err != nil {
		t.Fatalf("PublicKeyPEM: %v", err)
	}
	return p
}

func mustKeyID(t *testing.T, keyPEM []byte) string {
	t.Helper()
	kid, _, err := KeyID(keyPEM)
	if err != nil {
		t.Fatalf("KeyID: %v", err)
	}
	return kid
}

func mustMint(t *testing.T, mint func(int64) (string, Claims, error), userID int64) (string, Claims) {
	t.Helper()
	tok, c, err := mint(userID)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return tok, c
}

// privateOf returns the signer inside a private key PEM.
func privateOf(t *testing.T, keyPEM []byte) any {
	t.Helper()
	keys, err := parseKeysPEM(keyPEM)
	if err != nil || keys[0].private == nil {
		t.Fatalf("privateOf: %v", err)
	}
	return keys[0].private
}

// forge builds a token from raw header and payload JSON; sign may be nil for an empty signature.
func forge(header, payload string, sign func(signingInput string) []byte) string {
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	var sig []byte
	if sign != nil {
		sig = sign(in)
	}
	return in + "." + b64.EncodeToString(sig)
}

func hs256(secret []byte) func(string) []byte {
	return func(in string) []byte {
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(in))
		return mac.Sum(nil)
	}
}

func signer(method gojwt.SigningMethod, key any) func(string) []byte {
	return func(in string) []byte {
		sig, err := method.Sign(in, key)
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func segment(t *testing.T, token string, i int) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	return string(raw)
}

func payloadJSON(typ string, exp, iat int64, userID int64) string {
	return fmt.Sprintf(`{"token_type":%q,"exp":%d,"iat":%d,"jti":"0123456789abcdef0123456789abcdef","user_id":%d}`, typ, exp, iat, userID)
}

func TestSimpleJWTInterop(t *testing.T) {
	t.Run("SimpleJWT tokens verify", func(t *testing.T) {
		m := mustNew(t, Config{HMACKey: []byte(pyKey), Now: at(pyT1)})
		for _, tc := range []struct {
			token, want string
			claims      Claims
		}{
			{pyRefresh, TypeRefresh, Claims{TypeRefresh, pyT0 + 86400, pyT0, pyRefreshJTI, 42}},
			{pyAccess, TypeAccess, Claims{TypeAccess, pyT1 + 300, pyT0, pyAccessJTI, 42}},
		} {
			for _, want := range []string{tc.want, ""} {
				got, err := m.Parse(tc.token, want)
				if err != nil || got != tc.claims {
					t.Errorf("Parse(%s, %q) = %+v, %v; want %+v", tc.want, want, got, err, tc.claims)
				}
			}
		}
	})

	t.Run("tokens minted here are byte-identical", func(t *testing.T) {
		clk := &clock{}
		m := mustNew(t, Config{HMACKey: []byte(pyKey), Now: clk.Now})

		clk.set(pyT0)
		m.newJTI = func() string { return pyRefreshJTI }
		refresh, rc, err := m.NewRefresh(42)
		if err != nil || refresh != pyRefresh {
			t.Fatalf("NewRefresh = %s, %v\nwant %s", refresh, err, pyRefresh)
		}

		clk.set(pyT1)
		m.newJTI = func() string { return pyAccessJTI }
		access, _, err := m.AccessFromRefresh(rc)
		if err != nil || access != pyAccess {
			t.Fatalf("AccessFromRefresh = %s, %v\nwant %s", access, err, pyAccess)
		}
	})
}

func TestMintedShape(t *testing.T) {
	ed, es := mustKeyPEM(t, AlgEdDSA), mustKeyPEM(t, AlgES256)
	payloadRE := regexp.MustCompile(`^\{"token_type":"(access|refresh)","exp":\d+,"iat":\d+,"jti":"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}","user_id":7\}$`)
	for _, tc := range []struct {
		name       string
		cfg        Config
		wantHeader string
	}{
		{"HS256", Config{HMACKey: []byte(pyKey)}, `{"alg":"HS256","typ":"JWT"}`},
		{"EdDSA", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: ed}, `{"alg":"EdDSA","kid":"` + mustKeyID(t, ed) + `","typ":"JWT"}`},
		{"ES256", Config{Algorithm: AlgES256, PrivateKeyPEM: es}, `{"alg":"ES256","kid":"` + mustKeyID(t, es) + `","typ":"JWT"}`},
		{"custom lifetimes", Config{HMACKey: []byte(pyKey), AccessLifetime: time.Hour, RefreshLifetime: 7 * 24 * time.Hour}, `{"alg":"HS256","typ":"JWT"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Now = func() time.Time { return time.Unix(t0, 999_999_999) } // exp and iat truncate
			m := mustNew(t, tc.cfg)
			wantAccess, wantRefresh := m.accessLifetime, m.refreshLifetime
			for _, mk := range []struct {
				typ      string
				mint     func(int64) (string, Claims, error)
				lifetime time.Duration
			}{{TypeRefresh, m.NewRefresh, wantRefresh}, {TypeAccess, m.NewAccess, wantAccess}} {
				tok, c := mustMint(t, mk.mint, 7)
				if h := segment(t, tok, 0); h != tc.wantHeader {
					t.Errorf("%s header = %s, want %s", mk.typ, h, tc.wantHeader)
				}
				p := segment(t, tok, 1)
				if !payloadRE.MatchString(p) {
					t.Errorf("%s payload = %s, want SimpleJWT's keys, order and types", mk.typ, p)
				}
				want := Claims{TokenType: mk.typ, Exp: t0 + int64(mk.lifetime/time.Second), Iat: t0, JTI: c.JTI, UserID: 7}
				if c != want {
					t.Errorf("%s claims = %+v, want %+v", mk.typ, c, want)
				}
				if got, err := m.Parse(tok, mk.typ); err != nil || got != c {
					t.Errorf("Parse(own %s) = %+v, %v", mk.typ, got, err)
				}
			}
			_, a := mustMint(t, m.NewAccess, 7)
			_, b := mustMint(t, m.NewAccess, 7)
			if a.JTI == b.JTI {
				t.Errorf("two tokens share jti %s", a.JTI)
			}
		})
	}
	t.Run("default lifetimes are SimpleJWT's", func(t *testing.T) {
		m := mustNew(t, Config{HMACKey: []byte(pyKey)})
		if m.accessLifetime != 5*time.Minute || m.refreshLifetime != 24*time.Hour {
			t.Errorf("lifetimes = %s, %s", m.accessLifetime, m.refreshLifetime)
		}
	})
}

func TestAccessFromRefresh(t *testing.T) {
	clk := &clock{}
	clk.set(t0)
	m := mustNew(t, Config{HMACKey: []byte(pyKey), Now: clk.Now})
	_, refresh := mustMint(t, m.NewRefresh, 42)

	clk.set(t0 + 5000)
	tok, access, err := m.AccessFromRefresh(refresh)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{TokenType: TypeAccess, Exp: t0 + 5000 + 300, Iat: t0, JTI: access.JTI, UserID: 42}
	if access != want || access.JTI == refresh.JTI {
		t.Errorf("access = %+v, want %+v with a new jti", access, want)
	}
	if got, err := m.Parse(tok, TypeAccess); err != nil || got != access {
		t.Errorf("Parse = %+v, %v", got, err)
	}

	_, notRefresh := mustMint(t, m.NewAccess, 42)
	if _, _, err := m.AccessFromRefresh(notRefresh); !errors.Is(err, ErrWrongType) {
		t.Errorf("AccessFromRefresh(access claims) error = %v, want ErrWrongType", err)
	}
}

func TestParseRejects(t *testing.T) {
	const now = t0 + 10
	key := []byte(pyKey)
	edPEM, esPEM, otherEdPEM := mustKeyPEM(t, AlgEdDSA), mustKeyPEM(t, AlgES256), mustKeyPEM(t, AlgEdDSA)
	hs := mustNew(t, Config{HMACKey: key, Now: at(now)})
	ed := mustNew(t, Config{Algorithm: AlgEdDSA, PrivateKeyPEM: edPEM, Now: at(now)})
	es := mustNew(t, Config{Algorithm: AlgES256, PrivateKeyPEM: esPEM, Now: at(now)})
	mixed := mustNew(t, Config{Algorithm: AlgES256, PrivateKeyPEM: esPEM, OldKeysPEM: [][]byte{edPEM}, Now: at(now)})
	edKid, esKid := ed.KeyID(), es.KeyID()
	edPub := privateOf(t, edPEM).(ed25519.PrivateKey).Public().(ed25519.PublicKey)
	esPoint, _ := privateOf(t, esPEM).(*ecdsa.PrivateKey).PublicKey.Bytes()

	valid := payloadJSON(TypeAccess, t0+300, t0, 42)
	hsHeader := `{"alg":"HS256","typ":"JWT"}`
	edHeader := `{"alg":"EdDSA","kid":"` + edKid + `","typ":"JWT"}`
	esHeader := `{"alg":"ES256","kid":"` + esKid + `","typ":"JWT"}`
	signHS := hs256(key)
	signEd := signer(gojwt.SigningMethodEdDSA, privateOf(t, edPEM))
	signES := signer(gojwt.SigningMethodES256, privateOf(t, esPEM))
	goodHS := forge(hsHeader, valid, signHS)
	goodRefresh, _ := mustMint(t, hs.NewRefresh, 42)

	// Sanity: the base tokens the cases spoil are accepted.
	for name, c := range map[string]struct {
		m   *Manager
		tok string
	}{"HS256": {hs, goodHS}, "EdDSA": {ed, forge(edHeader, valid, signEd)}, "ES256": {es, forge(esHeader, valid, signES)}} {
		if _, err := c.m.Parse(c.tok, TypeAccess); err != nil {
			t.Fatalf("base %s token rejected: %v", name, err)
		}
	}

	flip := func(tok string, at int) string { // change one character, keeping base64url
		b := []byte(tok)
		if b[at] == 'A' {
			b[at] = 'B'
		} else {
			b[at] = 'A'
		}
		return string(b)
	}
	parts := strings.Split(goodHS, ".")

	tests := []struct {
		name  string
		m     *Manager
		token string
		want  string // "" accepts either type
		err   error
	}{
		// Malformed.
		{"empty", hs, "", "", ErrInvalid},
		{"garbage", hs, "not a token", "", ErrInvalid},
		{"DRF token key", hs, "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "", ErrInvalid},
		{"two segments", hs, parts[0] + "." + parts[1], "", ErrInvalid},
		{"four segments", hs, goodHS + ".e30", "", ErrInvalid},
		{"bad base64 in header", hs, "!!!." + parts[1] + "." + parts[2], "", ErrInvalid},
		{"header not JSON", hs, forge(`{"alg":"HS256"`, valid, signHS), "", ErrInvalid},
		{"header is an array", hs, forge(`["HS256"]`, valid, signHS), "", ErrInvalid},
		{"header without alg", hs, forge(`{"typ":"JWT"}`, valid, signHS), "", ErrInvalid},
		{"payload not JSON", hs, forge(hsHeader, `{"exp":`, signHS), "", ErrInvalid},
		{"payload is an array", hs, forge(hsHeader, `[1,2]`, signHS), "", ErrInvalid},
		{"payload is null", hs, forge(hsHeader, `null`, signHS), "", ErrInvalid},
		{"payload with trailing data", hs, forge(hsHeader, valid+` {}`, signHS), "", ErrInvalid},

		// Algorithms.
		{"alg none", hs, forge(`{"alg":"none","typ":"JWT"}`, valid, nil), "", ErrInvalid},
		{"alg none, HMAC signature", hs, forge(`{"alg":"none","typ":"JWT"}`, valid, signHS), "", ErrInvalid},
		{"alg None", hs, forge(`{"alg":"None","typ":"JWT"}`, valid, nil), "", ErrInvalid},
		{"alg none, EdDSA manager", ed, forge(`{"alg":"none","kid":"`+edKid+`"}`, valid, nil), "", ErrInvalid},
		{"alg HS512 with the right secret", hs, forge(`{"alg":"HS512","typ":"JWT"}`, valid, signer(gojwt.SigningMethodHS512, key)), "", ErrInvalid},
		{"alg not a string", hs, forge(`{"alg":256,"typ":"JWT"}`, valid, signHS), "", ErrInvalid},
		{"EdDSA token, HS256 manager", hs, forge(edHeader, valid, signEd), "", ErrInvalid},
		{"HS256 token, EdDSA manager", ed, goodHS, "", ErrInvalid},

		// Algorithm confusion: the public key used as an HMAC secret.
		{"HS256 signed with raw Ed25519 public key", ed, forge(`{"alg":"HS256","kid":"`+edKid+`","typ":"JWT"}`, valid, hs256(edPub)), "", ErrInvalid},
		{"HS256 signed with Ed25519 public PEM", ed, forge(`{"alg":"HS256","kid":"`+edKid+`","typ":"JWT"}`, valid, hs256(mustPublicPEM(t, edPEM))), "", ErrInvalid},
		{"HS256 signed with the JWKS", ed, forge(`{"alg":"HS256","typ":"JWT"}`, valid, hs256(ed.JWKS())), "", ErrInvalid},
		{"HS256 signed with P-256 public point", es, forge(`{"alg":"HS256","kid":"`+esKid+`","typ":"JWT"}`, valid, hs256(esPoint)), "", ErrInvalid},
		{"HS256 signed with P-256 public PEM", es, forge(`{"alg":"HS256","kid":"`+esKid+`","typ":"JWT"}`, valid, hs256(mustPublicPEM(t, esPEM))), "", ErrInvalid},
		{"ES384 header on a P-256 kid", es, forge(`{"alg":"ES384","kid":"`+esKid+`","typ":"JWT"}`, valid, signES), "", ErrInvalid},
		{"RS256 header on a P-256 kid", es, forge(`{"alg":"RS256","kid":"`+esKid+`","typ":"JWT"}`, valid, signES), "", ErrInvalid},
		{"PS256 header on an Ed25519 kid", ed, forge(`{"alg":"PS256","kid":"`+edKid+`","typ":"JWT"}`, valid, signEd), "", ErrInvalid},
		{"EdDSA header on a P-256 kid", es, forge(`{"alg":"EdDSA","kid":"`+esKid+`","typ":"JWT"}`, valid, signEd), "", ErrInvalid},
		{"EdDSA header on a P-256 kid, both accepted", mixed, forge(`{"alg":"EdDSA","kid":"`+esKid+`","typ":"JWT"}`, valid, signEd), "", ErrInvalid},
		{"ES256 header on an Ed25519 kid, both accepted", mixed, forge(`{"alg":"ES256","kid":"`+edKid+`","typ":"JWT"}`, valid, signES), "", ErrInvalid},

		// Key ids.
		{"EdDSA without kid", ed, forge(`{"alg":"EdDSA","typ":"JWT"}`, valid, signEd), "", ErrInvalid},
		{"unknown kid", ed, forge(`{"alg":"EdDSA","kid":"nope","typ":"JWT"}`, valid, signEd), "", ErrInvalid},
		{"kid not a string", ed, forge(`{"alg":"EdDSA","kid":1,"typ":"JWT"}`, valid, signEd), "", ErrInvalid},
		{"another Ed25519 key claiming our kid", ed, forge(edHeader, valid, signer(gojwt.SigningMethodEdDSA, privateOf(t, otherEdPEM))), "", ErrInvalid},

		// Signatures.
		{"tampered payload", hs, parts[0] + "." + b64.EncodeToString([]byte(payloadJSON(TypeAccess, t0+300, t0, 1))) + "." + parts[2], "", ErrInvalid},
		{"tampered signature", hs, flip(goodHS, len(goodHS)-20), "", ErrInvalid},
		{"tampered EdDSA signature", ed, flip(forge(edHeader, valid, signEd), len(forge(edHeader, valid, signEd))-20), "", ErrInvalid},
		{"truncated signature", hs, goodHS[:len(goodHS)-4], "", ErrInvalid},
		{"empty signature", hs, parts[0] + "." + parts[1] + ".", "", ErrInvalid},
		{"wrong HMAC key", hs, forge(hsHeader, valid, hs256([]byte(strings.Repeat("k", 40)))), "", ErrInvalid},
		{"whole header value, Bearer prefix included", hs, "Bearer " + goodHS, "", ErrInvalid},

		// Time.
		{"expired (exp == now)", hs, forge(hsHeader, payloadJSON(TypeAccess, now, t0, 42), signHS), "", ErrInvalid},
		{"expired (exp < now)", hs, forge(hsHeader, payloadJSON(TypeAccess, now-1, t0, 42), signHS), "", ErrInvalid},
		{"issued in the future", hs, forge(hsHeader, payloadJSON(TypeAccess, now+300, now+1, 42), signHS), "", ErrInvalid},
		{"nbf in the future", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":"a","user_id":1,"nbf":`+fmt.Sprint(now+1)+`}`, signHS), "", ErrInvalid},
		{"expired and of the wrong type", hs, forge(hsHeader, payloadJSON(TypeRefresh, now, t0, 42), signHS), TypeAccess, ErrInvalid},

		// Missing and ill-typed claims.
		{"no exp", hs, forge(hsHeader, `{"token_type":"access","iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"exp is a string", hs, forge(hsHeader, `{"token_type":"access","exp":"9999999999","iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"exp is a fraction", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999.5,"iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"exp is null", hs, forge(hsHeader, `{"token_type":"access","exp":null,"iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"EXP in capitals", hs, forge(hsHeader, `{"token_type":"access","EXP":9999999999,"iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"no iat", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"iat is a string", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":"1","jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"nbf is a string", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":"a","user_id":1,"nbf":"1"}`, signHS), "", ErrInvalid},
		{"no jti", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"user_id":1}`, signHS), "", ErrInvalid},
		{"jti is a number", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":1,"user_id":1}`, signHS), "", ErrInvalid},
		{"no token_type", hs, forge(hsHeader, `{"exp":9999999999,"iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"token_type is a number", hs, forge(hsHeader, `{"token_type":1,"exp":9999999999,"iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"token_type sliding", hs, forge(hsHeader, `{"token_type":"sliding","exp":9999999999,"iat":1,"jti":"a","user_id":1}`, signHS), "", ErrInvalid},
		{"no user_id", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":"a"}`, signHS), "", ErrInvalid},
		{"user_id is a string", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":"a","user_id":"1"}`, signHS), "", ErrInvalid},
		{"user_id is a fraction", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":"a","user_id":1.5}`, signHS), "", ErrInvalid},
		{"user_id overflows int64", hs, forge(hsHeader, `{"token_type":"access","exp":9999999999,"iat":1,"jti":"a","user_id":99999999999999999999}`, signHS), "", ErrInvalid},

		// Types.
		{"refresh as access", hs, goodRefresh, TypeAccess, ErrWrongType},
		{"access as refresh", hs, goodHS, TypeRefresh, ErrWrongType},
		{"SimpleJWT refresh as access", mustNew(t, Config{HMACKey: []byte(pyKey), Now: at(pyT1)}), pyRefresh, TypeAccess, ErrWrongType},
		{"SimpleJWT access as refresh", mustNew(t, Config{HMACKey: []byte(pyKey), Now: at(pyT1)}), pyAccess, TypeRefresh, ErrWrongType},
	}
	// Where a defence is layered, the cause shows which layer stopped the token.
	because := map[string]string{
		"alg none":                                      "signing method none is invalid",
		"alg HS512 with the right secret":               "signing method HS512 is invalid",
		"EdDSA token, HS256 manager":                    "signing method EdDSA is invalid",
		"HS256 token, EdDSA manager":                    "signing method HS256 is invalid",
		"HS256 signed with the JWKS":                    "signing method HS256 is invalid",
		"EdDSA header on a P-256 kid":                   "signing method EdDSA is invalid",
		"EdDSA header on a P-256 kid, both accepted":    "is a key for ES256, the token says EdDSA",
		"ES256 header on an Ed25519 kid, both accepted": "is a key for EdDSA, the token says ES256",
		"EdDSA without kid":                             "EdDSA token without kid",
		"unknown kid":                                   `unknown kid "nope"`,
		"kid not a string":                              "kid header is not a string",
		"another Ed25519 key claiming our kid":          "signature is invalid",
		"expired (exp == now)":                          "token is expired",
		"issued in the future":                          "token used before issued",
		"nbf in the future":                             "token is not valid yet",
		"EXP in capitals":                               "no exp claim",
		"refresh as access":                             "want access, got refresh",
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.m.Parse(tc.token, tc.want)
			if want, ok := because[tc.name]; ok && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Errorf("error %v does not say %q", err, want)
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("Parse = %+v, %v; want %v", got, err, tc.err)
			}
			other := ErrWrongType
			if tc.err == ErrWrongType {
				other = ErrInvalid
			}
			if errors.Is(err, other) {
				t.Errorf("error %v also matches %v", err, other)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != "token_not_valid" || e.Cause == nil || got != (Claims{}) {
				t.Errorf("error = %#v, claims = %+v; want *Error with code token_not_valid, a cause and no claims", err, got)
			}
		})
	}
}

func TestExpiryFollowsTheClock(t *testing.T) {
	clk := &clock{}
	clk.set(t0)
	m := mustNew(t, Config{HMACKey: []byte(pyKey), Now: clk.Now})
	access, ac := mustMint(t, m.NewAccess, 1)
	refresh, rc := mustMint(t, m.NewRefresh, 1)
	for _, tc := range []struct {
		name  string
		token string
		now   int64
		ok    bool
	}{
		{"access at iat", access, ac.Iat, true},
		{"access one second before exp", access, ac.Exp - 1, true},
		{"access at exp (leeway 0)", access, ac.Exp, false},
		{"access after exp", access, ac.Exp + 3600, false},
		{"access before iat", access, ac.Iat - 1, false},
		{"refresh after the access lifetime", refresh, ac.Exp + 1, true},
		{"refresh one second before exp", refresh, rc.Exp - 1, true},
		{"refresh at exp", refresh, rc.Exp, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.set(tc.now)
			_, err := m.Parse(tc.token, "")
			if ok := err == nil; ok != tc.ok {
				t.Errorf("Parse at %d: err = %v, want ok=%v", tc.now, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("expiry error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	oldSecret, newSecret := []byte(pyKey), []byte(strings.Repeat("n", 48))
	ed1, es2 := mustKeyPEM(t, AlgEdDSA), mustKeyPEM(t, AlgES256)
	now := at(t0)

	hsOld := mustNew(t, Config{HMACKey: oldSecret, Now: now})
	hsNew := mustNew(t, Config{HMACKey: newSecret, OldHMACKeys: [][]byte{oldSecret}, Now: now})
	hsNewOnly := mustNew(t, Config{HMACKey: newSecret, Now: now})
	edOld := mustNew(t, Config{Algorithm: AlgEdDSA, PrivateKeyPEM: ed1, Now: now})
	esNew := mustNew(t, Config{Algorithm: AlgES256, PrivateKeyPEM: es2, OldKeysPEM: [][]byte{mustPublicPEM(t, ed1)}, Now: now})
	esNewOnly := mustNew(t, Config{Algorithm: AlgES256, PrivateKeyPEM: es2, Now: now})
	// Leaving HS256 for EdDSA: the old secret keeps verifying the HS256 tokens already out there.
	edFromHS := mustNew(t, Config{Algorithm: AlgEdDSA, PrivateKeyPEM: ed1, OldHMACKeys: [][]byte{oldSecret}, Now: now})

	hsOldTok, _ := mustMint(t, hsOld.NewRefresh, 1)
	hsNewTok, _ := mustMint(t, hsNew.NewRefresh, 1)
	edTok, _ := mustMint(t, edOld.NewRefresh, 1)
	esTok, _ := mustMint(t, esNew.NewRefresh, 1)

	for _, tc := range []struct {
		name  string
		m     *Manager
		token string
		ok    bool
	}{
		{"new secret verifies a token of the old one", hsNew, hsOldTok, true},
		{"new secret signs with the new one", hsNewOnly, hsNewTok, true},
		{"old secret alone rejects the new token", hsOld, hsNewTok, false},
		{"old secret dropped: its tokens are rejected", hsNewOnly, hsOldTok, false},
		{"new ES256 key verifies a token of the retired Ed25519 key", esNew, edTok, true},
		{"new key signs with the new kid", esNewOnly, esTok, true},
		{"retired key dropped: unknown kid", esNewOnly, edTok, false},
		{"retired key alone rejects the new kid", edOld, esTok, false},
		{"EdDSA manager with an old HS256 secret", edFromHS, hsOldTok, true},
		{"EdDSA manager rejects HS256 of unknown secrets", edFromHS, hsNewTok, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Parse(tc.token, TypeRefresh)
			if ok := err == nil; ok != tc.ok {
				t.Errorf("Parse: err = %v, want ok=%v", err, tc.ok)
			}
		})
	}

	if h := segment(t, esTok, 0); h != `{"alg":"ES256","kid":"`+mustKeyID(t, es2)+`","typ":"JWT"}` {
		t.Errorf("new token header = %s", h)
	}
	if got, want := kids(t, esNew.JWKS()), []string{mustKeyID(t, es2), mustKeyID(t, ed1)}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("JWKS kids = %v, want %v (signing key first)", got, want)
	}
	if got := kids(t, edFromHS.JWKS()); len(got) != 1 {
		t.Errorf("JWKS publishes %d keys, want only the Ed25519 one (HMAC secrets stay secret)", len(got))
	}

	t.Run("retired private keys verify but never sign, duplicates collapse", func(t *testing.T) {
		m := mustNew(t, Config{Algorithm: AlgES256, PrivateKeyPEM: es2, OldKeysPEM: [][]byte{append(ed1, es2...)}, Now: now})
		if _, err := m.Parse(edTok, ""); err != nil {
			t.Errorf("Parse: %v", err)
		}
		if m.KeyID() != mustKeyID(t, es2) || len(kids(t, m.JWKS())) != 2 {
			t.Errorf("kid = %s, JWKS = %s", m.KeyID(), m.JWKS())
		}
	})
}

func kids(t *testing.T, jwks []byte) []string {
	t.Helper()
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS %s: %v", jwks, err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k["kid"])
	}
	return out
}

func TestJWKS(t *testing.T) {
	ed, es := mustKeyPEM(t, AlgEdDSA), mustKeyPEM(t, AlgES256)
	orderRE := regexp.MustCompile(`^\{"keys":\[\{"kty":"(OKP|EC)","crv":"[^"]+","x":"[A-Za-z0-9_-]{43}",("y":"[A-Za-z0-9_-]{43}",)?"kid":"[A-Za-z0-9_-]{43}","alg":"[^"]+","use":"sig"\}\]\}$`)
	for _, tc := range []struct {
		name string
		cfg  Config
		want map[string]string // the one key; nil for an empty set
	}{
		{"HS256 publishes nothing", Config{HMACKey: []byte(pyKey)}, nil},
		{"EdDSA", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: ed}, map[string]string{"kty": "OKP", "crv": "Ed25519", "kid": mustKeyID(t, ed), "alg": "EdDSA", "use": "sig"}},
		{"ES256", Config{Algorithm: AlgES256, PrivateKeyPEM: es}, map[string]string{"kty": "EC", "crv": "P-256", "kid": mustKeyID(t, es), "alg": "ES256", "use": "sig"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Now = at(t0)
			m := mustNew(t, tc.cfg)
			raw := m.JWKS()
			if tc.want == nil {
				if string(raw) != `{"keys":[]}` {
					t.Errorf("JWKS = %s, want {\"keys\":[]}", raw)
				}
				return
			}
			if !orderRE.Match(raw) {
				t.Errorf("JWKS = %s, want kty, crv, x, [y], kid, alg, use", raw)
			}
			var set struct{ Keys []map[string]string }
			if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("JWKS = %s, %v", raw, err)
			}
			k := set.Keys[0]
			for member, want := range tc.want {
				if k[member] != want {
					t.Errorf("%s = %q, want %q", member, k[member], want)
				}
			}
			if _, private := k["d"]; private {
				t.Errorf("JWKS leaks the private key: %s", raw)
			}
			if _, hasY := k["y"]; hasY != (k["kty"] == "EC") {
				t.Errorf("y present = %v for kty %s", hasY, k["kty"])
			}

			// A client holding only the JWKS verifies our tokens with the standard library.
			tok, _ := mustMint(t, m.NewAccess, 1)
			i := strings.LastIndexByte(tok, '.')
			input, sig := []byte(tok[:i]), mustB64(t, tok[i+1:])
			x := mustB64(t, k["x"])
			var ok bool
			if k["kty"] == "OKP" {
				ok = ed25519.Verify(ed25519.PublicKey(x), input, sig)
			} else {
				pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), mustB64(t, k["y"])...))
				if err != nil {
					t.Fatal(err)
				}
				digest := sha256.Sum256(input)
				ok = len(sig) == 64 && ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
			}
			if !ok {
				t.Errorf("the JWKS key does not verify %s", tok)
			}
			if m.JWKS()[0] = 'X'; m.JWKS()[0] != '{' {
				t.Errorf("JWKS returns shared bytes")
			}
		})
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64 %q: %v", s, err)
	}
	return b
}

func TestKeyIDIsRFC7638Thumbprint(t *testing.T) {
	// RFC 8037 appendix A.1 and A.3: an Ed25519 key and its thumbprint.
	seed, _ := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	priv := ed25519.NewKeyFromSeed(seed)
	// RFC 7517 appendix A.1's P-256 key; thumbprint computed with Python's hashlib over
	// {"crv":"P-256","kty":"EC","x":...,"y":...}.
	x, _ := base64.RawURLEncoding.DecodeString("MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4")
	y, _ := base64.RawURLEncoding.DecodeString("4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM")
	ecPub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		pub     any
		wantX   string
		wantKid string
	}{
		{"Ed25519 (RFC 8037)", priv.Public(), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
		{"P-256 (RFC 7517 key)", ecPub, "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := newAsymKey(tc.pub, nil)
			if err != nil {
				t.Fatal(err)
			}
			if k.jwk.X != tc.wantX || k.kid() != tc.wantKid {
				t.Errorf("x = %s, kid = %s; want %s, %s", k.jwk.X, k.kid(), tc.wantX, tc.wantKid)
			}
			der, _ := x509.MarshalPKIXPublicKey(tc.pub)
			if kid, _, err := KeyID(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})); err != nil || kid != tc.wantKid {
				t.Errorf("KeyID(public PEM) = %s, %v", kid, err)
			}
		})
	}
}

func TestKeyPEMHelpers(t *testing.T) {
	for _, alg := range []string{AlgEdDSA, AlgES256} {
		t.Run(alg, func(t *testing.T) {
			a, b := mustKeyPEM(t, alg), mustKeyPEM(t, alg)
			if !strings.HasPrefix(string(a), "-----BEGIN PRIVATE KEY-----\n") {
				t.Errorf("GenerateKeyPEM = %s, want PKCS#8", a)
			}
			kid, gotAlg, err := KeyID(a)
			if err != nil || gotAlg != alg || len(kid) != 43 {
				t.Errorf("KeyID = %q, %q, %v", kid, gotAlg, err)
			}
			if mustKeyID(t, b) == kid {
				t.Errorf("two generated keys share kid %s", kid)
			}
			pub := mustPublicPEM(t, a)
			if !strings.HasPrefix(string(pub), "-----BEGIN PUBLIC KEY-----\n") || mustKeyID(t, pub) != kid {
				t.Errorf("PublicKeyPEM = %s, want the same key's PUBLIC KEY block", pub)
			}
			if _, _, err := KeyID(append(a, b...)); err == nil {
				t.Errorf("KeyID of two keys: no error")
			}
		})
	}
	t.Run("SEC 1 EC PRIVATE KEY is accepted", func(t *testing.T) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := x509.MarshalECPrivateKey(k)
		m := mustNew(t, Config{Algorithm: AlgES256, PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})})
		tok, _ := mustMint(t, m.NewAccess, 1)
		if _, err := m.Parse(tok, TypeAccess); err != nil {
			t.Error(err)
		}
	})
	for _, alg := range []string{AlgHS256, "RS256", ""} {
		if _, err := GenerateKeyPEM(alg); err == nil {
			t.Errorf("GenerateKeyPEM(%q): no error", alg)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	ed, es := mustKeyPEM(t, AlgEdDSA), mustKeyPEM(t, AlgES256)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	pemOf := func(typ string, der []byte, headers map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
	}
	key := []byte(pyKey)
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // substrings of the error
	}{
		{"zero config", Config{}, []string{"HS256 needs a signing key (HMACKey)"}},
		{"short HMAC key", Config{HMACKey: []byte("secret")}, []string{"at least 32 bytes", "got 6"}},
		{"unknown algorithm", Config{Algorithm: "RS256", HMACKey: key}, []string{`unknown Algorithm "RS256"`}},
		{"algorithm names are case-sensitive", Config{Algorithm: "hs256", HMACKey: key}, []string{`unknown Algorithm "hs256"`}},
		{"alg none", Config{Algorithm: "none", HMACKey: key}, []string{`unknown Algorithm "none"`}},
		{"HS256 with a private key", Config{HMACKey: key, PrivateKeyPEM: ed}, []string{"PrivateKeyPEM is for EdDSA or ES256"}},
		{"EdDSA without a key", Config{Algorithm: AlgEdDSA}, []string{"EdDSA needs a private key (PrivateKeyPEM)"}},
		{"EdDSA with an HMAC key", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: ed, HMACKey: key}, []string{"pass it in OldHMACKeys"}},
		{"EdDSA with a P-256 key", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: es}, []string{"Algorithm is EdDSA but PrivateKeyPEM holds a key for ES256"}},
		{"ES256 with an Ed25519 key", Config{Algorithm: AlgES256, PrivateKeyPEM: ed}, []string{"Algorithm is ES256 but PrivateKeyPEM holds a key for EdDSA"}},
		{"public key to sign", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: mustPublicPEM(t, ed)}, []string{"holds a public key"}},
		{"two private keys", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: append(ed, mustKeyPEM(t, AlgEdDSA)...)}, []string{"must hold one key, found 2"}},
		{"not PEM", Config{Algorithm: AlgEdDSA, PrivateKeyPEM: []byte("hello")}, []string{"no PEM block found"}},
		{"P-384", Config{Algorithm: AlgES256, PrivateKeyPEM: pemOf("PRIVATE KEY", p384DER, nil)}, []string{"P-384 is not supported"}},
		{"RSA", Config{Algorithm: AlgES256, PrivateKeyPEM: pemOf("PRIVATE KEY", rsaDER, nil)}, []string{"RSA keys are not supported"}},
		{"RSA PRIVATE KEY block", Config{Algorithm: AlgES256, PrivateKeyPEM: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), nil)}, []string{"unsupported PEM block"}},
		{"encrypted PKCS#8", Config{Algorithm: AlgES256, PrivateKeyPEM: pemOf("ENCRYPTED PRIVATE KEY", []byte{1}, nil)}, []string{"encrypted keys are not supported"}},
		{"legacy encrypted PEM", Config{Algorithm: AlgES256, PrivateKeyPEM: pemOf("EC PRIVATE KEY", []byte{1}, map[string]string{"Proc-Type": "4,ENCRYPTED"})}, []string{"encrypted keys are not supported"}},
		{"corrupt DER", Config{Algorithm: AlgES256, PrivateKeyPEM: pemOf("PRIVATE KEY", []byte{1, 2, 3}, nil)}, []string{"PrivateKeyPEM: PEM block 1 (PRIVATE KEY)"}},
		{"empty old HMAC key", Config{HMACKey: key, OldHMACKeys: [][]byte{key, nil}}, []string{"OldHMACKeys[1] is empty"}},
		{"bad old key", Config{HMACKey: key, OldKeysPEM: [][]byte{mustPublicPEM(t, ed), []byte("x")}}, []string{"OldKeysPEM[1]: no PEM block found"}},
		{"RSA old key", Config{HMACKey: key, OldKeysPEM: [][]byte{pemOf("PRIVATE KEY", rsaDER, nil)}}, []string{"OldKeysPEM[0]", "RSA keys are not supported"}},
		{"negative lifetime", Config{HMACKey: key, AccessLifetime: -time.Minute}, []string{"AccessLifetime must be at least 1s, got -1m0s"}},
		{"sub-second lifetime", Config{HMACKey: key, RefreshLifetime: 500 * time.Millisecond}, []string{"RefreshLifetime must be at least 1s"}},
		{"every problem at once", Config{AccessLifetime: -1, OldHMACKeys: [][]byte{nil}}, []string{"HS256 needs a signing key", "OldHMACKeys[0] is empty", "AccessLifetime must be at least 1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("New = %v, want an error", m)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	m := mustNew(t, Config{HMACKey: []byte(pyKey), Now: at(pyT1)})
	_, err := m.Parse(pyRefresh, TypeAccess)
	var e *Error
	if !errors.As(err, &e) || e.Code != "token_not_valid" || e.Message != "Token has wrong type" {
		t.Errorf("wrong type: %#v", err)
	}
	_, err = m.Parse("x", TypeAccess)
	if !errors.As(err, &e) || e.Code != "token_not_valid" || e.Message != "Token is invalid or expired" {
		t.Errorf("invalid: %#v", err)
	}
	if !strings.Contains(err.Error(), "Token is invalid or expired") || !errors.Is(err, gojwt.ErrTokenMalformed) {
		t.Errorf("Error() = %q, want the message and an unwrappable cause", err)
	}
	if errors.Is(ErrInvalid, ErrWrongType) || errors.Is(ErrWrongType, ErrInvalid) {
		t.Error("the sentinels match each other")
	}
	if _, err := m.Parse(pyRefresh, "sliding"); err == nil || errors.As(err, &e) {
		t.Errorf("unknown wantType: err = %v, want a plain programming error", err)
	}
}
