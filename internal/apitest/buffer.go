package apitest

import (
	"bytes"
	"sync"
)

// Buffer is a log destination that a logger's flushing goroutine writes while the test reads it.
type Buffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Writes counts the calls to Write: how many times the writer was reached.
func (b *Buffer) Writes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes
}
