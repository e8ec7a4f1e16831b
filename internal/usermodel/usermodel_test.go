package usermodel

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepositoryModelIsGenerated: openapi.yaml and ent/schema/user.go agree, and the committed
// generated files are what they give. go generate writes these files, and CI checks that it changes
// nothing; this test says which declaration is wrong when the two disagree.
func TestRepositoryModelIsGenerated(t *testing.T) {
	root := filepath.Join("..", "..")
	m, spec, err := Load(filepath.Join(root, "openapi.yaml"), filepath.Join(root, "ent", "schema"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(spec, m)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./...", path)
		}
	}
}

// A spec small enough to read, with the schemas and paths the user model checks. PROFILE, CREATED,
// CREATE and UPDATE are where the cases put their profile fields.
const baseSpec = `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /auth/users/set_IDENT/:
    post:
      operationId: setUsername
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/SetUsernameRequest' } } } }
      responses: { '204': { description: ok } }
  /auth/users/reset_IDENT/:
    post:
      operationId: resetUsername
      responses: { '204': { description: ok } }
  /auth/users/reset_IDENT_confirm/:
    post:
      operationId: resetUsernameConfirm
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/ResetUsernameConfirmRequest' } } } }
      responses: { '204': { description: ok } }
components:
  schemas:
    User:
      type: object
      USERFIELD
      required: [USERREQ]
      properties:
        email: { type: string }
        id: { type: integer, format: int64 }
        USERNAMEPROP
        PROFILE
    UserCreated:
      type: object
      required: [CREATEDREQ]
      properties:
        email: { type: string }
        USERNAMEPROP
        id: { type: integer, format: int64 }
        CREATED
        auth_token: { type: string }
    UserCreateRequest:
      type: object
      CREATEREQUIRED
      properties:
        USERNAMEREQPROP
        email: { type: [string, 'null'] }
        password: { type: [string, 'null'] }
        re_password: { type: [string, 'null'] }
        CREATE
    UserUpdateRequest:
      type: object
      UPDATEPROPS
    TokenCreateRequest:
      type: object
      properties:
        LOGINPROPS
        password: { type: [string, 'null'] }
        label: { type: [string, 'null'] }
    JWTCreateRequest:
      type: object
      properties:
        LOGINPROPS
        password: { type: [string, 'null'] }
    SetUsernameRequest:
      type: object
      properties:
        current_password: { type: [string, 'null'] }
        new_IDENT: { type: [string, 'null'] }
        re_new_IDENT: { type: [string, 'null'] }
    ResetUsernameConfirmRequest:
      type: object
      properties:
        uid: { type: [string, 'null'] }
        token: { type: [string, 'null'] }
        new_IDENT: { type: [string, 'null'] }
        re_new_IDENT: { type: [string, 'null'] }
`

type specCase struct {
	ident                                            string // "" for username
	profile, created, create, update, createRequired string
	userRequired, createdRequired                    string // "" for every profile property
}

// build fills baseSpec; each block is YAML properties at the right indentation, one per line.
func (c specCase) build() []byte {
	ident := c.ident
	if ident == "" {
		ident = "username"
	}
	indent := func(block string) string {
		return strings.ReplaceAll(strings.TrimSpace(block), "\n", "\n        ")
	}
	propNames := func(block string) string {
		var names []string
		for _, l := range strings.Split(strings.TrimSpace(block), "\n") {
			if name, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok && name != "" {
				names = append(names, name)
			}
		}
		return strings.Join(names, ", ")
	}
	userReq := c.userRequired
	if userReq == "" {
		userReq = propNames(c.profile)
	}
	createdReq := c.createdRequired
	if createdReq == "" {
		createdReq = propNames(c.created)
	}
	list := func(names ...string) string {
		var out []string
		for _, n := range names {
			if n != "" {
				out = append(out, n)
			}
		}
		return strings.Join(out, ", ")
	}
	usernameKey := map[string]string{"username": "username", "email": ""}[ident]
	updateProps := "properties: {}"
	if lines := strings.TrimSpace(map[string]string{"username": "email: { type: [string, 'null'] }", "email": ""}[ident] + "\n" + c.update); lines != "" {
		updateProps = "properties:\n        " + indent(lines)
	}
	// Longer keys first where one is the start of another: the replacer prefers the earlier one.
	r := strings.NewReplacer(
		"USERFIELD", map[string]string{"username": "", "email": "x-gojoser-username-field: email"}[ident],
		"USERREQ", list("email", "id", usernameKey, userReq),
		"USERNAMEREQPROP", map[string]string{"username": "username: { type: [string, 'null'] }", "email": ""}[ident],
		"USERNAMEPROP", map[string]string{"username": "username: { type: string }", "email": ""}[ident],
		"UPDATEPROPS", updateProps,
		"LOGINPROPS", map[string]string{"username": "username: { type: [string, 'null'] }\n        email: { type: [string, 'null'] }", "email": "email: { type: [string, 'null'] }"}[ident],
		"CREATEREQUIRED", map[bool]string{true: "", false: "required: [" + c.createRequired + "]"}[c.createRequired == ""],
		"CREATEDREQ", list("email", usernameKey, "id", createdReq),
		"PROFILE", indent(c.profile), "CREATED", indent(c.created), "CREATE", indent(c.create),
		"IDENT", ident,
	)
	return []byte(r.Replace(baseSpec))
}

