package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/throttle"
	"github.com/gojoser/gojoser/internal/tokens"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// LoginInput is the body of POST /auth/token/login/ and of /auth/jwt/create/.
type LoginInput struct {
	// Username and Email: the login field (LOGIN_FIELD) is read, the other ignored.
	Username, Email, Password validation.Value
	// Label names the device; a gojoser extension that old clients simply don't send.
	Label validation.Value
}

// login is the login field's value in, as LOGIN_FIELD names it.
func (in *LoginInput) login(field string) validation.Value {
	if field == "email" {
		return in.Email
	}
	return in.Username
}

// Djoser's TokenCreateSerializer declares password before the login field, so blank errors list it
// first. Both are optional: a missing one falls through to "Unable to log in".
var (
	loginPasswordField = validation.Char{}
	loginUsernameField = validation.Char{}
	labelField         = validation.Char{AllowBlank: true, AllowNull: true, Rules: []string{"max=64"}}
)

// Login checks the credentials and issues a new token for this device. Every failure, whether the user
// is unknown, inactive or the password wrong, is the same error after the same amount of hashing.
func (s *Service) Login(ctx context.Context, in LoginInput) (string, error) {
	field := s.settings.LoginField
	attempt, err := s.limiter.Login(ctx, in.login(field).S)
	if err != nil {
		s.loginRefused(ctx, "token", in.login(field).S, err)
		return "", err
	}
	var errs drf.FieldErrors
	pw, _, _ := loginPasswordField.Clean(&errs, "password", in.Password)
	login, _, _ := loginUsernameField.Clean(&errs, field, in.login(field))
	label, _, _ := labelField.Clean(&errs, "label", in.Label)
	if err := errs.Err(); err != nil {
		return "", err
	}
	u, needsRehash, err := s.authenticate(ctx, "token", field, login, pw, attempt)
	if err != nil {
		return "", err
	}
	if u == nil {
		return "", drf.Field(drf.NonField, drf.MsgInvalidCredentials)
	}
	var rehash string
	if needsRehash {
		// Parameters changed since this hash was made; upgrade it while we know the password.
		if rehash, err = s.hasher.Hash(ctx, pw); err != nil {
			return "", fmt.Errorf("rehash password: %w", err)
		}
	}
	key, err := s.recordLogin(ctx, u.ID, rehash, label, attempt)
	if errors.Is(err, errUserGone) {
		return "", drf.Field(drf.NonField, drf.MsgInvalidCredentials)
	}
	if err != nil {
		return "", err
	}
	s.log.InfoContext(ctx, "login", "user_id", u.ID, "rehashed", rehash != "")
	return key, nil
}

// errUserGone: the user was deleted between the password check and recording the login.
var errUserGone = errors.New("user deleted during login")

// recordLogin notes the login on the user and issues this device's token, all or nothing. The login
// sets last_login, ends every outstanding account link (as Django's last_login in the token hash
// does), when the hash's parameters are out of date stores rehash, and clears the account's
// failed-login counters.
func (s *Service) recordLogin(ctx context.Context, id int, rehash, label string, attempt *throttle.Attempt) (string, error) {
	event := audit.Event{Type: audit.LoginSucceeded, ActorID: audit.User(id), SubjectID: audit.User(id),
		Detail: map[string]any{"method": "token", "label": label}}
	if s.postgres && !s.audit.HasSink() {
		key, digest := tokens.NewKey()
		stmt, args := loginPG, []any{s.now(), sql.NullString{String: rehash, Valid: rehash != ""}, id,
			digest, s.expiry(), label, attempt.SuccessArgs()}
		if s.audit.On() {
			more, err := s.audit.ArgsPG(ctx, event)
			if err != nil {
				return "", err
			}
			stmt, args = loginAuditPG, append(args, more...)
		}
		res, err := s.db.ExecContext(ctx, stmt, args...)
		if err != nil {
			return "", fmt.Errorf("record login: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return "", fmt.Errorf("record login: %w", err)
		} else if n == 0 {
			return "", errUserGone
		}
		attempt.Cleared()
		return key, nil
	}
	var key string
	err := store.WithTx(ctx, s.db, func(tx *ent.Tx) error {
		upd := tx.User.UpdateOneID(id).SetLastLogin(s.now()).AddLinkVersion(1)
		if rehash != "" {
			upd.SetPassword(rehash)
		}
		if err := upd.Exec(ctx); ent.IsNotFound(err) {
			return errUserGone
		} else if err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		var err error
		if key, err = s.issueToken(ctx, tx.Client(), id, label); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, tx.Client(), event); err != nil {
			return err
		}
		return attempt.Succeeded(ctx, tx.Client())
	})
	return key, err
}

// loginPG is recordLogin's transaction as one PostgreSQL statement, so one round trip instead of four
// (BEGIN, UPDATE, INSERT, COMMIT). In a login storm on two shared cores those round trips were the
// database's CPU that kept login furthest below the raw argon2id rate (bench/README.md, "Results of 2026-11-23").
// The tests run every login flow on PostgreSQL too. $1 now, $2 new hash or NULL, $3 user id,
// $4 digest, $5 expiry or NULL, $6 label, $7 the login's throttle counters to clear
// (throttle.LoginSuccessPG). loginAuditPG records the login's audit event too, with the change it
// records ($8..$13, audit.InsertPG), as one more CTE of the same statement.
var (
	loginPG      = loginStatementPG(throttle.LoginSuccessPG(7))
	loginAuditPG = loginStatementPG(throttle.LoginSuccessPG(7) + audit.InsertPG("u", user.FieldID, 8))
)

