package users

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/identity"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// SocialIdentity is an account at a social login provider, as the provider vouches for it.
type SocialIdentity struct {
	Provider, Subject string
	Email             string
	EmailVerified     bool
	// Username is the account's name at the provider, a hint for a new user's username; may be "".
	Username string
}

// SocialLogin is what a social login answers: Djoser's JWT token strategy, a pair and the username.
type SocialLogin struct {
	Pair
	Username string
}

var (
	errSocialNoVerifiedEmail = drf.Field(drf.NonField, drf.MsgSocialNoVerifiedEmail)
	errSocialAmbiguous       = drf.Field(drf.NonField, drf.MsgSocialAmbiguousEmail)
	errSocialInactive        = drf.Field(drf.NonField, drf.MsgSocialInactive)
)

// LoginWithIdentity logs in the user linked to id. An identity seen for the first time is linked to the
// account whose email the provider verified, or makes a new account from that address, active and
// with an unusable password (a password-reset mail lets its owner set one). Without a verified
// address nothing is linked or created: an unverified address proves nothing about who owns it.
func (s *Service) LoginWithIdentity(ctx context.Context, id SocialIdentity) (SocialLogin, error) {
	var u *ent.User
	// Two first logins of one identity at once: the unique (provider, subject) index lets one link it,
	// and the other finds it linked on its second try.
	for attempt := 0; u == nil; attempt++ {
		found, err := s.db.Identity.Query().Where(identity.Provider(id.Provider), identity.Subject(id.Subject)).
			WithUser().Only(ctx)
		switch {
		case err == nil:
			u = found.Edges.User
		case !ent.IsNotFound(err):
			return SocialLogin{}, fmt.Errorf("look up identity: %w", err)
		default:
			u, err = s.linkIdentity(ctx, id)
			if ent.IsConstraintError(err) && attempt == 0 {
				continue
			}
			if err != nil {
				return SocialLogin{}, err
			}
		}
	}
	if !u.IsActive {
		return SocialLogin{}, errSocialInactive
	}
	var p Pair
	err := s.commit(ctx, func(tx *ent.Tx) error {
		var err error
		if p, err = s.newPair(ctx, tx.Client(), u.ID, ""); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.LoginSucceeded, ActorID: audit.User(u.ID), SubjectID: audit.User(u.ID),
			Detail: map[string]any{"method": "social", "provider": id.Provider}})
	})
	if err != nil {
		return SocialLogin{}, err
	}
	s.log.InfoContext(ctx, "social login", "user_id", u.ID, "provider", id.Provider)
	return SocialLogin{Pair: p, Username: usernameOf(u)}, nil
}

// linkIdentity links a new identity to the account with its verified email, or to a new account.
func (s *Service) linkIdentity(ctx context.Context, id SocialIdentity) (*ent.User, error) {
	email := normalizeEmail(strings.TrimSpace(id.Email))
	if !id.EmailVerified || email == "" || len(email) > maxEmailLength {
		return nil, errSocialNoVerifiedEmail
	}
	var u *ent.User
	err := s.commit(ctx, func(tx *ent.Tx) error {
		matches, err := tx.User.Query().Where(user.EmailEqualFold(email)).Limit(2).All(ctx)
		if err != nil {
			return err
		}
		var events []audit.Event
		switch len(matches) {
		case 0:
			if u, err = s.createSocialUser(ctx, tx, id, email); err != nil {
				return err
			}
			events = append(events, audit.Event{Type: audit.UserRegistered, ActorID: audit.User(u.ID), SubjectID: audit.User(u.ID),
				Detail: map[string]any{"active": true, "via": "social", "provider": id.Provider}})
		case 1:
			u = matches[0]
		default:
			return errSocialAmbiguous
		}
		err = tx.Identity.Create().SetProvider(id.Provider).SetSubject(id.Subject).SetEmail(email).
			SetUserID(u.ID).SetCreated(s.now()).Exec(ctx)
		if err != nil {
			return err
		}
		events = append(events, audit.Event{Type: audit.IdentityLinked, ActorID: audit.User(u.ID), SubjectID: audit.User(u.ID),
			Detail: map[string]any{"provider": id.Provider}})
		return s.audit.Record(ctx, tx.Client(), events...)
	})
	if err != nil {
		if ent.IsConstraintError(err) {
			return nil, err // the identity was linked meanwhile; the caller looks again
		}
		if _, ok := err.(*drf.FieldErrors); ok {
			return nil, err
		}
		return nil, fmt.Errorf("link identity: %w", err)
	}
	s.log.InfoContext(ctx, "identity linked", "user_id", u.ID, "provider", id.Provider)
	return u, nil
}

