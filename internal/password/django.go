package password

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"

	"github.com/gojoser/gojoser/internal/password/argon2id"
)

// Django's stored password formats (django.contrib.auth.hashers), verified so that users imported
// from a Django database keep their passwords. A successful verification always asks for a rehash,
// so each user moves to gojoser's argon2id at their first login. The key derivations are
// golang.org/x/crypto's; the test vectors come from Django itself (testdata/django).
//
//	pbkdf2_sha256$<iterations>$<salt>$<base64 key>      also pbkdf2_sha1
//	argon2$argon2id$v=19$m=..,t=..,p=..$<salt>$<key>     also argon2$argon2i$v=19$...
//	bcrypt_sha256$$2b$<cost>$<salt+hash>                 bcrypt of the hex SHA-256 of the password
//	bcrypt$$2b$<cost>$<salt+hash>
//	scrypt$<N>$<salt>$<r>$<p>$<base64 key>               Django 4.0+
//	md5$<salt>$<hex>, sha1$<salt>$<hex>, sha1$$<hex>, md5$$<hex>, <32 hex>   legacy: WithLegacyHashers

// Upper bounds on the cost an imported hash may ask for, so that a corrupted or crafted stored value
// cannot make one login compute or allocate without limit. Each is far above what Django has written
// by default (PBKDF2: 1.2M iterations in Django 6.0; bcrypt: cost 12; scrypt: N=2^14, r=8, p=1).
const (
	maxPBKDF2Iterations = 10_000_000
	maxBcryptCost       = 16
	maxScryptMemory     = 256 << 20 // bytes: 128*N*r
	maxScryptP          = 16
)

// djangoHash is a parsed hash in one of Django's formats.
type djangoHash interface {
	// match derives password's key with the stored salt and cost and compares it in constant time.
	match(password string) bool
	// twin is a hash of the same algorithm and cost with filler for salt and key: it costs what
	// the original costs to check, and holds no secret.
	twin() string
}

// Django's algorithm names that need WithLegacyHashers.
var legacyAlgorithms = map[string]bool{"unsalted_md5": true, "unsalted_sha1": true, "md5": true, "sha1": true}

// djangoAlgorithm names the hasher Django would pick for encoded (its identify_hasher), or "" for a
// value Django would not recognise either. It never returns part of encoded that is not a known
// name, since an unrecognised value may be anything, a plaintext password included.
func djangoAlgorithm(encoded string) string {
	switch {
	case len(encoded) == 32 && !strings.Contains(encoded, "$"), len(encoded) == 37 && strings.HasPrefix(encoded, "md5$$"):
		return "unsalted_md5"
	case len(encoded) == 46 && strings.HasPrefix(encoded, "sha1$$"):
		return "unsalted_sha1"
	}
	alg, _, _ := strings.Cut(encoded, "$")
	switch alg {
	case "pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt", "md5", "sha1", "crypt":
		return alg
	}
	return ""
}

// parseDjango parses encoded strictly: a value Django could never match is malformed here, so that it
// is reported instead of failing every login silently.
func parseDjango(encoded string, legacy bool) (string, djangoHash, error) {
	alg := djangoAlgorithm(encoded)
	if legacyAlgorithms[alg] && !legacy {
		return alg, nil, malformed("Django %s hashes are accepted only with GOJOSER_LEGACY_HASHERS=true", alg)
	}
	var h djangoHash
	var err error
	switch alg {
	case "pbkdf2_sha256":
		h, err = parsePBKDF2(encoded, alg, sha256.New, sha256.Size)
	case "pbkdf2_sha1":
		h, err = parsePBKDF2(encoded, alg, sha1.New, sha1.Size)
	case "argon2":
		h, err = parseDjangoArgon2(encoded)
	case "bcrypt_sha256", "bcrypt":
		h, err = parseBcrypt(encoded, alg)
	case "scrypt":
		h, err = parseScrypt(encoded)
	case "md5", "sha1", "unsalted_md5", "unsalted_sha1":
		h, err = parseSalted(encoded, alg)
	case "crypt":
		err = malformed("Django crypt (Unix crypt(3)) hashes are not supported")
	default:
		err = malformed("unrecognised password hash format")
	}
	return alg, h, err
}

// verifyDjango checks password against a hash in one of Django's formats. It runs in a hash slot like
// argon2id, so imported hashes share the limit on concurrent hashing, and each failure feeds the
// failure floor (floor.go).
func (h *Hasher) verifyDjango(ctx context.Context, spent *time.Duration, password, encoded string) (bool, error) {
	_, d, err := parseDjango(encoded, h.legacy)
	if err != nil {
		return false, h.dummyFor(ctx, spent, password, err)
	}
	ok, err := h.checkDjango(ctx, spent, password, d)
	if !ok && err == nil {
		h.floor.observe(*spent, h.now())
	}
	return ok, err
}

