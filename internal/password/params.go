package password

import (
	"fmt"
	"strings"
)

// Params are argon2id cost parameters. Defaults follow OWASP: m=19 MiB
// (19456 KiB), t=2, p=1, 16-byte salt, 32-byte key.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   uint32
	KeyLen    uint32
}

// Bounds for Validate. The upper bounds are not security limits but sanity
// limits: anything beyond them is almost certainly a unit mistake (bytes
// for KiB, milliseconds for passes) or a crafted hash meant to make
// verification exhaust memory or CPU.
const (
	maxMemoryKiB = 2 << 20 // 2 GiB, RFC 9106's largest recommended setting
	maxTime      = 100
	minSaltLen   = 8 // RFC 9106 minimum
	maxSaltLen   = 256
	minKeyLen    = 16
	maxKeyLen    = 256
)

// DefaultParams returns the OWASP-recommended argon2id configuration.
func DefaultParams() Params {
	return Params{
		MemoryKiB: 19 * 1024,
		Time:      2,
		Threads:   1,
		SaltLen:   16,
		KeyLen:    32,
	}
}

// Validate reports every parameter that is zero or outside sane bounds.
func (p Params) Validate() error {
	var problems []string
	if p.Threads < 1 {
		problems = append(problems, "threads must be at least 1")
	}
	// argon2 needs 8 KiB per lane; below that the library silently raises
	// the memory, so the stored m= would lie about the real cost.
	if minMem := 8 * uint32(max(p.Threads, 1)); p.MemoryKiB < minMem || p.MemoryKiB > maxMemoryKiB {
		problems = append(problems, fmt.Sprintf("memory must be between %d and %d KiB (8 KiB per thread minimum), got %d", minMem, maxMemoryKiB, p.MemoryKiB))
	}
	if p.Time < 1 || p.Time > maxTime {
		problems = append(problems, fmt.Sprintf("time (passes) must be between 1 and %d, got %d", maxTime, p.Time))
	}
	if p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen {
		problems = append(problems, fmt.Sprintf("salt length must be between %d and %d bytes, got %d", minSaltLen, maxSaltLen, p.SaltLen))
	}
	if p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen {
		problems = append(problems, fmt.Sprintf("key length must be between %d and %d bytes, got %d", minKeyLen, maxKeyLen, p.KeyLen))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid argon2id parameters: %s", strings.Join(problems, "; "))
}