// createSocialUser makes the account of a new identity. Its username is the provider's name for the
// account, else the address's local part, made valid and unique; a user model without usernames is
// named by the verified address alone.
func (s *Service) createSocialUser(ctx context.Context, tx *ent.Tx, id SocialIdentity, email string) (*ent.User, error) {
	if profile.UsernameField == "email" {
		return tx.User.Create().SetEmail(email).SetPassword(password.Unusable).SetIsActive(true).Save(ctx)
	}
	base := usernameFrom(id.Username)
	if base == "" {
		local, _, _ := strings.Cut(email, "@")
		base = usernameFrom(local)
	}
	if base == "" {
		base = "user"
	}
	name := base
	for range 5 {
		taken, err := tx.User.Query().Where(named(name)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !taken {
			return tx.User.Create().SetUsername(name).SetEmail(email).SetPassword(password.Unusable).
				SetIsActive(true).Save(ctx)
		}
		name = suffixed(base)
	}
	return nil, fmt.Errorf("no free username for %q", base)
}

// usernameFrom keeps the characters Django allows in a username, NFKC-normalised, at most 140 of them
// (room for a suffix); "" when none is left.
func usernameFrom(s string) string {
	s = normalizeUsername(s)
	var b strings.Builder
	n := 0
	for _, r := range s {
		var errs drf.FieldErrors
		if _, _, ok := usernameField.Clean(&errs, "username", validation.Value{Set: true, S: string(r)}); ok && n < 140 {
			b.WriteRune(r)
			n++
		}
	}
	return b.String()
}

func suffixed(base string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return base + "-" + hex.EncodeToString(b)
}

// Identity is a social login linked to an account, as its owner sees it.
type Identity struct {
	ID                       int
	Provider, Subject, Email string
	Created                  time.Time
}

// Identities lists v's linked identities, oldest first.
func (s *Service) Identities(ctx context.Context, v *viewer.Viewer) ([]Identity, error) {
	ids, err := s.db.Identity.Query().Where(identity.UserID(v.UserID)).Order(ent.Asc(identity.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list identities of user %d: %w", v.UserID, err)
	}
	out := make([]Identity, len(ids))
	for i, x := range ids {
		out[i] = Identity{ID: x.ID, Provider: x.Provider, Subject: x.Subject, Email: x.Email, Created: x.Created}
	}
	return out, nil
}

// UnlinkIdentity removes one of v's identities, unless it is their only way to log in (no usable
// password, no other identity). Another user's identity is not found.
func (s *Service) UnlinkIdentity(ctx context.Context, v *viewer.Viewer, id string) error {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return drf.ErrNotFound
	}
	return s.commit(ctx, func(tx *ent.Tx) error {
		// Two unlinks at once must not remove the last two ways: PostgreSQL locks the user's row, and
		// SQLite's write transactions are serial already (BEGIN IMMEDIATE).
		q := tx.User.Query().Where(user.ID(v.UserID))
		if s.postgres {
			q = q.ForUpdate()
		}
		u, err := q.Only(ctx)
		if ent.IsNotFound(err) {
			return drf.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get user %d: %w", v.UserID, err)
		}
		deleted, err := tx.Identity.Delete().Where(identity.ID(n), identity.UserID(u.ID)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("unlink identity %d: %w", n, err)
		}
		if deleted == 0 {
			return drf.ErrNotFound
		}
		if !password.IsUsable(u.Password) {
			left, err := tx.Identity.Query().Where(identity.UserID(u.ID)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("count identities: %w", err)
			}
			if !left {
				return drf.Field(drf.NonField, drf.MsgLastLoginWay)
			}
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.IdentityUnlinked, SubjectID: audit.User(u.ID),
			Detail: map[string]any{"identity_id": n}})
	})
}
