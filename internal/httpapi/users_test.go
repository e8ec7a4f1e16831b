package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// Settings of the contract's "main" recording: retype on, HIDE_USERS on.
var mainSettings = map[string]string{"USER_CREATE_PASSWORD_RETYPE": "true"}

const (
	json       = "application/json"
	form       = "application/x-www-form-urlencoded"
	notAllowed = `{"detail":"Method \"%s\" not allowed."}`
)

func tok(v string) map[string]string {
	return map[string]string{"Authorization": "Token {{" + v + ".token}}"}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, mainSettings)
		f := s.NewFixture(t) // ids 1-3
		s.Run(t, f, []apitest.Scenario{
			{Name: "created, keys in Djoser's order, domain lower-cased", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"carol","email":"Carol@EXAMPLE.COM","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 201, Want: `{"email":"Carol@example.com","username":"carol","id":4}`,
				WantHeaders: map[string]string{"Content-Type": "application/json", "Allow": "GET, POST, HEAD, OPTIONS", "WWW-Authenticate": ""}},
			{Name: "email is optional", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"dave","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 201, Want: `{"email":"","username":"dave","id":5}`},
			{Name: "duplicate email is accepted", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"alice2","email":"alice@example.com","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 201, Want: `{"email":"alice@example.com","username":"alice2","id":6}`},
			{Name: "usernames are case-sensitive", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"ALICE","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 201, Want: `{"email":"","username":"ALICE","id":7}`},
			{Name: "duplicate username", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"alice","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 400, Want: `{"username":["A user with that username already exists."]}`},
			{Name: "empty object: required fields in declaration order", Method: "POST", Path: "/auth/users/", Body: `{}`,
				Status: 400, Want: `{"username":["This field is required."],"password":["This field is required."],"re_password":["This field is required."]}`},
			{Name: "missing body is an empty object", Method: "POST", Path: "/auth/users/",
				Status: 400, Want: `{"username":["This field is required."],"password":["This field is required."],"re_password":["This field is required."]}`},
			{Name: "nulls", Method: "POST", Path: "/auth/users/", Body: `{"email":null,"username":null,"password":null,"re_password":null}`,
				Status: 400, Want: `{"email":["This field may not be null."],"username":["This field may not be null."],"password":["This field may not be null."],"re_password":["This field may not be null."]}`},
			{Name: "blanks, a blank email is allowed", Method: "POST", Path: "/auth/users/", Body: `{"email":"","username":" ","password":"","re_password":"  "}`,
				Status: 400, Want: `{"username":["This field may not be blank."],"password":["This field may not be blank."],"re_password":["This field may not be blank."]}`},
			{Name: "wrong types", Method: "POST", Path: "/auth/users/", Body: `{"email":["a"],"username":true,"password":{"a":1},"re_password":"x"}`,
				Status: 400, Want: `{"email":["Not a valid string."],"username":["Not a valid string."],"password":["Not a valid string."]}`},
			{Name: "bad email and username", Method: "POST", Path: "/auth/users/", Body: `{"email":"nope","username":"a b!","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 400, Want: `{"email":["Enter a valid email address."],"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`},
			{Name: "username too long", Method: "POST", Path: "/auth/users/", Body: `{"username":"` + strings.Repeat("u", 151) + `","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 400, Want: `{"username":["Ensure this field has no more than 150 characters."]}`},
			{Name: "password validators report together and win over the retype check", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"erin","password":"1234567","re_password":"other"}`,
				Status: 400, Want: `{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
			{Name: "password similar to the username", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"quixotic_fred","password":"quixotic_fred7","re_password":"quixotic_fred7"}`,
				Status: 400, Want: `{"password":["The password is too similar to the username."]}`},
			{Name: "a number is a string to DRF", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"gina","password":12345678,"re_password":12345678}`,
				Status: 400, Want: `{"password":["This password is too common.","This password is entirely numeric."]}`},
			{Name: "retype mismatch", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"hank","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zY"}`,
				Status: 400, Want: `{"non_field_errors":["The two password fields didn't match."]}`},
			{Name: "passwords are trimmed before comparing", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"hank","password":"  vQ7#kLm9zX ","re_password":"vQ7#kLm9zX"}`,
				Status: 201, Want: `{"email":"","username":"hank","id":8}`},
			{Name: "trimmed password logs in", Setup: apitest.UserExists("hank", "vQ7#kLm9zX"), Method: "POST", Path: "/auth/token/login/",
				Body: `{"username":"hank","password":"vQ7#kLm9zX"}`, Status: 200, AnyBody: true},
			{Name: "form-encoded", Method: "POST", Path: "/auth/users/", ContentType: form,
				Body:   "username=ivan&email=ivan%40example.com&password=vQ7%23kLm9zX&re_password=vQ7%23kLm9zX",
				Status: 201, Want: `{"email":"ivan@example.com","username":"ivan","id":9}`},
			{Name: "multipart", Method: "POST", Path: "/auth/users/", ContentType: "multipart/form-data; boundary=XX",
				Body:   "--XX\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njudy\r\n--XX\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nvQ7#kLm9zX\r\n--XX\r\nContent-Disposition: form-data; name=\"re_password\"\r\n\r\nvQ7#kLm9zX\r\n--XX--\r\n",
				Status: 201, Want: `{"email":"","username":"judy","id":10}`},
			{Name: "unsupported media type", Method: "POST", Path: "/auth/users/", ContentType: "text/plain", Body: "hi",
				Status: 415, Want: `{"detail":"Unsupported media type \"text/plain\" in request."}`},
			{Name: "malformed JSON", Method: "POST", Path: "/auth/users/", Body: `{username}`,
				Status: 400, Want: `{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}`},
			{Name: "JSON list", Method: "POST", Path: "/auth/users/", Body: `[]`,
				Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
			{Name: "JSON string", Method: "POST", Path: "/auth/users/", Body: `"abc"`,
				Status: 400, Want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
			{Name: "JSON null", Method: "POST", Path: "/auth/users/", Body: `null`,
				Status: 400, Want: `{"non_field_errors":["No data provided"]}`},
			{Name: "an invalid token fails even a public endpoint", Method: "POST", Path: "/auth/users/",
				Body: `{}`, Headers: map[string]string{"Authorization": "Token deadbeef"},
				Status: 401, Want: `{"detail":"Invalid token."}`, WantHeaders: map[string]string{"WWW-Authenticate": "Token"}},
			{Name: "authentication is checked before the body", Method: "POST", Path: "/auth/users/", ContentType: "text/plain",
				Body: "x", Headers: map[string]string{"Authorization": "Token"},
				Status: 401, Want: `{"detail":"Invalid token header. No credentials provided."}`},
			{Name: "a valid token is ignored", Method: "POST", Path: "/auth/users/", Headers: tok("alice"),
				Body:   `{"username":"kim","password":"vQ7#kLm9zX","re_password":"vQ7#kLm9zX"}`,
				Status: 201, Want: `{"email":"","username":"kim","id":11}`},
		})
	})
}

func TestRegisterCannotEscalate(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		s.Run(t, nil, []apitest.Scenario{
			{Name: "privileged and unknown fields are ignored", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"mallory","password":"vQ7#kLm9zX","is_staff":true,"is_superuser":true,"is_active":false,"id":99,"roles":["admin"],"foo":1}`,
				Status: 201, Want: `{"email":"","username":"mallory","id":1}`},
		})
		key := s.Login(t, "mallory", "vQ7#kLm9zX") // so is_active=false was ignored too
		s.Run(t, map[string]string{"k": key}, []apitest.Scenario{
			{Name: "no roles", Method: "GET", Path: "/auth/users/me/roles/", Headers: map[string]string{"Authorization": "Token {{k}}"},
				Status: 200, Want: `{"roles":[]}`},
			{Name: "cannot grant themself admin", Method: "PUT", Path: "/auth/users/1/roles/admin/", Headers: map[string]string{"Authorization": "Token {{k}}"},
				Status: 403, Want: `{"detail":"You do not have permission to perform this action."}`},
			{Name: "cannot write is_staff or roles through me", Method: "PATCH", Path: "/auth/users/me/", Headers: map[string]string{"Authorization": "Token {{k}}"},
				Body: `{"is_staff":true,"roles":["admin"],"username":"root"}`, Status: 200, Want: `{"email":"","id":1,"username":"mallory"}`},
			{Name: "still no roles", Method: "GET", Path: "/auth/users/me/roles/", Headers: map[string]string{"Authorization": "Token {{k}}"},
				Status: 200, Want: `{"roles":[]}`},
		})
	})
}

func TestConcurrentRegistrationOfOneUsername(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		const n = 50
		statuses := make([]int, n)
		bodies := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, body := s.Do(t, "POST", "/auth/users/", json, `{"username":"race","password":"vQ7#kLm9zX"}`, nil)
				statuses[i], bodies[i] = res.StatusCode, string(body)
			}()
		}
		wg.Wait()
		created := 0
		for i, st := range statuses {
			switch {
			case st == 201:
				created++
			case st == 400 && bodies[i] == `{"username":["A user with that username already exists."]}`:
			default:
				t.Errorf("request %d: %d %s", i, st, bodies[i])
			}
		}
		if created != 1 {
			t.Errorf("%d registrations succeeded, want exactly 1", created)
		}
	})
}

