package users

import (
	"context"
	"fmt"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/tokens"
	"github.com/gojoser/gojoser/internal/validation"
)

// RegisterInput is the body of POST /auth/users/. Privileged fields (roles, is_active, staff) have no
// place here: unknown fields are dropped before they reach the service, and profile fields marked
// admin-only are not writable at registration.
type RegisterInput struct {
	Username, Email, Password, RePassword validation.Value
	Profile                               profile.Input
	// IsActive is written only by an admin (see CreateUser); anyone else's is ignored.
	IsActive validation.Value
}

// Registered is a new user, with a token key when CREATE_TOKEN_ON_REGISTER is on.
type Registered struct {
	User  User
	Token string
}

// Register validates in the way Djoser's UserCreateSerializer does (field errors in field order first,
// then the password validators, then the retype check) and creates the user. The field order is the
// serializer's, UserCreated's in openapi.yaml (profile.RegisterOrder), then password and re_password.
func (s *Service) Register(ctx context.Context, in RegisterInput, site Site) (Registered, error) {
	var errs drf.FieldErrors
	username, email, changes, err := s.cleanRegistration(ctx, &errs, in)
	if err != nil {
		return Registered{}, err
	}
	pw, _, _ := passwordField.Clean(&errs, "password", in.Password)
	var rePW string
	if s.settings.UserCreatePasswordRetype {
		rePW, _, _ = passwordField.Clean(&errs, "re_password", in.RePassword)
	}
	if err := errs.Err(); err != nil {
		return Registered{}, err
	}
	if msgs := password.Validate(pw, attrs(username, email, &changes.Profile)); msgs != nil {
		return Registered{}, drf.Field("password", msgs...)
	}
	if s.settings.UserCreatePasswordRetype && pw != rePW {
		return Registered{}, drf.Field(drf.NonField, drf.MsgPasswordMismatch)
	}

	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return Registered{}, fmt.Errorf("hash password: %w", err)
	}
	var welcome mail.Kind // with SEND_ACTIVATION_EMAIL the account waits for its activation link
	switch {
	case email == "":
	case s.settings.SendActivationEmail:
		welcome = mail.Activation
	case s.settings.SendConfirmationEmail:
		welcome = mail.Confirmation
	}
	if welcome != "" {
		// Registering under someone else's address again and again must not flood their inbox.
		ok, err := s.limiter.Mail(ctx, string(welcome), email)
		if err != nil {
			return Registered{}, err
		}
		if !ok {
			welcome = ""
		}
	}
	var out Registered
	create := func(db *ent.Client) error {
		c := db.User.Create().SetUsername(username).SetEmail(email).SetPassword(hash).
			SetIsActive(!s.settings.SendActivationEmail)
		changes.Create(c)
		u, err := c.Save(ctx)
		if err != nil {
			return err
		}
		out.User = fromEnt(u)
		if err := s.audit.Record(ctx, db, audit.Event{Type: audit.UserRegistered, ActorID: audit.User(u.ID), SubjectID: audit.User(u.ID),
			Detail: map[string]any{"active": u.IsActive}}); err != nil {
			return err
		}
		if s.settings.CreateTokenOnRegister {
			if out.Token, err = s.issueToken(ctx, db, u.ID, ""); err != nil {
				return err
			}
		}
		if welcome != "" {
			return s.enqueue(ctx, db, userMail(welcome, u.ID, site))
		}
		return nil
	}
	if s.settings.CreateTokenOnRegister || welcome != "" || s.audit.On() {
		err = s.commit(ctx, func(tx *ent.Tx) error { return create(tx.Client()) })
	} else {
		// A lone INSERT is atomic by itself; on PostgreSQL a transaction around it would add two
		// round trips to every registration.
		err = create(s.db)
	}
	// The existence checks above race with concurrent registrations; the unique indexes decide, and the
	// loser gets the same answer it would have got a moment later.
	if isEmailConflict(err) {
		return Registered{}, drf.Field("email", drf.MsgEmailTaken)
	}
	if ent.IsConstraintError(err) {
		return Registered{}, drf.Field("username", drf.MsgUsernameTaken)
	}
	if err != nil {
		return Registered{}, fmt.Errorf("create user: %w", err)
	}
	s.log.InfoContext(ctx, "user registered", "user_id", out.User.ID)
	return out, nil
}

// cleanRegistration validates the user's fields of a creation in UserCreated's order, into errs.
func (s *Service) cleanRegistration(ctx context.Context, errs *drf.FieldErrors, in RegisterInput) (username, email string, changes profile.Changes, err error) {
	for _, name := range profile.RegisterOrder {
		switch name {
		case "email":
			if email, _, err = s.cleanEmail(ctx, errs, "email", in.Email, true, 0); err != nil {
				return "", "", changes, err
			}
		case "username":
			var ok bool
			username, _, ok = usernameField.Clean(errs, "username", in.Username)
			username = normalizeUsername(username)
			if ok {
				taken, err := s.db.User.Query().Where(named(username)).Exist(ctx)
				if err != nil {
					return "", "", changes, fmt.Errorf("check username: %w", err)
				}
				if taken {
					errs.Add("username", drf.MsgUsernameTaken)
				}
			}
		default:
			in.Profile.Clean(errs, name, profile.Op{Create: true}, &changes)
		}
	}
	return username, normalizeEmail(email), changes, nil
}

// issueToken creates a token for user id and returns its key, which exists only in this return value.
func (s *Service) issueToken(ctx context.Context, db *ent.Client, userID int, label string) (string, error) {
	key, digest := tokens.NewKey()
	err := db.Token.Create().SetUserID(userID).SetDigest(digest).SetLabel(label).SetCreated(s.now()).
		SetNillableExpiresAt(s.expiry()).Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return key, nil
}
