package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/refreshtoken"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/validation"
)

// SimpleJWT's views, wire-compatible with djangorestframework-simplejwt 5.2.2, plus refresh rotation
// with reuse detection and a blacklist. Access tokens stay stateless; refresh tokens are recorded by
// jti so they can be revoked.

var (
	errNoActiveAccount  = &drf.BearerError{Detail: drf.MsgJWTNoActiveAccount, View: true}
	errNoActiveForToken = &drf.BearerError{Detail: drf.MsgJWTNoActiveForToken, Code: drf.CodeJWTNoActiveAccount, View: true}
	errBlacklisted      = &drf.BearerError{Detail: drf.MsgJWTBlacklisted, Code: drf.CodeJWTTokenNotValid, View: true}
)

func jwtFailure(err error) error {
	if e, ok := errors.AsType[*jwt.Error](err); ok {
		return &drf.BearerError{Detail: e.Message, Code: e.Code, View: true}
	}
	return err
}

// Pair is what /auth/jwt/create/ returns, and /auth/jwt/refresh/ with rotation.
type Pair struct {
	Refresh, Access string
}

// JWTCreate is TokenObtainPairView: USERNAME_FIELD and password, then a new refresh/access pair. Like
// SimpleJWT it does not update last_login. With GOJOSER_LOGIN_FIELD=email a body that has an email logs
// in by email: SimpleJWT itself keys on USERNAME_FIELD (a username), which a frontend written for
// Djoser sends and keeps working with, while one that logs in by email everywhere sends email here too.
func (s *Service) JWTCreate(ctx context.Context, in LoginInput) (Pair, error) {
	field := profile.UsernameField
	if s.settings.LoginField == "email" && in.Email.Set {
		field = "email"
	}
	attempt, err := s.limiter.Login(ctx, in.login(field).S)
	if err != nil {
		s.loginRefused(ctx, "jwt", in.login(field).S, err)
		return Pair{}, err
	}
	var errs drf.FieldErrors
	name, _, _ := requiredChar.Clean(&errs, field, in.login(field))
	p, _, _ := requiredChar.Clean(&errs, "password", in.Password)
	if err := errs.Err(); err != nil {
		return Pair{}, err
	}
	u, needsRehash, err := s.authenticate(ctx, "jwt", field, name, p, attempt)
	if err != nil {
		return Pair{}, err
	}
	if u == nil {
		return Pair{}, errNoActiveAccount
	}
	if needsRehash {
		s.rehash(ctx, u, p)
	}
	if !s.audit.On() {
		if err := attempt.Succeeded(ctx, s.db); err != nil {
			return Pair{}, err
		}
		return s.newPair(ctx, s.db, u.ID, "")
	}
	var out Pair
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if err := attempt.Succeeded(ctx, tx.Client()); err != nil {
			return err
		}
		if out, err = s.newPair(ctx, tx.Client(), u.ID, ""); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.JWTCreated, ActorID: audit.User(u.ID), SubjectID: audit.User(u.ID),
			Detail: map[string]any{"method": "jwt"}})
	})
	return out, err
}

// newPair mints a refresh token (in family, or a new family when "") and its access token.
func (s *Service) newPair(ctx context.Context, db *ent.Client, userID int, family string) (Pair, error) {
	refresh, rc, err := s.jwt.NewRefresh(int64(userID))
	if err != nil {
		return Pair{}, err
	}
	if family == "" {
		family = rc.JTI
	}
	err = db.RefreshToken.Create().SetJti(rc.JTI).SetUserID(userID).SetFamily(family).
		SetCreatedAt(unix(rc.Iat)).SetExpiresAt(unix(rc.Exp)).Exec(ctx)
	if err != nil {
		return Pair{}, fmt.Errorf("record refresh token: %w", err)
	}
	access, _, err := s.jwt.AccessFromRefresh(rc)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Refresh: refresh, Access: access}, nil
}

// record returns the stored record of a refresh token, creating it for tokens minted elsewhere with
// the same key (a Djoser deployment being replaced), so those can be blacklisted and rotated too.
func (s *Service) record(ctx context.Context, c jwt.Claims) (*ent.RefreshToken, error) {
	rt, err := s.db.RefreshToken.Query().Where(refreshtoken.Jti(c.JTI)).Only(ctx)
	if err == nil || !ent.IsNotFound(err) {
		return rt, err
	}
	exists, err := s.db.User.Query().Where(user.ID(int(c.UserID))).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("look up token user: %w", err)
	}
	if !exists {
		return nil, jwtFailure(jwt.ErrInvalid)
	}
	err = s.db.RefreshToken.Create().SetJti(c.JTI).SetUserID(int(c.UserID)).SetFamily(c.JTI).
		SetCreatedAt(unix(c.Iat)).SetExpiresAt(unix(c.Exp)).
		OnConflictColumns(refreshtoken.FieldJti).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("record refresh token: %w", err)
	}
	return s.db.RefreshToken.Query().Where(refreshtoken.Jti(c.JTI)).Only(ctx)
}

