package password

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

// The failure floor hides which accounts still hold a slow imported hash.
//
// A Django hash can cost far more than gojoser's argon2id: PBKDF2 at 1M iterations is over ten times
// as much CPU (README, "Moving from Django + Djoser", has the figures). Until its user logs in once and
// the hash is replaced, a wrong password for that account would answer markedly later than one for an
// unknown username, which costs one argon2id: the timing would tell that the account exists. Running
// the slow hash for every failure instead would multiply the CPU an attacker can make the server
// spend. So every failed verification (wrong password, unknown user, unusable or unreadable hash)
// takes at least the floor, the time a failure on the slowest imported hash takes, and the padding is
// a sleep: it costs latency on failed logins only, no CPU, no hash slot.
//
// The floor comes from two places. At startup the server calibrates it by verifying a wrong password
// against the twin of the slowest imported hash (stored by the importer, see Twin), three times, so it
// is right from the first request. And each failure on an imported hash raises it to its own duration when
// that is higher (an import run while the server was up, or a busier machine); such a rise decays back
// with a half-life of a minute. The padding counts hashing time only, not the wait for a hash slot,
// since both kinds of failure wait alike.

// floorHalfLife is how fast a raised floor returns to its calibrated level.
const floorHalfLife = time.Minute

type failureFloor struct {
	base   atomic.Int64 // calibrated, ns
	peak   atomic.Int64 // the slowest recent failure, ns
	peakAt atomic.Int64 // when peak was seen, Unix ns
}

// at is the floor at now: the calibrated base, or a recent peak decaying towards it.
func (f *failureFloor) at(now time.Time) time.Duration {
	base, peak := f.base.Load(), f.peak.Load()
	if peak <= base {
		return time.Duration(base)
	}
	age := now.Sub(time.Unix(0, f.peakAt.Load()))
	decay := math.Exp2(-float64(max(age, 0)) / float64(floorHalfLife))
	return time.Duration(base + int64(float64(peak-base)*decay))
}

// observe raises the floor to a failure that took d, if d is above it. Concurrent observations may
// overwrite each other; either value is a fair floor.
func (f *failureFloor) observe(d time.Duration, now time.Time) {
	if d > f.at(now) {
		f.peak.Store(int64(d))
		f.peakAt.Store(now.UnixNano())
	}
}

// pad sleeps until a failure that spent spent hashing has lasted the floor.
func (h *Hasher) pad(ctx context.Context, spent time.Duration) {
	if wait := h.floor.at(h.now()) - spent; wait > 0 {
		h.sleep(ctx, wait)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// FailureFloor is the time every failed verification currently lasts at least.
func (h *Hasher) FailureFloor() time.Duration { return h.floor.at(h.now()) }

// CalibrateFailureFloor sets the floor to what a failed verification against twin (see Twin) takes on
// this machine: the slowest of three runs, since a busier moment makes real failures slower too.
// Call it at startup when imported hashes remain.
func (h *Hasher) CalibrateFailureFloor(ctx context.Context, twin string) (time.Duration, error) {
	var slowest time.Duration
	for range 3 {
		d, err := h.FailureCost(ctx, twin)
		if err != nil {
			return 0, err
		}
		slowest = max(slowest, d)
	}
	h.floor.base.Store(int64(slowest))
	return slowest, nil
}

// FailureCost is the hashing time of one failed verification against twin, without padding: the
// Django hash's check, then one argon2id.
func (h *Hasher) FailureCost(ctx context.Context, twin string) (time.Duration, error) {
	if !IsUsable(twin) || strings.HasPrefix(twin, "$") {
		return 0, errors.New("password: not a Django hash")
	}
	// Legacy formats too, whatever the setting: the twin stands for a hash that was imported.
	_, d, err := parseDjango(twin, true)
	if err != nil {
		return 0, err
	}
	wrong := make([]byte, 16)
	_, _ = rand.Read(wrong)
	var spent time.Duration
	_, err = h.checkDjango(ctx, &spent, hex.EncodeToString(wrong), d)
	return spent, err
}
