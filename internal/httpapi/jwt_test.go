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

func (e *mailEnv) pair(t *testing.T, username string) (refresh, access string) {
	t.Helper()
	status, body := e.call(t, "POST", "/auth/jwt/create/", `{"username":"`+username+`","password":"`+pw+`"}`, "")
	if status != 200 || !strings.HasPrefix(body, `{"refresh":"`) {
		t.Fatalf("jwt create: %d %s", status, body)
	}
	var p struct{ Refresh, Access string }
	if err := encjson.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	return p.Refresh, p.Access
}

func (e *mailEnv) bearer(t *testing.T, header string, status int, want, wantAuth string) {
	t.Helper()
	res, b := e.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": header})
	if res.StatusCode != status || string(b) != want || res.Header.Get("WWW-Authenticate") != wantAuth {
		t.Fatalf("GET me with %q: %d %s (WWW-Authenticate %q)\nwant %d %s (%q)", header, res.StatusCode, b, res.Header.Get("WWW-Authenticate"), status, want, wantAuth)
	}
}

func (e *mailEnv) expectAuth(t *testing.T, path, body string, status int, want, wantAuth string) {
	t.Helper()
	res, b := e.Do(t, "POST", path, "application/json", body, map[string]string{"Authorization": "Token deadbeef"})
	if res.StatusCode != status || string(b) != want || res.Header.Get("WWW-Authenticate") != wantAuth {
		t.Fatalf("POST %s %s: %d %s (WWW-Authenticate %q)\nwant %d %s (%q)", path, body, res.StatusCode, b, res.Header.Get("WWW-Authenticate"), status, want, wantAuth)
	}
}

func TestJWT(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startMail(t, db, nil)
		e.Superuser(t, "uma", pw)
		e.Register(t, "vic", "vic@example.com", pw)
		refresh, access := e.pair(t, "uma")
		me := `{"email":"uma@example.com","id":1,"username":"uma"}`

		// The jwt views ignore the Authorization header (an invalid one included) and answer
		// SimpleJWT's bodies with WWW-Authenticate: Bearer realm="api".
		e.expectAuth(t, "/auth/jwt/create/", `{"username":"uma","password":"wrong"}`, 401, `{"detail":"No active account found with the given credentials"}`, realm)
		e.expectAuth(t, "/auth/jwt/create/", `{"username":"nobody","password":"wrong"}`, 401, `{"detail":"No active account found with the given credentials"}`, realm)
		e.expectAuth(t, "/auth/jwt/create/", `{}`, 400, `{"username":["This field is required."],"password":["This field is required."]}`, "")
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":""}`, 400, `{"refresh":["This field may not be blank."]}`, "")
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"`+access+`"}`, 401, jwtWrongType, realm)
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"garbage"}`, 401, jwtInvalid, realm)
		e.expectAuth(t, "/auth/jwt/verify/", `{"token":"`+access+`"}`, 200, `{}`, "")
		e.expectAuth(t, "/auth/jwt/verify/", `{"token":"`+refresh+`"}`, 200, `{}`, "")
		e.expectAuth(t, "/auth/jwt/verify/", `{"token":"`+access[:len(access)-2]+`"}`, 401, jwtInvalid, realm)
		e.expectAuth(t, "/auth/jwt/verify/", `{}`, 400, `{"token":["This field is required."]}`, "")
		e.expectAuth(t, "/auth/jwt/verify", `{"token":"`+access+`"}`, 200, `{}`, "") // slash optional, as in Djoser

		status, body := e.call(t, "POST", "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, "")
		if status != 200 || !strings.HasPrefix(body, `{"access":"`) || strings.Contains(body, "refresh") {
			t.Fatalf("refresh: %d %s", status, body)
		}

		// Bearer on the Djoser views: SimpleJWT's bodies, DRF's WWW-Authenticate: Token.
		e.bearer(t, "Bearer "+access, 200, me, "")
		e.bearer(t, "Bearer   "+access, 200, me, "")
		e.bearer(t, "\tBearer\t"+access+" \t", 200, me, "")
		// A non-ASCII space is not a separator, so it stays part of the token, which then fails.
		e.bearer(t, "Bearer "+access+"\u00a0", 401, bearerBad, "Token")
		e.bearer(t, "Bearer\u00a0"+access, 401, `{"detail":"Authentication credentials were not provided."}`, "Token")
		e.bearer(t, "Bearer", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`, "Token")
		e.bearer(t, "Bearer "+access+" extra", 401, `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`, "Token")
		e.bearer(t, "Bearer garbage", 401, bearerBad, "Token")
		e.bearer(t, "Bearer "+refresh, 401, strings.Replace(bearerBad, "Token is invalid or expired", "Token has wrong type", 1), "Token")
		e.bearer(t, "bearer "+access, 401, `{"detail":"Authentication credentials were not provided."}`, "Token")
		e.bearer(t, "JWT "+access, 401, `{"detail":"Authentication credentials were not provided."}`, "Token")
		e.bearer(t, "Token "+access, 401, `{"detail":"Invalid token."}`, "Token")

		// alg=none is refused.
		parts := strings.Split(access, ".")
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
		e.bearer(t, "Bearer "+none, 401, bearerBad, "Token")
		e.expectAuth(t, "/auth/jwt/verify/", `{"token":"`+none+`"}`, 401, jwtInvalid, realm)

		// Expiry, with the server's clock moved on.
		e.clock.Add(5*time.Minute + time.Second)
		e.bearer(t, "Bearer "+access, 401, bearerBad, "Token")
		e.clock.Add(24 * time.Hour)
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, 401, jwtInvalid, realm)
	})
}

func TestJWTUsersAndRevocation(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startMail(t, db, nil)
		e.Register(t, "wes", "wes@example.com", pw)
		e.Superuser(t, "root", pw)
		refresh, access := e.pair(t, "wes")
		key := e.Login(t, "wes", pw)

		// JWT logout deletes the user's DRF tokens, as in Djoser; the JWT itself stays valid.
		e.expect(t, "POST", "/auth/token/logout/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`)
		res, _ := e.Do(t, "POST", "/auth/token/logout/", "", "", map[string]string{"Authorization": "Bearer " + access})
		if res.StatusCode != 204 {
			t.Fatalf("JWT logout: %d", res.StatusCode)
		}
		e.expect(t, "GET", "/auth/users/me/", "", key, 401, `{"detail":"Invalid token."}`)
		e.bearer(t, "Bearer "+access, 200, `{"email":"wes@example.com","id":1,"username":"wes"}`, "")

		// Blacklisting a refresh token.
		r2, _ := e.pair(t, "wes")
		e.expect(t, "POST", "/auth/jwt/blacklist/", `{"refresh":"`+r2+`"}`, "", 200, `{}`)
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"`+r2+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)
		e.expectAuth(t, "/auth/jwt/verify/", `{"token":"`+r2+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)

		// A password change revokes every refresh token of the user.
		e.expect(t, "POST", "/auth/users/set_password/", `{"new_password":"n3w-Passw0rd!","current_password":"`+pw+`"}`, e.Login(t, "wes", pw), 204, "")
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"`+refresh+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)

		// Inactive and deleted users.
		_, a2 := e.pairWith(t, "wes", "n3w-Passw0rd!")
		rootTok := e.Login(t, "root", pw)
		e.expect(t, "DELETE", "/auth/users/1/", `{"current_password":"`+pw+`"}`, rootTok, 204, "")
		e.bearer(t, "Bearer "+a2, 401, `{"detail":"User not found","code":"user_not_found"}`, "Token")
	})
}