// entFields are gojoser's own columns and extra.
func entFields(extra ...*EntField) []*EntField {
	var out []*EntField
	for _, c := range coreColumns {
		out = append(out, &EntField{Name: c, GoName: c, Type: "string", GoType: "string"})
	}
	return append(out, extra...)
}

func str(name string, size int64) *EntField {
	return &EntField{Name: name, GoName: goName(name), Type: "string", GoType: "string", Size: size, Default: true}
}

func goName(name string) string {
	var b strings.Builder
	for _, p := range strings.Split(name, "_") {
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func TestDisagreementsAreReported(t *testing.T) {
	nillable := func(f *EntField) *EntField { f.Optional, f.Nillable, f.Default = true, true, false; return f }
	typed := func(f *EntField, typ string) *EntField { f.Type, f.GoType = typ, typ; return f }
	for _, tc := range []struct {
		name string
		spec specCase
		ent  []*EntField
		want string // a problem the report must contain; "" for none
	}{
		{name: "agreeing: every kind of field",
			spec: specCase{
				profile: `first_name: { type: string, maxLength: 150, minLength: 1 }
phone: { type: [string, 'null'], pattern: '^\+?[0-9 ]+$', maxLength: 20 }
role: { type: string, enum: [member, staff], x-gojoser-admin-only: true }
age: { type: [integer, 'null'], minimum: 0, maximum: 150 }
birthday: { type: [string, 'null'], format: date }
site: { type: string, format: uri, maxLength: 200 }
news: { type: boolean }
badge: { type: string, readOnly: true }`,
				created:        `first_name: { type: string, maxLength: 150, minLength: 1 }`,
				create:         "first_name: { type: string, maxLength: 150, minLength: 1 }\nphone: { type: [string, 'null'], pattern: '^\\+?[0-9 ]+$', maxLength: 20 }",
				createRequired: "first_name",
				update: `first_name: { type: string, maxLength: 150, minLength: 1 }
role: { type: string, enum: [member, staff], x-gojoser-admin-only: true }
age: { type: [integer, 'null'], minimum: 0, maximum: 150 }`,
			},
			ent: entFields(str("first_name", 150), nillable(str("phone", 20)), &EntField{Name: "role", GoName: "Role", Type: "enum", GoType: "user.Role", Enum: []string{"member", "staff", "admin"}, Default: true},
				nillable(typed(str("age", 0), "int16")), nillable(str("birthday", 10)), str("site", 200), typed(str("news", 0), "bool"), str("badge", 0),
				&EntField{Name: "crm_id", Type: "string", Optional: true, Internal: true})},
		{name: "a field in the spec and not in Ent",
			spec: specCase{profile: `nickname: { type: string }`}, ent: entFields(),
			want: "openapi.yaml User.nickname: no field nickname in ent/schema/user.go"},
		{name: "a field in Ent and not in the spec",
			spec: specCase{}, ent: entFields(str("nickname", 0)),
			want: "ent/schema/user.go nickname: not in openapi.yaml's User"},
		{name: "a type mismatch",
			spec: specCase{profile: `age: { type: integer, minimum: 0, maximum: 9 }`}, ent: entFields(str("age", 0)),
			want: "openapi.yaml says integer; the column is string"},
		{name: "a longer maxLength than the column holds",
			spec: specCase{profile: `nickname: { type: string, maxLength: 200 }`}, ent: entFields(str("nickname", 150)),
			want: "openapi.yaml allows 200 characters, the column holds 150"},
		{name: "no maxLength for a sized column",
			spec: specCase{profile: `nickname: { type: string }`}, ent: entFields(str("nickname", 150)),
			want: "the column holds 150 characters, and openapi.yaml sets no maxLength"},
		{name: "null allowed, the column NOT NULL",
			spec: specCase{profile: `nickname: { type: [string, 'null'] }`}, ent: entFields(str("nickname", 0)),
			want: "openapi.yaml allows null, so the column must too"},
		{name: "a nillable column the spec does not allow null in",
			spec: specCase{profile: `nickname: { type: string }`}, ent: entFields(nillable(str("nickname", 0))),
			want: "the column may hold NULL"},
		{name: "an integer range wider than the column",
			spec: specCase{profile: `age: { type: integer, minimum: 0, maximum: 100000 }`}, ent: entFields(typed(str("age", 0), "int16")),
			want: "openapi.yaml's range 0..100000 does not fit the column (int16 holds -32768..32767)"},
		{name: "an unbounded integer",
			spec: specCase{profile: `age: { type: integer }`}, ent: entFields(typed(str("age", 0), "int")),
			want: "an integer needs minimum"},
		{name: "an enum value the column does not hold",
			spec: specCase{profile: `role: { type: string, enum: [member, owner] }`},
			ent:  entFields(&EntField{Name: "role", GoName: "Role", Type: "enum", Enum: []string{"member"}, Default: true}),
			want: `enum value "owner" is not one of the column's (member)`},
		{name: "a field a registration cannot fill",
			spec: specCase{profile: `nickname: { type: string }`}, ent: entFields(&EntField{Name: "nickname", Type: "string"}),
			want: "users are created without it"},
		{name: "a readOnly field in a request",
			spec: specCase{profile: `badge: { type: string, readOnly: true }`, update: `badge: { type: string }`},
			ent:  entFields(str("badge", 0)),
			want: "UserUpdateRequest.badge: User marks it readOnly"},
		{name: "an admin-only field at registration",
			spec: specCase{profile: `role: { type: string, x-gojoser-admin-only: true }`, create: `role: { type: string, x-gojoser-admin-only: true }`},
			ent:  entFields(str("role", 0)),
			want: "registration is anonymous"},
		{name: "a key Djoser would always send left optional",
			spec: specCase{profile: `nickname: { type: string }`, userRequired: "email"},
			ent:  entFields(str("nickname", 0)),
			want: "openapi.yaml User.nickname: list it in User.required"},
		{name: "a request declaring the field unlike User",
			spec: specCase{profile: `nickname: { type: string, maxLength: 30 }`, update: `nickname: { type: string, maxLength: 40 }`},
			ent:  entFields(str("nickname", 0)),
			want: "UserUpdateRequest.nickname: declared unlike User.nickname"},
		{name: "an unsupported format",
			spec: specCase{profile: `seen: { type: string, format: date-time }`}, ent: entFields(str("seen", 0)),
			want: `format "date-time" is not supported`},
		{name: "a required field that is not in the request",
			spec: specCase{profile: `nickname: { type: string }`, createRequired: "nickname"}, ent: entFields(str("nickname", 0)),
			want: "UserCreateRequest.required: nickname is not a profile property of UserCreateRequest"},
		{name: "is_active, admin-only, in both requests: agreeing",
			spec: specCase{create: "is_active: { type: [boolean, 'null'], x-gojoser-admin-only: true }", update: "is_active: { type: [boolean, 'null'], x-gojoser-admin-only: true }"},
			ent:  entFields()},
		// Without the mark the spec would say a user may write their own is_active.
		{name: "is_active not marked admin-only",
			spec: specCase{update: "is_active: { type: [boolean, 'null'] }"}, ent: entFields(),
			want: "UserUpdateRequest.is_active: gojoser's own admin-only field; mark it x-gojoser-admin-only: true"},
		{name: "is_active of another type",
			spec: specCase{create: "is_active: { type: [string, 'null'], x-gojoser-admin-only: true }"}, ent: entFields(),
			want: "UserCreateRequest.is_active: must be type [boolean, 'null']"},
		{name: "is_active is not a profile field",
			spec: specCase{profile: "is_active: { type: boolean }"}, ent: entFields(),
			want: "ent/schema/user.go is_active: gojoser's own column"},
		{name: "email as USERNAME_FIELD: agreeing",
			spec: specCase{ident: "email", profile: `first_name: { type: string }`}, ent: entFields(str("first_name", 0))},
		{name: "email as USERNAME_FIELD, with username endpoints",
			spec: specCase{ident: "email"},
			ent:  entFields(),
			want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.spec.build(), tc.ent)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected problems: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no problem reported, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("problems:\n%v\nwant one containing %q", err, tc.want)
			}
		})
	}
}

