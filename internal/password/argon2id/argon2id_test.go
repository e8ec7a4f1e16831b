package argon2id

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/argon2"
)

// The fork must give x/crypto's bytes for every parameter set, on a buffer that still holds an earlier,
// larger or smaller hash: that is how the server uses it, and it is where skipping the clearing would
// show. Sizes cross the rounding to 4*threads blocks and the 2*4*threads minimum.
func TestMatchesXCryptoOnReusedBuffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf Buffer
	for i := range 60 {
		time := uint32(1 + rng.IntN(3))
		threads := uint8(1 + rng.IntN(4))
		memory := uint32(1 + rng.IntN(600))
		keyLen := uint32([]int{4, 16, 32, 64, 65, 100}[rng.IntN(6)])
		password := make([]byte, rng.IntN(40))
		salt := make([]byte, 8+rng.IntN(24))
		for _, b := range [][]byte{password, salt} {
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
		}
		want := argon2.IDKey(password, salt, time, memory, threads, keyLen)
		got := buf.Key(password, salt, time, memory, threads, keyLen)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d (t=%d m=%d p=%d len=%d): got %x, x/crypto %x", i, time, memory, threads, keyLen, got, want)
		}
	}
}

// The Argon2id vectors of x/crypto's own tests (password "password", salt "somesalt", 24-byte keys), so
// the fork is pinned to fixed bytes and not only to whatever x/crypto computes today.
func TestReferenceVectors(t *testing.T) {
	for _, v := range []struct {
		time, memory uint32
		threads      uint8
		hash         string
	}{
		{1, 64, 1, "655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb"},
		{2, 64, 1, "068d62b26455936aa6ebe60060b0a65870dbfa3ddf8d41f7"},
		{2, 64, 2, "350ac37222f436ccb5c0972f1ebd3bf6b958bf2071841362"},
		{3, 256, 2, "4668d30ac4187e6878eedeacf0fd83c5a0a30db2cc16ef0b"},
		{4, 4096, 4, "145db9733a9f4ee43edf33c509be96b934d505a4efb33c5a"},
		{4, 1024, 8, "8dafa8e004f8ea96bf7c0f93eecf67a6047476143d15577f"},
		{2, 64, 3, "4a15b31aec7c2590b87d1f520be7d96f56658172deaa3079"},
		{3, 1024, 6, "1640b932f4b60e272f5d2207b9a9c626ffa1bd88d2349016"},
	} {
		t.Run(fmt.Sprintf("t=%d,m=%d,p=%d", v.time, v.memory, v.threads), func(t *testing.T) {
			var buf Buffer
			got := hex.EncodeToString(buf.Key([]byte("password"), []byte("somesalt"), v.time, v.memory, v.threads, 24))
			if got != v.hash {
				t.Fatalf("got %s, want %s", got, v.hash)
			}
		})
	}
}

func BenchmarkKey(b *testing.B) {
	var buf Buffer
	for b.Loop() {
		buf.Key([]byte("password"), []byte("somesaltsomesalt"), 2, 19456, 1, 32)
	}
}

func BenchmarkXCrypto(b *testing.B) {
	for b.Loop() {
		argon2.IDKey([]byte("password"), []byte("somesaltsomesalt"), 2, 19456, 1, 32)
	}
}