var hex40 = regexp.MustCompile(`^\{"auth_token":"[0-9a-f]{40}"\}$`)

// TestLoginRecordsItself: a login stamps last_login, ends outstanding account links, upgrades a hash
// made with older argon2 parameters and issues the token, together; a failed one changes nothing. On
// PostgreSQL all of that is one statement, on SQLite a transaction.
func TestLoginRecordsItself(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		ctx := context.Background()
		url := db.NewURL(t)
		old := apitest.StartOn(t, url, nil, app.Options{}) // test default: t=1
		old.Register(t, "carol", "carol@example.com", apitest.Password)
		old.Stop()

		s := apitest.StartOn(t, url, map[string]string{"ARGON2_TIME": "2"}, app.Options{})
		before, err := s.App.DB.User.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if before.LastLogin != nil || !strings.Contains(before.Password, ",t=1,") {
			t.Fatalf("before any login: last_login %v, hash %.30s", before.LastLogin, before.Password)
		}
		res, body := s.Do(t, "POST", "/auth/token/login/", json, `{"username":"carol","password":"wrong-wrong"}`, nil)
		if res.StatusCode != 400 {
			t.Fatalf("wrong password: %d %s", res.StatusCode, body)
		}
		if u, err := s.App.DB.User.Query().Only(ctx); err != nil || u.LastLogin != nil || u.Password != before.Password || u.LinkVersion != before.LinkVersion {
			t.Fatalf("a failed login changed the user (err %v): %+v", err, u)
		}

		start := time.Now().Add(-time.Second)
		key := s.Login(t, "carol", apitest.Password)
		u, err := s.App.DB.User.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if u.LastLogin == nil || u.LastLogin.Before(start) {
			t.Errorf("last_login %v, want the time of the login (after %v)", u.LastLogin, start)
		}
		if u.LinkVersion != before.LinkVersion+1 {
			t.Errorf("link_version %d -> %d, want one more: a login ends outstanding links", before.LinkVersion, u.LinkVersion)
		}
		if !strings.Contains(u.Password, ",t=2,") {
			t.Errorf("hash after login %.30s: want it upgraded to t=2", u.Password)
		}
		if n, err := s.App.DB.Token.Query().Count(ctx); err != nil || n != 1 {
			t.Errorf("%d tokens (err %v), want the one this login issued", n, err)
		}
		res, body = s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Token " + key})
		if res.StatusCode != 200 {
			t.Errorf("me with the new token: %d %s", res.StatusCode, body)
		}
		s.Login(t, "carol", apitest.Password) // the upgraded hash verifies
	})
}