func (e *mailEnv) pairWith(t *testing.T, username, password string) (string, string) {
	t.Helper()
	status, body := e.call(t, "POST", "/auth/jwt/create/", `{"username":"`+username+`","password":"`+password+`"}`, "")
	if status != 200 {
		t.Fatalf("jwt create: %d %s", status, body)
	}
	var p struct{ Refresh, Access string }
	_ = encjson.Unmarshal([]byte(body), &p)
	return p.Refresh, p.Access
}

func TestJWTRotation(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startMail(t, db, map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "true", "JWT_ROTATION_GRACE": "10s"})
		e.Register(t, "xena", "xena@example.com", pw)
		r1, _ := e.pair(t, "xena")
		rotate := func(r string) (string, int, string) {
			status, body := e.call(t, "POST", "/auth/jwt/refresh/", `{"refresh":"`+r+`"}`, "")
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
		e.clock.Add(11 * time.Second)
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"`+r1+`"}`, 401, jwtInvalid, realm)
		e.expectAuth(t, "/auth/jwt/refresh/", `{"refresh":"`+r2+`"}`, 401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`, realm)
	})
}

func TestJWTAsymmetricKeysAndJWKS(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		e := startMail(t, db, nil)
		e.expect(t, "GET", "/.well-known/jwks.json", "", "", 200, `{"keys":[]}`)

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
		before := apitest.StartOn(t, url, map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": oldFile}, apitestOpts())
		before.Register(t, "yara", "yara@example.com", pw)
		be := &mailEnv{Server: before}
		_, oldAccess := be.pair(t, "yara")
		before.Stop()

		// Rotated to EdDSA; the ES256 key keeps verifying its tokens until they expire.
		after := &mailEnv{Server: apitest.StartOn(t, url, map[string]string{"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": newFile, "JWT_OLD_KEY_FILES": oldFile}, apitestOpts())}
		_, newAccess := after.pair(t, "yara")
		me := `{"email":"yara@example.com","id":1,"username":"yara"}`
		after.bearer(t, "Bearer "+oldAccess, 200, me, "")
		after.bearer(t, "Bearer "+newAccess, 200, me, "")
		_, body := after.call(t, "GET", "/.well-known/jwks.json", "", "")
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

func apitestOpts() app.Options { return app.Options{} }
