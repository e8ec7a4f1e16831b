package users

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/viewer"
)

// Session is one opaque token as its owner may see it: never the key.
type Session struct {
	ID                  int
	Label               string
	Created             time.Time
	LastUsed, ExpiresAt *time.Time
	Current             bool // the token this request came with
}

// Sessions lists the subject's tokens, newest first, marking the one the actor's request came with.
func (s *Service) Sessions(ctx context.Context, t Subject) ([]Session, error) {
	if err := t.check(Retrieve); err != nil {
		return nil, err
	}
	id, v := t.ID, t.actor
	ts, err := s.db.Token.Query().Where(token.UserID(id)).Order(ent.Desc(token.FieldCreated), ent.Desc(token.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tokens of user %d: %w", id, err)
	}
	now := s.now()
	out := make([]Session, 0, len(ts))
	for _, t := range ts {
		if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
			continue // expired: no longer a session
		}
		out = append(out, Session{ID: t.ID, Label: t.Label, Created: t.Created, LastUsed: t.LastUsed, ExpiresAt: t.ExpiresAt, Current: t.ID == v.TokenID})
	}
	return out, nil
}

// RevokeSession revokes token id if it is v's, or if v is an admin. Anyone else's token is not found,
// so token ids reveal nothing.
func (s *Service) RevokeSession(ctx context.Context, v *viewer.Viewer, id string) error {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return drf.ErrNotFound
	}
	q := s.db.Token.Query().Where(token.ID(n))
	if !v.IsAdmin() {
		q = q.Where(token.UserID(v.UserID))
	}
	t, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return drf.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("find token %d: %w", n, err)
	}
	err = s.commit(ctx, func(tx *ent.Tx) error {
		if err := tx.Token.DeleteOneID(t.ID).Exec(ctx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.SessionRevoked, SubjectID: audit.User(t.UserID),
			Detail: map[string]any{"session_id": t.ID, "label": t.Label, "by_admin": t.UserID != v.UserID}})
	})
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("revoke token %d: %w", n, err)
	}
	return nil
}

// LogoutAll revokes every token and refresh token of v's user, in one transaction (knox's logoutall).
func (s *Service) LogoutAll(ctx context.Context, v *viewer.Viewer) error {
	return s.commit(ctx, func(tx *ent.Tx) error {
		n, err := revokeSessions(ctx, tx, v.UserID, s.now())
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx.Client(), audit.Event{Type: audit.LogoutAll, SubjectID: audit.User(v.UserID),
			Detail: map[string]any{"tokens_revoked": n}})
	})
}
