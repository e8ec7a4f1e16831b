package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

// A stored hash nothing can verify (corrupt, of an unsupported format, a plaintext someone put there)
// answers like a wrong password, and the operator learns of it from a warning that names the user and
// the reason, never the stored value.
func TestUnreadableStoredHashIsLoggedNotShown(t *testing.T) {
	for _, stored := range []string{
		"pbkdf2_sha256$260000$salt$c2VjcmV0LWhhc2gtbWF0ZXJpYWw=", // a 22-byte key: Django never wrote it
		"plaintext-Password-9",
	} {
		var out apitest.Buffer
		s, flush := apitest.StartLogged(t, apitest.DBs(t)[0], nil, &out)
		id := s.Register(t, "hashy", "hashy@example.com", apitest.Password)
		if err := s.App.DB.User.UpdateOneID(id).SetPassword(stored).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{apitest.Password, "plaintext-Password-9"} {
			res, body := s.Do(t, "POST", "/auth/token/login/", "application/json", `{"username":"hashy","password":"`+pw+`"}`, nil)
			if want := `{"non_field_errors":["Unable to log in with provided credentials."]}`; res.StatusCode != 400 || string(body) != want {
				t.Errorf("login against %q: %d %s, want 400 %s", stored, res.StatusCode, body, want)
			}
		}
		flush()
		logged := out.String()
		if want := fmt.Sprintf("stored password hash cannot be verified; the user cannot log in with a password\" user_id=%d err=", id); !strings.Contains(logged, want) {
			t.Errorf("no warning %q in\n%s", want, logged)
		}
		for _, secret := range []string{stored, "c2VjcmV0", "plaintext"} {
			if strings.Contains(logged, secret) {
				t.Errorf("the log holds %q:\n%s", secret, logged)
			}
		}
	}
}