func loginStatementPG(ctes string) string {
	return fmt.Sprintf(`WITH u AS (
	UPDATE %[1]s SET %[2]s = $1, %[3]s = %[3]s + 1, %[4]s = COALESCE($2, %[4]s) WHERE %[5]s = $3 RETURNING %[5]s)%[12]s
INSERT INTO %[6]s (%[7]s, %[8]s, %[9]s, %[10]s, %[11]s) SELECT $4, $1, $5, $6, %[5]s FROM u`,
		user.Table, user.FieldLastLogin, user.FieldLinkVersion, user.FieldPassword, user.FieldID,
		token.Table, token.FieldDigest, token.FieldCreated, token.FieldExpiresAt, token.FieldLabel, token.FieldUserID,
		ctes)
}

// authenticate checks a login (a username, or an email, as field says) and password for a login by
// method ("token" or "jwt"). It returns a nil user, with no error, when the user is unknown or inactive
// or the password wrong, after the same amount of hashing in every case and with the failure counted
// against attempt alike, so that neither the answer nor its timing tells which. An email is matched
// ignoring case, as it is unique.
func (s *Service) authenticate(ctx context.Context, method, field, login, pw string, attempt *throttle.Attempt) (u *ent.User, needsRehash bool, err error) {
	if s.logins != nil {
		defer func() {
			if err == nil {
				s.logins(method, u != nil)
			}
		}()
	}
	by := named(login)
	if field == "email" {
		by = user.EmailKey(EmailKey(login))
	}
	u, err = s.db.User.Query().Where(by).Only(ctx)
	if ent.IsNotFound(err) {
		s.hasher.VerifyDummy(ctx, pw)
		s.loginFailed(ctx, method, login, nil, audit.ReasonBadCredentials)
		return nil, false, attempt.Failed(ctx)
	}
	if err != nil {
		return nil, false, fmt.Errorf("look up user: %w", err)
	}
	match, needsRehash, err := s.hasher.Verify(ctx, pw, u.Password)
	if err != nil && ctx.Err() != nil {
		return nil, false, ctx.Err()
	}
	if err != nil {
		// The error names the format's problem, never salt or key.
		s.log.WarnContext(ctx, "stored password hash cannot be verified; the user cannot log in with a password", "user_id", u.ID, "err", err)
	}
	if !match || !u.IsActive {
		reason := audit.ReasonBadCredentials
		if match {
			reason = audit.ReasonInactive
		}
		s.loginFailed(ctx, method, login, audit.User(u.ID), reason)
		return nil, false, attempt.Failed(ctx)
	}
	return u, needsRehash, nil
}

// expiry is when a token issued now expires, or nil without GOJOSER_TOKEN_TTL.
func (s *Service) expiry() *time.Time {
	if s.settings.TokenTTL <= 0 {
		return nil
	}
	t := s.now().Add(s.settings.TokenTTL)
	return &t
}

// Logout revokes the token the request came with; the user's other devices stay logged in.
func (s *Service) Logout(ctx context.Context, v *viewer.Viewer) error {
	return s.commit(ctx, func(tx *ent.Tx) error {
		event := audit.Event{Type: audit.Logout, SubjectID: audit.User(v.UserID)}
		if v.JWT {
			// Djoser's logout deletes the user's DRF tokens whichever way the request authenticated;
			// with a JWT there is no presented token, so all of them go, as in Djoser. The JWT stays
			// valid.
			n, err := tx.Token.Delete().Where(token.UserID(v.UserID)).Exec(ctx)
			if err != nil {
				return fmt.Errorf("revoke tokens of user %d: %w", v.UserID, err)
			}
			event.Detail = map[string]any{"method": "jwt", "tokens_revoked": n}
			return s.audit.Record(ctx, tx.Client(), event)
		}
		err := tx.Token.DeleteOneID(v.TokenID).Exec(ctx)
		if ent.IsNotFound(err) {
			return nil // already gone: nothing happened here to record
		}
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", v.TokenID, err)
		}
		event.Detail = map[string]any{"method": "token", "session_id": v.TokenID}
		return s.audit.Record(ctx, tx.Client(), event)
	})
}

// loginFailed records a failed login, off the request path: the subject is the account when it
// exists; otherwise the name tried, bounded, and nothing else. Every failure costs the same either way.
func (s *Service) loginFailed(ctx context.Context, method, login string, subject *int, reason string) {
	if !s.audit.On() {
		return
	}
	detail := map[string]any{"method": method, "reason": reason}
	if subject == nil {
		detail["username"] = audit.Truncate(login, audit.MaxAttemptedName)
	}
	s.audit.Later(ctx, audit.Event{Type: audit.LoginFailed, SubjectID: subject, Detail: detail})
}

// loginRefused records a login that throttling refused before the password was looked at.
func (s *Service) loginRefused(ctx context.Context, method, login string, err error) {
	r, ok := errors.AsType[*throttle.Refusal](err)
	if !ok {
		return
	}
	reason := audit.ReasonThrottled
	if r.Lockout() {
		reason = audit.ReasonLockedOut
	}
	s.loginFailed(ctx, method, login, nil, reason)
}
