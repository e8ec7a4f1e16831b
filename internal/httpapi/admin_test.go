package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// The admin account controls (#17): deactivation, revoking a user's sessions, creating a user past
// activation, and a password-reset mail an admin triggers.

const (
	revokedToken   = `{"detail":"Invalid token."}`
	inactiveBearer = `{"detail":"User is inactive","code":"user_inactive"}`
)

// expectBearer GETs /auth/users/me/ with a JWT access token and stops the test unless the answer is
// exactly status and want.
func expectBearer(t *testing.T, s *apitest.Server, access string, status int, want string) {
	t.Helper()
	res, b := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Bearer " + access})
	if res.StatusCode != status || string(b) != want {
		t.Fatalf("GET me with Bearer: %d %s, want %d %s", res.StatusCode, b, status, want)
	}
}

// eventuallyBearer is Eventually for a JWT access token: only NOTIFY delivery is waited for, at most
// five seconds.
func eventuallyBearer(t *testing.T, s *apitest.Server, what, access, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, b := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Bearer " + access})
		if string(b) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s, want %s", what, b, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refreshFails stops the test unless the refresh token is refused.
func refreshFails(t *testing.T, s *apitest.Server, refresh string) {
	t.Helper()
	status, body := s.Call(t, "POST", "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, "")
	if status != 401 || !strings.Contains(body, `"code":"token_not_valid"`) {
		t.Fatalf("refresh with a revoked refresh token: %d %s, want 401 token_not_valid", status, body)
	}
}

func TestAdminDeactivates(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		f := e.NewFixture(t)
		alice := `{"email":"alice@example.com","id":` + f["alice.id"] + `,"username":"alice"}`
		refresh, access := pair(t, e.Server, "alice", apitest.Password)
		e.Expect(t, "GET", "/auth/users/me/", "", f["alice.token"], 200, alice) // cached from here on
		expectBearer(t, e.Server, access, 200, alice)

		e.Run(t, f, []apitest.Scenario{
			// Anyone else's is_active is ignored, as before: the answer is 200 and nothing changes.
			{Name: "a user's own is_active is ignored", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{alice.token}}"}, Status: 200, Want: alice},
			{Name: "also on /me/", Method: "PUT", Path: "/auth/users/me/", Body: `{"email":"alice@example.com","is_active":"false"}`,
				Headers: map[string]string{"Authorization": "Token {{alice.token}}"}, Status: 200, Want: alice},
			{Name: "the user is still active", Method: "GET", Path: "/auth/users/me/",
				Headers: map[string]string{"Authorization": "Token {{alice.token}}"}, Status: 200, Want: alice},
			{Name: "another user cannot deactivate", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{bob.token}}"}, Status: 404, Want: notFound},
			{Name: "anonymous", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"is_active":false}`, Status: 401, Want: notProvided},
			{Name: "unknown id", Method: "PATCH", Path: "/auth/users/999/", Body: `{"is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 404, Want: notFound},
			{Name: "an admin cannot deactivate themself", Method: "PATCH", Path: "/auth/users/{{root.id}}/", Body: `{"is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 400, Want: `{"is_active":["You cannot deactivate your own account."]}`},
			{Name: "nor through /me/", Method: "PATCH", Path: "/auth/users/me/", Body: `{"is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 400, Want: `{"is_active":["You cannot deactivate your own account."]}`},
			{Name: "not a boolean", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"is_active":"maybe","email":"bad"}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 400, Want: `{"email":["Enter a valid email address."],"is_active":["Must be a valid boolean."]}`},
			{Name: "null", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"is_active":null}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 400, Want: `{"is_active":["This field may not be null."]}`},
			{Name: "no password through an admin update", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"password":"taken-Over-9"}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 200, Want: alice},
			{Name: "the admin deactivates", Method: "PATCH", Path: "/auth/users/{{alice.id}}/", Body: `{"is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 200, Want: alice},
		})
		// Cut off at once: the token is gone, the access token's user is inactive, the refresh token revoked.
		e.Expect(t, "GET", "/auth/users/me/", "", f["alice.token"], 401, revokedToken)
		expectBearer(t, e.Server, access, 401, inactiveBearer)
		refreshFails(t, e.Server, refresh)
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"alice","password":"`+apitest.Password+`"}`, "", 400, invalidCredentials)
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"alice","password":"taken-Over-9"}`, "", 400, invalidCredentials)
		e.Expect(t, "POST", "/auth/jwt/create/", `{"username":"alice","password":"`+apitest.Password+`"}`, "", 401,
			`{"detail":"No active account found with the given credentials"}`)
		// Deactivating twice is no error; an admin sees the user as before (the representation has no
		// is_active, as Djoser's).
		e.Expect(t, "PATCH", "/auth/users/"+f["alice.id"]+"/", `{"is_active":"0"}`, f["root.token"], 200, alice)
		e.Expect(t, "GET", "/auth/users/"+f["alice.id"]+"/", "", f["root.token"], 200, alice)

		// Reactivation restores login, not the old sessions. A form says true as DRF's BooleanField reads it.
		res, body := e.Do(t, "PUT", "/auth/users/"+f["alice.id"]+"/", "application/x-www-form-urlencoded", "email=alice%40example.com&is_active=on",
			map[string]string{"Authorization": "Token " + f["root.token"]})
		if res.StatusCode != 200 || string(body) != alice {
			t.Fatalf("reactivation by form: %d %s", res.StatusCode, body)
		}
		e.Expect(t, "GET", "/auth/users/me/", "", f["alice.token"], 401, revokedToken)
		expectBearer(t, e.Server, access, 200, alice) // an access token lives its short life, as SimpleJWT's
		refreshFails(t, e.Server, refresh)
		fresh := e.Login(t, "alice", apitest.Password)
		e.Expect(t, "GET", "/auth/users/me/", "", fresh, 200, alice)
		e.Expect(t, "GET", "/auth/users/me/", "", f["bob.token"], 200, `{"email":"bob@example.com","id":`+f["bob.id"]+`,"username":"bob"}`)
	})
}

// TestDeactivatedUserCannotActivateThemself: an activation link, old or new, does not undo an admin's
// deactivation; an account awaiting activation that an admin deactivates stays deactivated too.
func TestDeactivatedUserCannotActivateThemself(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"SEND_ACTIVATION_EMAIL": "true"})
		_, root := e.Superuser(t, "root", pw)
		id := e.Register(t, "erin", "erin@example.com", pw) // inactive, awaiting activation
		_, uid, token := e.Mailbox.WaitFor(t, "erin@example.com", 1)[0].Link(t)
		e.Expect(t, "PATCH", "/auth/users/"+apitest.Fmt(id)+"/", `{"is_active":false}`, root, 200, `{"email":"erin@example.com","id":2,"username":"erin"}`)
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 403, `{"detail":"Stale token for given user."}`)
		e.Expect(t, "POST", "/auth/users/resend_activation/", `{"email":"erin@example.com"}`, "", 204, "")
		e.Mailbox.Quiet(t, "erin@example.com", 1)
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"erin","password":"`+pw+`"}`, "", 400, invalidCredentials)
		// A new address would get an activation link (SEND_ACTIVATION_EMAIL); not for this account.
		e.Expect(t, "PATCH", "/auth/users/2/", `{"email":"erin2@example.com"}`, root, 200, `{"email":"erin2@example.com","id":2,"username":"erin"}`)
		e.Mailbox.Quiet(t, "erin2@example.com", 0)

		// An admin's reactivation also activates, without the link; an admin who says is_active with a
		// new address decides for it too: no deactivation, no activation mail.
		e.Expect(t, "PATCH", "/auth/users/2/", `{"is_active":true,"email":"erin3@example.com"}`, root, 200, `{"email":"erin3@example.com","id":2,"username":"erin"}`)
		e.Mailbox.Quiet(t, "erin3@example.com", 0)
		e.Login(t, "erin", pw)
	})
}

