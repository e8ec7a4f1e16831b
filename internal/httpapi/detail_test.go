package httpapi_test

import (
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

const (
	aliceJSON = `{"email":"alice@example.com","id":{{alice.id}},"username":"alice"}`
	bobJSON   = `{"email":"bob@example.com","id":{{bob.id}},"username":"bob"}`
	rootJSON  = `{"email":"root@example.com","id":{{root.id}},"username":"root"}`
	notFound  = `{"detail":"Not found."}`
	forbidden = `{"detail":"You do not have permission to perform this action."}`
)

func TestListAndDetailWithHideUsers(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		s.Run(t, f, []apitest.Scenario{
			{Name: "a user sees only themself", Method: "GET", Path: "/auth/users/", Headers: tok("alice"),
				Status: 200, Want: "[" + aliceJSON + "]", WantHeaders: map[string]string{"Allow": "GET, POST, HEAD, OPTIONS", "Vary": "Accept"}},
			{Name: "query parameters are ignored", Method: "GET", Path: "/auth/users/?page=2&ordering=-id&search=b", Headers: tok("alice"),
				Status: 200, Want: "[" + aliceJSON + "]"},
			{Name: "an admin sees everybody by id", Method: "GET", Path: "/auth/users/", Headers: tok("root"),
				Status: 200, Want: "[" + aliceJSON + "," + bobJSON + "," + rootJSON + "]"},
			{Name: "anonymous list", Method: "GET", Path: "/auth/users/",
				Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
			{Name: "PUT on the list is 405 when authenticated", Method: "PUT", Path: "/auth/users/", Headers: tok("alice"),
				Status: 405, Want: `{"detail":"Method \"PUT\" not allowed."}`, WantHeaders: map[string]string{"Allow": "GET, POST, HEAD, OPTIONS"}},
			{Name: "and 401 when anonymous", Method: "PUT", Path: "/auth/users/",
				Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
			{Name: "owner reads themself", Method: "GET", Path: "/auth/users/{{alice.id}}/", Headers: tok("alice"), Status: 200, Want: aliceJSON,
				WantHeaders: map[string]string{"Allow": "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"}},
			{Name: "another user is hidden", Method: "GET", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Status: 404, Want: notFound},
			{Name: "another user's PATCH is hidden", Method: "PATCH", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Body: `{"email":"x@example.com"}`, Status: 404, Want: notFound},
			{Name: "another user's PUT is hidden", Method: "PUT", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Body: `{"email":"x@example.com"}`, Status: 404, Want: notFound},
			{Name: "another user's DELETE is 403", Method: "DELETE", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"),
				Body: `{"current_password":"` + apitest.Password + `"}`, Status: 403, Want: forbidden},
			{Name: "the permission check comes before the body", Method: "PATCH", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"),
				Body: `{oops`, Status: 404, Want: notFound},
			{Name: "nonexistent id", Method: "GET", Path: "/auth/users/999/", Headers: tok("root"), Status: 404, Want: notFound},
			{Name: "non-numeric id", Method: "GET", Path: "/auth/users/abc/", Headers: tok("root"), Status: 404, Want: notFound},
			{Name: "POST on a detail route", Method: "POST", Path: "/auth/users/{{bob.id}}/", Headers: tok("root"),
				Status: 405, Want: `{"detail":"Method \"POST\" not allowed."}`},
			{Name: "anonymous detail", Method: "GET", Path: "/auth/users/{{bob.id}}/", Status: 401,
				Want: `{"detail":"Authentication credentials were not provided."}`},
			{Name: "admin reads another user", Method: "GET", Path: "/auth/users/{{bob.id}}/", Headers: tok("root"), Status: 200, Want: bobJSON},
			{Name: "admin updates another user", Method: "PATCH", Path: "/auth/users/{{bob.id}}/", Headers: tok("root"),
				Body: `{"email":"Bob@EXAMPLE.org"}`, Status: 200, Want: `{"email":"Bob@example.org","id":{{bob.id}},"username":"bob"}`},
			{Name: "owner PUT", Method: "PUT", Path: "/auth/users/{{alice.id}}/", Headers: tok("alice"),
				Body: `{"email":"alice@example.net"}`, Status: 200, Want: `{"email":"alice@example.net","id":{{alice.id}},"username":"alice"}`},
			{Name: "malformed body after the permission check", Method: "PUT", Path: "/auth/users/{{alice.id}}/", Headers: tok("alice"),
				ContentType: "text/plain", Body: "x", Status: 415, Want: `{"detail":"Unsupported media type \"text/plain\" in request."}`},
			{Name: "admin delete needs the admin's own password", Method: "DELETE", Path: "/auth/users/{{bob.id}}/", Headers: tok("root"),
				Body: `{"current_password":"wrong"}`, Status: 400, Want: `{"current_password":["Invalid password."]}`},
			{Name: "admin deletes another user", Method: "DELETE", Path: "/auth/users/{{bob.id}}/", Headers: tok("root"),
				Body: `{"current_password":"` + apitest.Password + `"}`, Status: 204, Want: "", WantHeaders: map[string]string{"Content-Type": ""}},
			{Name: "the deleted user's token is gone", Setup: apitest.UserDeleted("bob"), Method: "GET", Path: "/auth/users/me/", Headers: tok("bob"),
				Status: 401, Want: `{"detail":"Invalid token."}`},
			{Name: "the deleted user is gone", Setup: apitest.UserDeleted("bob"), Method: "GET", Path: "/auth/users/{{bob.id}}/", Headers: tok("root"), Status: 404, Want: notFound},
		})
	})
}

func TestListAndDetailWithoutHideUsers(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"HIDE_USERS": "false"})
		f := s.NewFixture(t)
		s.Run(t, f, []apitest.Scenario{
			{Name: "everyone sees everybody", Method: "GET", Path: "/auth/users/", Headers: tok("alice"),
				Status: 200, Want: "[" + aliceJSON + "," + bobJSON + "," + rootJSON + "]"},
			{Name: "another user's GET is 403", Method: "GET", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Status: 403, Want: forbidden},
			{Name: "another user's PATCH is 403", Method: "PATCH", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Body: `{}`, Status: 403, Want: forbidden},
			{Name: "another user's DELETE is 403", Method: "DELETE", Path: "/auth/users/{{bob.id}}/", Headers: tok("alice"), Body: `{}`, Status: 403, Want: forbidden},
			{Name: "nonexistent is still 404", Method: "GET", Path: "/auth/users/999/", Headers: tok("alice"), Status: 404, Want: notFound},
		})
	})
}

