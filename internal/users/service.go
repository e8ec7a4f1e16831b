// Package users owns the rules and transactions of Djoser's user and token endpoints: registration,
// profile reads and updates, deletion, token login/logout and role management.
package users

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/throttle"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// Settings are the Djoser settings and extensions this package obeys.
type Settings struct {
	HideUsers                bool
	UserCreatePasswordRetype bool
	CreateTokenOnRegister    bool

	SendActivationEmail              bool
	SendConfirmationEmail            bool
	PasswordChangedEmailConfirmation bool
	UsernameChangedEmailConfirmation bool
	SetPasswordRetype                bool
	PasswordResetConfirmRetype       bool
	SetUsernameRetype                bool
	UsernameResetConfirmRetype       bool
	LogoutOnPasswordChange           bool
	// ShowEmailNotFound is PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND or USERNAME_RESET_SHOW_EMAIL_NOT_FOUND:
	// in Djoser either one turns the error on for every request by address.
	ShowEmailNotFound bool
	// EmailChangeConfirm keeps a changed email pending until the new address confirms it.
	EmailChangeConfirm bool
	// LoginField is Djoser's LOGIN_FIELD, "username" or "email" (GOJOSER_LOGIN_FIELD; email when
	// openapi.yaml's user has no username). See identity.go.
	LoginField string

	// RotateRefreshTokens makes /auth/jwt/refresh/ return a new refresh token and retire the old one;
	// RotationGrace is how long the retired one still works (two tabs refreshing at once).
	// TokenTTL, when positive, makes opaque tokens expire (sliding, renewed on use).
	TokenTTL time.Duration

	RotateRefreshTokens bool
	RotationGrace       time.Duration

	ActivationLinkLifetime    time.Duration
	PasswordResetLinkLifetime time.Duration
	UsernameResetLinkLifetime time.Duration
	EmailChangeLinkLifetime   time.Duration
}

// Service implements the user endpoints' rules.
type Service struct {
	db       *ent.Client
	postgres bool
	hasher   *password.Hasher
	links    *links.Generator
	jwt      *jwt.Manager
	settings Settings
	log      *slog.Logger
	now      func() time.Time
	wake     func()
	logins   func(method string, ok bool)
	limiter  *throttle.Limiter
	audit    *audit.Recorder
}

// Deps are what a Service works with.
type Deps struct {
	DB *ent.Client
	// Postgres says DB is PostgreSQL, where the hot write paths use one statement instead of a
	// transaction of several (each statement is a network round trip there, not a function call).
	Postgres bool
	Hasher   *password.Hasher
	Links    *links.Generator
	JWT      *jwt.Manager
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
	Wake     func()           // called after a transaction that queued mail; may be nil
	// Logins learns of every credential check (metrics): method "token" or "jwt", and whether the
	// credentials were good. May be nil.
	Logins func(method string, ok bool)
	// Limiter counts failed logins and the mails sent to an address; nil (GOJOSER_THROTTLE=false)
	// limits nothing.
	Limiter *throttle.Limiter
	// Audit records security events; nil (GOJOSER_AUDIT=false) records none.
	Audit *audit.Recorder
}

// NewService returns a Service.
func NewService(d Deps, s Settings) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if s.LoginField == "" {
		s.LoginField = profile.UsernameField
	}
	return &Service{db: d.DB, postgres: d.Postgres, hasher: d.Hasher, links: d.Links, jwt: d.JWT, settings: s, log: d.Log, now: d.Now, wake: d.Wake,
		logins: d.Logins, limiter: d.Limiter, audit: d.Audit}
}

// User is the public face of an account.
type User struct {
	ID       int
	Username string
	Email    string
	// Profile is the fields openapi.yaml's User adds (internal/profile).
	Profile profile.Profile
}

func fromEnt(u *ent.User) User {
	return User{ID: u.ID, Username: u.Username, Email: u.Email, Profile: profile.FromEnt(u)}
}

// maxEmailLength is Django's EmailField max_length, and the email column's.
const maxEmailLength = 254

// Field definitions, shared by every endpoint that takes them.
var (
	usernameField = validation.Char{Required: true, Rules: []string{"username", "max=150"}}
	emailField    = validation.Char{AllowBlank: true, Rules: []string{"max=" + strconv.Itoa(maxEmailLength), "email"}}
	passwordField = validation.Char{Required: true}
)

// normalizeUsername applies NFKC as Django's AbstractBaseUser.normalize_username does, so visually
// identical compatibility forms cannot register as different users.
func normalizeUsername(s string) string { return norm.NFKC.String(s) }

// normalizeEmail lower-cases the domain part only, as Django's BaseUserManager.normalize_email does.
func normalizeEmail(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	return s[:at+1] + strings.ToLower(s[at+1:])
}

// Site is where a request came from: Djoser builds mail links from its host and scheme unless the
// EMAIL_FRONTEND_* settings override them.
type Site = outbox.Site

