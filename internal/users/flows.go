package users

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/predicate"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// The account flows of Djoser's §3: activation, resend, set/reset password, set/reset username, and
// gojoser's confirmed email change. Each validates in Djoser's order (field errors, then object-level
// checks, then uid, then token), changes the user and queues its mails in one transaction.

var (
	requiredChar      = validation.Char{Required: true}
	requestEmailField = validation.Char{Required: true, Rules: []string{"email"}}
	newUsernameField  = validation.Char{Required: true, Rules: []string{"username", "max=150"}}
)

// stateOf is what a user's links are bound to.
func stateOf(u *ent.User) links.State {
	return links.State{UserID: u.ID, LinkVersion: u.LinkVersion, Email: u.Email, PendingEmail: u.PendingEmail, PasswordHash: u.Password}
}

// enqueue queues mail on the service clock through db: a transaction's client wherever the mail must go
// only if the change commits.
func (s *Service) enqueue(ctx context.Context, db *ent.Client, msgs ...outbox.Message) error {
	return outbox.Enqueue(ctx, db, s.now(), msgs...)
}

// commit runs fn in a transaction and wakes the mail worker when it committed.
func (s *Service) commit(ctx context.Context, fn func(tx *ent.Tx) error) error {
	if err := store.WithTx(ctx, s.db, fn); err != nil {
		return err
	}
	if s.wake != nil {
		s.wake()
	}
	return nil
}

func userMail(kind mail.Kind, id int, site Site) outbox.Message {
	return outbox.Message{Kind: string(kind), UserID: &id, Site: site}
}

// resolveUID is Djoser's uid check: base64 of an existing user's id.
func (s *Service) resolveUID(ctx context.Context, uid validation.Value) (*ent.User, error) {
	if !uid.Set || uid.Null || uid.S == "" {
		return nil, drf.Field("uid", drf.MsgInvalidUID)
	}
	id, ok := links.DecodeUID(uid.S)
	if !ok {
		return nil, drf.Field("uid", drf.MsgInvalidUID)
	}
	u, err := s.db.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, drf.Field("uid", drf.MsgInvalidUID)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// checkLink resolves uid and checks token for purpose p, reporting Djoser's uid and token errors.
func (s *Service) checkLink(ctx context.Context, p links.Purpose, uid, tok validation.Value) (*ent.User, error) {
	u, err := s.resolveUID(ctx, uid)
	if err != nil {
		return nil, err
	}
	if !tok.Set || tok.Null || s.links.Check(p, stateOf(u), tok.S, s.lifetime(p)) != nil {
		return nil, drf.Field("token", drf.MsgInvalidLinkToken)
	}
	return u, nil
}

func (s *Service) lifetime(p links.Purpose) time.Duration {
	switch p {
	case links.Activation:
		return s.settings.ActivationLinkLifetime
	case links.PasswordReset:
		return s.settings.PasswordResetLinkLifetime
	case links.UsernameReset:
		return s.settings.UsernameResetLinkLifetime
	}
	return s.settings.EmailChangeLinkLifetime
}

// Activate is POST /auth/users/activation/.
func (s *Service) Activate(ctx context.Context, uid, tok validation.Value, site Site) error {
	var errs drf.FieldErrors
	requiredChar.Clean(&errs, "uid", uid)
	requiredChar.Clean(&errs, "token", tok)
	if err := errs.Err(); err != nil {
		return err
	}
	u, err := s.checkLink(ctx, links.Activation, uid, tok)
	if err != nil {
		return err
	}
	// An account an admin deactivated is not the user's to activate: only an admin reactivates it.
	if u.IsActive || u.DeactivatedAt != nil {
		return ErrStaleToken
	}
	return s.commit(ctx, func(tx *ent.Tx) error {
		// Only one of two simultaneous activations wins; the other is told the token is stale. The
		// condition also loses to a deactivation by an admin between the check above and this update.
		n, err := tx.User.Update().Where(user.ID(u.ID), user.IsActive(false), user.DeactivatedAtIsNil()).SetIsActive(true).Save(ctx)
		if err != nil {
			return fmt.Errorf("activate user %d: %w", u.ID, err)
		}
		if n == 0 {
			return ErrStaleToken
		}
		if err := s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.UserActivated, SubjectID: audit.User(u.ID)}); err != nil {
			return err
		}
		if s.settings.SendConfirmationEmail && u.Email != "" {
			return s.enqueue(ctx, tx.Client(), userMail(mail.Confirmation, u.ID, site))
		}
		return nil
	})
}

