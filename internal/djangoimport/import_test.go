package djangoimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/djangoimport"
	"github.com/gojoser/gojoser/internal/djangoimport/djangotest"
	"github.com/gojoser/gojoser/internal/password"
)

// cheap is the argon2id cost the test servers run with (apitest's settings).
var cheap = password.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// run imports from into target and returns the summary and the report.
func run(t *testing.T, target string, opts djangoimport.Options) (*djangoimport.Summary, string) {
	t.Helper()
	var out bytes.Buffer
	opts.Report = &out
	opts.Argon2 = cheap
	sum, err := djangoimport.Run(context.Background(), target, opts)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	return sum, out.String()
}

// counts are the row counts of gojoser's tables an import writes (-1: no such table).
func counts(t *testing.T, url string) map[string]int {
	t.Helper()
	db := djangotest.Open(t, url)
	out := map[string]int{}
	for _, table := range []string{"users", "tokens", "refresh_tokens", "roles", "user_roles", "django_import_users"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			n = -1
		}
		out[table] = n
	}
	return out
}

func wantCounts(t *testing.T, what string, got djangoimport.Counts, want djangoimport.Counts) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %+v, want %+v", what, got, want)
	}
}

func post(t *testing.T, s *apitest.Server, path string, body any, headers map[string]string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, out := s.Do(t, http.MethodPost, path, "application/json", string(b), headers)
	return res.StatusCode, string(out)
}

func get(t *testing.T, s *apitest.Server, path, authorization string) (int, string) {
	t.Helper()
	res, out := s.Do(t, http.MethodGet, path, "", "", map[string]string{"Authorization": authorization})
	return res.StatusCode, string(out)
}

