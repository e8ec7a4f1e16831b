package users

import (
	"context"
	"fmt"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/tokens"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// CreateSuperuser creates an active user holding the admin role, with the same field and password rules
// as registration, all in one transaction. username is ignored for a model without usernames.
func (s *Service) CreateSuperuser(ctx context.Context, username, email, pw string) (User, error) {
	var errs drf.FieldErrors
	set := func(v string) validation.Value { return validation.Value{Set: true, S: v} }
	email, _, err := s.cleanEmail(ctx, &errs, "email", set(email), true, 0)
	if err != nil {
		return User{}, err
	}
	if profile.UsernameField == "username" {
		username, _, _ = usernameField.Clean(&errs, "username", set(username))
	} else {
		username = ""
	}
	pw, _, _ = passwordField.Clean(&errs, "password", set(pw))
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	username, email = normalizeUsername(username), normalizeEmail(email)
	if msgs := password.Validate(pw, attrs(username, email, &profile.Profile{})); msgs != nil {
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
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.UserRegistered, SubjectID: audit.User(u.ID),
			Detail: map[string]any{"active": true, "superuser": true, "via": "cli"}})
	})
	if isEmailConflict(err) {
		return User{}, drf.Field("email", drf.MsgEmailTaken)
	}
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
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if err := tx.Token.DeleteOneID(t.ID).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.TokensRevoked, SubjectID: audit.User(t.UserID),
			Detail: map[string]any{"via": "cli", "count": 1}})
	})
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
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
	var n int
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if n, err = tx.Token.Delete().Where(token.UserID(id)).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.TokensRevoked, SubjectID: audit.User(id),
			Detail: map[string]any{"via": "cli", "count": n}})
	})
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return n, nil
}
