package users

import (
	"context"
	"fmt"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/tokens"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// The admin account controls (#17). Each admin action is one method here, or one helper that every
// path to the action goes through, so that an audit event can join the action's transaction:
//
//   - setActive: deactivation and reactivation, from an admin's PUT/PATCH (Update) and from the CLI
//     (DeactivateUser, ReactivateUser);
//   - RevokeUserSessions: DELETE /auth/users/{id}/tokens/;
//   - createByAdmin: an admin's POST /auth/users/ with is_active;
//   - RequestUserPasswordReset: POST /auth/users/{id}/reset_password/.

// activeField is is_active in an admin's request: DRF's BooleanField, which nobody else may write
// (anyone else's value is dropped without a word, as DRF drops a read-only field).
var activeField = &profile.Bool{Common: profile.Common{Name: "is_active", AdminOnly: true}}

// cleanActive validates is_active for op; set is false when the request leaves the flag alone.
func cleanActive(errs *drf.FieldErrors, v validation.Value, op profile.Op) (active, set bool) {
	active, _, set = activeField.Clean(errs, v, op)
	return active, set
}

// activeChanges reports whether setting is_active to active changes u: a reactivation of an active
// user does nothing, and a deactivation of a user awaiting activation still records the admin's
// decision, so that the activation link no longer works.
func activeChanges(u *ent.User, active bool) bool {
	if active {
		return !u.IsActive
	}
	return u.IsActive || u.DeactivatedAt == nil
}

// setActive deactivates or reactivates user id inside tx, through upd (the caller's update of the user,
// which may carry other changes). Deactivation revokes every token and JWT refresh token in the same
// transaction, so no session outlives it; the auth cache forgets the user when tx commits (the Ent hook
// of internal/auth, with NOTIFY to the other nodes on PostgreSQL). Reactivation restores login only:
// the revoked sessions stay revoked. The audit event of either belongs here.
// The event's actor is the admin in ctx; detail is audit.CLI() when the operator acted.
func (s *Service) setActive(ctx context.Context, tx *ent.Tx, upd *ent.UserUpdateOne, id int, active bool, detail map[string]any) error {
	e := audit.Event{Type: audit.UserReactivated, SubjectID: audit.User(id), Detail: detail}
	if active {
		upd.SetIsActive(true).ClearDeactivatedAt()
		return s.audit.Record(ctx, tx.Client(), e)
	}
	upd.SetIsActive(false).SetDeactivatedAt(s.now())
	n, err := revokeSessions(ctx, tx, id, s.now())
	if err != nil {
		return err
	}
	e.Type = audit.UserDeactivated
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	e.Detail["tokens_revoked"] = n
	return s.audit.Record(ctx, tx.Client(), e)
}

// revokeSessions deletes every token of user id and revokes their outstanding refresh tokens. It
// reports how many tokens it deleted, for the audit event.
func revokeSessions(ctx context.Context, tx *ent.Tx, id int, now time.Time) (int, error) {
	n, err := tx.Token.Delete().Where(token.UserID(id)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of user %d: %w", id, err)
	}
	return n, revokeRefreshTokens(ctx, tx, id, now)
}

// DeactivateUser is `gojoser user deactivate`: the operator's deactivation, which (unlike an admin's
// over HTTP) may deactivate anyone, admins included. It reports whether the user was active.
func (s *Service) DeactivateUser(ctx context.Context, id int) (bool, error) {
	return s.setUserActive(ctx, id, false)
}

// ReactivateUser is `gojoser user activate`: the user may log in again, with no activation link. It
// reports whether the user was inactive.
func (s *Service) ReactivateUser(ctx context.Context, id int) (bool, error) {
	return s.setUserActive(ctx, id, true)
}

func (s *Service) setUserActive(ctx context.Context, id int, active bool) (bool, error) {
	changed := false
	err := s.commit(ctx, func(tx *ent.Tx) error {
		u, err := tx.User.Get(ctx, id)
		if err != nil {
			return err
		}
		if !activeChanges(u, active) {
			return nil
		}
		changed = true
		upd := tx.User.UpdateOneID(id)
		if err := s.setActive(ctx, tx, upd, id, active, audit.CLI()); err != nil {
			return err
		}
		return upd.Exec(ctx)
	})
	if ent.IsNotFound(err) {
		return false, drf.ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("set is_active of user %d: %w", id, err)
	}
	return changed, nil
}

// RevokeUserSessions is an admin's DELETE /auth/users/{id}/tokens/: every token and refresh token of
// the subject, in one transaction. The account stays active.
func (s *Service) RevokeUserSessions(ctx context.Context, t Subject) error {
	if err := t.check(Destroy); err != nil {
		return err
	}
	if !t.actor.IsAdmin() {
		return drf.ErrPermissionDenied
	}
	return s.commit(ctx, func(tx *ent.Tx) error {
		n, err := revokeSessions(ctx, tx, t.ID, s.now())
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.AdminSessionsRevoked, SubjectID: audit.User(t.ID),
			Detail: map[string]any{"tokens_revoked": n}})
	})
}