// checkDjango runs d's check in a hash slot and, on a mismatch, one argon2id as well: as Django's
// harden_runtime, so that an imported hash cheaper than argon2id does not answer a wrong password
// faster than an unknown user would.
func (h *Hasher) checkDjango(ctx context.Context, spent *time.Duration, password string, d djangoHash) (bool, error) {
	var ok bool
	if _, err := h.inSlot(ctx, "password.verify", spent, func(*argon2id.Buffer) []byte { ok = d.match(password); return nil }); err != nil {
		return false, err
	}
	if ok {
		return true, nil
	}
	return false, h.dummy(ctx, spent, password)
}

// Identify names the algorithm of a stored hash ("argon2id" for gojoser's own, Django's names for
// imported ones, "unusable" for "!...") and reports, without hashing anything, why h could not
// verify it (an error wrapping ErrMalformedHash), for import reports.
func (h *Hasher) Identify(encoded string) (algorithm string, err error) {
	switch {
	case !IsUsable(encoded):
		return "unusable", nil
	case strings.HasPrefix(encoded, "$"):
		_, _, _, err := decode(encoded)
		return variant, err
	}
	alg, _, err := parseDjango(encoded, h.legacy)
	if alg == "" {
		alg = "unknown"
	}
	return alg, err
}

// Twin returns a hash of the same Django algorithm and cost as encoded, with filler for salt and
// key. Verifying any password against it costs what verifying against encoded costs; it holds no
// secret, so it may be stored to calibrate the failure floor (floor.go). Legacy formats are parsed
// whatever the legacy setting.
func Twin(encoded string) (string, error) {
	if !IsUsable(encoded) || strings.HasPrefix(encoded, "$") {
		return "", errors.New("password: not a Django hash")
	}
	_, d, err := parseDjango(encoded, true)
	if err != nil {
		return "", err
	}
	return d.twin(), nil
}

var b64std = base64.StdEncoding.Strict()

// decodeStd decodes Django's padded standard base64, canonical form only.
func decodeStd(s string) ([]byte, error) {
	b, err := b64std.DecodeString(s)
	if err != nil || b64std.EncodeToString(b) != s {
		return nil, errors.New("bad base64")
	}
	return b, nil
}

// atoiCanonical parses a positive decimal as Django writes it ("%d"): Django compares whole encoded
// strings, so "0260000" never matches there and is malformed here.
func atoiCanonical(s string, max int) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// validSalt is Django's rule for salts it encodes: not empty, no "$".
func validSalt(s string) bool { return s != "" && !strings.Contains(s, "$") }

func filler(n int) string { return strings.Repeat("x", n) }

type pbkdf2Hash struct {
	alg     string
	newHash func() hash.Hash
	iter    int
	salt    string
	key     []byte
}

func parsePBKDF2(encoded, alg string, newHash func() hash.Hash, size int) (djangoHash, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 4 {
		return nil, malformed("%s: want 4 '$'-separated fields", alg)
	}
	iter, ok := atoiCanonical(f[1], maxPBKDF2Iterations)
	if !ok {
		return nil, malformed("%s: iterations must be a number from 1 to %d", alg, maxPBKDF2Iterations)
	}
	if !validSalt(f[2]) {
		return nil, malformed("%s: empty salt", alg)
	}
	key, err := decodeStd(f[3])
	if err != nil || len(key) != size {
		return nil, malformed("%s: key must be %d bytes in padded base64", alg, size)
	}
	return pbkdf2Hash{alg: alg, newHash: newHash, iter: iter, salt: f[2], key: key}, nil
}

func (p pbkdf2Hash) match(password string) bool {
	got := pbkdf2.Key([]byte(password), []byte(p.salt), p.iter, len(p.key), p.newHash)
	return subtle.ConstantTimeCompare(got, p.key) == 1
}

func (p pbkdf2Hash) twin() string {
	return fmt.Sprintf("%s$%d$%s$%s", p.alg, p.iter, filler(len(p.salt)), b64std.EncodeToString(make([]byte, len(p.key))))
}

type djangoArgon2 struct {
	variant   string
	p         Params
	salt, key []byte
}

// parseDjangoArgon2 reads Django's Argon2PasswordHasher format: "argon2" followed by argon2-cffi's
// PHC string. Django 3.2+ writes argon2id; earlier versions wrote argon2i, still verified. Hashes
// of Argon2 version 1.0 (no "v=", argon2-cffi before 16.0, 2016) are not.
func parseDjangoArgon2(encoded string) (djangoHash, error) {
	v, p, salt, key, err := decodeArgon2(strings.TrimPrefix(encoded, "argon2"), "argon2id", "argon2i")
	if err != nil {
		return nil, fmt.Errorf("argon2: %w", err)
	}
	return djangoArgon2{variant: v, p: p, salt: salt, key: key}, nil
}

func (a djangoArgon2) match(password string) bool {
	// x/crypto rather than the argon2id fork: the fork's buffers keep the largest memory they served,
	// and Django's default is 100 MiB with 8 lanes, five times gojoser's. This memory is freed again.
	derive := argon2.IDKey
	if a.variant == "argon2i" {
		derive = argon2.Key
	}
	got := derive([]byte(password), a.salt, a.p.Time, a.p.MemoryKiB, a.p.Threads, uint32(len(a.key)))
	return subtle.ConstantTimeCompare(got, a.key) == 1
}

