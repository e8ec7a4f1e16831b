package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/outbox"
)

// The contract's two recorded configurations, mail going to an in-process SMTP server.
var (
	mainMail = map[string]string{
		"SEND_ACTIVATION_EMAIL": "true", "SEND_CONFIRMATION_EMAIL": "true", "PASSWORD_CHANGED_EMAIL_CONFIRMATION": "true",
		"USER_CREATE_PASSWORD_RETYPE": "true", "SET_PASSWORD_RETYPE": "true", "PASSWORD_RESET_CONFIRM_RETYPE": "true",
		"SET_USERNAME_RETYPE": "true", "USERNAME_RESET_CONFIRM_RETYPE": "true", "LOGOUT_ON_PASSWORD_CHANGE": "true",
	}
	altMail = map[string]string{
		"HIDE_USERS": "false", "PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND": "true", "USERNAME_CHANGED_EMAIL_CONFIRMATION": "true",
	}
)

const pw = "vQ7#kLm9zX"

// tamper changes the token's last hex digit.
func tamper(token string) string {
	last := token[len(token)-1]
	if last == '0' {
		return token[:len(token)-1] + "1"
	}
	return token[:len(token)-1] + "0"
}

func uidToken(uid, token string) string { return fmt.Sprintf(`{"uid":%q,"token":%q}`, uid, token) }

const (
	invalidToken = `{"token":["Invalid token for given user."]}`
	invalidUID   = `{"uid":["Invalid user id or user doesn't exist."]}`
)

func TestActivation(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		status, body := e.Call(t, "POST", "/auth/users/", `{"username":"carol","email":"carol@example.com","password":"`+pw+`","re_password":"`+pw+`"}`, "")
		if status != 201 || body != `{"email":"carol@example.com","username":"carol","id":1}` {
			t.Fatalf("register: %d %s", status, body)
		}
		m := e.Mailbox.WaitFor(t, "carol@example.com", 1)[0]
		url, uid, token := m.Link(t)
		if want := strings.TrimPrefix(e.URL, "http://"); !strings.HasPrefix(url, "http://"+want+"/#/activate/MQ/") || uid != "MQ" {
			t.Fatalf("activation link %q", url)
		}
		if !strings.Contains(m.HTML, url) || m.Subject == "" {
			t.Fatalf("mail is not multipart with the link in both parts: %q", m.Subject)
		}
		// An inactive account cannot log in.
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"carol","password":"`+pw+`"}`, "", 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
		// Djoser accepts an activation token to reset a password; gojoser keeps flows apart.
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", fmt.Sprintf(`{"uid":%q,"token":%q,"new_password":"n3w-Passw0rd!","re_new_password":"n3w-Passw0rd!"}`, uid, token), "", 400, invalidToken)

		e.Expect(t, "POST", "/auth/users/activation/", `{}`, "", 400, `{"uid":["This field is required."],"token":["This field is required."]}`)
		e.Expect(t, "POST", "/auth/users/activation/", `{"uid":"","token":""}`, "", 400, `{"uid":["This field may not be blank."],"token":["This field may not be blank."]}`)
		e.Expect(t, "POST", "/auth/users/activation/", uidToken("Mg", "bad-token"), "", 400, invalidUID)   // user 2 does not exist
		e.Expect(t, "POST", "/auth/users/activation/", uidToken("!!", "bad-token"), "", 400, invalidUID)   // not base64
		e.Expect(t, "POST", "/auth/users/activation/", uidToken("YWJj", "bad-token"), "", 400, invalidUID) // "abc"
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, tamper(token)), "", 400, invalidToken)
		e.Expect(t, "GET", "/auth/users/activation/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`)

		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 204, "")
		if c := e.Mailbox.WaitFor(t, "carol@example.com", 2)[1]; strings.Contains(c.Text, "/#/") {
			t.Fatalf("confirmation mail carries a link:\n%s", c.Text)
		}
		// Used: the account is active, so the link is stale.
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 403, `{"detail":"Stale token for given user."}`)
		// After a login the link is simply invalid, as in Djoser.
		e.Login(t, "carol", pw)
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 400, invalidToken)
		e.Mailbox.Quiet(t, "carol@example.com", 2)
	})
}

