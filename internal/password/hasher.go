package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gojoser/gojoser/internal/password/argon2id"
)

// Unusable is stored for accounts that may not log in with a password (like
// Django's "!" prefix). Any encoded value starting with it is unusable, so
// values Django wrote ("!" followed by random characters) keep working.
const Unusable = "!"

// IsUsable reports whether encoded may ever verify. As in Django's
// is_password_usable, only the "!" prefix marks a password unusable.
func IsUsable(encoded string) bool {
	return !strings.HasPrefix(encoded, Unusable)
}

// ErrMalformedHash is returned (possibly wrapped, test with errors.Is) when
// an encoded hash is not a well-formed argon2id v=19 PHC string.
var ErrMalformedHash = errors.New("password: malformed or unsupported password hash")

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	params Params
	// slots holds one slot (argon2 working memory, see slot_linux.go) per
	// hash that may run at once: taking one is the semaphore that keeps a
	// burst of logins from exhausting memory, and reusing its memory spares
	// each hash allocating, zeroing and faulting in MemoryKiB. The memory is
	// allocated on first use.
	slots chan *slot
	// runs counts finished argon2 runs, so tests can see that a rejection
	// cost a full hash.
	runs atomic.Int64
	// VerifyDummy compares against these so its work cannot be optimised
	// away or distinguished from a real verification.
	dummySalt []byte
	dummyKey  []byte
	// tracer and wait observe hashes (see Observe); nil when nobody does.
	tracer trace.Tracer
	wait   func(time.Duration)

	// legacy accepts Django's unsalted and MD5/SHA-1 formats (GOJOSER_LEGACY_HASHERS).
	legacy bool
	// floor is how long a failed verification takes at least while imported hashes slower than
	// argon2id remain (floor.go); zero otherwise.
	floor failureFloor
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration)
}

// Option configures a Hasher.
type Option func(*Hasher)

// WithLegacyHashers accepts Django's legacy formats (unsalted_md5, unsalted_sha1, md5, sha1) when on.
// They are cheap to brute-force, so they are off unless a migration needs them.
func WithLegacyHashers(on bool) Option { return func(h *Hasher) { h.legacy = on } }

// NewHasher returns a Hasher using p. concurrency <= 0 means
// runtime.GOMAXPROCS(0): the CPUs Go runs on, which in a container with a
// CPU limit is that limit rather than the host's core count (each slot
// keeps MemoryKiB once used). At most concurrency argon2 computations run at once;
// callers beyond that wait, respecting their context.
//
// NewHasher panics if p is invalid: check p.Validate() first when the
// parameters come from configuration.
func NewHasher(p Params, concurrency int, opts ...Option) *Hasher {
	if err := p.Validate(); err != nil {
		panic("password.NewHasher: " + err.Error())
	}
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{
		params:    p,
		slots:     make(chan *slot, concurrency),
		dummySalt: make([]byte, p.SaltLen),
		dummyKey:  make([]byte, p.KeyLen),
		now:       time.Now,
		sleep:     sleepCtx,
	}
	for _, o := range opts {
		o(h)
	}
	for _, s := range newSlots(concurrency) {
		h.slots <- s
	}
	// crypto/rand.Read never fails on supported platforms (it crashes the
	// program instead), so its error is not worth propagating.
	_, _ = rand.Read(h.dummySalt)
	_, _ = rand.Read(h.dummyKey)
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (standard base64, no padding).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	_, _ = rand.Read(salt)
	key, err := h.derive(ctx, "password.hash", nil, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify checks password against encoded in constant time. Besides gojoser's own argon2id PHC
// strings it verifies the formats Django stores (django.go), so imported users can log in.
//
// needsRehash is true only when ok is true and the stored hash is not an argon2id hash with h's m, t,
// p and key length (a Django format, or changed parameters); it is never set for a wrong password,
// so "if needsRehash { store(Hash(password)) }" is safe.
//
// A malformed or unsupported encoded string yields ok=false and an error wrapping ErrMalformedHash,
// after spending the same time as a real verification: a stored value nothing can match must not
// answer faster than a wrong password would. An unusable encoded value (see Unusable) yields
// ok=false, err=nil, likewise. Every failure also lasts at least the failure floor (floor.go).
// If ctx ends while waiting for a free slot, ctx's error is returned.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	var spent time.Duration
	ok, needsRehash, err = h.verify(ctx, &spent, password, encoded)
	if !ok && ctx.Err() == nil {
		h.pad(ctx, spent)
	}
	return ok, needsRehash, err
}

// verify is Verify without the floor. It adds the time it spent hashing (not waiting for a slot) to
// *spent.
func (h *Hasher) verify(ctx context.Context, spent *time.Duration, password, encoded string) (ok, needsRehash bool, err error) {
	if !IsUsable(encoded) {
		return false, false, h.dummy(ctx, spent, password)
	}
	if !strings.HasPrefix(encoded, "$") {
		// Django's formats start with the algorithm's name; gojoser's PHC strings with "$".
		ok, err := h.verifyDjango(ctx, spent, password, encoded)
		return ok, ok, err
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, h.dummyFor(ctx, spent, password, err)
	}
	got, err := h.derive(ctx, "password.verify", spent, password, salt, p)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	cur := h.params
	stale := p.MemoryKiB != cur.MemoryKiB || p.Time != cur.Time || p.Threads != cur.Threads || p.KeyLen != cur.KeyLen
	return true, stale, nil
}

// dummyFor spends a verification's time on a stored hash that cannot be checked, then returns why
// it could not be (or ctx's error if ctx ended first).
func (h *Hasher) dummyFor(ctx context.Context, spent *time.Duration, password string, why error) error {
	if err := h.dummy(ctx, spent, password); err != nil {
		return err
	}
	return why
}

// VerifyDummy spends the same time and memory as a real Verify with h's
// parameters (waiting on the same semaphore) and always returns false. Use
// it for logins of unknown users so response timing does not reveal which
// usernames exist.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) bool {
	var spent time.Duration
	if h.dummy(ctx, &spent, password) == nil {
		h.pad(ctx, spent)
	}
	return false
}