func TestMe(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		s.Run(t, f, []apitest.Scenario{
			{Name: "read", Method: "GET", Path: "/auth/users/me/", Headers: tok("alice"), Status: 200, Want: aliceJSON,
				WantHeaders: map[string]string{
					"Content-Type": "application/json", "Allow": "GET, PUT, PATCH, DELETE, HEAD, OPTIONS", "Vary": "Accept",
					"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
				}},
			{Name: "format suffix", Method: "GET", Path: "/auth/users/me.json", Headers: tok("alice"), Status: 200, Want: aliceJSON},
			{Name: "HEAD answers like GET without a body", Method: "HEAD", Path: "/auth/users/me/", Headers: tok("alice"), Status: 200, Want: ""},
			{Name: "PUT with an empty object changes nothing", Method: "PUT", Path: "/auth/users/me/", Headers: tok("alice"), Body: `{}`, Status: 200, Want: aliceJSON},
			{Name: "read-only and unknown fields are ignored", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("alice"),
				Body: `{"username":"evil","id":42,"is_staff":true}`, Status: 200, Want: aliceJSON},
			{Name: "bad email", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("alice"),
				Body: `{"email":"not-an-email"}`, Status: 400, Want: `{"email":["Enter a valid email address."]}`},
			{Name: "email change", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("alice"), ContentType: form,
				Body: "email=Alice%40Example.COM", Status: 200, Want: `{"email":"Alice@example.com","id":{{alice.id}},"username":"alice"}`},
			{Name: "blank email is allowed", Method: "PUT", Path: "/auth/users/me/", Headers: tok("alice"),
				Body: `{"email":""}`, Status: 200, Want: `{"email":"","id":{{alice.id}},"username":"alice"}`},
			{Name: "POST is 405", Method: "POST", Path: "/auth/users/me/", Headers: tok("alice"),
				Status: 405, Want: `{"detail":"Method \"POST\" not allowed."}`, WantHeaders: map[string]string{"Allow": "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"}},
			{Name: "OPTIONS when authenticated", Method: "OPTIONS", Path: "/auth/users/me/", Headers: tok("alice"), Status: 200, AnyBody: true},
			{Name: "anonymous OPTIONS on a viewset route", Method: "OPTIONS", Path: "/auth/users/", Status: 401,
				Want: `{"detail":"Authentication credentials were not provided."}`},
			{Name: "anonymous", Method: "GET", Path: "/auth/users/me/", Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
			{Name: "delete needs current_password", Method: "DELETE", Path: "/auth/users/me/", Headers: tok("alice"), Body: `{}`,
				Status: 400, Want: `{"current_password":["This field is required."]}`},
			{Name: "delete without a body", Method: "DELETE", Path: "/auth/users/me/", Headers: tok("alice"),
				Status: 400, Want: `{"current_password":["This field is required."]}`},
			{Name: "delete with a wrong password", Method: "DELETE", Path: "/auth/users/me/", Headers: tok("alice"),
				Body: `{"current_password":"wrong"}`, Status: 400, Want: `{"current_password":["Invalid password."]}`},
			{Name: "delete", Method: "DELETE", Path: "/auth/users/me/", Headers: tok("alice"),
				Body: `{"current_password":"` + apitest.Password + `"}`, Status: 204, Want: "", WantHeaders: map[string]string{"Content-Type": ""}},
			{Name: "the token died with the user", Setup: apitest.UserDeleted("alice"), Method: "GET", Path: "/auth/users/me/", Headers: tok("alice"), Status: 401, Want: `{"detail":"Invalid token."}`},
			{Name: "the user cannot log in", Setup: apitest.UserDeleted("alice"), Method: "POST", Path: "/auth/token/login/", Body: `{"username":"alice","password":"` + apitest.Password + `"}`,
				Status: 400, Want: `{"non_field_errors":["Unable to log in with provided credentials."]}`},
			{Name: "the username is free again", Setup: apitest.UserDeleted("alice"), Method: "POST", Path: "/auth/users/", Body: `{"username":"alice","password":"` + apitest.Password + `"}`,
				Status: 201, AnyBody: true},
		})
	})
}

