//go:build recipe

// Tests of the profile-fields recipe: one field of every kind openapi.yaml can declare (an enum only
// admins write, a nullable date, a URI, a boolean, an int32 range, a read-only string) and a column the
// API does not show. .ci/recipe.sh applies recipe.diff to a copy of the tree, regenerates, and runs
// this file there as internal/recipe, on SQLite and PostgreSQL.
package recipe_test

import (
	"encoding/json"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

func TestProfileFields(t *testing.T) {
	t.Parallel()
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		s := apitest.Start(t, db, nil)
		pw := apitest.Password
		rootID, rootKey := s.Superuser(t, "root", pw)
		f := apitest.Fixture{"root.token": rootKey, "root.id": apitest.Fmt(rootID)}
		tok := func(v string) map[string]string {
			return map[string]string{"Authorization": "Token {{" + v + ".token}}"}
		}
		s.Run(t, f, []apitest.Scenario{
			{Name: "every kind's error at once: UserCreated's fields first, then the request's others", Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"ann","birthday":"2021-02-29","website":"ftp:/nohost","newsletter":"maybe","password":"` + pw + `"}`,
				Status: 400, Want: `{"newsletter":["Must be a valid boolean."],` +
					`"birthday":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],"website":["Enter a valid URL."]}`},
			{Name: "registered: a JSON boolean, a date in DRF's loose form; the role is not the registrant's to pick",
				Method: "POST", Path: "/auth/users/",
				Body:   `{"username":"ann","birthday":"1990-7-4","website":"https://ann.example.com/","newsletter":true,"role":"owner","badge":"x","password":"` + pw + `"}`,
				Status: 201, Want: `{"email":"","username":"ann","id":2,"newsletter":true}`},
			{Name: "form-encoded, the same fields", Method: "POST", Path: "/auth/users/", ContentType: "application/x-www-form-urlencoded",
				Body:   "username=bob&newsletter=no&website=http%3A%2F%2F127.0.0.1%3A8000%2Fbob&password=" + pw,
				Status: 201, Want: `{"email":"","username":"bob","id":3,"newsletter":false}`},
		})
		f["ann.token"] = s.Login(t, "ann", pw)
		s.Run(t, f, []apitest.Scenario{
			{Name: "the user, every field in the spec's order", Method: "GET", Path: "/auth/users/me/", Headers: tok("ann"),
				Status: 200, Want: `{"email":"","id":2,"username":"ann","role":"member","birthday":"1990-07-04","website":"https://ann.example.com/","newsletter":true,"score":0,"badge":""}`},
			{Name: "nobody raises their own role, nor writes a read-only field", Method: "PATCH", Path: "/auth/users/me/", Headers: tok("ann"),
				Body:   `{"role":"owner","badge":"gold","score":"12","birthday":null}`,
				Status: 200, Want: `{"email":"","id":2,"username":"ann","role":"member","birthday":null,"website":"https://ann.example.com/","newsletter":true,"score":12,"badge":""}`},
			{Name: "nor through the detail route", Method: "PUT", Path: "/auth/users/2/", Headers: tok("ann"), Body: `{"role":"staff"}`,
				Status: 200, Want: `{"email":"","id":2,"username":"ann","role":"member","birthday":null,"website":"https://ann.example.com/","newsletter":true,"score":12,"badge":""}`},
			{Name: "an admin sets it", Method: "PATCH", Path: "/auth/users/2/", Headers: tok("root"), Body: `{"role":"staff"}`,
				Status: 200, Want: `{"email":"","id":2,"username":"ann","role":"staff","birthday":null,"website":"https://ann.example.com/","newsletter":true,"score":12,"badge":""}`},
			{Name: "an admin gets the enum's errors", Method: "PATCH", Path: "/auth/users/2/", Headers: tok("root"), Body: `{"role":"god","score":1000001}`,
				Status: 400, Want: `{"role":["\"god\" is not a valid choice."],"score":["Ensure this value is less than or equal to 1000000."]}`},
			{Name: "the user's cached viewer saw the admin's change", Method: "GET", Path: "/auth/users/me/", Headers: tok("ann"),
				Status: 200, Want: `{"email":"","id":2,"username":"ann","role":"staff","birthday":null,"website":"https://ann.example.com/","newsletter":true,"score":12,"badge":""}`},
			{Name: "a JWT's user carries the profile too", Method: "POST", Path: "/auth/jwt/create/", Body: `{"username":"ann","password":"` + pw + `"}`,
				Status: 200, AnyBody: true},
		})
		_, body := s.Call(t, "POST", "/auth/jwt/create/", `{"username":"ann","password":"`+pw+`"}`, "")
		var pair struct{ Access string }
		if err := json.Unmarshal([]byte(body), &pair); err != nil {
			t.Fatal(err)
		}
		res, got := s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Bearer " + pair.Access})
		if want := `{"email":"","id":2,"username":"ann","role":"staff","birthday":null,"website":"https://ann.example.com/","newsletter":true,"score":12,"badge":""}`; res.StatusCode != 200 || string(got) != want {
			t.Errorf("me by JWT: %d %s, want %s", res.StatusCode, got, want)
		}
	})
}
