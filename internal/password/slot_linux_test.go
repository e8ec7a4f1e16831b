package password

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gojoser/gojoser/internal/password/argon2id"
)

// A pinned hash runs on its slot's CPU, and the thread gets the process's CPUs back afterwards, so no
// other goroutine ever runs confined to one CPU.
func TestSlotPinsHashToItsCPU(t *testing.T) {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Skip("no CPU affinity here:", err)
	}
	slots := newSlots(all.Count())
	if all.Count() != runtime.GOMAXPROCS(0) {
		for _, s := range slots {
			if s.cpu != -1 {
				t.Fatalf("GOMAXPROCS %d != %d CPUs, yet a slot is pinned to CPU %d", runtime.GOMAXPROCS(0), all.Count(), s.cpu)
			}
		}
		t.Skip("GOMAXPROCS differs from the CPU count: slots are not pinned")
	}
	seen := map[int]bool{}
	// The test holds its thread so it can look at that thread's affinity after run lets go of it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, s := range slots {
		if s.cpu < 0 || !all.IsSet(s.cpu) || seen[s.cpu] {
			t.Fatalf("slot CPU %d: want a distinct CPU of the process's %d", s.cpu, all.Count())
		}
		seen[s.cpu] = true
		s.run(func(*argon2id.Buffer) []byte {
			var now unix.CPUSet
			if err := unix.SchedGetaffinity(0, &now); err != nil {
				t.Fatal(err)
			}
			if now.Count() != 1 || !now.IsSet(s.cpu) {
				t.Errorf("during a hash in slot %d the thread may run on %d CPUs", s.cpu, now.Count())
			}
			return nil
		})
		var after unix.CPUSet
		if err := unix.SchedGetaffinity(0, &after); err != nil {
			t.Fatal(err)
		}
		if after != all {
			t.Errorf("after a hash in slot %d the thread may run on %d CPUs, want the process's %d", s.cpu, after.Count(), all.Count())
		}
	}
	// More slots than CPUs: none pinned, since two would share a CPU while another idles.
	for _, s := range newSlots(all.Count() + 1) {
		if s.cpu != -1 {
			t.Fatalf("with more slots than CPUs a slot is pinned to CPU %d", s.cpu)
		}
	}
}