// RequestActivation is resend_activation: a new activation link for an inactive account.
func (s *Service) RequestActivation(ctx context.Context, email validation.Value, site Site) error {
	return s.requestByEmail(ctx, mail.Activation, email, site)
}

// RequestPasswordReset is reset_password: a password-reset link.
func (s *Service) RequestPasswordReset(ctx context.Context, email validation.Value, site Site) error {
	return s.requestByEmail(ctx, mail.PasswordReset, email, site)
}

// RequestUsernameReset is reset_username: a username-reset link.
func (s *Service) RequestUsernameReset(ctx context.Context, email validation.Value, site Site) error {
	return s.requestByEmail(ctx, mail.UsernameReset, email, site)
}

// requestByEmail serves the three requests by address. Unless a SHOW_EMAIL_NOT_FOUND setting asks
// otherwise, the answer and the work done do not depend on whether the address is known: the request is
// queued as is and the mail worker looks the address up.
func (s *Service) requestByEmail(ctx context.Context, kind mail.Kind, email validation.Value, site Site) error {
	var errs drf.FieldErrors
	addr, _, _ := requestEmailField.Clean(&errs, "email", email)
	if err := errs.Err(); err != nil {
		return err
	}
	if utf8.RuneCountInString(addr) > maxEmailLength {
		// No account can have an address longer than the column holds (Django's EmailField, 254); DRF's
		// EmailField does accept one, so this is an address nobody has, answered as such.
		if s.settings.ShowEmailNotFound {
			return errEmailNotFound
		}
		return nil
	}
	if s.settings.ShowEmailNotFound {
		n, err := s.db.User.Query().Where(eligible(kind, addr)...).Count(ctx)
		if err != nil {
			return fmt.Errorf("look up email: %w", err)
		}
		if n == 0 {
			return errEmailNotFound
		}
	}
	if kind == mail.Activation && !s.settings.SendActivationEmail {
		return ErrActivationDisabled
	}
	if ok, err := s.limiter.Mail(ctx, string(kind), addr); !ok {
		return err // past the cap the answer is the same, and no mail goes out
	}
	return s.commit(ctx, func(tx *ent.Tx) error {
		// The subject stays unknown here, as it does for the request itself: the mail worker resolves
		// the address later.
		if err := s.audit.Record(ctx, tx.Client(), audit.Event{Type: requestEvents[kind],
			Detail: map[string]any{"email": audit.Truncate(addr, maxEmailLength)}}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx.Client(), outbox.Message{Kind: string(kind), Recipient: addr, Site: site})
	})
}

// requestEvents are the events of the requests by address.
var requestEvents = map[mail.Kind]audit.Type{
	mail.Activation:    audit.ActivationRequested,
	mail.PasswordReset: audit.PasswordResetRequested,
	mail.UsernameReset: audit.UsernameResetRequested,
}

// eligible is who a request by address mails: active users with a usable password for resets,
// inactive ones awaiting activation (not those an admin deactivated) for a new activation link. Users who log in through a social provider get reset mails
// without a password too: that is how they set one. The lookup is exact, as Django's.
func eligible(kind mail.Kind, email string) []predicate.User {
	ps := []predicate.User{
		user.Email(email),
		user.IsActive(kind != mail.Activation),
		user.Or(user.PasswordNEQ(password.Unusable), user.HasIdentities()),
	}
	if kind == mail.Activation {
		ps = append(ps, user.DeactivatedAtIsNil())
	}
	return ps
}