// eventually retries check until it passes or 5 s went by: PostgreSQL delivers the importer's cache
// invalidation to the server asynchronously.
func eventually(t *testing.T, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func meJSON(id int, username, email string) string {
	b, _ := json.Marshal(map[string]any{"email": email, "id": id, "username": username})
	return string(b)
}

func storedHash(t *testing.T, s *apitest.Server, id int) string {
	t.Helper()
	u, err := s.App.DB.User.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Password
}

func rolesOf(u djangotest.User) []string {
	roles := []string{}
	if u.IsStaff || u.IsSuperuser {
		roles = append(roles, "admin")
	}
	for _, g := range u.Groups {
		if g != "Content Editors" { // not a valid role name: reported, not imported
			roles = append(roles, g)
		}
	}
	slices.Sort(roles)
	return roles
}

// TestImportDjango imports a database made by real Django (on SQLite and on PostgreSQL) into gojoser
// (on both), then uses it as the Django deployment's clients would.
func TestImportDjango(t *testing.T) {
	djangotest.Require(t)
	for _, src := range apitest.DBs(t) {
		t.Run("django-"+src.Name, func(t *testing.T) {
			apitest.EachDB(t, func(t *testing.T, dst apitest.DB) {
				testImport(t, src, dst)
			})
		})
	}
}

func testImport(t *testing.T, src, dst apitest.DB) {
	from := src.NewURL(t)
	m := djangotest.Make(t, from)
	target := dst.NewURL(t)
	opts := djangoimport.Options{From: from, BatchSize: 4} // small batches: several of them, and ids across batch edges
	n := len(m.Users)
	withToken, legacy := 0, 0
	maxID := 0
	for _, u := range m.Users {
		if u.Token != nil {
			withToken++
		}
		if u.Legacy {
			legacy++
		}
		maxID = max(maxID, u.ID)
	}

	t.Run("dry run writes nothing", func(t *testing.T) {
		dry := opts
		dry.DryRun = true
		sum, report := run(t, target, dry)
		wantCounts(t, "users", sum.Users, djangoimport.Counts{Created: n})
		wantCounts(t, "tokens", sum.Tokens, djangoimport.Counts{Created: withToken})
		wantCounts(t, "refresh tokens", sum.RefreshTokens, djangoimport.Counts{Created: 4})
		if !strings.Contains(report, `conflict  group "Content Editors": "Content Editors" is not a valid role name`) {
			t.Errorf("report lacks the group conflict:\n%s", report)
		}
		if !strings.Contains(report, "Dry run: nothing was written") {
			t.Errorf("report:\n%s", report)
		}
		if path, ok := strings.CutPrefix(target, "sqlite:"); ok {
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("dry run created %s (%v)", path, err)
			}
		}
		for table, c := range counts(t, target) {
			if c > 0 {
				t.Errorf("dry run wrote %d rows to %s", c, table)
			}
		}
	})

	t.Run("import", func(t *testing.T) {
		sum, report := run(t, target, opts)
		wantCounts(t, "users", sum.Users, djangoimport.Counts{Created: n})
		wantCounts(t, "tokens", sum.Tokens, djangoimport.Counts{Created: withToken})
		wantCounts(t, "refresh tokens", sum.RefreshTokens, djangoimport.Counts{Created: 4})
		// editors is created; admin exists (migrate made it); Content Editors is refused.
		wantCounts(t, "roles", sum.Roles, djangoimport.Counts{Created: 1, Skipped: 1, Conflicting: 1})
		if sum.Unverifiable != legacy {
			t.Errorf("unverifiable hashes = %d, want the %d legacy ones (GOJOSER_LEGACY_HASHERS is off)", sum.Unverifiable, legacy)
		}
		if sum.Unmapped["first_name"] != 2 || sum.Unmapped["last_name"] != 1 {
			t.Errorf("unmapped = %v, want first_name 2, last_name 1", sum.Unmapped)
		}
		for _, want := range []string{
			"warning   auth_user.first_name: gojoser's user has no such field; 2 rows hold a value that is not imported",
			`warning   user 9 "ivan": password: malformed or unsupported password hash: Django md5 hashes are accepted only with GOJOSER_LEGACY_HASHERS=true`,
		} {
			if !strings.Contains(report, want) {
				t.Errorf("report lacks %q:\n%s", want, report)
			}
		}
		if sum.Slowest == "" || sum.Floor <= 0 {
			t.Errorf("slowest hash %q, floor %s: want both", sum.Slowest, sum.Floor)
		}
		for _, u := range m.Users {
			if u.Password != nil && strings.Contains(report, *u.Password) || u.Token != nil && strings.Contains(report, *u.Token) {
				t.Fatalf("the report shows a password or token key:\n%s", report)
			}
		}
	})

	settings := map[string]string{"JWT_SIGNING_KEY": m.SecretKey}
	if dst.Name == "sqlite" {
		settings["AUTH_CACHE_TTL"] = "0" // no other node to tell; see the rerun below
	}

	t.Run("without legacy hashers", func(t *testing.T) {
		s := apitest.StartOn(t, target, settings, app.Options{})
		defer s.Stop()
		for name, u := range m.Users {
			if !u.Legacy {
				continue
			}
			if status, body := post(t, s, "/auth/token/login/", map[string]string{"username": name, "password": *u.Password}, nil); status != 400 {
				t.Errorf("login %s (%s) without GOJOSER_LEGACY_HASHERS: %d %s", name, u.Hasher, status, body)
			}
		}
	})

	settings["LEGACY_HASHERS"] = "true"
	s := apitest.StartOn(t, target, settings, app.Options{})

	t.Run("DRF keys keep working", func(t *testing.T) {
		for name, u := range m.Users {
			if u.Token == nil {
				continue
			}
			status, body := get(t, s, "/auth/users/me/", "Token "+*u.Token)
			want, wantStatus := meJSON(u.ID, name, name+"@example.com"), 200
			if !u.IsActive {
				want, wantStatus = `{"detail":"User inactive or deleted."}`, 401
			}
			if status != wantStatus || body != want {
				t.Errorf("me with %s's DRF key: %d %s, want %d %s", name, status, body, wantStatus, want)
			}
		}
	})

	t.Run("ids and roles match", func(t *testing.T) {
		for name, u := range m.Users {
			if u.Token == nil || !u.IsActive {
				continue
			}
			want, _ := json.Marshal(map[string][]string{"roles": rolesOf(u)})
			if status, body := get(t, s, "/auth/users/me/roles/", "Token "+*u.Token); status != 200 || body != string(want) {
				t.Errorf("%s's roles: %d %s, want %s", name, status, body, want)
			}
		}
	})

	t.Run("refresh tokens", func(t *testing.T) {
		for _, r := range m.Refresh.Live {
			status, body := post(t, s, "/auth/jwt/refresh/", map[string]string{"refresh": r.Token}, nil)
			var out struct{ Access string }
			if status != 200 || json.Unmarshal([]byte(body), &out) != nil || out.Access == "" {
				t.Fatalf("refresh Django's token of %s: %d %s", r.Username, status, body)
			}
			u := m.Users[r.Username]
			if status, body := get(t, s, "/auth/users/me/", "Bearer "+out.Access); status != 200 || body != meJSON(u.ID, r.Username, r.Username+"@example.com") {
				t.Errorf("me with the access token from %s's refresh: %d %s", r.Username, status, body)
			}
		}
		for _, r := range m.Refresh.Blacklisted {
			status, body := post(t, s, "/auth/jwt/refresh/", map[string]string{"refresh": r.Token}, nil)
			if want := `{"detail":"Token is blacklisted","code":"token_not_valid"}`; status != 401 || body != want {
				t.Errorf("refresh Django's blacklisted token: %d %s, want 401 %s", status, body, want)
			}
		}
	})

	t.Run("old passwords log in and become argon2id", func(t *testing.T) {
		for _, name := range slices.Sorted(maps.Keys(m.Users)) {
			u := m.Users[name]
			if u.Password == nil {
				if status, _ := post(t, s, "/auth/token/login/", map[string]string{"username": name, "password": ""}, nil); status != 400 {
					t.Errorf("%s has an unusable password but login answered %d", name, status)
				}
				continue
			}
			before := storedHash(t, s, u.ID)
			if strings.HasPrefix(before, "$argon2id$") {
				t.Fatalf("%s's hash is argon2id before any login: %.20s", name, before)
			}
			wrong := map[string]string{"username": name, "password": *u.Password + "x"}
			if status, body := post(t, s, "/auth/token/login/", wrong, nil); status != 400 ||
				body != `{"non_field_errors":["Unable to log in with provided credentials."]}` {
				t.Errorf("%s with a wrong password: %d %s", name, status, body)
			}
			creds := map[string]string{"username": name, "password": *u.Password}
			// Half log in with a token, half with a JWT: both upgrade the hash, as Django's check_password does.
			path := "/auth/token/login/"
			if u.ID%2 == 0 {
				path = "/auth/jwt/create/"
			}
			status, body := post(t, s, path, creds, nil)
			if !u.IsActive {
				if status == 200 {
					t.Errorf("inactive %s logged in", name)
				}
				continue
			}
			if status != 200 {
				t.Errorf("%s (%s) with the Django password at %s: %d %s", name, u.Hasher, path, status, body)
				continue
			}
			if after := storedHash(t, s, u.ID); !strings.HasPrefix(after, "$argon2id$v=19$m=1024,t=1,p=1$") {
				t.Errorf("%s's hash after login: %.30s, want gojoser's argon2id", name, after)
			}
			if status, body := post(t, s, "/auth/token/login/", creds, nil); status != 200 {
				t.Errorf("%s's second login, on the argon2id hash: %d %s", name, status, body)
			}
		}
	})

	t.Run("new users get fresh ids", func(t *testing.T) {
		if id := s.Register(t, "newcomer", "newcomer@example.com", apitest.Password); id != maxID+1 {
			t.Errorf("new user's id = %d, want %d: the id sequence must move past the imported ids", id, maxID+1)
		}
	})

	t.Run("rerun is idempotent", func(t *testing.T) {
		before := counts(t, target)
		sum, _ := run(t, target, opts)
		// Logins since changed gojoser (argon2id hashes, last_login); Django did not change: skipped.
		wantCounts(t, "users", sum.Users, djangoimport.Counts{Skipped: n})
		wantCounts(t, "tokens", sum.Tokens, djangoimport.Counts{Skipped: withToken})
		wantCounts(t, "refresh tokens", sum.RefreshTokens, djangoimport.Counts{Skipped: 4})
		wantCounts(t, "roles", sum.Roles, djangoimport.Counts{Skipped: 2, Conflicting: 1})
		if after := counts(t, target); !maps.Equal(before, after) {
			t.Errorf("row counts changed: %v -> %v", before, after)
		}
		alice := m.Users["alice"]
		if h := storedHash(t, s, alice.ID); !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("the rerun put back Django's hash: %.20s", h)
		}
	})

	t.Run("rerun takes what changed in Django", func(t *testing.T) {
		carol, dave, alice, heidi, judy := m.Users["carol"], m.Users["dave"], m.Users["alice"], m.Users["heidi"], m.Users["judy"]
		var bobRefresh djangotest.Refresh
		for _, r := range m.Refresh.Live {
			if r.Username == "bob" {
				bobRefresh = r
			}
		}
		// alice changes her address in gojoser, then (the cutover's window) in Django too: a conflict.
		if status, body := patchMe(t, s, *alice.Token, `{"email":"alice@gojoser.example"}`); status != 200 {
			t.Fatalf("alice's PATCH: %d %s", status, body)
		}
		for _, q := range []string{
			// carol and heidi logged in to gojoser (new hash, last_login): their Django changes merge in.
			fmt.Sprintf("UPDATE auth_user SET email = 'carol@new.example' WHERE id = %d", carol.ID),
			fmt.Sprintf("UPDATE auth_user SET is_active = false WHERE id = %d", heidi.ID),
			fmt.Sprintf("UPDATE auth_user SET email = 'alice@django.example' WHERE id = %d", alice.ID),
			fmt.Sprintf("DELETE FROM authtoken_token WHERE user_id = %d", dave.ID), // dave logged out in Django
			fmt.Sprintf("DELETE FROM auth_user WHERE id = %d", judy.ID),
			// bob's refresh token is blacklisted in Django (SimpleJWT's /blacklist/ or an admin).
			fmt.Sprintf(`INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
				SELECT id, CURRENT_TIMESTAMP FROM token_blacklist_outstandingtoken WHERE jti = '%s'`, bobRefresh.JTI),
		} {
			djangotest.Exec(t, from, q)
		}

		dry := opts
		dry.DryRun = true
		before := counts(t, target)
		sum, report := run(t, target, dry)
		if after := counts(t, target); !maps.Equal(before, after) {
			t.Errorf("dry run changed row counts: %v -> %v", before, after)
		}
		wantUsers := djangoimport.Counts{Updated: 2, Skipped: n - 4, Conflicting: 1}
		wantCounts(t, "users (dry run)", sum.Users, wantUsers)
		for _, want := range []string{
			fmt.Sprintf(`conflict  user %d "alice": email changed in both Django and gojoser since the last import; gojoser's version is kept`, alice.ID),
			fmt.Sprintf(`note      user %d: imported before, no longer in Django; kept in gojoser`, judy.ID),
		} {
			if !strings.Contains(report, want) {
				t.Errorf("dry-run report lacks %q:\n%s", want, report)
			}
		}

		sum, _ = run(t, target, opts)
		wantCounts(t, "users", sum.Users, wantUsers)
		wantCounts(t, "tokens", sum.Tokens, djangoimport.Counts{Skipped: withToken - 2, Removed: 1}) // alice's is not looked at
		// alice's refresh tokens are not looked at either (her row is a conflict); bob's is blacklisted.
		wantCounts(t, "refresh tokens", sum.RefreshTokens, djangoimport.Counts{Updated: 1, Skipped: 3})
		status, body := post(t, s, "/auth/jwt/refresh/", map[string]string{"refresh": bobRefresh.Token}, nil)
		if want := `{"detail":"Token is blacklisted","code":"token_not_valid"}`; status != 401 || body != want {
			t.Errorf("refresh with bob's token blacklisted in Django: %d %s", status, body)
		}
		if sum.Missing != 1 {
			t.Errorf("missing = %d, want 1 (judy)", sum.Missing)
		}
		if h := storedHash(t, s, carol.ID); !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("the merge took Django's old hash for carol: %.20s", h)
		}
		eventually(t, func() error {
			if status, body := get(t, s, "/auth/users/me/", "Token "+*carol.Token); body != meJSON(carol.ID, "carol", "carol@new.example") {
				return fmt.Errorf("carol after the rerun: %d %s", status, body)
			}
			if status, body := get(t, s, "/auth/users/me/", "Token "+*dave.Token); status != 401 {
				return fmt.Errorf("dave's key, deleted in Django: %d %s", status, body)
			}
			if status, body := get(t, s, "/auth/users/me/", "Token "+*heidi.Token); status != 401 {
				return fmt.Errorf("heidi, deactivated in Django: %d %s", status, body)
			}
			if status, body := get(t, s, "/auth/users/me/", "Token "+*alice.Token); body != meJSON(alice.ID, "alice", "alice@gojoser.example") {
				return fmt.Errorf("alice after the conflict: %d %s", status, body)
			}
			return nil
		})
	})
}

