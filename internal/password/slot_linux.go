package password

import (
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/gojoser/gojoser/internal/password/argon2id"
)

// slot is one hash that may run at once: its working memory and, when the hash slots map one to one
// onto the CPUs this process runs on, the CPU its hashes run on.
//
// Why pin: argon2id reads back mostly blocks it wrote moments ago, so a hash runs largely from its
// core's own cache. Go's scheduler preempts a long-running goroutine every 10 ms and may resume it on
// another thread, and so another core, with a cold cache: in a PostgreSQL login storm on 2 cores each
// login cost ~20 % more CPU than a hash on an idle machine. Keeping the hash on one thread and that
// thread on one CPU removes most of it (bench/README.md, "Results of 2026-11-23", has the figures).
type slot struct {
	argon2id.Buffer
	cpu     int          // -1: do not pin
	restore *unix.CPUSet // the process's CPUs, to give the thread back as it was
}

func newSlots(n int) []*slot {
	var all unix.CPUSet
	pin := unix.SchedGetaffinity(0, &all) == nil && all.Count() == runtime.GOMAXPROCS(0) && n <= all.Count()
	slots := make([]*slot, n)
	cpu := -1
	for i := range slots {
		slots[i] = &slot{cpu: -1, restore: &all}
		if pin {
			cpu++
			for !all.IsSet(cpu) {
				cpu++
			}
			slots[i].cpu = cpu
		}
	}
	return slots
}

// run calls hash on the slot's buffer, on one OS thread and, if the slot has a CPU, on that CPU.
func (s *slot) run(hash func(*argon2id.Buffer) []byte) []byte {
	runtime.LockOSThread()
	if s.cpu < 0 {
		defer runtime.UnlockOSThread()
		return hash(&s.Buffer)
	}
	var one unix.CPUSet
	one.Set(s.cpu)
	pinned := unix.SchedSetaffinity(0, &one) == nil
	key := hash(&s.Buffer)
	// A thread that cannot be given its CPUs back stays locked to this goroutine, and the runtime
	// ends it when the goroutine exits, so no other goroutine ever runs pinned.
	if !pinned || unix.SchedSetaffinity(0, s.restore) == nil {
		runtime.UnlockOSThread()
	}
	return key
}
