package httpapi_test

import (
	"encoding/base64"
	encjson "encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/jwt"
)

const (
	jwtInvalid   = `{"detail":"Token is invalid or expired","code":"token_not_valid"}`
	jwtWrongType = `{"detail":"Token has wrong type","code":"token_not_valid"}`
	bearerBad    = `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}`
	realm        = `Bearer realm="api"`
)

// pair creates a JWT pair for the user over HTTP.
func pair(t *testing.T, s *apitest.Server, username, password string) (refresh, access string) {
	t.Helper()
	status, body := s.Call(t, "POST", "/auth/jwt/create/", `{"username":"`+username+`","password":"`+password+`"}`, "")
	if status != 200 || !strings.HasPrefix(body, `{"refresh":"`) {
		t.Fatalf("jwt create: %d %s", status, body)
	}
	var p struct{ Refresh, Access string }
	if err := encjson.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	return p.Refresh, p.Access
}

// bearer GETs /auth/users/me/ with the Authorization header and stops the test unless the status, body
// and WWW-Authenticate are exactly those given.
func bearer(t *testing.T, s *apitest.Server, header string, status int, want, wantAuth string) {
	t.Helper()
	res, b := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": header})
	if res.StatusCode != status || string(b) != want || res.Header.Get("WWW-Authenticate") != wantAuth {
		t.Fatalf("GET me with %q: %d %s (WWW-Authenticate %q)\nwant %d %s (%q)", header, res.StatusCode, b, res.Header.Get("WWW-Authenticate"), status, want, wantAuth)
	}
}

// expectAuth POSTs body to path with an invalid token, which the jwt views ignore, and stops the test
// unless the status, body and WWW-Authenticate are exactly those given.
func expectAuth(t *testing.T, s *apitest.Server, path, body string, status int, want, wantAuth string) {
	t.Helper()
	res, b := s.Do(t, "POST", path, "application/json", body, map[string]string{"Authorization": "Token deadbeef"})
	if res.StatusCode != status || string(b) != want || res.Header.Get("WWW-Authenticate") != wantAuth {
		t.Fatalf("POST %s %s: %d %s (WWW-Authenticate %q)\nwant %d %s (%q)", path, body, res.StatusCode, b, res.Header.Get("WWW-Authenticate"), status, want, wantAuth)
	}
}