func TestAdminRevokesSessions(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		f := e.NewFixture(t)
		refresh, access := pair(t, e.Server, "bob", apitest.Password)
		bob := `{"email":"bob@example.com","id":` + f["bob.id"] + `,"username":"bob"}`
		e.Expect(t, "GET", "/auth/users/me/", "", f["bob.token"], 200, bob)
		e.Run(t, f, []apitest.Scenario{
			{Name: "a user may not", Method: "DELETE", Path: "/auth/users/{{bob.id}}/tokens/",
				Headers: map[string]string{"Authorization": "Token {{alice.token}}"}, Status: 403, Want: forbidden},
			{Name: "not even their own", Method: "DELETE", Path: "/auth/users/{{bob.id}}/tokens/",
				Headers: map[string]string{"Authorization": "Token {{bob.token}}"}, Status: 403, Want: forbidden},
			{Name: "anonymous", Method: "DELETE", Path: "/auth/users/{{bob.id}}/tokens/", Status: 401, Want: notProvided},
			{Name: "unknown id", Method: "DELETE", Path: "/auth/users/999/tokens/",
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 404, Want: notFound},
			{Name: "the admin revokes every session", Method: "DELETE", Path: "/auth/users/{{bob.id}}/tokens/",
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 204},
			{Name: "the token is gone", Method: "GET", Path: "/auth/users/me/",
				Headers: map[string]string{"Authorization": "Token {{bob.token}}"}, Status: 401, Want: revokedToken},
			{Name: "the list is empty", Method: "GET", Path: "/auth/users/{{bob.id}}/tokens/",
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 200, Want: `[]`},
			{Name: "others keep theirs", Method: "GET", Path: "/auth/users/me/",
				Headers: map[string]string{"Authorization": "Token {{alice.token}}"}, Status: 200, AnyBody: true},
		})
		refreshFails(t, e.Server, refresh)
		expectBearer(t, e.Server, access, 200, bob) // the account stays active
		e.Login(t, "bob", apitest.Password)
	})
}

