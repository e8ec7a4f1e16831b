//go:build recipe

// Tests of the email-user recipe (README, "Customising the user model"): a user model whose
// USERNAME_FIELD is email, without usernames, with REQUIRED_FIELDS first_name and last_name and two
// more profile fields. .ci/recipe.sh applies recipe.diff to a copy of the tree, regenerates, and runs
// this file there as internal/recipe.
package recipe_test

import (
	encjson "encoding/json"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

var settings = map[string]string{"USER_CREATE_PASSWORD_RETYPE": "true", "SET_USERNAME_RETYPE": "true"}

// TestEmailUserReplaysDjoser replays what Djoser answered with the same user model
// (testdata/djoser-email/emailuser.json, recorded by record.py from Debian's Djoser).
func TestEmailUserReplaysDjoser(t *testing.T) {
	t.Parallel()
	rec := apitest.LoadRecording(t, "../../testdata/djoser-email/emailuser.json")
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, settings)
		s.Replay(t, rec, map[string]string{}, map[string]apitest.Deviation{
			"login with the email in another case": {Status: 200, Response: `{"auth_token":"{{alice.token2}}"}`,
				Why: "email is unique ignoring case, so a login ignores case too; Django's ModelBackend compares exactly."},
			"register: email taken in another case": {Status: 400, Response: `{"email":["user with this email address already exists."]}`,
				Why: "Django's unique constraint is case-sensitive, so BOB@ and bob@ are two users there; gojoser keeps " +
					"one address to one user, ignoring case (issue #16)."},
		})
	})
}

func reg(first, last, email string) string {
	b, _ := encjson.Marshal(map[string]string{"first_name": first, "last_name": last, "email": email,
		"password": apitest.Password, "re_password": apitest.Password})
	return string(b)
}

func TestEmailUser(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, settings)
		f := apitest.Fixture{}
		e.Expect(t, "POST", "/auth/users/", reg("Ann", "Lee", "ann@example.com"), "", 201,
			`{"first_name":"Ann","last_name":"Lee","phone":"","age":null,"email":"ann@example.com","id":1}`)
		e.Expect(t, "POST", "/auth/users/", reg("Bob", "Ray", "bob@example.com"), "", 201,
			`{"first_name":"Bob","last_name":"Ray","phone":"","age":null,"email":"bob@example.com","id":2}`)
		f["ann.token"] = e.LoginAs(t, "email", "ann@example.com", apitest.Password)
		admin, err := e.App.Users.CreateSuperuser(t.Context(), "ignored", "root@example.com", apitest.Password)
		if err != nil {
			t.Fatal(err)
		}
		f["root.token"] = e.LoginAs(t, "email", "root@example.com", apitest.Password)
		tok := func(v string) map[string]string {
			return map[string]string{"Authorization": "Token {{" + v + ".token}}"}
		}
		e.Run(t, f, []apitest.Scenario{
			{Name: "a superuser has no username either", Method: "GET", Path: "/auth/users/me/", Headers: tok("root"),
				Status: 200, Want: `{"first_name":"","last_name":"","phone":"","age":null,"id":` + apitest.Fmt(admin.ID) + `,"email":"root@example.com"}`},
			{Name: "an admin writes another user's profile", Method: "PATCH", Path: "/auth/users/2/", Headers: tok("root"),
				Body: `{"age":"41"}`, Status: 200, Want: `{"first_name":"Bob","last_name":"Ray","phone":"","age":41,"id":2,"email":"bob@example.com"}`},
			{Name: "the representation follows every write", Method: "GET", Path: "/auth/users/", Headers: tok("root"),
				Status: 200, Want: `[{"first_name":"Ann","last_name":"Lee","phone":"","age":null,"id":1,"email":"ann@example.com"},` +
					`{"first_name":"Bob","last_name":"Ray","phone":"","age":41,"id":2,"email":"bob@example.com"},` +
					`{"first_name":"","last_name":"","phone":"","age":null,"id":3,"email":"root@example.com"}]`},
			{Name: "me is answered from the cached viewer, which the write invalidated", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"),
				Body: `{"phone":"+1 555 0100"}`, Status: 200, AnyBody: true},
			{Name: "me after the write", Method: "GET", Path: "/auth/users/me/", Headers: tok("ann"),
				Status: 200, Want: `{"first_name":"Ann","last_name":"Lee","phone":"+1 555 0100","age":null,"id":1,"email":"ann@example.com"}`},
			{Name: "reset_email mails the address's owner", Method: "POST", Path: "/auth/users/reset_email/", Body: `{"email":"ANN@example.com"}`, Status: 204},
		})
		// The lookup by address is exact, as Django's; the mail goes to ann only once she asks in her case.
		e.Expect(t, "POST", "/auth/users/reset_email/", `{"email":"ann@example.com"}`, "", 204, "")
		_, uid, token := e.Mailbox.WaitFor(t, "ann@example.com", 1)[0].Link(t)
		e.Expect(t, "POST", "/auth/users/reset_email_confirm/", `{"uid":"`+uid+`","token":"`+token+`","new_email":"BOB@example.com"}`, "",
			400, `{"new_email":["user with this email address already exists."]}`)
		e.Expect(t, "POST", "/auth/users/reset_email_confirm/", `{"uid":"`+uid+`","token":"`+token+`","new_email":"ann.lee@EXAMPLE.com"}`, "", 204, "")
		e.LoginAs(t, "email", "ann.lee@example.com", apitest.Password)
		e.Expect(t, "POST", "/auth/token/login/", `{"email":"ann@example.com","password":"`+apitest.Password+`"}`, "",
			400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
		// A token outlives the change of the address it was issued for, as in Djoser.
		e.Expect(t, "GET", "/auth/users/me/", "", f["ann.token"], 200,
			`{"first_name":"Ann","last_name":"Lee","phone":"+1 555 0100","age":null,"id":1,"email":"ann.lee@example.com"}`)
	})
}

// Registering one address at once, in several cases: the unique index lets one through.
func TestEmailUserUniqueUnderConcurrency(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, settings)
		got := apitest.Together(8, func(i int) string {
			email := []string{"Same@Example.com", "same@example.COM"}[i%2]
			status, body := s.Call(t, "POST", "/auth/users/", reg("S", "T", email), "")
			return apitest.Fmt(status) + " " + body
		})
		apitest.OneWins(t, got, `400 {"email":["user with this email address already exists."]}`)
	})
}