// Action names the DRF viewset action a request performs; HIDE_USERS treats them differently.
type Action int

const (
	Retrieve Action = iota
	Update
	Destroy
	// anyAction is what the owner may do to their own account.
	anyAction
)

// Subject is a user that an actor was authorised to act on, for one action. Only Authorize and Self
// make one, so the operations that take a Subject cannot be reached without the permission check.
type Subject struct {
	ID     int
	actor  *viewer.Viewer
	action Action
}

// Self is v's own account, as the /me/ endpoints address it.
func Self(v *viewer.Viewer) Subject { return Subject{ID: v.UserID, actor: v, action: anyAction} }

// errUnauthorised is a Subject used for an action it was not authorised for: a programming error.
var errUnauthorised = errors.New("users: subject not authorised for this action")

func (t Subject) check(a Action) error {
	if t.actor == nil || (t.action != a && t.action != anyAction) {
		return errUnauthorised
	}
	return nil
}

// sight is HIDE_USERS, the one rule for whom v may see, in lists and in detail: everyone, or (with
// HIDE_USERS, for all but admins) only themself.
func (s *Service) sight(v *viewer.Viewer) (all bool, onlyID int) {
	return !s.settings.HideUsers || v.IsAdmin(), v.UserID
}

// Authorize resolves the {id} of /auth/users/{id}/ for v and action a, in DRF's order: the object
// lookup (404), then the CurrentUserOrAdmin permission (403, or 404 where HIDE_USERS hides the user;
// DRF's destroy does not hide, so deleting another user is always a 403).
func (s *Service) Authorize(ctx context.Context, v *viewer.Viewer, id string, a Action) (Subject, error) {
	n, err := s.findUser(ctx, id)
	if err != nil {
		return Subject{}, err
	}
	if v.IsAdmin() || v.UserID == n {
		return Subject{ID: n, actor: v, action: a}, nil
	}
	if all, _ := s.sight(v); !all && a != Destroy {
		return Subject{}, drf.ErrNotFound
	}
	return Subject{}, drf.ErrPermissionDenied
}

// findUser parses a user id from a path and checks that the user exists.
func (s *Service) findUser(ctx context.Context, id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, drf.ErrNotFound
	}
	ok, err := s.db.User.Query().Where(user.ID(n)).Exist(ctx)
	if err != nil {
		return 0, fmt.Errorf("look up user %d: %w", n, err)
	}
	if !ok {
		return 0, drf.ErrNotFound
	}
	return n, nil
}

// Get returns the subject.
func (s *Service) Get(ctx context.Context, t Subject) (User, error) {
	if err := t.check(Retrieve); err != nil {
		return User{}, err
	}
	u, err := s.db.User.Get(ctx, t.ID)
	if ent.IsNotFound(err) {
		return User{}, drf.ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", t.ID, err)
	}
	return fromEnt(u), nil
}

// List returns the users v may see, by id.
func (s *Service) List(ctx context.Context, v *viewer.Viewer) ([]User, error) {
	q := s.db.User.Query().Order(user.ByID())
	if all, only := s.sight(v); !all {
		q = q.Where(user.ID(only))
	}
	us, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = fromEnt(u)
	}
	return out, nil
}

// UpdateInput holds the writable fields of a user: email, as in Djoser, and the profile fields
// openapi.yaml's UserUpdateRequest declares. Privileged fields are not representable here at all, and a
// profile field marked admin-only is written only for an admin, so no request can raise a privilege
// through an update.
type UpdateInput struct {
	Email   validation.Value
	Profile profile.Input
	// IsActive is honoured for an admin only (the admin account controls, accountcontrols.go).
	IsActive validation.Value
	// Partial is a PATCH; a PUT must give the fields required at registration, as DRF's does.
	Partial bool
}