func TestAdminTriggersPasswordReset(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		f := e.NewFixture(t)
		e.Run(t, f, []apitest.Scenario{
			{Name: "a user may not", Method: "POST", Path: "/auth/users/{{bob.id}}/reset_password/",
				Headers: map[string]string{"Authorization": "Token {{alice.token}}"}, Status: 403, Want: forbidden},
			{Name: "anonymous", Method: "POST", Path: "/auth/users/{{bob.id}}/reset_password/", Status: 401, Want: notProvided},
			{Name: "unknown id", Method: "POST", Path: "/auth/users/999/reset_password/",
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 404, Want: notFound},
			{Name: "not a number", Method: "POST", Path: "/auth/users/bob/reset_password/",
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 404, Want: notFound},
			// The endpoint takes no body: a password in one is not read.
			{Name: "the admin queues the mail", Method: "POST", Path: "/auth/users/{{bob.id}}/reset_password/", Body: `{"new_password":"taken-Over-9","password":"taken-Over-9"}`,
				Headers: map[string]string{"Authorization": "Token {{root.token}}"}, Status: 204},
		})
		m := e.Mailbox.WaitFor(t, "bob@example.com", 1)[0]
		url, uid, token := m.Link(t)
		if !strings.Contains(url, "/#/password/reset/confirm/") {
			t.Fatalf("reset link %q", url)
		}
		e.Mailbox.Quiet(t, "root@example.com", 0) // the admin learns nothing
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"bob","password":"taken-Over-9"}`, "", 400, invalidCredentials)
		const chosen = "b0b-Chooses-This"
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/",
			`{"uid":"`+uid+`","token":"`+token+`","new_password":"`+chosen+`"}`, "", 204, "")
		e.Login(t, "bob", chosen)
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"bob","password":"`+apitest.Password+`"}`, "", 400, invalidCredentials)
	})
}