func patchMe(t *testing.T, s *apitest.Server, token, body string) (int, string) {
	t.Helper()
	res, out := s.Do(t, http.MethodPatch, "/auth/users/me/", "application/json", body, map[string]string{"Authorization": "Token " + token})
	return res.StatusCode, string(out)
}

// TestImportConflicts: rows gojoser already has that no import wrote are never overwritten.
func TestImportConflicts(t *testing.T) {
	djangotest.Require(t)
	from := apitest.DBs(t)[0].NewURL(t)
	m := djangotest.Make(t, from)
	apitest.EachDB(t, func(t *testing.T, dst apitest.DB) {
		s := apitest.Start(t, dst, nil)
		for _, name := range []string{"zed", "bob", "filler", "carol"} { // ids 1 to 4
			s.Register(t, name, name+"@gojoser.example", apitest.Password)
		}
		before := counts(t, s.DatabaseURL)
		sum, report := run(t, s.DatabaseURL, djangoimport.Options{From: from, DryRun: true})
		for _, want := range []string{
			`conflict  user 1 "alice": gojoser has a user with this id ("zed") that no import wrote, and it differs`,
			`conflict  user 2 "bob": gojoser has a user with this id ("bob") that no import wrote, and it differs`,
			`conflict  user 3 "carol": username belongs to gojoser user 4`,
		} {
			if !strings.Contains(report, want) {
				t.Errorf("dry-run report lacks %q:\n%s", want, report)
			}
		}
		if after := counts(t, s.DatabaseURL); !maps.Equal(before, after) {
			t.Errorf("dry run changed row counts: %v -> %v", before, after)
		}
		sum2, _ := run(t, s.DatabaseURL, djangoimport.Options{From: from})
		if sum.Users != sum2.Users || sum2.Users.Conflicting != 4 { // the three above and filler's id 4 (Django's dave)
			t.Errorf("users: dry run %+v, import %+v", sum.Users, sum2.Users)
		}
		// The conflicting users' tokens stay out; gojoser's users are untouched.
		if status, body := get(t, s, "/auth/users/me/", "Token "+*m.Users["alice"].Token); status != 401 {
			t.Errorf("alice's DRF key reached gojoser's user 1: %d %s", status, body)
		}
		if status, _ := post(t, s, "/auth/token/login/", map[string]string{"username": "zed", "password": apitest.Password}, nil); status != 200 {
			t.Errorf("zed can no longer log in: %d", status)
		}
	})
}

