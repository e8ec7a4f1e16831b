package users

import (
	"context"
	"fmt"
	"slices"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

var roleNameField = validation.Char{Required: true, Rules: []string{"rolename", "max=64"}}

// Roles lists every role name, sorted.
func (s *Service) Roles(ctx context.Context) ([]string, error) {
	names, err := s.db.Role.Query().Order(role.ByName()).Select(role.FieldName).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return names, nil
}

// CreateRole adds a role.
func (s *Service) CreateRole(ctx context.Context, name validation.Value) (string, error) {
	var errs drf.FieldErrors
	n, _, _ := roleNameField.Clean(&errs, "name", name)
	if err := errs.Err(); err != nil {
		return "", err
	}
	err := s.db.Role.Create().SetName(n).Exec(ctx)
	if ent.IsConstraintError(err) {
		return "", drf.Field("name", drf.MsgRoleTaken)
	}
	if err != nil {
		return "", fmt.Errorf("create role: %w", err)
	}
	return n, nil
}

// UserRoles lists the role names of user id, sorted.
func (s *Service) UserRoles(ctx context.Context, id string) ([]string, error) {
	uid, err := s.findUser(ctx, id)
	if err != nil {
		return nil, err
	}
	names, err := s.db.Role.Query().Where(role.HasUsersWith(user.ID(uid))).Order(role.ByName()).
		Select(role.FieldName).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("list roles of user %d: %w", uid, err)
	}
	return names, nil
}

// Grant gives user id the named role. Granting a role the user has is not an error.
func (s *Service) Grant(ctx context.Context, id, roleName string) error {
	uid, rid, err := s.userAndRole(ctx, id, roleName)
	if err != nil {
		return err
	}
	has, err := s.db.User.Query().Where(user.ID(uid), user.HasRolesWith(role.ID(rid))).Exist(ctx)
	if err != nil {
		return fmt.Errorf("check grant: %w", err)
	}
	if has {
		return nil
	}
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if err := tx.User.UpdateOneID(uid).AddRoleIDs(rid).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), roleEvent(ctx, audit.RoleGranted, uid, roleName))
	})
	// A concurrent grant of the same role wins the race; the outcome is what was asked for.
	if err != nil && !ent.IsConstraintError(err) {
		return fmt.Errorf("grant role: %w", err)
	}
	s.log.InfoContext(ctx, "role granted", "user_id", uid, "role", roleName)
	return nil
}

// Revoke takes the named role from user id. An admin may not revoke their own admin role: a service
// with no admin left can only be repaired from the command line.
func (s *Service) Revoke(ctx context.Context, v *viewer.Viewer, id, roleName string) error {
	uid, rid, err := s.userAndRole(ctx, id, roleName)
	if err != nil {
		return err
	}
	if v != nil && uid == v.UserID && roleName == viewer.AdminRole {
		return drf.Field(drf.NonField, drf.MsgRevokeOwnAdmin)
	}
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if err := tx.User.UpdateOneID(uid).RemoveRoleIDs(rid).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), roleEvent(ctx, audit.RoleRevoked, uid, roleName))
	})
	if err != nil {
		return fmt.Errorf("revoke role: %w", err)
	}
	s.log.InfoContext(ctx, "role revoked", "user_id", uid, "role", roleName)
	return nil
}

// UserIDByUsername finds a user for the command line by what names them: the username, or the email
// (ignoring case) of a model without usernames.
func (s *Service) UserIDByUsername(ctx context.Context, username string) (int, error) {
	by := named(username)
	if profile.UsernameField == "email" {
		by = user.EmailKey(EmailKey(username))
	}
	id, err := s.db.User.Query().Where(by).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return 0, drf.ErrNotFound
	}
	return id, err
}

// roleEvent is the event of a grant or revoke. Without a viewer the command line made it: its actor
// is anonymous, and its detail says so.
func roleEvent(ctx context.Context, t audit.Type, uid int, roleName string) audit.Event {
	d := map[string]any{"role": roleName}
	if viewer.FromContext(ctx) == nil {
		d["via"] = "cli"
	}
	return audit.Event{Type: t, SubjectID: audit.User(uid), Detail: d}
}

// MyRoles returns the viewer's roles.
func MyRoles(v *viewer.Viewer) []string { return slices.Clone(v.Roles) }

func (s *Service) userAndRole(ctx context.Context, id, roleName string) (int, int, error) {
	uid, err := s.findUser(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	// A name no role can have (bytes that are not UTF-8 or a NUL, which PostgreSQL refuses to compare)
	// names no role: 404 without asking the database.
	if _, _, ok := roleNameField.Clean(&drf.FieldErrors{}, "name", validation.Value{Set: true, S: roleName}); !ok {
		return 0, 0, drf.ErrNotFound
	}
	rid, err := s.db.Role.Query().Where(role.Name(roleName)).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return 0, 0, drf.ErrNotFound
	}
	if err != nil {
		return 0, 0, fmt.Errorf("look up role: %w", err)
	}
	return uid, rid, nil
}
