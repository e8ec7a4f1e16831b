// Package users owns the rules and transactions of Djoser's user and token endpoints: registration,
// profile reads and updates, deletion, token login/logout and role management.
package users

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/validation"
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
	onChange func(ctx context.Context, userIDs ...int)
}

// changed reports committed changes that cached authentication must not outlive.
func (s *Service) changed(ctx context.Context, ids ...int) {
	if s.onChange != nil {
		s.onChange(ctx, ids...)
	}
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
	// Changed is told, after commit, which users' tokens or viewer data changed (the auth cache
	// forgets them, on every node). May be nil.
	Changed func(ctx context.Context, userIDs ...int)
}

// NewService returns a Service.
func NewService(d Deps, s Settings) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{db: d.DB, postgres: d.Postgres, hasher: d.Hasher, links: d.Links, jwt: d.JWT, settings: s, log: d.Log, now: d.Now, wake: d.Wake, onChange: d.Changed}
}

// User is the public face of an account.
type User struct {
	ID       int
	Username string
	Email    string
}

func fromEnt(u *ent.User) User { return User{ID: u.ID, Username: u.Username, Email: u.Email} }

// Field definitions, shared by every endpoint that takes them.
var (
	usernameField = validation.Char{Required: true, Rules: []string{"username", "max=150"}}
	emailField    = validation.Char{AllowBlank: true, Rules: []string{"max=254", "email"}}
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

// Action names the DRF viewset action a request performs; HIDE_USERS treats them differently.
type Action int

const (
	Retrieve Action = iota
	Update
	Destroy
)

// Target resolves the {id} of /auth/users/{id}/ for v, in DRF's order: the object lookup (404), then the
// CurrentUserOrAdmin permission (403, or 404 when HIDE_USERS hides the user for this action).
func (s *Service) Target(ctx context.Context, v *auth.Viewer, id string, a Action) (int, error) {
	n, err := s.UserExists(ctx, id)
	if err != nil {
		return 0, err
	}
	if v.IsAdmin() || v.UserID == n {
		return n, nil
	}
	if s.settings.HideUsers && a != Destroy {
		return 0, ErrNotFound
	}
	return 0, auth.ErrPermissionDenied
}

// Get returns user id; the caller has authorised it with Target.
func (s *Service) Get(ctx context.Context, id int) (User, error) {
	u, err := s.db.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return fromEnt(u), nil
}

// List returns the users v may see, by id.
func (s *Service) List(ctx context.Context, v *auth.Viewer) ([]User, error) {
	q := s.db.User.Query().Order(user.ByID())
	if s.settings.HideUsers && !v.IsAdmin() {
		q = q.Where(user.ID(v.UserID))
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

// UpdateInput holds the writable fields of a user; only email is, as in Djoser. Privileged fields are not
// representable here at all, so no request can raise a privilege through an update.
type UpdateInput struct {
	Email validation.Value
}

// Update applies in to user id (authorised with Target) and returns the result. A changed email either
// waits for confirmation from the new address (EMAIL_CHANGE_CONFIRM) or, as in Djoser, applies at once
// and, with SEND_ACTIVATION_EMAIL, deactivates the account until the new address is activated.
func (s *Service) Update(ctx context.Context, id int, in UpdateInput, site outbox.Site) (User, error) {
	var errs validation.Errors
	email, present, _ := emailField.Clean(&errs, "email", in.Email)
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
		if !present || email == u.Email {
			out = u
			if present && u.PendingEmail != "" {
				// Asking for the current address again cancels a pending change.
				out, err = tx.User.UpdateOneID(id).SetPendingEmail("").Save(ctx)
			}
			return err
		}
		upd := tx.User.UpdateOneID(id)
		var msgs []outbox.Message
		switch {
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
			if s.settings.SendActivationEmail && !s.settings.EmailChangeConfirm && email != "" {
				upd.SetIsActive(false)
				msgs = append(msgs, userMail(mail.Activation, id, site))
			}
			if s.settings.EmailChangeConfirm && u.Email != "" {
				msgs = append(msgs, outbox.Message{Kind: string(mail.EmailChangeNotice), UserID: &id, Recipient: u.Email, Site: site})
			}
		}
		if out, err = upd.Save(ctx); err != nil {
			return err
		}
		return s.enqueue(ctx, tx.Client(), msgs...)
	})
	if ent.IsNotFound(err) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("update user %d: %w", id, err)
	}
	s.changed(ctx, id)
	return fromEnt(out), nil
}

// Delete removes user id (authorised with Target) once v proves who they are with their own current
// password. Tokens and role grants go with the user, in one statement, by foreign-key cascade.
func (s *Service) Delete(ctx context.Context, v *auth.Viewer, id int, currentPassword validation.Value) error {
	me, err := s.db.User.Get(ctx, v.UserID)
	if err != nil {
		return fmt.Errorf("get user %d: %w", v.UserID, err)
	}
	var errs validation.Errors
	if err := s.verifyCurrentPassword(ctx, &errs, me, currentPassword); err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	err = s.db.User.DeleteOneID(id).Exec(ctx)
	if ent.IsNotFound(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	s.changed(ctx, id)
	return nil
}
