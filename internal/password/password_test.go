package password

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pmezard/go-difflib/difflib"
)

// cheap keeps argon2 fast in tests; production uses DefaultParams.
var cheap = Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       Params
		wantErr string // substring; "" means valid
	}{
		{"default", DefaultParams(), ""},
		{"cheap", cheap, ""},
		{"zero", Params{}, "threads must be at least 1"},
		{"zero memory", Params{Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, "memory must be between 8 and"},
		{"memory below 8 KiB per thread", Params{MemoryKiB: 16, Time: 1, Threads: 4, SaltLen: 16, KeyLen: 32}, "memory must be between 32 and"},
		{"memory in bytes by mistake", Params{MemoryKiB: 19 << 20, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, "memory must be"},
		{"zero time", Params{MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}, "time (passes) must be between 1 and"},
		{"absurd time", Params{MemoryKiB: 64, Time: 5000, Threads: 1, SaltLen: 16, KeyLen: 32}, "time (passes)"},
		{"short salt", Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, "salt length must be between 8 and"},
		{"short key", Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}, "key length must be between 16 and"},
		{"huge key", Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 1 << 20}, "key length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
	if got := DefaultParams(); got != (Params{MemoryKiB: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}) {
		t.Errorf("DefaultParams() = %+v", got)
	}
}

func TestNewHasher(t *testing.T) {
	if got := cap(NewHasher(cheap, 0).slots); got != runtime.GOMAXPROCS(0) {
		t.Errorf("concurrency 0: cap = %d, want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	if got := cap(NewHasher(cheap, -3).slots); got != runtime.GOMAXPROCS(0) {
		t.Errorf("concurrency -3: cap = %d, want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	if got := cap(NewHasher(cheap, 3).slots); got != 3 {
		t.Errorf("concurrency 3: cap = %d", got)
	}
	if got := NewHasher(cheap, 1).Params(); got != cheap {
		t.Errorf("Params() = %+v, want %+v", got, cheap)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewHasher with invalid params did not panic")
		}
	}()
	NewHasher(Params{}, 1)
}

var phcCheap = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 2)
	for _, pw := range []string{"correct horse battery staple", "", "pässwörd ١٢٣", strings.Repeat("x", 5000)} {
		enc, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		if !phcCheap.MatchString(enc) {
			t.Errorf("Hash(%.20q) = %q, not the expected PHC form", pw, enc)
		}
		ok, rehash, err := h.Verify(ctx, pw, enc)
		if !ok || rehash || err != nil {
			t.Errorf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
		ok, rehash, err = h.Verify(ctx, pw+"x", enc)
		if ok || rehash || err != nil {
			t.Errorf("Verify(wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	}
	a, _ := h.Hash(ctx, "same")
	b, _ := h.Hash(ctx, "same")
	if a == b {
		t.Error("two hashes of the same password are equal: salt is not random")
	}
}

func TestDefaultParamsRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(DefaultParams(), 1)
	enc, err := h.Hash(ctx, "hunter2hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q", enc)
	}
	if ok, rehash, err := h.Verify(ctx, "hunter2hunter2", enc); !ok || rehash || err != nil {
		t.Errorf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

// Hashes made by the reference C implementation (Debian's argon2 CLI,
// e.g. `echo -n "correct horse" | argon2 somesaltsomesalt -id -t 1 -k 64 -p 1 -l 32 -e`)
// must verify: stored hashes may come from other argon2 libraries.
func TestVerifyReferenceVectors(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 1)
	tests := []struct {
		password, encoded string
		needsRehash       bool
	}{
		{"correct horse", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$bIKRw3Ua1pluirFy81fnppmR01EnUxY3hLEBwbWxBG8", false},
		{"pässwörd", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$+cXb3JViiQT2LHLmNFe6F1cnoeSycUs7b3yL5pUnnHU", false},
		{"correct horse", "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$e8b2JKxwznQFKqyvY1amOQ", true},
	}
	for _, tt := range tests {
		ok, rehash, err := h.Verify(ctx, tt.password, tt.encoded)
		if !ok || rehash != tt.needsRehash || err != nil {
			t.Errorf("Verify(%q, %q) = %v, %v, %v; want true, %v, nil", tt.password, tt.encoded, ok, rehash, err, tt.needsRehash)
		}
		if ok, rehash, err := h.Verify(ctx, "Correct horse", tt.encoded); ok || rehash || err != nil {
			t.Errorf("Verify(wrong, %q) = %v, %v, %v; want false, false, nil", tt.encoded, ok, rehash, err)
		}
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	ctx := context.Background()
	stored, err := NewHasher(cheap, 1).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*Params)) Params { p := cheap; f(&p); return p }
	tests := []struct {
		name    string
		current Params
		want    bool
	}{
		{"same", cheap, false},
		{"salt length only", with(func(p *Params) { p.SaltLen = 32 }), false},
		{"memory", with(func(p *Params) { p.MemoryKiB = 128 }), true},
		{"time", with(func(p *Params) { p.Time = 2 }), true},
		{"threads", with(func(p *Params) { p.Threads = 2 }), true},
		{"key length", with(func(p *Params) { p.KeyLen = 64 }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHasher(tt.current, 1)
			ok, rehash, err := h.Verify(ctx, "pw", stored)
			if !ok || rehash != tt.want || err != nil {
				t.Errorf("Verify(right) = %v, %v, %v; want true, %v, nil", ok, rehash, err, tt.want)
			}
			// Never ask to rehash a wrong password.
			if ok, rehash, err := h.Verify(ctx, "wrong", stored); ok || rehash || err != nil {
				t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

const (
	goodSalt = "c29tZXNhbHRzb21lc2FsdA"                      // 16 bytes
	goodKey  = "bIKRw3Ua1pluirFy81fnppmR01EnUxY3hLEBwbWxBG8" // 32 bytes
)

var malformedHashes = []string{
	"",
	"$",
	"$$$$$",
	"$argon2id",
	"argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$DpdiMf6kMIhD4D04dMPf09l54bnWW3mQgJXG6L3OvnY",
	"$argon2d$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$ARGON2ID$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey,
	// Argon2 1.0, as the reference CLI writes it with -v 10.
	"$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$gADDMBDFvgEXcM9yDUllzCkfUtKP6kT6D9jiLqvGgWc",
	"$argon2id$v=18$m=64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=$m=64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=0x13$m=64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$m=64,t=1,p=1$" + goodSalt + "$" + goodKey, // no version field
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt,            // no key
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$",
	"$argon2id$v=19$m=64,t=1,p=1$$" + goodKey,
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey + "$",
	"$argon2id$v=19$$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=64,t=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$t=1,m=64,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=64,t=1,p=1,keyid=x$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m= 64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=-64,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=0,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=64,t=0,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=64,t=1,p=0$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=4096,t=1,p=256$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=4294967296,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=4294967295,t=1,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=64,t=4294967295,p=1$" + goodSalt + "$" + goodKey,
	"$argon2id$v=19$m=64,t=1,p=1$!!!notbase64$" + goodKey,
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey + "=", // padded
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "==$" + goodKey,
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey[:20] + "\n" + goodKey[20:],
	"$argon2id$v=19$m=64,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$-cXb3JViiQT2LHLmNFe6F1cnoeSycUs7b3yL5pUnnHU", // URL alphabet
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey[:len(goodKey)-1] + "H",                 // non-zero trailing bits
	"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + goodKey,                                                  // 4-byte salt
	"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$c2hvcnRrZXk",                                       // 8-byte key
	// Django's formats (django.go) when Django could never match them: a 4-byte PBKDF2 key.
	"pbkdf2_sha256$260000$salt$aGFzaA==",
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(cheap, 1)
	for _, enc := range malformedHashes {
		var ok, rehash bool
		var err error
		n := hashes(h, func() { ok, rehash, err = h.Verify(context.Background(), "correct horse", enc) })
		if ok || rehash || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v, %v; want false, false, ErrMalformedHash", enc, ok, rehash, err)
		}
		// Failing fast would tell accounts with a broken hash from others.
		if n != 1 {
			t.Errorf("Verify(%q) ran %d hashes; want one, like a real verification", enc, n)
		}
	}
}

func FuzzVerify(f *testing.F) {
	for _, enc := range malformedHashes {
		f.Add("correct horse", enc)
	}
	f.Add("correct horse", "$argon2id$v=19$m=64,t=1,p=1$"+goodSalt+"$"+goodKey)
	h := NewHasher(cheap, 1)
	f.Fuzz(func(t *testing.T, password, encoded string) {
		// Valid but costly parameters are legitimate; don't let the fuzzer
		// spend its time computing them.
		if p, _, _, err := decode(encoded); err == nil && uint64(p.MemoryKiB)*uint64(p.Time) > 1<<12 {
			t.Skip()
		}
		if _, _, err := parseDjango(encoded, true); err == nil {
			t.Skip() // Django formats are fuzzed up to parsing; their costs go up to millions of iterations
		}
		ok, _, err := h.Verify(context.Background(), password, encoded)
		if ok && err != nil {
			t.Fatalf("ok with error %v", err)
		}
	})
}

func TestIsUsable(t *testing.T) {
	tests := []struct {
		encoded string
		want    bool
	}{
		{Unusable, false},
		{"!", false},
		{"!ZxX1MaTeWjfgFJfOBBczN4VYm2TsTyBPzkwL3VmG", false}, // Django's make_password(None)
		{"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodKey, true},
		{"", true}, // as Django: only the "!" prefix marks unusable
	}
	for _, tt := range tests {
		if got := IsUsable(tt.encoded); got != tt.want {
			t.Errorf("IsUsable(%q) = %v, want %v", tt.encoded, got, tt.want)
		}
	}
}

// hashes reports how many argon2 runs f caused, to show that a rejection
// really paid for a hash.
func hashes(h *Hasher, f func()) int64 {
	before := h.runs.Load()
	f()
	return h.runs.Load() - before
}

func TestUnusableNeverVerifiesButCostsAHash(t *testing.T) {
	ctx := context.Background()
	p := cheap
	p.MemoryKiB = 1024
	h := NewHasher(p, 1)
	for _, enc := range []string{Unusable, "!ZxX1MaTeWjfgFJfOBBczN4VYm2TsTyBPzkwL3VmG"} {
		for _, pw := range []string{"", "!", enc, enc[1:]} {
			var ok, rehash bool
			var err error
			n := hashes(h, func() { ok, rehash, err = h.Verify(ctx, pw, enc) })
			if ok || rehash || err != nil {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want false, false, nil", pw, enc, ok, rehash, err)
			}
			if n != 1 {
				t.Errorf("Verify(%q, %q) ran %d hashes; want one, like a real verification", pw, enc, n)
			}
		}
	}
}

func TestVerifyDummy(t *testing.T) {
	ctx := context.Background()
	p := cheap
	p.MemoryKiB = 1024
	h := NewHasher(p, 1)
	for _, pw := range []string{"", "hunter2"} {
		var got bool
		n := hashes(h, func() { got = h.VerifyDummy(ctx, pw) })
		if got {
			t.Errorf("VerifyDummy(%q) = true", pw)
		}
		if n != 1 {
			t.Errorf("VerifyDummy ran %d hashes; want one", n)
		}
	}
}

// occupy takes every working buffer, as n in-flight hashes would, and
// returns a func giving them back.
func occupy(h *Hasher) (release func()) {
	taken := make([]*slot, 0, cap(h.slots))
	for range cap(h.slots) {
		taken = append(taken, <-h.slots)
	}
	return func() {
		for _, b := range taken {
			h.slots <- b
		}
	}
}

func TestSemaphoreCancelWhileWaiting(t *testing.T) {
	h := NewHasher(cheap, 1)
	stored, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	release := occupy(h)
	defer release()

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Hash", func(ctx context.Context) error { _, err := h.Hash(ctx, "pw"); return err }},
		{"Verify", func(ctx context.Context) error { _, _, err := h.Verify(ctx, "pw", stored); return err }},
		{"Verify unusable", func(ctx context.Context) error { _, _, err := h.Verify(ctx, "pw", Unusable); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			if err := c.call(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
	t.Run("VerifyDummy", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if h.VerifyDummy(ctx, "pw") {
			t.Error("VerifyDummy = true")
		}
		if ctx.Err() == nil {
			t.Error("VerifyDummy returned before its context ended although no slot was free")
		}
	})
}

func TestSemaphoreBlocksUntilSlotFree(t *testing.T) {
	h := NewHasher(cheap, 2)
	release := occupy(h)

	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "pw")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Hash finished (err %v) while all %d slots were taken", err, cap(h.slots))
	case <-time.After(50 * time.Millisecond):
	}
	release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Hash still blocked after slots were released")
	}
}

func TestAlreadyCancelledContext(t *testing.T) {
	h := NewHasher(cheap, 1) // slot free: must still refuse
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash err = %v, want context.Canceled", err)
	}
}

// Expected messages below come from running Django 3.2.25's validators
// (MinimumLength, CommonPassword, NumericPassword, UserAttributeSimilarity
// with user_attributes=("username", "email")) in this order on a
// django.contrib.auth User, not from this package's output.
func TestValidate(t *testing.T) {
	const (
		short   = "This password is too short. It must contain at least 8 characters."
		common  = "This password is too common."
		numeric = "This password is entirely numeric."
		simUser = "The password is too similar to the username."
		simMail = "The password is too similar to the email address."
	)
	user := func(username, email string) *UserAttrs { return &UserAttrs{Username: username, Email: email} }
	tests := []struct {
		password string
		user     *UserAttrs
		want     []string
	}{
		{"123", nil, []string{short, common, numeric}},
		{"password", nil, []string{common}},
		{"12345678901", nil, []string{common, numeric}},
		{"zxcvbnm123", nil, []string{common}},
		{"x", nil, []string{short, common}}, // single letters are on Django's list
		{"", nil, []string{short}},
		{"  PassWord\t", nil, []string{common}}, // lowercased and stripped
		{"password\x1c", nil, []string{common}}, // Python's strip() removes U+001C..U+001F
		{"iloveyou", nil, []string{common}},
		{"İloveyou", nil, nil}, // Python lowercases İ to "i\u0307", so not "iloveyou"
		{"résumé", nil, []string{short}},
		{"Tr0ub4dor&3", nil, nil},
		{"Aa1!Aa1!", nil, nil},
		{"correct horse battery staple", nil, nil},
		{"١٢٣٤٥٦٧٨٩", nil, []string{numeric}}, // Arabic-Indic digits (Nd)
		{"²²²²²²²²", nil, []string{numeric}},  // superscripts: isdigit() but not isdecimal()
		{"①②③④⑤⑥⑦⑧", nil, []string{numeric}},
		// Similarity: quick_ratio("alice123", "alice") = 2*5/13 = 0.77.
		{"alice123", user("alice", ""), []string{common, simUser}},
		{"ALICE123", user("Alice", ""), []string{common, simUser}},
		{"xalicex", user("alice", ""), []string{short, simUser}}, // 10/12 = 0.83
		{"alicewonderland", user("alice", ""), nil},              // 10/20 = 0.5
		{"alicewonderlan", user("alice", ""), nil},               // 10/19 = 0.53
		// Email parts are john, smith, example, com and the whole address.
		// "johnsmith1" scores at most 10/15 (smith) and 18/32 (whole), both < 0.7.
		{"johnsmith1", user("alice", "john.smith@example.com"), nil},
		{"smith1234", user("alice", "john.smith@example.com"), []string{simMail}}, // 10/14 = 0.714
		{"smith12345", user("alice", "john.smith@example.com"), nil},              // 10/15 = 0.667
		{"ab@cd.io1", user("zz", "ab@cd.io"), []string{simMail}},                  // whole value: 16/17
		{"xxbobxx", user("zz", "bob@example.com"), []string{short}},               // 6/10 = 0.6
		// Both attributes similar: Django stops at the first, the username.
		{"johnsmith1", user("johnsmith", "john.smith@example.com"), []string{simUser}},
		{"bob_smith99", user("bob_smith", "bob@example.com"), []string{simUser}}, // '_' is a word char
		{"12345678", user("12345678", ""), []string{common, numeric, simUser}},
		{"1111", user("1111", "1111@x.io"), []string{short, common, numeric, simUser}},
		{"Correct-Horse-7", user("", "correct@horse.example"), nil},
		{"x.Y_z", user("x", ""), []string{short}},
		// re.split(r'\W+', ".") yields empty parts; quick_ratio("", "") is 1.0.
		{"", user(".", ""), []string{short, simUser}},
		{"", user("alice", ""), []string{short}},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", user("a", ""), nil},
		// Python's full lowercasing: final sigma and dotted capital I.
		{"ΟΔΥΣΣΕΑΣ1", user("οδυσσεας", ""), []string{simUser}},
		{"ΑΣ", user("ας", ""), []string{short, simUser}}, // "ας" == "ας"
		{"ΑΣ", user("ασ", ""), []string{short}},          // "ας" vs "ασ": 2/4
		{"İİİİ", user("iiii", ""), []string{short}},      // "i̇i̇i̇i̇" vs "iiii": 8/12
		{"İloveyou", user("", ""), nil},
	}
	for _, tt := range tests {
		got := Validate(tt.password, tt.user)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Validate(%q, %+v) =\n  %q\nwant\n  %q", tt.password, tt.user, got, tt.want)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	// Django 3.2's common-passwords.txt.gz: 19,727 distinct lowercase lines.
	if len(set) != 19727 {
		t.Errorf("list has %d entries, want 19727", len(set))
	}
	for pw := range set {
		if pw != pyLower(pw) || pw != strings.TrimFunc(pw, pyIsSpace) || pw == "" {
			t.Errorf("entry %q is not lowercased and stripped", pw)
		}
	}
}

func TestSplitNonWord(t *testing.T) {
	// Expected values are Python's re.split(r'\W+', s).
	tests := []struct {
		in   string
		want []string
	}{
		{"john.smith@example.com", []string{"john", "smith", "example", "com"}},
		{".bob", []string{"", "bob"}},
		{"bob.", []string{"bob", ""}},
		{".", []string{"", ""}},
		{"", []string{""}},
		{"a..b", []string{"a", "b"}},
		{"__x__", []string{"__x__"}},
		{"café", []string{"café"}},
		{"cafe\u0301!x", []string{"cafe", "x"}}, // combining marks are \W in Python
		{"a b", []string{"a", "b"}},
		{"x١y²z", []string{"x١y²z"}},
	}
	for _, tt := range tests {
		if got := splitNonWord(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitNonWord(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPyLower(t *testing.T) {
	// Expected values are CPython 3.11's str.lower().
	tests := []struct{ in, want string }{
		{"HELLO", "hello"},
		{"ΟΔΥΣΣΕΑΣ", "οδυσσεας"},
		{"Σ", "σ"},
		{"ΑΣ.", "ας."},
		{"ΑΣΑ", "ασα"},
		{"ΑΣ'Α", "ασ'α"}, // apostrophe is case-ignorable: a cased letter follows
		{"ΑΣ'", "ας'"},
		{"ΣΑΣ ΣΑΣ", "σας σας"},
		{"Ὰ Σ", "ὰ σ"},
		{"İ", "i\u0307"},
		{"İSTANBUL", "i\u0307stanbul"},
		{"ǅ", "ǆ"},
	}
	for _, tt := range tests {
		if got := pyLower(tt.in); got != tt.want {
			t.Errorf("pyLower(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Guards the difflib dependency against drifting from Python's
// SequenceMatcher.quick_ratio (values from CPython).
func TestQuickRatioMatchesPython(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"alice123", "alice", 0.7692307692307693},
		{"johnsmith1", "john.smith@example.com", 0.5625},
		{"smith1234", "smith", 0.7142857142857143},
		{"", "", 1.0},
		{"abc", "", 0.0},
		{"ab", "ba", 1.0},
		{"aab", "abb", 0.6666666666666666},
	}
	for _, tt := range tests {
		if got := difflib.NewMatcher(splitRunes(tt.a), splitRunes(tt.b)).QuickRatio(); got != tt.want {
			t.Errorf("quick_ratio(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