func TestTokenLoginLogout(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		res, body := s.Do(t, "POST", "/auth/token/login/", json, `{"username":"alice","password":"`+apitest.Password+`"}`, nil)
		if res.StatusCode != 200 || !hex40.Match(body) {
			t.Fatalf("login: %d %s", res.StatusCode, body)
		}
		second := s.Login(t, "alice", apitest.Password)
		if second == f["alice.token"] {
			t.Fatal("each login must issue a new token")
		}
		f["second"] = second
		bad := `{"non_field_errors":["Unable to log in with provided credentials."]}`
		s.Run(t, f, []apitest.Scenario{
			{Name: "wrong password", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"alice","password":"nope-nope"}`, Status: 400, Want: bad},
			{Name: "unknown user", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"zed","password":"nope-nope"}`, Status: 400, Want: bad},
			{Name: "wrong case", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"ALICE","password":"` + apitest.Password + `"}`, Status: 400, Want: bad},
			{Name: "email as username", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"alice@example.com","password":"` + apitest.Password + `"}`, Status: 400, Want: bad},
			{Name: "empty object", Method: "POST", Path: "/auth/token/login/", Body: `{}`, Status: 400, Want: bad},
			{Name: "blanks: password first", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"","password":""}`,
				Status: 400, Want: `{"password":["This field may not be blank."],"username":["This field may not be blank."]}`},
			{Name: "nulls", Method: "POST", Path: "/auth/token/login/", Body: `{"username":null,"password":null}`,
				Status: 400, Want: `{"password":["This field may not be null."],"username":["This field may not be null."]}`},
			{Name: "form-encoded", Method: "POST", Path: "/auth/token/login/", ContentType: form,
				Body: "username=bob&password=" + strings.ReplaceAll(apitest.Password, "!", "%21"), Status: 200, AnyBody: true},
			{Name: "slash-less login is login", Method: "POST", Path: "/auth/token/login",
				Body: `{"username":"bob","password":"` + apitest.Password + `","label":"laptop"}`, Status: 200, AnyBody: true},
			{Name: "GET login is 405 even anonymous", Method: "GET", Path: "/auth/token/login/",
				Status: 405, Want: `{"detail":"Method \"GET\" not allowed."}`, WantHeaders: map[string]string{"Allow": "POST, OPTIONS"}},
			{Name: "anonymous GET logout is 401", Method: "GET", Path: "/auth/token/logout/",
				Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`, WantHeaders: map[string]string{"WWW-Authenticate": "Token"}},
			{Name: "authenticated GET logout is 405", Method: "GET", Path: "/auth/token/logout/", Headers: tok("alice"),
				Status: 405, Want: `{"detail":"Method \"GET\" not allowed."}`, WantHeaders: map[string]string{"Allow": "POST, OPTIONS"}},
			{Name: "logout", Method: "POST", Path: "/auth/token/logout/", Headers: tok("alice"),
				Status: 204, Want: "", WantHeaders: map[string]string{"Content-Type": ""}},
			{Name: "the revoked token is gone", Setup: apitest.TokenRevoked("alice.token"), Method: "GET", Path: "/auth/users/me/", Headers: tok("alice"),
				Status: 401, Want: `{"detail":"Invalid token."}`},
			{Name: "a second logout", Setup: apitest.TokenRevoked("alice.token"), Method: "POST", Path: "/auth/token/logout", Headers: tok("alice"),
				Status: 401, Want: `{"detail":"Invalid token."}`},
			{Name: "the other device stays logged in", Method: "GET", Path: "/auth/users/me/", Headers: map[string]string{"Authorization": "Token {{second}}"},
				Status: 200, Want: `{"email":"alice@example.com","id":{{alice.id}},"username":"alice"}`},
			{Name: "anonymous logout", Method: "POST", Path: "/auth/token/logout/",
				Status: 401, Want: `{"detail":"Authentication credentials were not provided."}`},
		})
		// An inactive user cannot log in and their tokens stop working.
		if err := s.App.DB.User.UpdateOneID(mustAtoi(t, f["bob.id"])).SetIsActive(false).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Run(t, f, []apitest.Scenario{
			{Name: "inactive user login", Method: "POST", Path: "/auth/token/login/", Body: `{"username":"bob","password":"` + apitest.Password + `"}`, Status: 400, Want: bad},
			{Name: "inactive user token", Method: "GET", Path: "/auth/users/me/", Headers: tok("bob"),
				Status: 401, Want: `{"detail":"User inactive or deleted."}`, WantHeaders: map[string]string{"WWW-Authenticate": "Token"}},
		})
	})
}