func (a djangoArgon2) twin() string {
	return fmt.Sprintf("argon2$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", a.variant, argon2id.Version, a.p.MemoryKiB, a.p.Time,
		a.p.Threads, b64.EncodeToString(make([]byte, len(a.salt))), b64.EncodeToString(make([]byte, len(a.key))))
}

type bcryptHash struct {
	alg    string
	stored []byte // the bcrypt string, "$2b$12$..."
	cost   int
}

func parseBcrypt(encoded, alg string) (djangoHash, error) {
	stored := strings.TrimPrefix(encoded, alg+"$")
	cost, err := bcrypt.Cost([]byte(stored))
	if err != nil || len(stored) != 60 || !strings.HasPrefix(stored, "$2") {
		return nil, malformed("%s: not a bcrypt hash", alg)
	}
	if cost > maxBcryptCost {
		return nil, malformed("%s: cost %d above %d", alg, cost, maxBcryptCost)
	}
	return bcryptHash{alg: alg, stored: []byte(stored), cost: cost}, nil
}

func (b bcryptHash) match(password string) bool {
	pw := []byte(password)
	if b.alg == "bcrypt_sha256" {
		// Django hashes first so that passwords longer than bcrypt's 72 bytes count in full.
		sum := sha256.Sum256(pw)
		pw = []byte(hex.EncodeToString(sum[:]))
	}
	return bcrypt.CompareHashAndPassword(b.stored, pw) == nil
}

func (b bcryptHash) twin() string {
	// "." is zero in bcrypt's base64: a valid salt and hash of the right length.
	return fmt.Sprintf("%s$%s%02d$%s", b.alg, b.stored[:4], b.cost, strings.Repeat(".", 53))
}

type scryptHash struct {
	n, r, p int
	salt    string
	key     []byte
}

func parseScrypt(encoded string) (djangoHash, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 6 {
		return nil, malformed("scrypt: want 6 '$'-separated fields")
	}
	n, okN := atoiCanonical(f[1], 1<<30)
	r, okR := atoiCanonical(f[3], 1<<10)
	p, okP := atoiCanonical(f[4], maxScryptP)
	if !okN || !okR || !okP || n < 2 || n&(n-1) != 0 {
		return nil, malformed("scrypt: N must be a power of 2 above 1, r and p (at most %d) positive", maxScryptP)
	}
	if 128*n*r > maxScryptMemory {
		return nil, malformed("scrypt: memory 128*N*r above %d bytes", maxScryptMemory)
	}
	if !validSalt(f[2]) {
		return nil, malformed("scrypt: empty salt")
	}
	key, err := decodeStd(f[5])
	if err != nil || len(key) != 64 {
		return nil, malformed("scrypt: key must be 64 bytes in padded base64")
	}
	return scryptHash{n: n, r: r, p: p, salt: f[2], key: key}, nil
}

func (s scryptHash) match(password string) bool {
	got, err := scrypt.Key([]byte(password), []byte(s.salt), s.n, s.r, s.p, len(s.key))
	return err == nil && subtle.ConstantTimeCompare(got, s.key) == 1
}

func (s scryptHash) twin() string {
	return fmt.Sprintf("scrypt$%d$%s$%d$%d$%s", s.n, filler(len(s.salt)), s.r, s.p, b64std.EncodeToString(make([]byte, len(s.key))))
}

// saltedHash is one of Django's legacy digests: hex(md5 or sha1 of salt+password), salt possibly empty.
type saltedHash struct {
	alg     string
	prefix  string // what precedes the hex digest in the stored form
	newHash func() hash.Hash
	salt    string
	digest  string
}

func parseSalted(encoded, alg string) (djangoHash, error) {
	s := saltedHash{alg: alg, newHash: md5.New}
	if alg == "sha1" || alg == "unsalted_sha1" {
		s.newHash = sha1.New
	}
	switch alg {
	case "unsalted_md5":
		s.prefix = encoded[:len(encoded)-32]
		s.digest = encoded[len(s.prefix):]
	case "unsalted_sha1":
		s.prefix, s.digest = "sha1$$", encoded[6:]
	default:
		f := strings.Split(encoded, "$")
		if len(f) != 3 || !validSalt(f[1]) {
			return nil, malformed("%s: want %s$<salt>$<hex digest>", alg, alg)
		}
		s.prefix, s.salt, s.digest = alg+"$"+f[1]+"$", f[1], f[2]
	}
	if len(s.digest) != 2*s.newHash().Size() || strings.ToLower(s.digest) != s.digest {
		return nil, malformed("%s: want a lowercase hex digest", alg)
	}
	if _, err := hex.DecodeString(s.digest); err != nil {
		return nil, malformed("%s: want a lowercase hex digest", alg)
	}
	return s, nil
}

func (s saltedHash) match(password string) bool {
	d := s.newHash()
	d.Write([]byte(s.salt + password))
	return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(d.Sum(nil))), []byte(s.digest)) == 1
}

func (s saltedHash) twin() string {
	prefix := s.prefix
	if s.salt != "" {
		prefix = s.alg + "$" + filler(len(s.salt)) + "$"
	}
	return prefix + strings.Repeat("0", len(s.digest))
}