func TestAdminCreatesUser(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"SEND_ACTIVATION_EMAIL": "true", "CREATE_TOKEN_ON_REGISTER": "true"})
		_, root := e.Superuser(t, "root", pw)
		e.Run(t, map[string]string{"root": root}, []apitest.Scenario{
			{Name: "an admin gives no password", Method: "POST", Path: "/auth/users/", Body: `{"username":"carl","email":"carl@example.com","password":"` + pw + `","re_password":"` + pw + `","is_active":true}`,
				Headers: map[string]string{"Authorization": "Token {{root}}"}, Status: 400,
				Want: `{"password":["An admin does not set passwords; the user sets one from a password-reset mail."],"re_password":["An admin does not set passwords; the user sets one from a password-reset mail."]}`},
			{Name: "field errors together", Method: "POST", Path: "/auth/users/", Body: `{"username":"root","email":"nope","is_active":"sure"}`,
				Headers: map[string]string{"Authorization": "Token {{root}}"}, Status: 400,
				Want: `{"email":["Enter a valid email address."],"username":["A user with that username already exists."],"is_active":["Must be a valid boolean."]}`},
			// Active at once, with no activation mail and no token for the admin to hold.
			{Name: "an admin creates an active user", Method: "POST", Path: "/auth/users/", Body: `{"username":"carl","email":"carl@example.com","is_active":true}`,
				Headers: map[string]string{"Authorization": "Token {{root}}"}, Status: 201, Want: `{"email":"carl@example.com","username":"carl","id":2}`},
			{Name: "and an inactive one", Method: "POST", Path: "/auth/users/", Body: `{"username":"ivy","email":"ivy@example.com","is_active":false}`,
				Headers: map[string]string{"Authorization": "Token {{root}}"}, Status: 201, Want: `{"email":"ivy@example.com","username":"ivy","id":3}`},
		})
		e.Mailbox.Quiet(t, "carl@example.com", 0)
		// carl sets his own password through the reset mail the admin triggers.
		e.Expect(t, "POST", "/auth/users/2/reset_password/", "", root, 204, "")
		_, uid, token := e.Mailbox.WaitFor(t, "carl@example.com", 1)[0].Link(t)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", `{"uid":"`+uid+`","token":"`+token+`","new_password":"c4rl-Chooses-This"}`, "", 204, "")
		e.Login(t, "carl", "c4rl-Chooses-This")

		// ivy is inactive and gets no activation mail, and asking for one sends none.
		e.Expect(t, "POST", "/auth/users/resend_activation/", `{"email":"ivy@example.com"}`, "", 204, "")
		e.Mailbox.Quiet(t, "ivy@example.com", 0)

		// Anyone else's is_active is ignored: a registration, as before (inactive until activated).
		for _, who := range []string{"", e.Login(t, "carl", "c4rl-Chooses-This")} {
			name := "dora" + apitest.Fmt(len(who))
			status, body := e.Call(t, "POST", "/auth/users/", `{"username":"`+name+`","email":"`+name+`@example.com","password":"`+pw+`","re_password":"`+pw+`","is_active":true}`, who)
			if status != 201 || !strings.Contains(body, `"auth_token":"`) {
				t.Fatalf("registration with is_active by %q: %d %s", who, status, body)
			}
			e.Mailbox.WaitFor(t, name+"@example.com", 1) // the activation mail: not active yet
			e.Expect(t, "POST", "/auth/token/login/", `{"username":"`+name+`","password":"`+pw+`"}`, "", 400, invalidCredentials)
		}
		// An admin who leaves is_active out registers a user like anyone else.
		status, body := e.Call(t, "POST", "/auth/users/", `{"username":"eve","email":"eve@example.com","password":"`+pw+`","re_password":"`+pw+`"}`, root)
		if status != 201 || !strings.Contains(body, `"auth_token":"`) {
			t.Fatalf("registration by an admin without is_active: %d %s", status, body)
		}
		e.Mailbox.WaitFor(t, "eve@example.com", 1)
	})
}

// TestDeactivationAcrossNodes: a user logged in through node B with a token, a JWT access token and a
// refresh token is cut off on node B as soon as an admin deactivates them on node A (NOTIFY carries the
// change; only its delivery is waited for).
func TestDeactivationAcrossNodes(t *testing.T) {
	t.Parallel()
	url := apitest.Postgres(t).NewURL(t)
	settings := map[string]string{"AUTH_CACHE_TTL": "1h"}
	a := apitest.StartOn(t, url, settings, app.Options{})
	b := apitest.StartOn(t, url, settings, app.Options{})
	id := a.Register(t, "nora", "nora@example.com", pw)
	_, root := a.Superuser(t, "root", pw)
	key := b.Login(t, "nora", pw)
	refresh, access := pair(t, b, "nora", pw)
	nora := `{"email":"nora@example.com","id":1,"username":"nora"}`
	b.Expect(t, "GET", "/auth/users/me/", "", key, 200, nora) // now cached on b
	expectBearer(t, b, access, 200, nora)

	a.Expect(t, "PATCH", "/auth/users/"+apitest.Fmt(id)+"/", `{"is_active":false}`, root, 200, nora)
	b.Eventually(t, "a deactivation reaching node b (token)", "/auth/users/me/", key, revokedToken)
	eventuallyBearer(t, b, "a deactivation reaching node b (JWT)", access, inactiveBearer)
	refreshFails(t, b, refresh)
	b.Expect(t, "POST", "/auth/token/login/", `{"username":"nora","password":"`+pw+`"}`, "", 400, invalidCredentials)
}
