package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/role"
	"github.com/gojoser/gojoser/ent/token"
	"github.com/gojoser/gojoser/internal/apitest"
)

// TestCacheFollowsEveryCommittedChange: the auth cache is kept honest by construction (an Ent hook), not
// by calls that every write path must remember. Each change below is made straight through Ent, behind
// every service, while the cache TTL is an hour: only the hook can make the next request see it.
func TestCacheFollowsEveryCommittedChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name   string
		setup  func(db *ent.Client, id int) error // before the viewer is cached; may be nil
		change func(db *ent.Client, id int) error
		path   string
		want   string // {{name}} and {{id}} are the user's
	}{
		{"username changed", nil, func(db *ent.Client, id int) error {
			return db.User.UpdateOneID(id).SetUsername("renamed").Exec(ctx)
		}, "/auth/users/me/", `{"email":"{{name}}@example.com","id":{{id}},"username":"renamed"}`},
		{"email changed", nil, func(db *ent.Client, id int) error {
			return db.User.UpdateOneID(id).SetEmail("moved@example.com").Exec(ctx)
		}, "/auth/users/me/", `{"email":"moved@example.com","id":{{id}},"username":"{{name}}"}`},
		{"deactivated", nil, func(db *ent.Client, id int) error {
			return db.User.UpdateOneID(id).SetIsActive(false).Exec(ctx)
		}, "/auth/users/me/", `{"detail":"User inactive or deleted."}`},
		{"deleted", nil, func(db *ent.Client, id int) error {
			return db.User.DeleteOneID(id).Exec(ctx)
		}, "/auth/users/me/", `{"detail":"Invalid token."}`},
		{"role granted from the user's side", nil, func(db *ent.Client, id int) error {
			admin, err := db.Role.Query().Where(role.Name("admin")).OnlyID(ctx)
			if err != nil {
				return err
			}
			return db.User.UpdateOneID(id).AddRoleIDs(admin).Exec(ctx)
		}, "/auth/users/me/roles/", `{"roles":["admin"]}`},
		{"role granted from the role's side", nil, func(db *ent.Client, id int) error {
			return db.Role.Update().Where(role.Name("admin")).AddUserIDs(id).Exec(ctx)
		}, "/auth/users/me/roles/", `{"roles":["admin"]}`},
		{"role deleted", func(db *ent.Client, id int) error {
			return db.Role.Create().SetName("editor").AddUserIDs(id).Exec(ctx)
		}, func(db *ent.Client, id int) error {
			_, err := db.Role.Delete().Where(role.Name("editor")).Exec(ctx)
			return err
		}, "/auth/users/me/roles/", `{"roles":[]}`},
		{"token deleted by id", nil, func(db *ent.Client, id int) error {
			_, err := db.Token.Delete().Where(token.UserID(id)).Exec(ctx)
			return err
		}, "/auth/users/me/", `{"detail":"Invalid token."}`},
		{"change committed in a transaction", nil, func(db *ent.Client, id int) error {
			tx, err := db.Tx(ctx)
			if err != nil {
				return err
			}
			if err := tx.User.UpdateOneID(id).SetUsername("intx").Exec(ctx); err != nil {
				_ = tx.Rollback()
				return err
			}
			return tx.Commit()
		}, "/auth/users/me/", `{"email":"{{name}}@example.com","id":{{id}},"username":"intx"}`},
	}
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"AUTH_CACHE_TTL": "1h"})
		outsider := s.Outsider(t)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				name := fmt.Sprintf("user%d", i)
				id := s.Register(t, name, name+"@example.com", apitest.Password)
				key := s.Login(t, name, apitest.Password)
				h := map[string]string{"Authorization": "Token " + key}
				vars := map[string]string{"name": name, "id": apitest.Fmt(id)}
				if c.setup != nil {
					if err := c.setup(s.App.DB, id); err != nil {
						t.Fatal(err)
					}
				}
				// Cache the viewer, and check that answers do come from the cache: a change made around
				// the server's hooks is not seen.
				s.Do(t, "GET", c.path, "", "", h)
				if err := outsider.User.UpdateOneID(id).SetEmail("outside@example.com").Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if res, body := s.Do(t, "GET", "/auth/users/me/", "", "", h); res.StatusCode != 200 ||
					string(body) != apitest.Expand(`{"email":"{{name}}@example.com","id":{{id}},"username":"{{name}}"}`, vars) {
					t.Fatalf("not answered from the cache: %d %s", res.StatusCode, body)
				}
				if err := outsider.User.UpdateOneID(id).SetEmail(name + "@example.com").Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if err := c.change(s.App.DB, id); err != nil {
					t.Fatal(err)
				}
				if _, body := s.Do(t, "GET", c.path, "", "", h); string(body) != apitest.Expand(c.want, vars) {
					t.Errorf("after the change: %s, want %s", body, apitest.Expand(c.want, vars))
				}
			})
		}
	})
}
