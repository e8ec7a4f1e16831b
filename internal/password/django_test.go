package password

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// djangoVectors are hashes made by Django itself: testdata/django/make_vectors.py writes the file.
type djangoVectors struct {
	Django  string `json:"django"`
	Wrong   string `json:"wrong_password"`
	Vectors []struct {
		Algorithm, About, Password, Encoded string
		Legacy                              bool
	}
	Unsupported []struct {
		Algorithm, About, Password, Encoded string
	}
	Unusable string
}

func loadDjangoVectors(t *testing.T) djangoVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/django-hashers.json")
	if err != nil {
		t.Fatal(err)
	}
	var v djangoVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

// unpadded turns off the failure floor's sleep, which TestFailureFloor covers: failures on the slower
// vectors raise the floor, and every later failure in a test would wait for it.
func unpadded(h *Hasher) *Hasher {
	h.sleep = func(context.Context, time.Duration) {}
	return h
}

func TestDjangoVectors(t *testing.T) {
	v := loadDjangoVectors(t)
	ctx := context.Background()
	h := unpadded(NewHasher(cheap, 2, WithLegacyHashers(true)))
	seen := map[string]bool{}
	for _, tt := range v.Vectors {
		seen[tt.Algorithm] = true
		t.Run(tt.Algorithm+" "+tt.About, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, tt.Password, tt.Encoded)
			if !ok || !rehash || err != nil {
				t.Errorf("Verify(%q, %s) = %v, %v, %v; want true, true (rehash to argon2id), nil", tt.Password, tt.Encoded, ok, rehash, err)
			}
			if ok, rehash, err := h.Verify(ctx, v.Wrong, tt.Encoded); ok || rehash || err != nil {
				t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
			if alg, err := h.Identify(tt.Encoded); alg != tt.Algorithm || err != nil {
				t.Errorf("Identify = %q, %v; want %q, nil", alg, err, tt.Algorithm)
			}
		})
	}
	for _, alg := range []string{"pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt", "md5", "sha1", "unsalted_md5", "unsalted_sha1"} {
		if !seen[alg] {
			t.Errorf("no vector for %s: regenerate with testdata/django/make_vectors.py", alg)
		}
	}
}

func TestDjangoLegacyNeedsTheSetting(t *testing.T) {
	v := loadDjangoVectors(t)
	h := NewHasher(cheap, 1)
	for _, tt := range v.Vectors {
		if !tt.Legacy {
			continue
		}
		var ok bool
		var err error
		n := hashes(h, func() { ok, _, err = h.Verify(context.Background(), tt.Password, tt.Encoded) })
		if ok || !errors.Is(err, ErrMalformedHash) || !strings.Contains(err.Error(), "GOJOSER_LEGACY_HASHERS=true") {
			t.Errorf("Verify(%s) without legacy hashers = %v, %v; want false and an error naming the setting", tt.Algorithm, ok, err)
		}
		if n != 1 {
			t.Errorf("refusing %s ran %d argon2 hashes; want one, like a real verification", tt.Algorithm, n)
		}
	}
}

func TestDjangoUnsupported(t *testing.T) {
	v := loadDjangoVectors(t)
	h := NewHasher(cheap, 1, WithLegacyHashers(true))
	for _, tt := range v.Unsupported {
		ok, rehash, err := h.Verify(context.Background(), tt.Password, tt.Encoded)
		if ok || rehash || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%s: %s) = %v, %v, %v; want false, false, ErrMalformedHash", tt.Algorithm, tt.About, ok, rehash, err)
		}
		if _, err := h.Identify(tt.Encoded); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Identify(%s: %s) = %v; want ErrMalformedHash", tt.Algorithm, tt.About, err)
		}
	}
	var ok bool
	n := hashes(h, func() { ok, _, _ = h.Verify(context.Background(), "", v.Unusable) })
	if ok || n != 1 {
		t.Errorf("Django's unusable password: ok %v after %d hashes; want false after one", ok, n)
	}
}

