package httpapi_test

import (
	"context"
	encjson "encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/config"
)

// GOJOSER_LOGIN_FIELD=email: Djoser's LOGIN_FIELD. Token login (and jwt/create, see below) take the
// email; email becomes unique, ignoring case.
var loginEmail = map[string]string{"LOGIN_FIELD": "email", "USER_CREATE_PASSWORD_RETYPE": "true", "SET_USERNAME_RETYPE": "true"}

// TestLoginEmailReplaysDjoser replays what Djoser answered with LOGIN_FIELD = "email"
// (testdata/djoser-email/loginemail.json, recorded by record.py from Debian's Djoser).
func TestLoginEmailReplaysDjoser(t *testing.T) {
	t.Parallel()
	rec := apitest.LoadRecording(t, "../../testdata/djoser-email/loginemail.json")
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, loginEmail)
		// The recording's users, made as record.py makes them: alice, bob, and carol, inactive.
		for i, u := range [][2]string{{"alice", "Alice@example.com"}, {"bob", "bob@example.com"}, {"carol", "carol@example.com"}} {
			b, _ := encjson.Marshal(map[string]string{"username": u[0], "email": u[1], "password": rec.Password, "re_password": rec.Password})
			s.Expect(t, "POST", "/auth/users/", string(b), "", 201, `{"email":"`+u[1]+`","username":"`+u[0]+`","id":`+apitest.Fmt(i+1)+`}`)
		}
		if err := s.App.DB.User.Update().Where(user.Username("carol")).SetIsActive(false).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Replay(t, rec, map[string]string{}, map[string]apitest.Deviation{
			"the token works": {Status: 200, Response: `{"email":"Alice@example.com","id":1,"username":"alice"}`,
				Why: "Djoser builds its user from REQUIRED_FIELDS + (id, LOGIN_FIELD), so with LOGIN_FIELD=email the username " +
					"drops out; gojoser's user is openapi.yaml's User, which keeps it (a spec without it is Djoser's shape)."},
			"email in another case": {Status: 200, Response: `{"auth_token":"{{alice.token2}}"}`,
				Why: "email is unique ignoring case, so a login ignores case too; Djoser compares exactly."},
			"jwt create with email": {Status: 200, Response: `{"refresh":"{{alice.refresh2}}","access":"{{alice.access2}}"}`,
				Why: "SimpleJWT takes USERNAME_FIELD (username); gojoser also takes the email, so that one login field works " +
					"on both endpoints (issue #16). A body without email is SimpleJWT's, as the other exchanges show."},
		})
	})
}

// Registering the same address twice, in any case, at once: the unique index lets one through.
func TestLoginEmailUniqueUnderConcurrency(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, map[string]string{"LOGIN_FIELD": "email"})
		got := apitest.Together(8, func(i int) string {
			email := []string{"Same@Example.com", "same@example.COM"}[i%2]
			b, _ := encjson.Marshal(map[string]string{"username": "user" + apitest.Fmt(i), "email": email, "password": apitest.Password})
			status, body := s.Call(t, "POST", "/auth/users/", string(b), "")
			return apitest.Fmt(status) + " " + body
		})
		apitest.OneWins(t, got, `400 {"email":["user with this email address already exists."]}`)
	})
}

func TestLoginEmail(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, loginEmail)
		f := apitest.Fixture{}
		reg := func(name, email string) string {
			b, _ := encjson.Marshal(map[string]string{"username": name, "email": email, "password": apitest.Password, "re_password": apitest.Password})
			return string(b)
		}
		s.Run(t, f, []apitest.Scenario{
			{Name: "email is required", Method: "POST", Path: "/auth/users/", Body: `{"username":"ann","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 400, Want: `{"email":["This field is required."]}`},
			{Name: "and may not be blank", Method: "POST", Path: "/auth/users/", Body: `{"email":" ","username":"ann","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 400, Want: `{"email":["This field may not be blank."]}`},
			{Name: "registered", Method: "POST", Path: "/auth/users/", Body: reg("ann", "Ann@EXAMPLE.com"),
				Status: 201, Want: `{"email":"Ann@example.com","username":"ann","id":1}`},
			{Name: "the address in another case is taken, with the other field errors", Method: "POST", Path: "/auth/users/",
				Body:   `{"email":"ann@example.com","username":"ann","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 400, Want: `{"email":["user with this email address already exists."],"username":["A user with that username already exists."]}`},
			{Name: "bob", Method: "POST", Path: "/auth/users/", Body: reg("bob", "bob@example.com"),
				Status: 201, Want: `{"email":"bob@example.com","username":"bob","id":2}`},
			{Name: "login by email, any case", Method: "POST", Path: "/auth/token/login/", Body: `{"email":"ANN@example.com","password":"` + apitest.Password + `"}`,
				Status: 200, AnyBody: true},
			{Name: "a username does not log in", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"ann","password":"` + apitest.Password + `"}`,
				Status: 400, Want: `{"non_field_errors":["Unable to log in with provided credentials."]}`},
		})
		f["ann.token"] = s.LoginAs(t, "email", "ann@example.com", apitest.Password)
		s.Run(t, f, []apitest.Scenario{
			{Name: "another user's address, in another case, is taken", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"),
				Body: `{"email":"BOB@example.com"}`, Status: 400, Want: `{"email":["user with this email address already exists."]}`},
			{Name: "one's own address in another case is not", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"),
				Body: `{"email":"ANN@example.com"}`, Status: 200, Want: `{"email":"ANN@example.com","id":1,"username":"ann"}`},
			{Name: "the address may not be blanked", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"),
				Body: `{"email":""}`, Status: 400, Want: `{"email":["This field may not be blank."]}`},
			{Name: "a PUT need not give it", Method: "PUT", Path: "/auth/users/me/", Headers: tok("ann"),
				Body: `{}`, Status: 200, Want: `{"email":"ANN@example.com","id":1,"username":"ann"}`},
			{Name: "a new address", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"),
				Body: `{"email":"ann2@example.com"}`, Status: 200, Want: `{"email":"ann2@example.com","id":1,"username":"ann"}`},
			{Name: "frees the old one", Method: "POST", Path: "/auth/users/", Body: reg("anne", "ann@example.com"),
				Status: 201, Want: `{"email":"ann@example.com","username":"anne","id":3}`},
			{Name: "jwt/create by username, as SimpleJWT", Method: "POST", Path: "/auth/jwt/create/",
				Body: `{"username":"ann","password":"` + apitest.Password + `"}`, Status: 200, AnyBody: true},
			{Name: "jwt/create by email", Method: "POST", Path: "/auth/jwt/create/",
				Body: `{"email":"ANN2@example.com","password":"` + apitest.Password + `"}`, Status: 200, AnyBody: true},
			{Name: "jwt/create by email, blanks", Method: "POST", Path: "/auth/jwt/create/", Body: `{"email":"","password":""}`,
				Status: 400, Want: `{"email":["This field may not be blank."],"password":["This field may not be blank."]}`},
			{Name: "jwt/create by email, wrong password", Method: "POST", Path: "/auth/jwt/create/", Body: `{"email":"ann2@example.com","password":"nope-nope-nope"}`,
				Status: 401, Want: `{"detail":"No active account found with the given credentials"}`},
			{Name: "set_username still changes the username", Method: "POST", Path: "/auth/users/set_username/", Headers: tok("ann"),
				Body: `{"current_password":"` + apitest.Password + `","new_username":"ann_b","re_new_username":"ann_b"}`, Status: 204},
		})
	})
}

