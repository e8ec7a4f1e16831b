package apitest

import (
	"context"
	"testing"

	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/tokens"
)

// Setup brings the server to a state a scenario relies on. Each looks before it writes: when the state
// is already so it writes nothing, so that it cannot, say, refresh a cache and hide the behaviour the
// scenario checks. Writes go through the server's own database client, and so through its hooks.
type Setup func(t *testing.T, s *Server, vars map[string]string)

// RoleExists: there is a role of that name.
func RoleExists(name string) Setup {
	return func(t *testing.T, s *Server, _ map[string]string) {
		t.Helper()
		ctx := context.Background()
		if ok, err := s.App.DB.Role.Query().Where(role.Name(name)).Exist(ctx); err != nil || ok {
			check(t, err)
			return
		}
		check(t, s.App.DB.Role.Create().SetName(name).Exec(ctx))
	}
}

// HasRole: the user holds the role, which exists.
func HasRole(username, roleName string) Setup {
	return func(t *testing.T, s *Server, vars map[string]string) {
		t.Helper()
		RoleExists(roleName)(t, s, vars)
		ctx := context.Background()
		q := s.App.DB.User.Query().Where(user.Username(username), user.HasRolesWith(role.Name(roleName)))
		if ok, err := q.Exist(ctx); err != nil || ok {
			check(t, err)
			return
		}
		rid, err := s.App.DB.Role.Query().Where(role.Name(roleName)).OnlyID(ctx)
		check(t, err)
		check(t, s.App.DB.User.Update().Where(user.Username(username)).AddRoleIDs(rid).Exec(ctx))
	}
}

// LacksRole: the user does not hold the role.
func LacksRole(username, roleName string) Setup {
	return func(t *testing.T, s *Server, _ map[string]string) {
		t.Helper()
		ctx := context.Background()
		q := s.App.DB.User.Query().Where(user.Username(username), user.HasRolesWith(role.Name(roleName)))
		if ok, err := q.Exist(ctx); err != nil || !ok {
			check(t, err)
			return
		}
		rid, err := s.App.DB.Role.Query().Where(role.Name(roleName)).OnlyID(ctx)
		check(t, err)
		check(t, s.App.DB.User.Update().Where(user.Username(username)).RemoveRoleIDs(rid).Exec(ctx))
	}
}

// UserDeleted: there is no user of that name.
func UserDeleted(username string) Setup {
	return func(t *testing.T, s *Server, _ map[string]string) {
		t.Helper()
		ctx := context.Background()
		if ok, err := s.App.DB.User.Query().Where(user.Username(username)).Exist(ctx); err != nil || !ok {
			check(t, err)
			return
		}
		_, err := s.App.DB.User.Delete().Where(user.Username(username)).Exec(ctx)
		check(t, err)
	}
}

// UserExists: there is a user of that name; when there is not, it is registered with password.
func UserExists(username, password string) Setup {
	return func(t *testing.T, s *Server, _ map[string]string) {
		t.Helper()
		if ok, err := s.App.DB.User.Query().Where(user.Username(username)).Exist(context.Background()); err != nil || ok {
			check(t, err)
			return
		}
		s.Register(t, username, "", password)
	}
}

// TokenRevoked: the token key held in vars[keyVar] no longer exists.
func TokenRevoked(keyVar string) Setup {
	return func(t *testing.T, s *Server, vars map[string]string) {
		t.Helper()
		ctx := context.Background()
		q := token.Digest(tokens.Digest(vars[keyVar]))
		if ok, err := s.App.DB.Token.Query().Where(q).Exist(ctx); err != nil || !ok {
			check(t, err)
			return
		}
		_, err := s.App.DB.Token.Delete().Where(q).Exec(ctx)
		check(t, err)
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
}
