package httpapi_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

// TestHostileInput: input that once reached the database and came back as a 500 (PostgreSQL refuses NUL
// bytes and invalid UTF-8; the outbox refused long addresses) gets DRF's answer on both databases.
func TestHostileInput(t *testing.T) {
	const nul = `{"username":["Null characters are not allowed."]}`
	long := strings.Repeat("a", 250) + "@example.com"
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		form := "application/x-www-form-urlencoded"
		s.Run(t, f, []apitest.Scenario{
			{Name: "NUL in the token login username (JSON)", Method: "POST", Path: "/auth/token/login/",
				Body: `{"username":"ali\u0000ce","password":"x"}`, Status: 400, Want: nul},
			{Name: "NUL in the token login username (form)", Method: "POST", Path: "/auth/token/login/",
				ContentType: form, Body: "username=ali%00ce&password=x", Status: 400, Want: nul},
			{Name: "NUL in the JWT login username (JSON)", Method: "POST", Path: "/auth/jwt/create/",
				Body: `{"username":"ali\u0000ce","password":"x"}`, Status: 400, Want: nul},
			{Name: "NUL in the JWT login username (form)", Method: "POST", Path: "/auth/jwt/create/",
				ContentType: form, Body: "username=ali%00ce&password=x", Status: 400, Want: nul},
			{Name: "NUL in a password", Method: "POST", Path: "/auth/token/login/",
				Body: `{"username":"alice","password":"a\u0000b"}`, Status: 400, Want: `{"password":["Null characters are not allowed."]}`},
			{Name: "NUL in every field of a registration, all reported", Method: "POST", Path: "/auth/users/",
				Body: `{"username":"n\u0000l","email":"n\u0000l@example.com","password":"n\u0000l-long-password"}`, Status: 400,
				Want: `{"email":["Null characters are not allowed.","Enter a valid email address."],"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.","Null characters are not allowed."],"password":["Null characters are not allowed."]}`},
			{Name: "NUL in a reset address", Method: "POST", Path: "/auth/users/reset_password/",
				Body: `{"email":"a\u0000@example.com"}`, Status: 400, Want: `{"email":["Null characters are not allowed.","Enter a valid email address."]}`},
			{Name: "invalid UTF-8 in a role path", Method: "PUT", Path: "/auth/users/{{alice.id}}/roles/%FF%FE/",
				Headers: tok("root"), Status: 404, Want: `{"detail":"Not found."}`},
			{Name: "NUL in a role path", Method: "DELETE", Path: "/auth/users/{{alice.id}}/roles/ad%00min/",
				Headers: tok("root"), Status: 404, Want: `{"detail":"Not found."}`},
			{Name: "an address longer than any account's: reset_password", Method: "POST", Path: "/auth/users/reset_password/",
				Body: `{"email":"` + long + `"}`, Status: 204},
			{Name: "an address longer than any account's: reset_username", Method: "POST", Path: "/auth/users/reset_username/",
				Body: `{"email":"` + long + `"}`, Status: 204},
		})
		activation := apitest.Start(t, db, map[string]string{"SEND_ACTIVATION_EMAIL": "true"})
		activation.Run(t, nil, []apitest.Scenario{
			{Name: "an address longer than any account's: resend_activation", Method: "POST", Path: "/auth/users/resend_activation/",
				Body: `{"email":"` + long + `"}`, Status: 204},
		})
	})
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND": "true"})
		s.Run(t, nil, []apitest.Scenario{
			{Name: "a long address is one nobody has", Method: "POST", Path: "/auth/users/reset_password/",
				Body: `{"email":"` + long + `"}`, Status: 400, Want: `["User with given email does not exist."]`},
		})
	})
}
