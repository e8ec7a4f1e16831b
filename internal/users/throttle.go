package users

import (
	"context"
	"fmt"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/throttle"
)

// ThrottleSubject is what throttling counts for the account named username, for an operator: its
// failed logins, and, when the account exists, the requests and mails for its address and the link
// confirmations for its uid. An unknown username is counted as well (logins are counted alike whether
// or not the account exists), so it is a subject too.
func (s *Service) ThrottleSubject(ctx context.Context, username string) (throttle.Subject, error) {
	subject := throttle.Subject{Account: username}
	u, err := s.db.User.Query().Where(named(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return subject, nil
	}
	if err != nil {
		return throttle.Subject{}, fmt.Errorf("look up user %q: %w", username, err)
	}
	subject.Address, subject.UID = u.Email, links.EncodeUID(u.ID)
	return subject, nil
}