func TestAuthorizationHeader(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		f := s.NewFixture(t)
		f["KEY"] = strings.ToUpper(f["alice.token"])
		me := `{"email":"alice@example.com","id":{{alice.id}},"username":"alice"}`
		notProvided := `{"detail":"Authentication credentials were not provided."}`
		cases := []struct{ name, header, want string }{
			{"Token", "Token {{alice.token}}", me},
			{"lower-case scheme", "token {{alice.token}}", me},
			{"upper-case scheme", "TOKEN {{alice.token}}", me},
			{"several spaces", "Token    {{alice.token}}", me},
			{"leading space", "  Token {{alice.token}}", me},
			{"trailing spaces", "Token {{alice.token}}   ", me},
			{"tab", "Token\t{{alice.token}}", me},
			{"no key", "Token", `{"detail":"Invalid token header. No credentials provided."}`},
			{"extra part", "Token {{alice.token}} extra", `{"detail":"Invalid token header. Token string should not contain spaces."}`},
			{"unknown key", "Token 0123456789abcdef0123456789abcdef01234567", `{"detail":"Invalid token."}`},
			{"keys are case-sensitive", "Token {{KEY}}", `{"detail":"Invalid token."}`},
			{"non-UTF-8 key", "Token \xe9\xe9", `{"detail":"Invalid token header. Token string should not contain invalid characters."}`},
			{"no scheme", "{{alice.token}}", notProvided},
			{"Basic", "Basic YWxpY2U6cHc=", notProvided},
			{"JWT scheme", "JWT abc", notProvided},
			{"lower-case bearer", "bearer abc", notProvided},
			{"Kelvin sign in the scheme", "To\u212aen {{alice.token}}", notProvided}, // DRF lower-cases ASCII only
		}
		var sc []apitest.Scenario
		for _, c := range cases {
			status := 401
			if c.want == me {
				status = 200
			}
			wh := map[string]string{"WWW-Authenticate": ""}
			if status == 401 {
				wh["WWW-Authenticate"] = "Token"
			}
			sc = append(sc, apitest.Scenario{Name: c.name, Method: "GET", Path: "/auth/users/me/",
				Headers: map[string]string{"Authorization": c.header}, Status: status, Want: c.want, WantHeaders: wh})
		}
		sc = append(sc, apitest.Scenario{Name: "no header", Method: "GET", Path: "/auth/users/me/", Status: 401, Want: notProvided,
			WantHeaders: map[string]string{"WWW-Authenticate": "Token"}})
		s.Run(t, f, sc)
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

var _ = http.MethodGet