// JWTRefresh is TokenRefreshView. Without rotation it answers a new access token only, as SimpleJWT's
// defaults do. With rotation it also answers a new refresh token and retires the old one; presenting a
// retired token again after the grace period means it was stolen, so its whole family is revoked.
func (s *Service) JWTRefresh(ctx context.Context, in validation.Value) (Pair, error) {
	var errs drf.FieldErrors
	tok, _, _ := requiredChar.Clean(&errs, "refresh", in)
	if err := errs.Err(); err != nil {
		return Pair{}, err
	}
	c, err := s.jwt.Parse(tok, jwt.TypeRefresh)
	if err != nil {
		return Pair{}, jwtFailure(err)
	}
	rt, err := s.record(ctx, c)
	if err != nil {
		return Pair{}, err
	}
	if rt.RevokedAt != nil {
		return Pair{}, errBlacklisted
	}
	// A database failure is a 500, not a 401 that would log the client out.
	u, err := s.db.User.Get(ctx, rt.UserID)
	if err != nil && !ent.IsNotFound(err) {
		return Pair{}, fmt.Errorf("look up token user: %w", err)
	}
	if err != nil || !u.IsActive {
		return Pair{}, errNoActiveForToken
	}
	if !s.settings.RotateRefreshTokens {
		access, _, err := s.jwt.AccessFromRefresh(c)
		return Pair{Access: access}, err
	}
	now := s.now()
	if rt.RotatedAt != nil && now.Sub(*rt.RotatedAt) > s.settings.RotationGrace {
		// Reuse of a retired refresh token: somebody else has a copy. End the whole family.
		err := s.commit(ctx, func(tx *ent.Tx) error {
			n, err := tx.RefreshToken.Update().Where(refreshtoken.Family(rt.Family), refreshtoken.RevokedAtIsNil()).
				SetRevokedAt(now).Save(ctx)
			if err != nil {
				return err
			}
			subject := audit.User(rt.UserID)
			return s.audit.Record(ctx, tx.Client(),
				audit.Event{Type: audit.RefreshReuse, SubjectID: subject},
				audit.Event{Type: audit.FamilyRevoked, SubjectID: subject, Detail: map[string]any{"revoked": n, "reason": "refresh_reuse"}})
		})
		if err != nil {
			return Pair{}, fmt.Errorf("revoke token family: %w", err)
		}
		s.log.WarnContext(ctx, "refresh token reuse detected; family revoked", "user_id", rt.UserID)
		return Pair{}, jwtFailure(jwt.ErrInvalid)
	}
	var out Pair
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if rt.RotatedAt == nil {
			// Only the first of two concurrent refreshes retires the token; the other is inside the grace.
			if _, err := tx.RefreshToken.Update().Where(refreshtoken.ID(rt.ID), refreshtoken.RotatedAtIsNil()).
				SetRotatedAt(now).Save(ctx); err != nil {
				return err
			}
		}
		out, err = s.newPair(ctx, tx.Client(), rt.UserID, rt.Family)
		return err
	})
	return out, err
}

// JWTVerify is TokenVerifyView: any valid token, access or refresh, that is not blacklisted.
func (s *Service) JWTVerify(ctx context.Context, in validation.Value) error {
	var errs drf.FieldErrors
	tok, _, _ := requiredChar.Clean(&errs, "token", in)
	if err := errs.Err(); err != nil {
		return err
	}
	c, err := s.jwt.Parse(tok, "")
	if err != nil {
		return jwtFailure(err)
	}
	if c.TokenType == jwt.TypeRefresh {
		revoked, err := s.db.RefreshToken.Query().Where(refreshtoken.Jti(c.JTI), refreshtoken.RevokedAtNotNil()).Exist(ctx)
		if err != nil {
			return fmt.Errorf("check blacklist: %w", err)
		}
		if revoked {
			return errBlacklisted
		}
	}
	return nil
}

// JWTBlacklist is TokenBlacklistView: the refresh token stops working.
func (s *Service) JWTBlacklist(ctx context.Context, in validation.Value) error {
	var errs drf.FieldErrors
	tok, _, _ := requiredChar.Clean(&errs, "refresh", in)
	if err := errs.Err(); err != nil {
		return err
	}
	c, err := s.jwt.Parse(tok, jwt.TypeRefresh)
	if err != nil {
		return jwtFailure(err)
	}
	rt, err := s.record(ctx, c)
	if err != nil {
		return err
	}
	if rt.RevokedAt != nil {
		return errBlacklisted
	}
	return s.commit(ctx, func(tx *ent.Tx) error {
		if err := tx.RefreshToken.UpdateOneID(rt.ID).SetRevokedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.JWTBlacklisted, SubjectID: audit.User(rt.UserID)})
	})
}

// revokeRefreshTokens ends every outstanding refresh token of a user (password change).
func revokeRefreshTokens(ctx context.Context, tx *ent.Tx, userID int, now time.Time) error {
	_, err := tx.RefreshToken.Update().Where(refreshtoken.UserID(userID), refreshtoken.RevokedAtIsNil()).SetRevokedAt(now).Save(ctx)
	if err != nil {
		return fmt.Errorf("revoke refresh tokens of user %d: %w", userID, err)
	}
	return nil
}

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// isNoRows: an upsert that did nothing reports sql.ErrNoRows on some dialects.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