func TestActivationLinkExpires(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		e.Register(t, "dora", "dora@example.com", pw)
		_, uid, token := e.Mailbox.WaitFor(t, "dora@example.com", 1)[0].Link(t)
		e.Clock.Advance(24*time.Hour + time.Second)
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 400, invalidToken)
		// A new link from resend_activation works.
		e.Expect(t, "POST", "/auth/users/resend_activation/", `{"email":"dora@example.com"}`, "", 204, "")
		_, uid, token = e.Mailbox.WaitFor(t, "dora@example.com", 2)[1].Link(t)
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 204, "")
	})
}

func TestResendActivation(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		e.Register(t, "erin", "erin@example.com", pw)
		e.Mailbox.WaitFor(t, "erin@example.com", 1)
		for _, c := range []struct{ body, want string }{
			{`{}`, `{"email":["This field is required."]}`},
			{`{"email":""}`, `{"email":["This field may not be blank."]}`},
			{`{"email":"nope"}`, `{"email":["Enter a valid email address."]}`},
		} {
			e.Expect(t, "POST", "/auth/users/resend_activation/", c.body, "", 400, c.want)
		}
		// Known or not, the answer is the same.
		e.Expect(t, "POST", "/auth/users/resend_activation/", `{"email":"nobody@example.com"}`, "", 204, "")
		e.Expect(t, "POST", "/auth/users/resend_activation/", `{"email":"erin@example.com"}`, "", 204, "")
		e.Mailbox.WaitFor(t, "erin@example.com", 2)
		e.Mailbox.Quiet(t, "nobody@example.com", 0)
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		admin, _ := e.Superuser(t, "frank", pw) // active, frank@example.com
		_ = admin
		e.Expect(t, "POST", "/auth/users/reset_password/", `{"email":"frank@example.com"}`, "", 204, "")
		m := e.Mailbox.WaitFor(t, "frank@example.com", 1)[0]
		url, uid, token := m.Link(t)
		if !strings.Contains(url, "/#/password/reset/confirm/") || !strings.Contains(m.Text, "frank") {
			t.Fatalf("reset mail: %s\n%s", url, m.Text)
		}
		confirm := func(uid, token, p1, p2 string) string {
			return fmt.Sprintf(`{"uid":%q,"token":%q,"new_password":%q,"re_new_password":%q}`, uid, token, p1, p2)
		}
		const newPW = "n3w-Passw0rd!"
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", `{}`, "", 400,
			`{"uid":["This field is required."],"token":["This field is required."],"new_password":["This field is required."],"re_new_password":["This field is required."]}`)
		// Order: validators, then the retype check, then uid, then token.
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, "bad", "123", "123"), "", 400,
			`{"new_password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm("zz", "bad", newPW, newPW+"x"), "", 400,
			`{"non_field_errors":["The two password fields didn't match."]}`)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm("zz", "bad", newPW, newPW), "", 400, invalidUID)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, "bad", newPW, newPW), "", 400, invalidToken)
		// A reset token does not activate or confirm anything else.
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 400, invalidToken)
		// gojoser checks similarity against the real user once the link is known to be good.
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, token, "frank@example", "frank@example"), "", 400,
			`{"new_password":["The password is too similar to the email address."]}`)

		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, token, newPW, newPW), "", 204, "")
		e.Mailbox.WaitFor(t, "frank@example.com", 2) // password changed
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, token, newPW+"2", newPW+"2"), "", 400, invalidToken)
		e.Expect(t, "POST", "/auth/token/login/", `{"username":"frank","password":"`+pw+`"}`, "", 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`)
		e.Login(t, "frank", newPW)

		// A login ends outstanding links; so does the passing of PASSWORD_RESET_LINK_LIFETIME.
		e.Expect(t, "POST", "/auth/users/reset_password/", `{"email":"frank@example.com"}`, "", 204, "")
		_, uid, token = e.Mailbox.WaitFor(t, "frank@example.com", 3)[2].Link(t)
		e.Login(t, "frank", newPW)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, token, pw, pw), "", 400, invalidToken)
		e.Expect(t, "POST", "/auth/users/reset_password/", `{"email":"frank@example.com"}`, "", 204, "")
		_, uid, token = e.Mailbox.WaitFor(t, "frank@example.com", 4)[3].Link(t)
		e.Clock.Advance(time.Hour + time.Second)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", confirm(uid, token, pw, pw), "", 400, invalidToken)
	})
}