func TestUsernameEndpointsFollowUSERNAME_FIELD(t *testing.T) {
	spec := specCase{ident: "email"}.build()
	spec = bytes.ReplaceAll(spec, []byte("/auth/users/set_email/"), []byte("/auth/users/set_username/"))
	_, err := Check(spec, entFields())
	if err == nil || !strings.Contains(err.Error(), "POST /auth/users/set_email/ is missing") ||
		!strings.Contains(err.Error(), "/auth/users/set_username/ belongs to a user model whose USERNAME_FIELD is username") {
		t.Fatalf("err = %v", err)
	}
}

// The ogen copy of the spec carries requests' profile fields as strings or null without their
// required lists, answers' as the converters' Go types, and pins Go names.
func TestOgenSpec(t *testing.T) {
	c := specCase{
		profile:        "age: { type: [integer, 'null'], minimum: 0, maximum: 150 }\nfirst_name: { type: string, maxLength: 20 }",
		created:        "first_name: { type: string, maxLength: 20 }",
		create:         "first_name: { type: string, maxLength: 20 }",
		createRequired: "first_name",
		update:         "age: { type: [integer, 'null'], minimum: 0, maximum: 150 }",
	}
	spec := c.build()
	m, err := Check(spec, entFields(&EntField{Name: "age", GoName: "Age", Type: "int", GoType: "int", Optional: true, Nillable: true}, str("first_name", 20)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := OgenSpec(spec, m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSpec(out)
	if err != nil {
		t.Fatal(err)
	}
	user, props, err := s.object("User")
	if err != nil {
		t.Fatal(err)
	}
	_ = user
	for _, p := range props {
		switch p.name {
		case "age":
			if p.schema.Type[0] != "integer" || p.schema.Type[1] != "null" || p.schema.Minimum != nil {
				t.Errorf("User.age = %+v", p.schema)
			}
		case "first_name":
			if len(p.schema.Type) != 1 || p.schema.MaxLength != nil {
				t.Errorf("User.first_name = %+v", p.schema)
			}
		}
	}
	create, props, err := s.object("UserCreateRequest")
	if err != nil {
		t.Fatal(err)
	}
	if len(create.Required) != 0 {
		t.Errorf("UserCreateRequest.required = %v, want none", create.Required)
	}
	for _, p := range props {
		if p.name == "first_name" && (len(p.schema.Type) != 2 || p.schema.Type[0] != "string" || p.schema.MaxLength != nil) {
			t.Errorf("UserCreateRequest.first_name = %+v", p.schema)
		}
	}
	if x := lookup(s.schemas, "UserUpdateRequest", "x-ogen-properties", "age", "name"); x == nil || x.Value != "Age" {
		t.Errorf("UserUpdateRequest.age is not pinned to Age")
	}
}

// README shows the recipe that CI applies (.ci/recipe.sh examples/custom-user), so that what a reader
// follows is what is tested.
func TestREADMEShowsTheTestedRecipe(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	diff, err := os.ReadFile("../../examples/custom-user/recipe.diff")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, l := range strings.SplitAfter(string(diff), "\n") {
		if !strings.HasPrefix(l, "index ") { // blob ids, which say nothing to a reader
			want.WriteString(l)
		}
	}
	if !strings.Contains(string(readme), "```diff\n"+want.String()+"```\n") {
		t.Error("README's recipe is not examples/custom-user/recipe.diff: copy the file (without its index lines) into README")
	}
}

// The recipes must apply to today's openapi.yaml and ent/schema/user.go. .ci/recipe.sh proves that
// they work, late in CI; this says at once, in go test, when an edit of the spec has moved the lines a
// recipe patches, so that whoever moved them refreshes the recipe in the same change.
func TestRecipesApplyToTheTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	diffs, err := filepath.Glob("../../examples/*/recipe.diff")
	if err != nil || len(diffs) == 0 {
		t.Fatalf("no recipes found: %v", err)
	}
	for _, d := range diffs {
		abs, _ := filepath.Abs(d)
		// --check reads the working tree and writes nothing; the root is where the diff's paths start.
		cmd := exec.Command("git", "apply", "--check", abs)
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s no longer applies (%v): %s\napply it with patch(1), check the result and write the diff again", d, err, out)
		}
	}
}