func TestRoutingAndFraming(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		s.Run(t, f, []apitest.Scenario{
			{Name: "unknown path", Method: "GET", Path: "/nope", Status: 404, Want: notFound, WantHeaders: map[string]string{"Content-Type": "application/json"}},
			{Name: "unknown path under auth", Method: "POST", Path: "/auth/users/me/extra/", Status: 404, Want: notFound},
			{Name: "slash-less GET redirects", Method: "GET", Path: "/auth/users/me", Headers: tok("alice"), Status: 301, Want: "",
				WantHeaders: map[string]string{"Location": "/auth/users/me/"}},
			{Name: "slash-less POST keeps its method and body", Method: "POST", Path: "/auth/users", Body: `{}`, Status: 308, Want: "",
				WantHeaders: map[string]string{"Location": "/auth/users/"}},
			{Name: "slash-less detail", Method: "GET", Path: "/auth/users/{{alice.id}}?x=1", Status: 301, Want: "",
				WantHeaders: map[string]string{"Location": "/auth/users/{{alice.id}}/?x=1"}},
			{Name: "unacceptable Accept", Method: "GET", Path: "/auth/users/me/", Headers: map[string]string{"Accept": "application/xml"},
				Status: 406, Want: `{"detail":"Could not satisfy the request Accept header."}`},
			{Name: "Accept any", Method: "GET", Path: "/auth/users/me/", Headers: map[string]string{"Accept": "*/*", "Authorization": "Token {{alice.token}}"},
				Status: 200, Want: aliceJSON},
			{Name: "lower-case method", Method: "get", Path: "/auth/users/me/", Headers: tok("alice"), Status: 200, Want: aliceJSON},
		})
	})
}