func TestResetRequestsDoNotRevealAccounts(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		e.Superuser(t, "gina", pw)
		for _, path := range []string{"/auth/users/reset_password/", "/auth/users/reset_username/"} {
			e.Expect(t, "POST", path, `{"email":"gina@example.com"}`, "", 204, "")
			e.Expect(t, "POST", path, `{"email":"nobody@example.com"}`, "", 204, "")
			e.Expect(t, "POST", path, `{"email":"GINA@example.com"}`, "", 204, "") // exact match, as Django
		}
		e.Mailbox.WaitFor(t, "gina@example.com", 2)
		e.Mailbox.Quiet(t, "gina@example.com", 2)
		e.Mailbox.Quiet(t, "nobody@example.com", 0)
		st, err := outbox.Stats(context.Background(), e.App.DB)
		if err != nil || st.Sent != 2 || st.Skipped != 4 || st.Pending != 0 {
			t.Fatalf("outbox %+v, %v", st, err)
		}

		alt := apitest.NewEnv(t, db, altMail)
		alt.Superuser(t, "hugo", pw)
		for _, path := range []string{"/auth/users/reset_password/", "/auth/users/reset_username/", "/auth/users/resend_activation/"} {
			alt.Expect(t, "POST", path, `{"email":"nobody@example.com"}`, "", 400, `["User with given email does not exist."]`)
		}
		alt.Expect(t, "POST", "/auth/users/reset_password/", `{"email":"hugo@example.com"}`, "", 204, "")
		alt.Mailbox.WaitFor(t, "hugo@example.com", 1)
	})
}

func TestSharedEmailGetsEveryAccountItsMail(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{})
		for _, name := range []string{"ivan", "ivy"} {
			e.Register(t, name, "shared@example.com", pw)
		}
		// Djoser answers this with a 500 (MultipleObjectsReturned).
		e.Expect(t, "POST", "/auth/users/reset_password/", `{"email":"shared@example.com"}`, "", 204, "")
		ms := e.Mailbox.WaitFor(t, "shared@example.com", 2)
		_, uid1, _ := ms[0].Link(t)
		_, uid2, _ := ms[1].Link(t)
		if uid1 == uid2 {
			t.Fatalf("both mails are for uid %s", uid1)
		}
	})
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		e.Superuser(t, "jack", pw)
		key := e.Login(t, "jack", pw)
		other := e.Login(t, "jack", pw)
		body := func(n, r, c string) string {
			return fmt.Sprintf(`{"new_password":%q,"re_new_password":%q,"current_password":%q}`, n, r, c)
		}
		e.Expect(t, "POST", "/auth/users/set_password/", `{}`, "", 401, `{"detail":"Authentication credentials were not provided."}`)
		e.Expect(t, "POST", "/auth/users/set_password/", `{}`, key, 400,
			`{"new_password":["This field is required."],"re_new_password":["This field is required."],"current_password":["This field is required."]}`)
		// A wrong current password is a field error, so it wins over the mismatch.
		e.Expect(t, "POST", "/auth/users/set_password/", body("n3w-Passw0rd!", "other", "wrong"), key, 400, `{"current_password":["Invalid password."]}`)
		e.Expect(t, "POST", "/auth/users/set_password/", body("jack@example", "jack@example", pw), key, 400, `{"new_password":["The password is too similar to the email address."]}`)
		e.Expect(t, "POST", "/auth/users/set_password/", body("n3w-Passw0rd!", "other", pw), key, 400, `{"non_field_errors":["The two password fields didn't match."]}`)
		e.Expect(t, "POST", "/auth/users/set_password/", body("n3w-Passw0rd!", "n3w-Passw0rd!", pw), key, 204, "")
		e.Mailbox.WaitFor(t, "jack@example.com", 1)
		// LOGOUT_ON_PASSWORD_CHANGE: every device is logged out.
		e.Expect(t, "GET", "/auth/users/me/", "", key, 401, `{"detail":"Invalid token."}`)
		e.Expect(t, "GET", "/auth/users/me/", "", other, 401, `{"detail":"Invalid token."}`)
		e.Login(t, "jack", "n3w-Passw0rd!")
	})
}

