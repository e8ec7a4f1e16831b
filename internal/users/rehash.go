package users

import (
	"context"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/user"
)

// rehash replaces u's stored hash, out of date or imported from Django, with a current argon2id hash
// of pw, as Django's check_password does on every successful authentication. Token login does this in
// its own statement (recordLogin); this is for the logins that write nothing else (JWT create). It
// only replaces the hash it verified, so a password changed meanwhile is kept. A failure is logged,
// not returned: the login itself succeeded.
func (s *Service) rehash(ctx context.Context, u *ent.User, pw string) {
	h, err := s.hasher.Hash(ctx, pw)
	if err == nil {
		_, err = s.db.User.Update().Where(user.ID(u.ID), user.Password(u.Password)).SetPassword(h).Save(ctx)
	}
	if err != nil {
		s.log.WarnContext(ctx, "password hash not upgraded", "user_id", u.ID, "err", err)
		return
	}
	s.log.InfoContext(ctx, "password hash upgraded", "user_id", u.ID)
}