// TestImportCustomUserModel: a custom user model (email as the login, a profile field) through
// --user-table and --map; the profile field is reported, not dropped silently.
func TestImportCustomUserModel(t *testing.T) {
	djangotest.Require(t)
	from := apitest.DBs(t)[0].NewURL(t)
	m := djangotest.Make(t, from, "DJANGO_USER_MODEL=accounts.User")
	if m.UserTable != "accounts_user" {
		t.Fatalf("user table %q", m.UserTable)
	}
	apitest.EachDB(t, func(t *testing.T, dst apitest.DB) {
		target := dst.NewURL(t)
		var out bytes.Buffer
		_, err := djangoimport.Run(context.Background(), target, djangoimport.Options{From: from, UserTable: "accounts_user", Report: &out})
		if err == nil || !strings.Contains(err.Error(), `accounts_user has no column "username" for username; pass --map username=<column>`) {
			t.Fatalf("import without a mapping: %v", err)
		}
		mapping, err := djangoimport.ParseMapping([]string{"username=email", "date_joined=joined"})
		if err != nil {
			t.Fatal(err)
		}
		sum, report := run(t, target, djangoimport.Options{From: from, UserTable: "accounts_user", Map: mapping})
		wantCounts(t, "users", sum.Users, djangoimport.Counts{Created: len(m.Users)})
		if want := "warning   accounts_user.nickname: gojoser's user has no such field; 2 rows hold a value that is not imported"; !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
		s := apitest.StartOn(t, target, map[string]string{"JWT_SIGNING_KEY": m.SecretKey}, app.Options{})
		for name, u := range m.Users {
			if status, body := get(t, s, "/auth/users/me/", "Token "+*u.Token); status != 200 || body != meJSON(u.ID, name, name) {
				t.Errorf("me with %s's DRF key: %d %s", name, status, body)
			}
			want, _ := json.Marshal(map[string][]string{"roles": rolesOf(u)})
			if status, body := get(t, s, "/auth/users/me/roles/", "Token "+*u.Token); status != 200 || body != string(want) {
				t.Errorf("%s's roles: %d %s, want %s", name, status, body, want)
			}
			if status, body := post(t, s, "/auth/token/login/", map[string]string{"username": name, "password": *u.Password}, nil); status != 200 {
				t.Errorf("login as %s: %d %s", name, status, body)
			}
		}
		for _, r := range m.Refresh.Live {
			if status, body := post(t, s, "/auth/jwt/refresh/", map[string]string{"refresh": r.Token}, nil); status != 200 {
				t.Errorf("refresh Django's token of %s: %d %s", r.Username, status, body)
			}
		}
	})
}

func TestParseMapping(t *testing.T) {
	for _, tt := range []struct {
		in      []string
		wantErr string
	}{
		{[]string{"username=email", "email=email"}, ""},
		{[]string{"username"}, `--map "username": want field=column`},
		{[]string{"nickname=nick"}, `--map "nickname=nick": gojoser's user has no field "nickname" (fields: id, username, password, email, is_active, date_joined, last_login, is_staff, is_superuser)`},
		{[]string{"email=a", "email=b"}, `--map: field "email" mapped twice`},
	} {
		_, err := djangoimport.ParseMapping(tt.in)
		if got := fmt.Sprint(err); tt.wantErr == "" && err != nil || tt.wantErr != "" && got != tt.wantErr {
			t.Errorf("ParseMapping(%q) = %v, want %q", tt.in, err, tt.wantErr)
		}
	}
}
