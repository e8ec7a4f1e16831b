package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
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
}

// NewHasher returns a Hasher using p. concurrency <= 0 means
// runtime.GOMAXPROCS(0): the CPUs Go runs on, which in a container with a
// CPU limit is that limit rather than the host's core count (each slot
// keeps MemoryKiB once used). At most concurrency argon2 computations run at once;
// callers beyond that wait, respecting their context.
//
// NewHasher panics if p is invalid: check p.Validate() first when the
// parameters come from configuration.
func NewHasher(p Params, concurrency int) *Hasher {
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
	key, err := h.derive(ctx, "password.hash", password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify checks password against encoded in constant time.
//
// needsRehash is true only when ok is true and the stored hash's m, t, p or
// key length differ from h's parameters; it is never set for a wrong
// password, so "if needsRehash { store(Hash(password)) }" is safe.
//
// A malformed or unsupported encoded string yields ok=false and an error
// wrapping ErrMalformedHash. An unusable encoded value (see Unusable) yields
// ok=false, err=nil after spending the same time as a real verification.
// If ctx ends while waiting for a free slot, ctx's error is returned.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	if !IsUsable(encoded) {
		return false, false, h.dummy(ctx, password)
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, "password.verify", password, salt, p)
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

// VerifyDummy spends the same time and memory as a real Verify with h's
// parameters (waiting on the same semaphore) and always returns false. Use
// it for logins of unknown users so response timing does not reveal which
// usernames exist.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) bool {
	_ = h.dummy(ctx, password)
	return false
}

func (h *Hasher) dummy(ctx context.Context, password string) error {
	got, err := h.derive(ctx, "password.verify", password, h.dummySalt, h.params)
	if err != nil {
		return err
	}
	// Compare like Verify does; the result is meaningless by construction.
	subtle.ConstantTimeCompare(got, h.dummyKey)
	return nil
}

// derive runs argon2id once a working buffer is free. Only p's cost fields
// and KeyLen are used; the salt is given explicitly. name is the span's,
// when hashes are traced.
func (h *Hasher) derive(ctx context.Context, name, password string, salt []byte, p Params) ([]byte, error) {
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
	key := s.run(func(b *argon2id.Buffer) []byte {
		return b.Key([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	})
	h.runs.Add(1)
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
	fail := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: "+format, append([]any{ErrMalformedHash}, args...)...)
	}
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return fail("want 5 '$'-separated fields")
	}
	if fields[1] != variant {
		return fail("unsupported algorithm (want %s)", variant)
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
	return p, salt, key, nil
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
