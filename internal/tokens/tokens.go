// Package tokens makes the keys of opaque (DRF-style) tokens and the digests the database keeps of them.
package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// KeyBytes is the entropy of a token key: 160 bits, shown as 40 lowercase hex like DRF's keys.
const KeyBytes = 20

// NewKey returns a fresh key for the client and the digest to store. The key itself is never stored.
func NewKey() (key string, digest []byte) {
	b := make([]byte, KeyBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms (Go 1.24+)
	key = hex.EncodeToString(b)
	return key, Digest(key)
}

// Digest is what the database holds for a key. SHA-256 without salt is enough: keys carry 160 bits of
// entropy, so there is nothing to brute-force, and an unsalted digest keeps the lookup a single index probe.
func Digest(key string) []byte {
	d := sha256.Sum256([]byte(key))
	return d[:]
}