func TestJWT(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		e.Superuser(t, "uma", pw)
		e.Register(t, "vic", "vic@example.com", pw)
		refresh, access := pair(t, e.Server, "uma", pw)
		me := `{"email":"uma@example.com","id":1,"username":"uma"}`

		// The jwt views ignore the Authorization header (an invalid one included) and answer
		// SimpleJWT's bodies with WWW-Authenticate: Bearer realm="api".
		expectAuth(t, e.Server, "/auth/jwt/create/", `{"username":"uma","password":"wrong"}`, 401, `{"detail":"No active account found with the given credentials"}`, realm)
		expectAuth(t, e.Server, "/auth/jwt/create/", `{"username":"nobody","password":"wrong"}`, 401, `{"detail":"No active account found with the given credentials"}`, realm)
		expectAuth(t, e.Server, "/auth/jwt/create/", `{}`, 400, `{"username":["This field is required."],"password":["This field is required."]}`, "")
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":""}`, 400, `{"refresh":["This field may not be blank."]}`, "")
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+access+`"}`, 401, jwtWrongType, realm)
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"garbage"}`, 401, jwtInvalid, realm)
		expectAuth(t, e.Server, "/auth/jwt/verify/", `{"token":"`+access+`"}`, 200, `{}`, "")
		expectAuth(t, e.Server, "/auth/jwt/verify/", `{"token":"`+refresh+`"}`, 200, `{}`, "")
		expectAuth(t, e.Server, "/auth/jwt/verify/", `{"token":"`+access[:len(access)-2]+`"}`, 401, jwtInvalid, realm)
		expectAuth(t, e.Server, "/auth/jwt/verify/", `{}`, 400, `{"token":["This field is required."]}`, "")
		expectAuth(t, e.Server, "/auth/jwt/verify", `{"token":"`+access+`"}`, 200, `{}`, "") // slash optional, as in Djoser

		status, body := e.Call(t, "POST", "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, "")
		if status != 200 || !strings.HasPrefix(body, `{"access":"`) || strings.Contains(body, "refresh") {
			t.Fatalf("refresh: %d %s", status, body)
		}

		// Bearer on the Djoser views: SimpleJWT's bodies, DRF's WWW-Authenticate: Token.
		bearer(t, e.Server, "Bearer "+access, 200, me, "")
		bearer(t, e.Server, "Bearer   "+access, 200, me, "")
		bearer(t, e.Server, "\tBearer\t"+access+" \t", 200, me, "")
		// A non-ASCII space is not a separator, so it stays part of the token, which then fails.
		bearer(t, e.Server, "Bearer "+access+"\u00a0", 401, bearerBad, "Token")
		bearer(t, e.Server, "Bearer\u00a0"+access, 401, `{"detail":"Authentication credentials were not provided."}`, "Token")
		bearer(t, e.Server, "Bearer", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`, "Token")
		bearer(t, e.Server, "Bearer "+access+" extra", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`, "Token")
		bearer(t, e.Server, "Bearer garbage", 401, bearerBad, "Token")
		bearer(t, e.Server, "Bearer "+refresh, 401, strings.Replace(bearerBad, "Token is invalid or expired", "Token has wrong type", 1), "Token")
		bearer(t, e.Server, "bearer "+access, 401, `{"detail":"Authentication credentials were not provided."}`, "Token")
		bearer(t, e.Server, "JWT "+access, 401, `{"detail":"Authentication credentials were not provided."}`, "Token")
		bearer(t, e.Server, "Token "+access, 401, `{"detail":"Invalid token."}`, "Token")

		// alg=none is refused.
		parts := strings.Split(access, ".")
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
		bearer(t, e.Server, "Bearer "+none, 401, bearerBad, "Token")
		expectAuth(t, e.Server, "/auth/jwt/verify/", `{"token":"`+none+`"}`, 401, jwtInvalid, realm)

		// Expiry, with the server's clock moved on.
		e.Clock.Advance(5*time.Minute + time.Second)
		bearer(t, e.Server, "Bearer "+access, 401, bearerBad, "Token")
		e.Clock.Advance(24 * time.Hour)
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, 401, jwtInvalid, realm)
	})
}

func TestJWTUsersAndRevocation(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		e.Register(t, "wes", "wes@example.com", pw)
		e.Superuser(t, "root", pw)
		refresh, access := pair(t, e.Server, "wes", pw)
		key := e.Login(t, "wes", pw)

		// JWT logout deletes the user's DRF tokens, as in Djoser; the JWT itself stays valid.
		e.Expect(t, "POST", "/auth/token/logout/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`)
		res, _ := e.Do(t, "POST", "/auth/token/logout/", "", "", map[string]string{"Authorization": "Bearer " + access})
		if res.StatusCode != 204 {
			t.Fatalf("JWT logout: %d", res.StatusCode)
		}
		e.Expect(t, "GET", "/auth/users/me/", "", key, 401, `{"detail":"Invalid token."}`)
		bearer(t, e.Server, "Bearer "+access, 200, `{"email":"wes@example.com","id":1,"username":"wes"}`, "")

		// Blacklisting a refresh token.
		r2, _ := pair(t, e.Server, "wes", pw)
		e.Expect(t, "POST", "/auth/jwt/blacklist/", `{"refresh":"`+r2+`"}`, "", 200, `{}`)
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+r2+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)
		expectAuth(t, e.Server, "/auth/jwt/verify/", `{"token":"`+r2+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)

		// A password change revokes every refresh token of the user.
		e.Expect(t, "POST", "/auth/users/set_password/", `{"new_password":"n3w-Passw0rd!","current_password":"`+pw+`"}`, e.Login(t, "wes", pw), 204, "")
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)

		// Inactive and deleted users.
		_, a2 := pair(t, e.Server, "wes", "n3w-Passw0rd!")
		rootTok := e.Login(t, "root", pw)
		e.Expect(t, "DELETE", "/auth/users/1/", `{"current_password":"`+pw+`"}`, rootTok, 204, "")
		bearer(t, e.Server, "Bearer "+a2, 401, `{"detail":"User not found","code":"user_not_found"}`, "Token")
	})
}

