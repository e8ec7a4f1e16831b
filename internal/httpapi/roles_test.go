package httpapi_test

import (
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		s.Run(t, f, []apitest.Scenario{
			{Name: "my roles as a user", Method: "GET", Path: "/auth/users/me/roles/", Headers: tok("alice"), Status: 200, Want: `{"roles":[]}`},
			{Name: "my roles as an admin", Method: "GET", Path: "/auth/users/me/roles/", Headers: tok("root"), Status: 200, Want: `{"roles":["admin"]}`},
			{Name: "anonymous list", Method: "GET", Path: "/auth/roles/", Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
			{Name: "a user may not list roles", Method: "GET", Path: "/auth/roles/", Headers: tok("alice"), Status: 403, Want: forbidden},
			{Name: "an invalid token is 401 before the role check", Method: "GET", Path: "/auth/roles/", Headers: map[string]string{"Authorization": "Token x"},
				Status: 401, Want: `{"detail":"Invalid token."}`},
			{Name: "admin lists roles", Method: "GET", Path: "/auth/roles/", Headers: tok("root"), Status: 200, Want: `[{"name":"admin"}]`},
			{Name: "a user may not create roles", Method: "POST", Path: "/auth/roles/", Headers: tok("alice"), Body: `{"name":"editor"}`, Status: 403, Want: forbidden},
			{Name: "admin creates a role", Method: "POST", Path: "/auth/roles/", Headers: tok("root"), Body: `{"name":"editor"}`, Status: 201, Want: `{"name":"editor"}`},
			{Name: "duplicate role", Setup: apitest.RoleExists("editor"), Method: "POST", Path: "/auth/roles/", Headers: tok("root"), Body: `{"name":"editor"}`,
				Status: 400, Want: `{"name":["A role with that name already exists."]}`},
			{Name: "invalid role name", Method: "POST", Path: "/auth/roles/", Headers: tok("root"), Body: `{"name":"no spaces"}`,
				Status: 400, Want: `{"name":["Enter a valid role name. This value may contain only letters, numbers, and _/./- characters."]}`},
			{Name: "missing role name", Method: "POST", Path: "/auth/roles/", Headers: tok("root"), Body: `{}`,
				Status: 400, Want: `{"name":["This field is required."]}`},
			{Name: "a user may not grant", Method: "PUT", Path: "/auth/users/{{alice.id}}/roles/editor/", Headers: tok("alice"), Status: 403, Want: forbidden},
			{Name: "a user may not read another's roles", Method: "GET", Path: "/auth/users/{{root.id}}/roles/", Headers: tok("alice"), Status: 403, Want: forbidden},
			{Name: "admin grants", Setup: apitest.RoleExists("editor"), Method: "PUT", Path: "/auth/users/{{alice.id}}/roles/editor/", Headers: tok("root"), Status: 204, Want: ""},
			{Name: "granting twice is fine", Setup: apitest.HasRole("alice", "editor"), Method: "PUT", Path: "/auth/users/{{alice.id}}/roles/editor/", Headers: tok("root"), Status: 204, Want: ""},
			{Name: "the user sees the role at once", Setup: apitest.HasRole("alice", "editor"), Method: "GET", Path: "/auth/users/me/roles/", Headers: tok("alice"), Status: 200, Want: `{"roles":["editor"]}`},
			{Name: "admin reads a user's roles", Setup: apitest.HasRole("alice", "editor"), Method: "GET", Path: "/auth/users/{{alice.id}}/roles/", Headers: tok("root"), Status: 200, Want: `{"roles":["editor"]}`},
			{Name: "unknown role", Method: "PUT", Path: "/auth/users/{{alice.id}}/roles/ghost/", Headers: tok("root"), Status: 404, Want: notFound},
			{Name: "unknown user", Setup: apitest.RoleExists("editor"), Method: "PUT", Path: "/auth/users/999/roles/editor/", Headers: tok("root"), Status: 404, Want: notFound},
			{Name: "an admin may not drop their own admin role", Method: "DELETE", Path: "/auth/users/{{root.id}}/roles/admin/", Headers: tok("root"),
				Status: 400, Want: `{"non_field_errors":["You cannot revoke your own admin role."]}`},
			{Name: "before promotion alice sees only herself", Method: "GET", Path: "/auth/users/", Headers: tok("alice"), Status: 200, Want: "[" + aliceJSON + "]"},
			{Name: "promote alice", Method: "PUT", Path: "/auth/users/{{alice.id}}/roles/admin/", Headers: tok("root"), Status: 204, Want: ""},
			{Name: "an admin sees everyone", Setup: apitest.HasRole("alice", "admin"), Method: "GET", Path: "/auth/users/", Headers: tok("alice"), Status: 200, Want: "[" + aliceJSON + "," + bobJSON + "," + rootJSON + "]"},
			{Name: "and manages other users", Setup: apitest.HasRole("alice", "admin"), Method: "GET", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Status: 200, Want: bobJSON},
			{Name: "revoke", Method: "DELETE", Path: "/auth/users/{{alice.id}}/roles/admin/", Headers: tok("root"), Status: 204, Want: ""},
			{Name: "revocation is immediate", Setup: apitest.LacksRole("alice", "admin"), Method: "GET", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Status: 404, Want: notFound},
			{Name: "revoking again is fine", Setup: apitest.LacksRole("alice", "admin"), Method: "DELETE", Path: "/auth/users/{{alice.id}}/roles/admin/", Headers: tok("root"), Status: 204, Want: ""},
		})
	})
}