// RequestUserPasswordReset is an admin's POST /auth/users/{id}/reset_password/: the subject's
// reset_password mail, queued through the outbox. The mail worker sends it only to an active user with
// an address (as for a reset by address); the admin never learns or chooses the password.
func (s *Service) RequestUserPasswordReset(ctx context.Context, t Subject, site Site) error {
	if err := t.check(Update); err != nil {
		return err
	}
	if !t.actor.IsAdmin() {
		return drf.ErrPermissionDenied
	}
	u, err := s.db.User.Get(ctx, t.ID)
	if ent.IsNotFound(err) {
		return drf.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("get user %d: %w", t.ID, err)
	}
	if u.Email == "" {
		return nil // nowhere to send it, as for a reset by an unknown address
	}
	// The same per-address cap as a reset by address: the recipient's inbox is protected from anyone.
	if ok, err := s.limiter.Mail(ctx, string(mail.PasswordReset), u.Email); !ok {
		return err
	}
	return s.commit(ctx, func(tx *ent.Tx) error {
		if err := s.enqueue(ctx, tx.Client(), userMail(mail.PasswordReset, u.ID, site)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.AdminResetRequested, SubjectID: audit.User(u.ID)})
	})
}

// CreateUser is POST /auth/users/ for requester v (nil when anonymous): a registration, or, when an
// admin gives is_active, an admin's creation of the user.
func (s *Service) CreateUser(ctx context.Context, v *viewer.Viewer, in RegisterInput, site Site) (Registered, error) {
	if v != nil && v.IsAdmin() && in.IsActive.Set {
		return s.createByAdmin(ctx, in)
	}
	return s.Register(ctx, in, site)
}

// createByAdmin creates a user past the activation rules, active or not as the admin says, with the
// registration's field rules. The admin never sets the password (ASVS 6.4.6): a password in the request
// is refused, and the account gets a random one nobody knows, which the user replaces through a
// password-reset mail. No mail goes out and no token is issued: a token would be a session of the user
// in the admin's hands.
func (s *Service) createByAdmin(ctx context.Context, in RegisterInput) (Registered, error) {
	var errs drf.FieldErrors
	username, email, changes, err := s.cleanRegistration(ctx, &errs, in)
	if err != nil {
		return Registered{}, err
	}
	for _, f := range []struct {
		name string
		v    validation.Value
	}{{"password", in.Password}, {"re_password", in.RePassword}} {
		if f.v.Set && !f.v.Null && f.v.S != "" {
			errs.Add(f.name, drf.MsgAdminSetsNoPassword)
		}
	}
	active, _ := cleanActive(&errs, in.IsActive, profile.Op{Create: true, Admin: true})
	if err := errs.Err(); err != nil {
		return Registered{}, err
	}
	secret, _ := tokens.NewKey()
	hash, err := s.hasher.Hash(ctx, secret)
	if err != nil {
		return Registered{}, fmt.Errorf("hash password: %w", err)
	}
	var u *ent.User
	err = s.commit(ctx, func(tx *ent.Tx) error {
		c := tx.User.Create().SetUsername(username).SetEmail(email).SetPassword(hash).SetIsActive(active)
		if !active {
			c.SetDeactivatedAt(s.now())
		}
		changes.Create(c)
		var err error
		if u, err = c.Save(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.UserCreatedByAdmin, SubjectID: audit.User(u.ID),
			Detail: map[string]any{"is_active": active}})
	})
	if isEmailConflict(err) {
		return Registered{}, drf.Field("email", drf.MsgEmailTaken)
	}
	if ent.IsConstraintError(err) {
		return Registered{}, drf.Field("username", drf.MsgUsernameTaken)
	}
	if err != nil {
		return Registered{}, fmt.Errorf("create user: %w", err)
	}
	s.log.InfoContext(ctx, "user created by an admin", "user_id", u.ID, "active", active)
	return Registered{User: fromEnt(u)}, nil
}
