package app

import (
	"context"
	"log/slog"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/store"
)

// calibrateFailureFloor makes failed logins last as long as a failure on the slowest password hash an
// import brought in, while any remain (internal/password/floor.go explains why). It costs three
// verifications of that hash at startup, and nothing on a database without imported hashes.
func calibrateFailureFloor(ctx context.Context, db *ent.Client, h *password.Hasher, log *slog.Logger) error {
	twin, err := store.SlowestImportedHash(ctx, db)
	if err != nil || twin == "" {
		return err
	}
	floor, err := h.CalibrateFailureFloor(ctx, twin)
	if err != nil {
		// A floor the server cannot calibrate must not keep it from starting; the floor still rises
		// with the first failures on imported hashes.
		log.Warn("imported password hashes: failure floor not calibrated", "err", err)
		return nil
	}
	alg, _ := h.Identify(twin)
	log.Info("imported password hashes remain: every failed login lasts at least as long as one on the slowest",
		"algorithm", alg, "floor", floor)
	return nil
}