// Values Django could never match are malformed, not silently wrong, so the import reports them.
func TestDjangoMalformed(t *testing.T) {
	key32 := b64std.EncodeToString(make([]byte, 32))
	bcrypt60 := "$2b$04$" + strings.Repeat(".", 53)
	for _, enc := range []string{
		"pbkdf2_sha256$260000$salt$aGFzaA==",       // 4-byte key
		"pbkdf2_sha256$0260000$salt$" + key32,      // Django writes %d
		"pbkdf2_sha256$0$salt$" + key32,            // no iterations
		"pbkdf2_sha256$99999999$salt$" + key32,     // beyond the bound
		"pbkdf2_sha256$260000$$" + key32,           // empty salt
		"pbkdf2_sha256$260000$salt$" + key32[:43],  // unpadded
		"pbkdf2_sha1$260000$salt$" + key32,         // SHA-1 keys are 20 bytes
		"pbkdf2_sha256$260000$salt$extra$" + key32, // a field too many
		"argon2$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + key32[:43],
		"argon2$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ", // no key
		"bcrypt$" + bcrypt60[:59],
		"bcrypt$$2b$31$" + strings.Repeat(".", 53), // cost far beyond the bound
		"bcrypt_sha256$" + bcrypt60 + "x",
		"scrypt$16385$salt$8$1$" + b64std.EncodeToString(make([]byte, 64)),    // N not a power of 2
		"scrypt$16384$salt$8$99$" + b64std.EncodeToString(make([]byte, 64)),   // p beyond the bound
		"scrypt$1048576$salt$16$1$" + b64std.EncodeToString(make([]byte, 64)), // 2 GiB
		"scrypt$16384$salt$8$1$" + key32,                                      // Django's keys are 64 bytes
		"crypt$ab$abcdefghijk",
		"plaintext-password",
		"PBKDF2_SHA256$260000$salt$" + key32,
	} {
		h := NewHasher(cheap, 1, WithLegacyHashers(true))
		var ok bool
		var err error
		n := hashes(h, func() { ok, _, err = h.Verify(context.Background(), "pw", enc) })
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", enc, ok, err)
		}
		if n != 1 {
			t.Errorf("Verify(%q) ran %d argon2 hashes; want one", enc, n)
		}
		if err != nil && (strings.Contains(err.Error(), enc) || strings.Contains(err.Error(), "plaintext")) {
			t.Errorf("the error shows stored material: %v", err)
		}
	}
	// Hex digests: md5 and sha1, lowercase only.
	for _, enc := range []string{"md5$salt$" + strings.Repeat("A", 32), "sha1$salt$" + strings.Repeat("0", 32), "sha1$$" + strings.Repeat("g", 40)} {
		if _, _, err := NewHasher(cheap, 1, WithLegacyHashers(true)).Verify(context.Background(), "pw", enc); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) err = %v; want ErrMalformedHash", enc, err)
		}
	}
}

func TestTwin(t *testing.T) {
	v := loadDjangoVectors(t)
	h := unpadded(NewHasher(cheap, 1, WithLegacyHashers(true)))
	for _, tt := range v.Vectors {
		twin, err := Twin(tt.Encoded)
		if err != nil {
			t.Fatalf("Twin(%s): %v", tt.Encoded, err)
		}
		if twin == tt.Encoded || len(twin) != len(tt.Encoded) {
			t.Errorf("Twin(%s) = %s; want the same shape with other salt and key", tt.Encoded, twin)
		}
		// The cost stays: PBKDF2's iterations, for one.
		if f, g := strings.Split(tt.Encoded, "$"), strings.Split(twin, "$"); strings.HasPrefix(tt.Algorithm, "pbkdf2") && f[1] != g[1] {
			t.Errorf("Twin(%s) = %s changed the iterations", tt.Encoded, twin)
		}
		alg, err := h.Identify(twin)
		if alg != tt.Algorithm || err != nil {
			t.Errorf("Identify(Twin(%s)) = %q, %v", tt.Encoded, alg, err)
		}
		if ok, _, _ := h.Verify(context.Background(), tt.Password, twin); ok {
			t.Errorf("the twin of %s verifies its password", tt.Encoded)
		}
	}
	if _, err := Twin("$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey); err == nil {
		t.Error("Twin of gojoser's own hash: want an error")
	}
}

