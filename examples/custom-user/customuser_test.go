//go:build recipe

// Tests of README's recipe (Customising the user model): GOJOSER_LOGIN_FIELD=email, and the profile
// fields first_name and last_name (required at registration) and phone (optional, nullable, with a
// pattern). .ci/recipe.sh applies recipe.diff to a copy of the tree, regenerates, and runs this file
// there as internal/recipe, on SQLite and PostgreSQL.
package recipe_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

var settings = map[string]string{"LOGIN_FIELD": "email", "USER_CREATE_PASSWORD_RETYPE": "true"}

func TestCustomUser(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, settings)
		pw := apitest.Password
		f := apitest.Fixture{}
		tok := func(v string) map[string]string {
			return map[string]string{"Authorization": "Token {{" + v + ".token}}"}
		}
		s.Run(t, f, []apitest.Scenario{
			{Name: "every error at once, in the serializer's order (UserCreated's)", Method: "POST", Path: "/auth/users/",
				Body:   `{"phone":"12","password":"` + pw + `","re_password":"` + pw + `"}`,
				Status: 400, Want: `{"email":["This field is required."],"first_name":["This field is required."],"last_name":["This field is required."],` +
					`"phone":["Enter a valid value."],"username":["This field is required."]}`},
			{Name: "blank, too long, a pattern and a length together", Method: "POST", Path: "/auth/users/",
				Body: `{"username":"ann","email":"ann@example.com","first_name":" ","last_name":"` + strings.Repeat("x", 151) + `",` +
					`"phone":"+1 555 0100 1234 5678 90","password":"` + pw + `","re_password":"` + pw + `"}`,
				Status: 400, Want: `{"first_name":["This field may not be blank."],"last_name":["Ensure this field has no more than 150 characters."],` +
					`"phone":["Enter a valid value.","Ensure this field has no more than 20 characters."]}`},
			{Name: "registered; phone absent is null", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"ann","email":"Ann@EXAMPLE.com","first_name":" Ann ","last_name":"Lee","password":"` + pw + `","re_password":"` + pw + `"}`,
				Status: 201, Want: `{"email":"Ann@example.com","first_name":"Ann","last_name":"Lee","phone":null,"username":"ann","id":1}`},
			{Name: "the address is taken in any case", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"bob","email":"ann@example.com","first_name":"Bob","last_name":"Ray","phone":"+44 20 7946 0000","password":"` + pw + `","re_password":"` + pw + `"}`,
				Status: 400, Want: `{"email":["user with this email address already exists."]}`},
			{Name: "the password may not look like the first name", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"quinn","email":"q@example.com","first_name":"Quixotic","last_name":"Q","password":"quixotic1","re_password":"quixotic1"}`,
				Status: 400, Want: `{"password":["The password is too similar to the first name."]}`},
			{Name: "bob, with a phone", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"bob","email":"bob@example.com","first_name":"Bob","last_name":"Ray","phone":"+44 20 7946 0000","password":"` + pw + `","re_password":"` + pw + `"}`,
				Status: 201, Want: `{"email":"bob@example.com","first_name":"Bob","last_name":"Ray","phone":"+44 20 7946 0000","username":"bob","id":2}`},
		})
		f["ann.token"] = s.LoginAs(t, "email", "ann@example.com", pw)
		s.Run(t, f, []apitest.Scenario{
			{Name: "me", Method: "GET", Path: "/auth/users/me/", Headers: tok("ann"),
				Status: 200, Want: `{"email":"Ann@example.com","first_name":"Ann","last_name":"Lee","phone":null,"id":1,"username":"ann"}`},
			{Name: "PATCH writes what it names", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"), Body: `{"phone":"+1 555 0100"}`,
				Status: 200, Want: `{"email":"Ann@example.com","first_name":"Ann","last_name":"Lee","phone":"+1 555 0100","id":1,"username":"ann"}`},
			{Name: "me shows it at once", Method: "GET", Path: "/auth/users/me/", Headers: tok("ann"),
				Status: 200, Want: `{"email":"Ann@example.com","first_name":"Ann","last_name":"Lee","phone":"+1 555 0100","id":1,"username":"ann"}`},
			{Name: "PUT must give the required fields", Method: "PUT", Path: "/auth/users/me/", Headers: tok("ann"), Body: `{"phone":null}`,
				Status: 400, Want: `{"first_name":["This field is required."],"last_name":["This field is required."]}`},
			{Name: "PUT", Method: "PUT", Path: "/auth/users/me/", Headers: tok("ann"), Body: `{"first_name":"Annie","last_name":"Lee","phone":null}`,
				Status: 200, Want: `{"email":"Ann@example.com","first_name":"Annie","last_name":"Lee","phone":null,"id":1,"username":"ann"}`},
			{Name: "detail and list show the fields", Method: "GET", Path: "/auth/users/1/", Headers: tok("ann"),
				Status: 200, Want: `{"email":"Ann@example.com","first_name":"Annie","last_name":"Lee","phone":null,"id":1,"username":"ann"}`},
			{Name: "list", Method: "GET", Path: "/auth/users/", Headers: tok("ann"),
				Status: 200, Want: `[{"email":"Ann@example.com","first_name":"Annie","last_name":"Lee","phone":null,"id":1,"username":"ann"}]`},
			{Name: "another user's address is taken on update too", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"), Body: `{"email":"BOB@example.com","first_name":""}`,
				Status: 400, Want: `{"email":["user with this email address already exists."],"first_name":["This field may not be blank."]}`},
			{Name: "a JWT by email sees the same user", Method: "POST", Path: "/auth/jwt/create/", Body: `{"email":"ann@example.com","password":"` + pw + `"}`,
				Status: 200, AnyBody: true},
		})
	})
}