// Update applies in to the subject and returns the result. A changed email either
// waits for confirmation from the new address (EMAIL_CHANGE_CONFIRM) or, as in Djoser, applies at once
// and, with SEND_ACTIVATION_EMAIL, deactivates the account until the new address is activated. Fields
// are validated in User's order (profile.UpdateOrder), all errors together, then an admin's is_active,
// which deactivates or reactivates in the same transaction (setActive).
func (s *Service) Update(ctx context.Context, t Subject, in UpdateInput, site Site) (User, error) {
	if err := t.check(Update); err != nil {
		return User{}, err
	}
	id := t.ID
	var (
		errs    drf.FieldErrors
		email   string
		present bool
		changes profile.Changes
	)
	op := profile.Op{Partial: in.Partial, Admin: t.actor.IsAdmin()}
	for _, name := range profile.UpdateOrder {
		if name != "email" {
			in.Profile.Clean(&errs, name, op, &changes)
			continue
		}
		var err error
		if email, present, err = s.cleanEmail(ctx, &errs, "email", in.Email, false, id); err != nil {
			return User{}, err
		}
	}
	active, activeSet := cleanActive(&errs, in.IsActive, op)
	if activeSet && !active && id == t.actor.UserID {
		// An admin who locks themself out may be the last admin, and then nobody can undo it over HTTP;
		// the CLI (gojoser user deactivate) remains for an operator who means it.
		errs.Add("is_active", drf.MsgDeactivateSelf)
	}
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	var out *ent.User
	err := s.commit(ctx, func(tx *ent.Tx) error {
		u, err := tx.User.Get(ctx, id)
		if err != nil {
			return err
		}
		email = normalizeEmail(email)
		upd := tx.User.UpdateOneID(id)
		changes.Update(upd)
		activeChange := activeSet && activeChanges(u, active)
		if activeChange {
			if err := s.setActive(ctx, tx, upd, id, active, nil); err != nil {
				return err
			}
		}
		var msgs []outbox.Message
		switch {
		case !present || email == u.Email:
			if present && u.PendingEmail != "" {
				// Asking for the current address again cancels a pending change.
				upd.SetPendingEmail("")
			} else if changes.Empty() && !activeChange {
				out = u
				return nil
			}
		case s.settings.EmailChangeConfirm && email != "":
			upd.SetPendingEmail(email)
			msgs = append(msgs, outbox.Message{Kind: string(mail.EmailChangeConfirm), UserID: &id, Recipient: email, Site: site})
			if u.Email != "" {
				msgs = append(msgs, outbox.Message{Kind: string(mail.EmailChangeNotice), UserID: &id, Recipient: u.Email, Site: site})
			}
		default:
			upd.SetEmail(email).SetPendingEmail("").AddLinkVersion(1)
			// Djoser deactivates even when the new address is blank, which locks the user out for good;
			// without an address there is nothing to activate, so the account stays as it is.
			// An admin who says what is_active is to be has decided it, for the new address too.
			if s.settings.SendActivationEmail && !s.settings.EmailChangeConfirm && email != "" && !activeSet {
				upd.SetIsActive(false)
				msgs = append(msgs, userMail(mail.Activation, id, site))
			}
			if s.settings.EmailChangeConfirm && u.Email != "" {
				msgs = append(msgs, outbox.Message{Kind: string(mail.EmailChangeNotice), UserID: &id, Recipient: u.Email, Site: site})
			}
		}
		events := updateEvents(t, u, upd.Mutation())
		if out, err = upd.Save(ctx); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, tx.Client(), events...); err != nil {
			return err
		}
		return s.enqueue(ctx, tx.Client(), msgs...)
	})
	if ent.IsNotFound(err) {
		return User{}, drf.ErrNotFound
	}
	if isEmailConflict(err) {
		// The check above raced with another change to the same address; the unique index decided.
		return User{}, drf.Field("email", drf.MsgEmailTaken)
	}
	if err != nil {
		return User{}, fmt.Errorf("update user %d: %w", id, err)
	}
	return fromEnt(out), nil
}

// Delete removes the subject once the actor proves who they are with their own current password.
// Tokens and role grants go with the user, in one statement, by foreign-key cascade.
func (s *Service) Delete(ctx context.Context, t Subject, currentPassword validation.Value) error {
	if err := t.check(Destroy); err != nil {
		return err
	}
	me, err := s.db.User.Get(ctx, t.actor.UserID)
	if err != nil {
		return fmt.Errorf("get user %d: %w", t.actor.UserID, err)
	}
	var errs drf.FieldErrors
	if err := s.verifyCurrentPassword(ctx, &errs, me, currentPassword); err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if err := tx.User.DeleteOneID(t.ID).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.UserDeleted, SubjectID: audit.User(t.ID)})
	})
	if ent.IsNotFound(err) {
		return drf.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete user %d: %w", t.ID, err)
	}
	return nil
}

// updateEvents are the events of an update m of u: the email change it asks for or makes, and the
// other fields it writes, by name (never their values).
func updateEvents(t Subject, u *ent.User, m *ent.UserMutation) []audit.Event {
	subject := audit.User(t.ID)
	var events []audit.Event
	if e, ok := m.PendingEmail(); ok && e != "" {
		events = append(events, audit.Event{Type: audit.EmailChangeRequested, SubjectID: subject, Detail: map[string]any{"to": e}})
	}
	if e, ok := m.Email(); ok && e != u.Email {
		events = append(events, audit.Event{Type: audit.EmailChanged, SubjectID: subject, Detail: map[string]any{"from": u.Email, "to": e}})
	}
	fields := []string{}
	for _, f := range m.Fields() {
		switch f {
		case user.FieldPendingEmail, user.FieldLinkVersion, user.FieldIsActive:
		default:
			fields = append(fields, f)
		}
	}
	if len(fields) > 0 || len(events) > 0 {
		events = append(events, audit.Event{Type: audit.UserUpdated, SubjectID: subject,
			Detail: map[string]any{"fields": fields, "by_admin": t.actor.UserID != t.ID}})
	}
	return events
}