func TestUsernameFlows(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, mainMail)
		e.Superuser(t, "kate", pw)
		e.Superuser(t, "liam", pw)
		key := e.Login(t, "kate", pw)
		set := func(c, n, r string) string {
			return fmt.Sprintf(`{"current_password":%q,"new_username":%q,"re_new_username":%q}`, c, n, r)
		}
		e.Expect(t, "POST", "/auth/users/set_username/", `{}`, key, 400,
			`{"current_password":["This field is required."],"new_username":["This field is required."],"re_new_username":["This field is required."]}`)
		e.Expect(t, "POST", "/auth/users/set_username/", set("wrong", "kate", "x"), key, 400,
			`{"current_password":["Invalid password."],"new_username":["A user with that username already exists."]}`)
		e.Expect(t, "POST", "/auth/users/set_username/", set(pw, "liam", "liam"), key, 400, `{"new_username":["A user with that username already exists."]}`)
		e.Expect(t, "POST", "/auth/users/set_username/", set(pw, "bad name", "bad name"), key, 400,
			`{"new_username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`)
		e.Expect(t, "POST", "/auth/users/set_username/", set(pw, "katie", "katy"), key, 400, `{"non_field_errors":["The two username fields didn't match."]}`)
		e.Expect(t, "POST", "/auth/users/set_username/", set(pw, "katie", "katie"), key, 204, "")
		e.Expect(t, "GET", "/auth/users/me/", "", key, 200, `{"email":"kate@example.com","id":1,"username":"katie"}`) // tokens stay valid

		e.Expect(t, "POST", "/auth/users/reset_username/", `{"email":"kate@example.com"}`, "", 204, "")
		m := e.Mailbox.WaitFor(t, "kate@example.com", 1)[0]
		url, uid, token := m.Link(t)
		if !strings.Contains(url, "/#/username/reset/confirm/") || !strings.Contains(m.Text, "katie") {
			t.Fatalf("username reset mail: %s\n%s", url, m.Text)
		}
		confirm := func(uid, token, n, r string) string {
			return fmt.Sprintf(`{"uid":%q,"token":%q,"new_username":%q,"re_new_username":%q}`, uid, token, n, r)
		}
		// uid and token are not declared fields in Djoser here: no "required" errors for them.
		e.Expect(t, "POST", "/auth/users/reset_username_confirm/", `{}`, "", 400,
			`{"new_username":["This field is required."],"re_new_username":["This field is required."]}`)
		e.Expect(t, "POST", "/auth/users/reset_username_confirm/", `{"new_username":"kat","re_new_username":"kat"}`, "", 400, invalidUID)
		e.Expect(t, "POST", "/auth/users/reset_username_confirm/", confirm("zz", "bad", "kat", "kit"), "", 400, `{"non_field_errors":["The two username fields didn't match."]}`)
		e.Expect(t, "POST", "/auth/users/reset_username_confirm/", confirm(uid, "bad", "kat", "kat"), "", 400, invalidToken)
		e.Expect(t, "POST", "/auth/users/reset_password_confirm/", fmt.Sprintf(`{"uid":%q,"token":%q,"new_password":"n3w-Passw0rd!","re_new_password":"n3w-Passw0rd!"}`, uid, token), "", 400, invalidToken)
		e.Expect(t, "POST", "/auth/users/reset_username_confirm/", confirm(uid, token, "kat", "kat"), "", 204, "")
		e.Expect(t, "POST", "/auth/users/reset_username_confirm/", confirm(uid, token, "kit", "kit"), "", 400, invalidToken)
		e.Login(t, "kat", pw)

		alt := apitest.NewEnv(t, db, altMail)
		alt.Superuser(t, "mia", pw)
		akey := alt.Login(t, "mia", pw)
		alt.Expect(t, "POST", "/auth/users/set_username/", `{"current_password":"`+pw+`","new_username":"mia2"}`, akey, 204, "")
		if m := alt.Mailbox.WaitFor(t, "mia@example.com", 1)[0]; !strings.Contains(m.Text, "mia2") {
			t.Fatalf("username changed mail does not name the new username:\n%s", m.Text)
		}
	})
}

