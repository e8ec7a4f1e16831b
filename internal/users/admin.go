package users

import (
	"context"
	"fmt"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/tokens"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// CreateSuperuser creates an active user holding the admin role, with the same field and password rules
// as registration, all in one transaction.
func (s *Service) CreateSuperuser(ctx context.Context, username, email, pw string) (User, error) {
	var errs drf.FieldErrors
	set := func(v string) validation.Value { return validation.Value{Set: true, S: v} }
	email, _, _ = emailField.Clean(&errs, "email", set(email))
	username, _, _ = usernameField.Clean(&errs, "username", set(username))
	pw, _, _ = passwordField.Clean(&errs, "password", set(pw))
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	username, email = normalizeUsername(username), normalizeEmail(email)
	if msgs := password.Validate(pw, &password.UserAttrs{Username: username, Email: email}); msgs != nil {
		return User{}, drf.Field("password", msgs...)
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var out User
	err = store.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		admin, err := tx.Role.Query().Where(role.Name(viewer.AdminRole)).OnlyID(ctx)
		if err != nil {
			return fmt.Errorf("find admin role (run migrate): %w", err)
		}
		u, err := tx.User.Create().SetUsername(username).SetEmail(email).SetPassword(hash).AddRoleIDs(admin).Save(ctx)
		if err != nil {
			return err
		}
		out = fromEnt(u)
		return nil
	})
	if ent.IsConstraintError(err) {
		return User{}, drf.Field("username", drf.MsgUsernameTaken)
	}
	return out, err
}

// CreateToken issues a token for username without a password, like DRF's drf_create_token command.
func (s *Service) CreateToken(ctx context.Context, username, label string) (string, error) {
	id, err := s.UserIDByUsername(ctx, username)
	if err != nil {
		return "", err
	}
	return s.issueToken(ctx, s.db, id, label)
}

// RevokeKey deletes the token with the given key. It reports whether one existed.
func (s *Service) RevokeKey(ctx context.Context, key string) (bool, error) {
	t, err := s.db.Token.Query().Where(token.Digest(tokens.Digest(key))).Only(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find token: %w", err)
	}
	if err := s.db.Token.DeleteOneID(t.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	return true, nil
}

// RevokeAll deletes every token of username and returns how many there were.
func (s *Service) RevokeAll(ctx context.Context, username string) (int, error) {
	id, err := s.UserIDByUsername(ctx, username)
	if err != nil {
		return 0, err
	}
	n, err := s.db.Token.Delete().Where(token.UserID(id)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return n, nil
}