// SetPasswordInput is POST /auth/users/set_password/.
type SetPasswordInput struct {
	NewPassword, ReNewPassword, CurrentPassword validation.Value
}

// SetPassword changes v's password after checking their current one.
func (s *Service) SetPassword(ctx context.Context, v *viewer.Viewer, in SetPasswordInput, site Site) error {
	u, err := s.db.User.Get(ctx, v.UserID)
	if err != nil {
		return fmt.Errorf("get user %d: %w", v.UserID, err)
	}
	var errs drf.FieldErrors
	pw, _, _ := passwordField.Clean(&errs, "new_password", in.NewPassword)
	var re string
	if s.settings.SetPasswordRetype {
		re, _, _ = passwordField.Clean(&errs, "re_new_password", in.ReNewPassword)
	}
	if err := s.verifyCurrentPassword(ctx, &errs, u, in.CurrentPassword); err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if msgs := password.Validate(pw, attrsOf(u)); msgs != nil {
		return drf.Field("new_password", msgs...)
	}
	if s.settings.SetPasswordRetype && pw != re {
		return drf.Field(drf.NonField, drf.MsgPasswordMismatch)
	}
	return s.changePassword(ctx, u, pw, false, site)
}

// changePassword stores a new password and does what a password change implies, in one transaction.
func (s *Service) changePassword(ctx context.Context, u *ent.User, pw string, touchLogin bool, site Site) error {
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	err = s.commit(ctx, func(tx *ent.Tx) error {
		upd := tx.User.UpdateOneID(u.ID).SetPassword(hash).AddLinkVersion(1)
		if touchLogin {
			upd.SetLastLogin(s.now())
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("set password of user %d: %w", u.ID, err)
		}
		// Guessing starts over: the account's failed logins no longer lock anyone out.
		if err := s.limiter.ClearAccount(ctx, tx.Client(), u.Username); err != nil {
			return err
		}
		// A password change always ends refresh tokens: they are long-lived bearer credentials.
		if err := revokeRefreshTokens(ctx, tx, u.ID, s.now()); err != nil {
			return err
		}
		if s.settings.LogoutOnPasswordChange {
			if _, err := tx.Token.Delete().Where(token.UserID(u.ID)).Exec(ctx); err != nil {
				return fmt.Errorf("revoke tokens of user %d: %w", u.ID, err)
			}
		}
		event := audit.Event{Type: audit.PasswordChanged, SubjectID: audit.User(u.ID),
			Detail: map[string]any{"sessions_revoked": s.settings.LogoutOnPasswordChange}}
		if touchLogin {
			event.Type = audit.PasswordReset // from a link: set_password is the one change that is not
		}
		if err := s.audit.Record(ctx, tx.Client(), event); err != nil {
			return err
		}
		if s.settings.PasswordChangedEmailConfirmation && u.Email != "" {
			return s.enqueue(ctx, tx.Client(), userMail(mail.PasswordChanged, u.ID, site))
		}
		return nil
	})
	if err == nil {
		s.log.InfoContext(ctx, "password changed", "user_id", u.ID, "tokens_revoked", s.settings.LogoutOnPasswordChange)
	}
	return err
}

// ResetPasswordConfirmInput is POST /auth/users/reset_password_confirm/.
type ResetPasswordConfirmInput struct {
	UID, Token, NewPassword, ReNewPassword validation.Value
}