func TestEmailChange(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		// Djoser's behaviour: the change applies at once, the account is deactivated until the new
		// address is activated, and the old token works again afterwards.
		e := apitest.NewEnv(t, db, mainMail)
		e.Superuser(t, "nina", pw)
		key := e.Login(t, "nina", pw)
		e.Expect(t, "PATCH", "/auth/users/me/", `{"email":"nina@new.example"}`, key, 200, `{"email":"nina@new.example","id":1,"username":"nina"}`)
		e.Expect(t, "GET", "/auth/users/me/", "", key, 401, `{"detail":"User inactive or deleted."}`)
		_, uid, token := e.Mailbox.WaitFor(t, "nina@new.example", 1)[0].Link(t)
		e.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 204, "")
		e.Expect(t, "GET", "/auth/users/me/", "", key, 200, `{"email":"nina@new.example","id":1,"username":"nina"}`)

		// GOJOSER_EMAIL_CHANGE_CONFIRM: nothing changes until the new address confirms.
		settings := map[string]string{"EMAIL_CHANGE_CONFIRM": "true"}
		for k, v := range mainMail {
			settings[k] = v
		}
		c := apitest.NewEnv(t, db, settings)
		c.Superuser(t, "otto", pw)
		ckey := c.Login(t, "otto", pw)
		c.Expect(t, "PUT", "/auth/users/me/", `{"email":"otto@new.example"}`, ckey, 200, `{"email":"otto@example.com","id":1,"username":"otto"}`)
		c.Expect(t, "GET", "/auth/users/me/", "", ckey, 200, `{"email":"otto@example.com","id":1,"username":"otto"}`)
		notice := c.Mailbox.WaitFor(t, "otto@example.com", 1)[0]
		if strings.Contains(notice.Text, "/#/") {
			t.Fatalf("the notice to the old address carries a link:\n%s", notice.Text)
		}
		url, uid, token := c.Mailbox.WaitFor(t, "otto@new.example", 1)[0].Link(t)
		if !strings.Contains(url, "/#/email/confirm/") {
			t.Fatalf("confirm link %s", url)
		}
		c.Expect(t, "POST", "/auth/users/activation/", uidToken(uid, token), "", 400, invalidToken)
		c.Expect(t, "POST", "/auth/users/email_change_confirm/", uidToken(uid, tamper(token)), "", 400, invalidToken)
		c.Expect(t, "POST", "/auth/users/email_change_confirm/", uidToken(uid, token), "", 204, "")
		c.Expect(t, "GET", "/auth/users/me/", "", ckey, 200, `{"email":"otto@new.example","id":1,"username":"otto"}`)
		c.Expect(t, "POST", "/auth/users/email_change_confirm/", uidToken(uid, token), "", 400, invalidToken)
	})
}

func TestOutboxRetriesAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		// Temporary SMTP failures are retried.
		e := apitest.NewEnv(t, db, map[string]string{"SEND_CONFIRMATION_EMAIL": "true"})
		e.Mailbox.FailNext(2)
		e.Register(t, "pia", "pia@example.com", pw)
		e.Mailbox.WaitFor(t, "pia@example.com", 1)
		e.Mailbox.Quiet(t, "pia@example.com", 1)

		// The mail server is down while mails are queued; the process stops and a new one, with
		// the server back, delivers each queued mail exactly once.
		url := db.NewURL(t)
		down := map[string]string{"SEND_CONFIRMATION_EMAIL": "true", "EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": "1", "EMAIL_SECURITY": "none", "EMAIL_TIMEOUT": "1s"}
		a := apitest.StartOn(t, url, down, app.Options{MailBackoff: func(int) time.Duration { return time.Hour }})
		for _, n := range []string{"quinn", "ruth", "sam"} {
			a.Register(t, n, n+"@example.com", pw)
		}
		a.Stop()
		mb := apitest.NewMailbox(t)
		up := mb.Settings()
		up["SEND_CONFIRMATION_EMAIL"] = "true"
		b := apitest.StartOn(t, url, up, app.Options{Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
		for _, n := range []string{"quinn", "ruth", "sam"} {
			mb.WaitFor(t, n+"@example.com", 1)
		}
		for _, n := range []string{"quinn", "ruth", "sam"} {
			mb.Quiet(t, n+"@example.com", 1)
		}
		st, err := outbox.Stats(context.Background(), b.App.DB)
		if err != nil || st.Sent != 3 || st.Pending != 0 || st.Failed != 0 {
			t.Fatalf("outbox %+v, %v", st, err)
		}

		// After GOJOSER_EMAIL_MAX_ATTEMPTS a mail is marked failed.
		f := apitest.NewEnv(t, db, map[string]string{"SEND_CONFIRMATION_EMAIL": "true", "EMAIL_MAX_ATTEMPTS": "2"})
		f.Mailbox.FailNext(100)
		f.Register(t, "tom", "tom@example.com", pw)
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, err := outbox.Stats(context.Background(), f.App.DB)
			if err != nil {
				t.Fatal(err)
			}
			if st.Failed == 1 && st.Pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("outbox %+v: want one failed mail", st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
