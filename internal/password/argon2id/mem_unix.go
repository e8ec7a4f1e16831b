//go:build unix

package argon2id

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// alloc maps n zeroed blocks outside the Go heap. Mapping fails only when the system is out of memory
// or address space, where make would crash the program too, so it panics alike.
func alloc(n int) []block {
	mem, err := unix.Mmap(-1, 0, n*blockLength*8, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		panic("argon2id: map working memory: " + err.Error())
	}
	return unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}

// free unmaps what alloc mapped. An error means b was not a whole mapping from alloc.
func free(b []block) error {
	if cap(b) == 0 {
		return nil
	}
	b = b[:cap(b)]
	return unix.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b)*blockLength*8))
}