// ResetPasswordConfirm sets a password from a reset link. Djoser's order: field errors, the password
// validators, the retype check, then uid, then token.
func (s *Service) ResetPasswordConfirm(ctx context.Context, in ResetPasswordConfirmInput, site Site) error {
	var errs drf.FieldErrors
	requiredChar.Clean(&errs, "uid", in.UID)
	requiredChar.Clean(&errs, "token", in.Token)
	pw, _, _ := passwordField.Clean(&errs, "new_password", in.NewPassword)
	var re string
	if s.settings.PasswordResetConfirmRetype {
		re, _, _ = passwordField.Clean(&errs, "re_new_password", in.ReNewPassword)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if msgs := password.Validate(pw, nil); msgs != nil {
		return drf.Field("new_password", msgs...)
	}
	if s.settings.PasswordResetConfirmRetype && pw != re {
		return drf.Field(drf.NonField, drf.MsgPasswordMismatch)
	}
	u, err := s.checkLink(ctx, links.PasswordReset, in.UID, in.Token)
	if err != nil {
		return err
	}
	// Djoser checks similarity against AnonymousUser here, so it never fires; we check the real user.
	if msgs := password.Validate(pw, attrsOf(u)); msgs != nil {
		return drf.Field("new_password", msgs...)
	}
	return s.changePassword(ctx, u, pw, true, site)
}

// SetUsernameInput is POST /auth/users/set_username/: set_<USERNAME_FIELD>/, whose new_<field> and
// re_new_<field> arrive here as NewUsername and ReNewUsername whatever the field is.
type SetUsernameInput struct {
	CurrentPassword, NewUsername, ReNewUsername validation.Value
}

// SetUsername changes what names v (their username, or email for a model without usernames) after
// checking their current password.
func (s *Service) SetUsername(ctx context.Context, v *viewer.Viewer, in SetUsernameInput, site Site) error {
	u, err := s.db.User.Get(ctx, v.UserID)
	if err != nil {
		return fmt.Errorf("get user %d: %w", v.UserID, err)
	}
	var errs drf.FieldErrors
	if err := s.verifyCurrentPassword(ctx, &errs, u, in.CurrentPassword); err != nil {
		return err
	}
	name, _, err := s.cleanNewUsername(ctx, &errs, in.NewUsername, in.ReNewUsername, s.settings.SetUsernameRetype)
	if err != nil {
		return err
	}
	return s.changeUsername(ctx, u, name, false, site)
}

// newUsernameKey is the new_<USERNAME_FIELD> key of Djoser's serializers.
var newUsernameKey = "new_" + profile.UsernameField

// cleanNewUsername validates new_<field> (format, uniqueness, including against the user's own
// current value, as Djoser does) and its retype, returning every field error first.
func (s *Service) cleanNewUsername(ctx context.Context, errs *drf.FieldErrors, nv, rv validation.Value, retype bool) (string, string, error) {
	var (
		name string
		ok   bool
	)
	if profile.UsernameField == "email" {
		if name, _, ok = loginEmailField.Clean(errs, newUsernameKey, nv); ok {
			name = normalizeEmail(name)
			taken, err := s.emailTaken(ctx, name, 0)
			if err != nil {
				return "", "", err
			}
			if taken {
				errs.Add(newUsernameKey, drf.MsgEmailTaken)
			}
		}
	} else {
		name, _, ok = newUsernameField.Clean(errs, newUsernameKey, nv)
		name = normalizeUsername(name)
		if ok {
			taken, err := s.db.User.Query().Where(named(name)).Exist(ctx)
			if err != nil {
				return "", "", fmt.Errorf("check username: %w", err)
			}
			if taken {
				errs.Add(newUsernameKey, drf.MsgUsernameTaken)
			}
		}
	}
	var re string
	if retype {
		re, _, _ = requiredChar.Clean(errs, "re_"+newUsernameKey, rv)
	}
	if err := errs.Err(); err != nil {
		return "", "", err
	}
	if profile.UsernameField == "email" {
		if retype && name != normalizeEmail(re) {
			return "", "", drf.Field(drf.NonField, drf.MsgEmailMismatch)
		}
	} else if retype && name != normalizeUsername(re) {
		return "", "", drf.Field(drf.NonField, drf.MsgUsernameMismatch)
	}
	return name, re, nil
}

func (s *Service) changeUsername(ctx context.Context, u *ent.User, name string, fromLink bool, site Site) error {
	err := s.commit(ctx, func(tx *ent.Tx) error {
		upd := tx.User.UpdateOneID(u.ID)
		if profile.UsernameField == "email" {
			upd.SetEmail(name).SetPendingEmail("")
		} else {
			upd.SetUsername(name)
		}
		if fromLink {
			upd.SetLastLogin(s.now()).AddLinkVersion(1)
		}
		if err := upd.Exec(ctx); err != nil {
			return err
		}
		event := audit.Event{Type: audit.UsernameChanged, SubjectID: audit.User(u.ID),
			Detail: map[string]any{"field": profile.UsernameField, "from": usernameOf(u), "to": name}}
		if fromLink {
			event.Type = audit.UsernameReset
		}
		if err := s.audit.Record(ctx, tx.Client(), event); err != nil {
			return err
		}
		if s.settings.UsernameChangedEmailConfirmation && u.Email != "" {
			return s.enqueue(ctx, tx.Client(), userMail(mail.UsernameChanged, u.ID, site))
		}
		return nil
	})
	if isEmailConflict(err) {
		return drf.Field(newUsernameKey, drf.MsgEmailTaken)
	}
	if ent.IsConstraintError(err) {
		return drf.Field(newUsernameKey, drf.MsgUsernameTaken)
	}
	if err != nil {
		return fmt.Errorf("set %s of user %d: %w", profile.UsernameField, u.ID, err)
	}
	return nil
}

// ResetUsernameConfirmInput is POST /auth/users/reset_username_confirm/.
type ResetUsernameConfirmInput struct {
	UID, Token, NewUsername, ReNewUsername validation.Value
}

// ResetUsernameConfirm sets a username from a reset link. uid and token are not declared fields in
// Djoser here, so they have no "required" errors: a missing one is simply invalid.
func (s *Service) ResetUsernameConfirm(ctx context.Context, in ResetUsernameConfirmInput, site Site) error {
	var errs drf.FieldErrors
	name, _, err := s.cleanNewUsername(ctx, &errs, in.NewUsername, in.ReNewUsername, s.settings.UsernameResetConfirmRetype)
	if err != nil {
		return err
	}
	u, err := s.checkLink(ctx, links.UsernameReset, in.UID, in.Token)
	if err != nil {
		return err
	}
	return s.changeUsername(ctx, u, name, true, site)
}

// ConfirmEmailChange applies a pending email change from the link sent to the new address.
func (s *Service) ConfirmEmailChange(ctx context.Context, uid, tok validation.Value) error {
	var errs drf.FieldErrors
	requiredChar.Clean(&errs, "uid", uid)
	requiredChar.Clean(&errs, "token", tok)
	if err := errs.Err(); err != nil {
		return err
	}
	u, err := s.checkLink(ctx, links.EmailChange, uid, tok)
	if err != nil {
		return err
	}
	if u.PendingEmail == "" {
		return drf.Field("token", drf.MsgInvalidLinkToken)
	}
	err = s.commit(ctx, func(tx *ent.Tx) error {
		n, err := tx.User.Update().
			Where(user.ID(u.ID), user.PendingEmail(u.PendingEmail), user.LinkVersion(u.LinkVersion)).
			SetEmail(u.PendingEmail).SetPendingEmail("").AddLinkVersion(1).Save(ctx)
		if err != nil {
			return fmt.Errorf("confirm email of user %d: %w", u.ID, err)
		}
		if n == 0 {
			return drf.Field("token", drf.MsgInvalidLinkToken)
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.EmailChanged, SubjectID: audit.User(u.ID),
			Detail: map[string]any{"from": u.Email, "to": u.PendingEmail, "confirmed": true}})
	})
	if isEmailConflict(err) {
		// Email logs in, and another user took the address while the change waited for its link.
		return drf.Field(drf.NonField, drf.MsgEmailTaken)
	}
	return err
}

// verifyCurrentPassword is the current_password field: required, then checked against u.
func (s *Service) verifyCurrentPassword(ctx context.Context, errs *drf.FieldErrors, u *ent.User, in validation.Value) error {
	pw, _, ok := passwordField.Clean(errs, "current_password", in)
	if !ok {
		return nil
	}
	match, _, err := s.hasher.Verify(ctx, pw, u.Password)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if !match {
		errs.Add("current_password", drf.MsgInvalidPassword)
	}
	return nil
}
