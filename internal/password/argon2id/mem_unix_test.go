//go:build unix

package argon2id

import "testing"

// A buffer that grows gives its old mapping back whole: free finds the very mapping alloc made.
func TestFreeUnmapsAllocsMapping(t *testing.T) {
	b := alloc(8)
	b[7][127] = 1 // writable to its last word
	if err := free(b[:2]); err != nil {
		t.Fatalf("free of a resliced mapping: %v", err)
	}
	if err := free(alloc(3)[1:]); err == nil {
		t.Fatal("free of a mapping's tail succeeded; want an error, not a partial unmap")
	}
}
