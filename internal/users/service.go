// Package users owns the rules and transactions of Djoser's user and token endpoints: registration,
// profile reads and updates, deletion, token login/logout and role management.
package users

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/validation"
)

// Settings are the Djoser settings and extensions this package obeys.
type Settings struct {
	HideUsers                bool
	UserCreatePasswordRetype bool
	CreateTokenOnRegister    bool
}

// Service implements the user endpoints' rules.
type Service struct {
	db       *ent.Client
	hasher   *password.Hasher
	settings Settings
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns a Service; now may be nil (time.Now).
func NewService(db *ent.Client, hasher *password.Hasher, s Settings, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, hasher: hasher, settings: s, log: log, now: now}
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
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, ErrNotFound
	}
	exists, err := s.db.User.Query().Where(user.ID(n)).Exist(ctx)
	if err != nil {
		return 0, fmt.Errorf("look up user %d: %w", n, err)
	}
	if !exists {
		return 0, ErrNotFound
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

// Update applies in to user id (authorised with Target) and returns the result.
func (s *Service) Update(ctx context.Context, id int, in UpdateInput) (User, error) {
	var errs validation.Errors
	email, present, _ := emailField.Clean(&errs, "email", in.Email)
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	if !present {
		return s.Get(ctx, id)
	}
	u, err := s.db.User.UpdateOneID(id).SetEmail(normalizeEmail(email)).Save(ctx)
	if ent.IsNotFound(err) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("update user %d: %w", id, err)
	}
	return fromEnt(u), nil
}

// Delete removes user id (authorised with Target) once v proves who they are with their own current
// password. Tokens and role grants go with the user, in one statement, by foreign-key cascade.
func (s *Service) Delete(ctx context.Context, v *auth.Viewer, id int, currentPassword validation.Value) error {
	if err := s.checkCurrentPassword(ctx, v.UserID, currentPassword); err != nil {
		return err
	}
	err := s.db.User.DeleteOneID(id).Exec(ctx)
	if ent.IsNotFound(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}

// checkCurrentPassword validates a current_password field against user id's password.
func (s *Service) checkCurrentPassword(ctx context.Context, id int, in validation.Value) error {
	var errs validation.Errors
	pw, _, ok := passwordField.Clean(&errs, "current_password", in)
	if !ok {
		return errs.Err()
	}
	u, err := s.db.User.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("get user %d: %w", id, err)
	}
	match, _, err := s.hasher.Verify(ctx, pw, u.Password)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if !match {
		return validation.Field("current_password", msgInvalidPassword)
	}
	return nil
}