// Addresses shared before email became a login stop the start, each listed; once they differ the server
// starts and fills the keys, so the old users log in by email. Without the setting they may repeat
// again.
func TestLoginEmailStartRefusesSharedAddresses(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		url := db.NewURL(t)
		s := apitest.StartOn(t, url, nil, app.Options{})
		s.Register(t, "ann", "Shared@example.com", apitest.Password)
		s.Register(t, "bob", "bob@example.com", apitest.Password)
		s.Register(t, "cat", "shared@EXAMPLE.com", apitest.Password)
		s.Register(t, "dan", "", apitest.Password)
		s.Register(t, "eve", "", apitest.Password)
		s.Stop()

		_, err := startApp(t, url, map[string]string{"LOGIN_FIELD": "email"})
		if err == nil || !strings.Contains(err.Error(), "shared@example.com: users 1, 3") || !strings.Contains(err.Error(), "1 addresses are shared") {
			t.Fatalf("start with shared addresses: err = %v", err)
		}
		outsider := s.Outsider(t)
		if err := outsider.User.UpdateOneID(3).SetEmail("cat@example.com").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		s = apitest.StartOn(t, url, map[string]string{"LOGIN_FIELD": "email"}, app.Options{})
		s.LoginAs(t, "email", "SHARED@example.com", apitest.Password)
		s.Expect(t, "POST", "/auth/users/", `{"username":"fay","email":"BOB@example.com","password":"`+apitest.Password+`"}`, "",
			400, `{"email":["user with this email address already exists."]}`)
		s.Stop()

		s = apitest.StartOn(t, url, nil, app.Options{})
		s.Expect(t, "POST", "/auth/users/", `{"username":"fay","email":"BOB@example.com","password":"`+apitest.Password+`"}`, "",
			201, `{"email":"BOB@example.com","username":"fay","id":6}`)
	})
}

// startApp builds the app on databaseURL as a node starting up does, returning New's error.
func startApp(t *testing.T, databaseURL string, settings map[string]string) (*app.App, error) {
	t.Helper()
	cfg, err := config.FromMap(apitest.Environ(databaseURL, settings))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if a != nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

// An address asked for with GOJOSER_EMAIL_CHANGE_CONFIRM waits for its link; when another user takes it
// meanwhile, the link is refused with the address's error, not a 500.
func TestLoginEmailChangeConfirmedAfterTheAddressWasTaken(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"LOGIN_FIELD": "email", "EMAIL_CHANGE_CONFIRM": "true"})
		e.Register(t, "ann", "ann@example.com", apitest.Password)
		ann := e.LoginAs(t, "email", "ann@example.com", apitest.Password)
		e.Expect(t, "PATCH", "/auth/users/me/", `{"email":"new@example.com"}`, ann, 200, `{"email":"ann@example.com","id":1,"username":"ann"}`)
		_, uid, token := e.Mailbox.WaitFor(t, "new@example.com", 1)[0].Link(t)
		e.Register(t, "bob", "NEW@example.com", apitest.Password)
		e.Expect(t, "POST", "/auth/users/email_change_confirm/", `{"uid":"`+uid+`","token":"`+token+`"}`, "",
			400, `{"non_field_errors":["user with this email address already exists."]}`)
		e.Expect(t, "GET", "/auth/users/me/", "", ann, 200, `{"email":"ann@example.com","id":1,"username":"ann"}`)
	})
}