func TestJWTRotation(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "true", "JWT_ROTATION_GRACE": "10s"})
		e.Register(t, "xena", "xena@example.com", pw)
		r1, _ := pair(t, e.Server, "xena", pw)
		rotate := func(r string) (string, int, string) {
			status, body := e.Call(t, "POST", "/auth/jwt/refresh/", `{"refresh":"`+r+`"}`, "")
			var p struct{ Refresh, Access string }
			_ = encjson.Unmarshal([]byte(body), &p)
			return p.Refresh, status, body
		}
		r2, status, body := rotate(r1)
		if status != 200 || r2 == "" || !strings.HasPrefix(body, `{"access":"`) {
			t.Fatalf("rotate: %d %s", status, body)
		}
		// A second tab refreshing with the same token within the grace period still succeeds.
		if r2b, status, body := rotate(r1); status != 200 || r2b == "" {
			t.Fatalf("refresh within grace: %d %s", status, body)
		}
		// After the grace period, reuse of the retired token revokes the whole family.
		e.Clock.Advance(11 * time.Second)
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+r1+`"}`, 401, jwtInvalid, realm)
		expectAuth(t, e.Server, "/auth/jwt/refresh/", `{"refresh":"`+r2+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)
	})
}

func TestJWTAsymmetricKeysAndJWKS(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := apitest.NewEnv(t, db, nil)
		e.Expect(t, "GET", "/.well-known/jwks.json", "", "", 200, `{"keys":[]}`)

		dir := t.TempDir()
		oldPEM, err := jwt.GenerateKeyPEM(jwt.AlgES256)
		if err != nil {
			t.Fatal(err)
		}
		newPEM, err := jwt.GenerateKeyPEM(jwt.AlgEdDSA)
		if err != nil {
			t.Fatal(err)
		}
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		oldFile, newFile := write("old.pem", oldPEM), write("new.pem", newPEM)
		url := db.NewURL(t)
		before := apitest.StartOn(t, url, map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": oldFile}, app.Options{})
		before.Register(t, "yara", "yara@example.com", pw)
		_, oldAccess := pair(t, before, "yara", pw)
		before.Stop()

		// Rotated to EdDSA; the ES256 key keeps verifying its tokens until they expire.
		after := apitest.StartOn(t, url, map[string]string{"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": newFile, "JWT_OLD_KEY_FILES": oldFile}, app.Options{})
		_, newAccess := pair(t, after, "yara", pw)
		me := `{"email":"yara@example.com","id":1,"username":"yara"}`
		bearer(t, after, "Bearer "+oldAccess, 200, me, "")
		bearer(t, after, "Bearer "+newAccess, 200, me, "")
		_, body := after.Call(t, "GET", "/.well-known/jwks.json", "", "")
		var set struct{ Keys []map[string]string }
		if err := encjson.Unmarshal([]byte(body), &set); err != nil || len(set.Keys) != 2 ||
			set.Keys[0]["alg"] != "EdDSA" || set.Keys[1]["alg"] != "ES256" || set.Keys[0]["kid"] == "" || set.Keys[0]["d"] != "" {
			t.Fatalf("JWKS %s", body)
		}
		header, _ := base64.RawURLEncoding.DecodeString(strings.Split(newAccess, ".")[0])
		if !strings.Contains(string(header), `"kid":"`+set.Keys[0]["kid"]+`"`) {
			t.Fatalf("access token header %s does not name the current kid", header)
		}
	})
}