func (h *Hasher) dummy(ctx context.Context, spent *time.Duration, password string) error {
	got, err := h.derive(ctx, "password.verify", spent, password, h.dummySalt, h.params)
	if err != nil {
		return err
	}
	// Compare like Verify does; the result is meaningless by construction.
	subtle.ConstantTimeCompare(got, h.dummyKey)
	return nil
}

// derive runs argon2id once a working buffer is free. Only p's cost fields
// and KeyLen are used; the salt is given explicitly. name is the span's,
// when hashes are traced; the time hashing took is added to *spent (spent
// may be nil).
func (h *Hasher) derive(ctx context.Context, name string, spent *time.Duration, password string, salt []byte, p Params) ([]byte, error) {
	key, err := h.inSlot(ctx, name, spent, func(b *argon2id.Buffer) []byte {
		return b.Key([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	})
	if err == nil {
		h.runs.Add(1)
	}
	return key, err
}

// inSlot runs hash once a slot is free, so that every hash, gojoser's or an
// imported one, counts against the same limit on concurrent hashing, and is
// observed the same way.
func (h *Hasher) inSlot(ctx context.Context, name string, spent *time.Duration, hash func(*argon2id.Buffer) []byte) ([]byte, error) {
	// Check first: select picks randomly among ready cases, and a caller
	// that already gave up should not get an expensive hash.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, span := h.span(ctx, name)
	if span != nil {
		defer span.End()
	}
	var start time.Time
	if h.wait != nil || span != nil {
		start = time.Now()
	}
	var s *slot
	select {
	case s = <-h.slots:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { h.slots <- s }()
	if !start.IsZero() {
		h.waited(span, start)
	}
	began := h.now()
	key := s.run(hash)
	if spent != nil {
		*spent += h.now().Sub(began)
	}
	return key, nil
}

const variant = "argon2id"

var b64 = base64.RawStdEncoding.Strict()

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		variant, argon2id.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC argon2id string strictly. Error details never include
// salt or key material, since callers may log them.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	v, p, salt, key, err := decodeArgon2(encoded, variant)
	if err != nil {
		return Params{}, nil, nil, err
	}
	if v != variant {
		return Params{}, nil, nil, malformed("unsupported algorithm (want %s)", variant)
	}
	return p, salt, key, nil
}

// malformed is an ErrMalformedHash with a reason. Reasons never include salt or key material.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedHash}, args...)...)
}

// decodeArgon2 parses a PHC argon2 string of one of variants (argon2id, argon2i) with v=19.
func decodeArgon2(encoded string, variants ...string) (alg string, p Params, salt, key []byte, err error) {
	fail := func(format string, args ...any) (string, Params, []byte, []byte, error) {
		return "", Params{}, nil, nil, malformed(format, args...)
	}
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		if len(fields) == 5 && fields[0] == "" && strings.HasPrefix(fields[2], "m=") {
			return fail("argon2 version 1.0 (no v= field) is not supported")
		}
		return fail("want 5 '$'-separated fields")
	}
	if !slices.Contains(variants, fields[1]) {
		return fail("unsupported algorithm (want %s)", strings.Join(variants, " or "))
	}
	v, ok := strings.CutPrefix(fields[2], "v=")
	if !ok {
		return fail("missing version")
	}
	if n, err := strconv.ParseUint(v, 10, 32); err != nil || n != argon2id.Version {
		return fail("unsupported version (want v=%d)", argon2id.Version)
	}

	costs := strings.Split(fields[3], ",")
	if len(costs) != 3 {
		return fail("want parameters m=,t=,p=")
	}
	var n [3]uint64
	for i, c := range []struct {
		prefix string
		bits   int
	}{{"m=", 32}, {"t=", 32}, {"p=", 8}} {
		v, ok := strings.CutPrefix(costs[i], c.prefix)
		if !ok {
			return fail("want parameters m=,t=,p=")
		}
		if n[i], err = strconv.ParseUint(v, 10, c.bits); err != nil {
			return fail("parameter %s not a number in range", c.prefix)
		}
	}

	if salt, err = decodeB64(fields[4]); err != nil {
		return fail("bad salt encoding")
	}
	if key, err = decodeB64(fields[5]); err != nil {
		return fail("bad key encoding")
	}

	p = Params{
		MemoryKiB: uint32(n[0]),
		Time:      uint32(n[1]),
		Threads:   uint8(n[2]),
		SaltLen:   uint32(len(salt)),
		KeyLen:    uint32(len(key)),
	}
	// The same bounds as for configuration keep a corrupted or crafted
	// stored hash from making one login allocate or compute without limit.
	if err := p.Validate(); err != nil {
		return fail("%v", err)
	}
	return fields[1], p, salt, key, nil
}

func decodeB64(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	// The decoder skips '\r' and '\n'; insist on the canonical encoding.
	if b64.EncodedLen(len(b)) != len(s) {
		return nil, errors.New("non-canonical base64")
	}
	return b, nil
}