// fakeClock drives a Hasher's floor: time stands still unless advanced, and sleeps are recorded.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) install(h *Hasher) {
	h.now = func() time.Time { return c.t }
	h.sleep = func(_ context.Context, d time.Duration) { c.sleeps = append(c.sleeps, d) }
}

func TestFailureFloor(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 1)
	c := &fakeClock{t: time.Unix(1e9, 0)}
	c.install(h)
	stored, err := h.Hash(ctx, "right")
	if err != nil {
		t.Fatal(err)
	}

	// No floor: nothing waits.
	h.VerifyDummy(ctx, "x")
	if _, _, err := h.Verify(ctx, "wrong", stored); err != nil || len(c.sleeps) != 0 {
		t.Fatalf("without a floor: sleeps %v, err %v", c.sleeps, err)
	}

	h.floor.base.Store(int64(300 * time.Millisecond))
	failures := []struct {
		name string
		call func()
	}{
		{"unknown user", func() { h.VerifyDummy(ctx, "x") }},
		{"wrong password", func() { _, _, _ = h.Verify(ctx, "wrong", stored) }},
		{"unusable", func() { _, _, _ = h.Verify(ctx, "x", Unusable) }},
		{"malformed", func() { _, _, _ = h.Verify(ctx, "x", "$argon2id$garbage") }},
		{"unknown format", func() { _, _, _ = h.Verify(ctx, "x", "plaintext") }},
	}
	for _, f := range failures {
		c.sleeps = nil
		f.call()
		// The fake clock stands still, so hashing took no time and the whole floor is slept.
		if len(c.sleeps) != 1 || c.sleeps[0] != 300*time.Millisecond {
			t.Errorf("%s: sleeps %v, want [300ms]", f.name, c.sleeps)
		}
	}
	c.sleeps = nil
	if ok, _, _ := h.Verify(ctx, "right", stored); !ok || len(c.sleeps) != 0 {
		t.Errorf("a success waited: ok %v, sleeps %v", ok, c.sleeps)
	}

	// A slower failure raises the floor; the rise halves every floorHalfLife.
	h.floor.observe(700*time.Millisecond, c.t)
	if got := h.FailureFloor(); got != 700*time.Millisecond {
		t.Errorf("floor after a 700ms failure = %s", got)
	}
	c.t = c.t.Add(floorHalfLife)
	if got := h.FailureFloor(); got != 500*time.Millisecond {
		t.Errorf("floor a half-life later = %s, want 500ms", got)
	}
	h.floor.observe(400*time.Millisecond, c.t) // below the floor: no change
	if got := h.FailureFloor(); got != 500*time.Millisecond {
		t.Errorf("floor after a faster failure = %s, want 500ms", got)
	}
	c.t = c.t.Add(100 * floorHalfLife)
	if got := h.FailureFloor(); got != 300*time.Millisecond {
		t.Errorf("floor long after = %s, want the calibrated 300ms", got)
	}
}

func TestCalibrateFailureFloor(t *testing.T) {
	v := loadDjangoVectors(t)
	h := NewHasher(cheap, 1)
	if _, err := h.CalibrateFailureFloor(context.Background(), "$argon2id$v=19$m=64,t=1,p=1$"+goodSalt+"$"+goodKey); err == nil {
		t.Error("calibrating on gojoser's own hash: want an error")
	}
	twin, err := Twin(v.Vectors[0].Encoded)
	if err != nil {
		t.Fatal(err)
	}
	var d time.Duration
	n := hashes(h, func() { d, err = h.CalibrateFailureFloor(context.Background(), twin) })
	if err != nil || d <= 0 || h.FailureFloor() != d {
		t.Errorf("CalibrateFailureFloor = %s, %v; floor %s", d, err, h.FailureFloor())
	}
	if n != 3 {
		t.Errorf("calibration ran %d argon2 hashes; want one per failed verification, three", n)
	}
}
