//go:build !linux

package password

import (
	"runtime"

	"github.com/gojoser/gojoser/internal/password/argon2id"
)

// slot is one hash that may run at once. See slot_linux.go for why a hash keeps its thread.
type slot struct {
	argon2id.Buffer
}

func newSlots(n int) []*slot {
	slots := make([]*slot, n)
	for i := range slots {
		slots[i] = new(slot)
	}
	return slots
}

func (s *slot) run(hash func(*argon2id.Buffer) []byte) []byte {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return hash(&s.Buffer)
}
