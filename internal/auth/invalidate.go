package auth

import (
	"context"
	"fmt"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/refreshtoken"
	"github.com/gojoser/gojoser/ent/token"
)

// Invalidate makes every node forget cached credentials: those of users ids, or all of them.
type Invalidate func(ctx context.Context, all bool, ids []int)

// Invalidation is the Ent hook that keeps the auth cache honest by construction: every committed
// change that can alter what a cached viewer holds reaches invalidate after its commit (at once outside
// a transaction), whichever code path made it. Those are:
//
//   - a user's username, email or is_active, their roles, or the user's deletion;
//   - a token's deletion or any update other than the authenticator's own record of its use;
//   - a refresh token's revocation or deletion;
//   - a role's grants, or its deletion (which forgets everyone).
//
// Changes that cannot alter a cached viewer pass through without a query: creations, a login's
// last_login, link_version and rehash, and refresh-token rotation. The hot paths pay nothing.
func Invalidation(invalidate Invalidate) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			// Looked up before the mutation runs: a deletion leaves nothing to look up afterwards.
			all, ids, err := affected(ctx, m)
			if err != nil {
				return nil, fmt.Errorf("auth cache invalidation: %w", err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || (!all && len(ids) == 0) {
				return v, err
			}
			fire := func() { invalidate(ctx, all, ids) }
			if tx, terr := txOf(m); terr == nil {
				tx.OnCommit(func(next ent.Committer) ent.Committer {
					return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
						if err := next.Commit(ctx, tx); err != nil {
							return err
						}
						fire()
						return nil
					})
				})
			} else {
				fire()
			}
			return v, nil
		})
	}
}

// touchKey marks the context of the authenticator's own writes of token use, which the cache already
// reflects.
type touchKey struct{}

func affected(ctx context.Context, m ent.Mutation) (all bool, ids []int, err error) {
	if m.Op().Is(ent.OpCreate) {
		return false, nil, nil
	}
	switch m := m.(type) {
	case *ent.UserMutation:
		_, name := m.Username()
		_, email := m.Email()
		_, active := m.IsActive()
		roles := len(m.RolesIDs()) > 0 || len(m.RemovedRolesIDs()) > 0 || m.RolesCleared()
		if m.Op().Is(ent.OpDelete|ent.OpDeleteOne) || name || email || active || roles {
			ids, err = m.IDs(ctx)
		}
		return false, ids, err
	case *ent.TokenMutation:
		if m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && ctx.Value(touchKey{}) != nil {
			return false, nil, nil
		}
		tokenIDs, err := m.IDs(ctx)
		if err != nil || len(tokenIDs) == 0 {
			return false, nil, err
		}
		ids, err = m.Client().Token.Query().Where(token.IDIn(tokenIDs...)).Unique(true).
			Select(token.FieldUserID).Ints(ctx)
		return false, ids, err
	case *ent.RefreshTokenMutation:
		if _, revoked := m.RevokedAt(); !revoked && !m.Op().Is(ent.OpDelete|ent.OpDeleteOne) {
			return false, nil, nil
		}
		rtIDs, err := m.IDs(ctx)
		if err != nil || len(rtIDs) == 0 {
			return false, nil, err
		}
		ids, err = m.Client().RefreshToken.Query().Where(refreshtoken.IDIn(rtIDs...)).Unique(true).
			Select(refreshtoken.FieldUserID).Ints(ctx)
		return false, ids, err
	case *ent.RoleMutation:
		if m.Op().Is(ent.OpDelete|ent.OpDeleteOne) || m.UsersCleared() {
			return true, nil, nil
		}
		return false, append(m.UsersIDs(), m.RemovedUsersIDs()...), nil
	}
	return false, nil, nil
}

// txOf returns the transaction m runs in, or an error outside one.
func txOf(m ent.Mutation) (*ent.Tx, error) {
	switch m := m.(type) {
	case *ent.UserMutation:
		return m.Tx()
	case *ent.TokenMutation:
		return m.Tx()
	case *ent.RefreshTokenMutation:
		return m.Tx()
	case *ent.RoleMutation:
		return m.Tx()
	}
	return nil, fmt.Errorf("no transaction for %s", m.Type())
}
