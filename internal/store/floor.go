package store

import (
	"context"
	"fmt"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/meta"
	"github.com/gojoser/gojoser/ent/user"
)

// SlowestHashKey names the Meta row holding the twin (password.Twin) of the costliest password hash
// an import brought in. The server calibrates its failure floor on it (internal/password/floor.go).
const SlowestHashKey = "slowest_imported_hash"

// SlowestImportedHash returns the stored twin, or "" when there is none. Once no user holds an
// imported hash any more (all logged in once, or reset), it deletes the row, so the floor goes away.
func SlowestImportedHash(ctx context.Context, c *ent.Client) (string, error) {
	m, err := c.Meta.Query().Where(meta.Key(SlowestHashKey)).Only(ctx)
	if ent.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", SlowestHashKey, err)
	}
	// gojoser's own hashes are PHC strings ("$argon2id$..."), unusable ones start with "!"; anything
	// else was imported. The scan stops at the first such row.
	left, err := c.User.Query().Where(user.Not(user.PasswordHasPrefix("$")), user.Not(user.PasswordHasPrefix("!"))).Exist(ctx)
	if err != nil {
		return "", fmt.Errorf("look for imported password hashes: %w", err)
	}
	if !left {
		if _, err := c.Meta.Delete().Where(meta.Key(SlowestHashKey)).Exec(ctx); err != nil {
			return "", fmt.Errorf("delete %s: %w", SlowestHashKey, err)
		}
		return "", nil
	}
	return string(m.Value), nil
}
