package users

import (
	"context"

	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/viewer"
)

// AuditLog reads the audit log, for an admin only.
func (s *Service) AuditLog(ctx context.Context, v *viewer.Viewer, q audit.Query) (audit.Result, error) {
	if !v.IsAdmin() {
		return audit.Result{}, drf.ErrPermissionDenied
	}
	f, err := audit.Parse(q)
	if err != nil {
		return audit.Result{}, err
	}
	return audit.List(ctx, s.db, f)
}

// MyEvents reads v's own security activity: the events about v's account that an account page shows.
func (s *Service) MyEvents(ctx context.Context, v *viewer.Viewer, cursor, limit string) (audit.Result, error) {
	f, err := audit.Parse(audit.Query{Cursor: cursor, Limit: limit})
	if err != nil {
		return audit.Result{}, err
	}
	f.Subject, f.Types = &v.UserID, audit.Personal
	return audit.List(ctx, s.db, f)
}
