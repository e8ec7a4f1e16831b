package usermodel

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-faster/yaml"
	"github.com/ogen-go/ogen"
)

// The schemas of openapi.yaml that make up the user model.
const (
	schemaUser     = "User"
	schemaCreated  = "UserCreated"
	schemaCreate   = "UserCreateRequest"
	schemaUpdate   = "UserUpdateRequest"
	schemaLogin    = "TokenCreateRequest"
	schemaJWT      = "JWTCreateRequest"
	schemaSetName  = "SetUsernameRequest"
	schemaResetNew = "ResetUsernameConfirmRequest"
)

// The spec's extensions gojoser reads.
const (
	extUsernameField = "x-gojoser-username-field"
	extAdminOnly     = "x-gojoser-admin-only"
)

// rawSchema is the part of a JSON Schema the user model uses.
type rawSchema struct {
	Ref              string    `yaml:"$ref"`
	Type             typeList  `yaml:"type"`
	Nullable         bool      `yaml:"nullable"`
	Format           string    `yaml:"format"`
	Enum             []any     `yaml:"enum"`
	MaxLength        *uint64   `yaml:"maxLength"`
	MinLength        *uint64   `yaml:"minLength"`
	Pattern          string    `yaml:"pattern"`
	Minimum          *yamlNum  `yaml:"minimum"`
	Maximum          *yamlNum  `yaml:"maximum"`
	ExclusiveMinimum any       `yaml:"exclusiveMinimum"`
	ExclusiveMaximum any       `yaml:"exclusiveMaximum"`
	MultipleOf       any       `yaml:"multipleOf"`
	Const            any       `yaml:"const"`
	ReadOnly         bool      `yaml:"readOnly"`
	WriteOnly        bool      `yaml:"writeOnly"`
	AllOf            []any     `yaml:"allOf"`
	OneOf            []any     `yaml:"oneOf"`
	AnyOf            []any     `yaml:"anyOf"`
	Required         []string  `yaml:"required"`
	Properties       yaml.Node `yaml:"properties"`
	AdminOnly        bool      `yaml:"x-gojoser-admin-only"`
	UsernameField    string    `yaml:"x-gojoser-username-field"`
}

// typeList is "type": one name, or a list of them ("null" makes the schema nullable).
type typeList []string

func (t *typeList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*t = typeList{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*t = l
	return nil
}

// yamlNum is a number as written, so that 1.5 is seen as not an integer.
type yamlNum struct{ text string }

func (n *yamlNum) UnmarshalYAML(node *yaml.Node) error {
	n.text = node.Value
	return nil
}

func (n *yamlNum) int64() (int64, bool) {
	v, err := strconv.ParseInt(n.text, 10, 64)
	return v, err == nil
}

// prop is one property of an object schema, in order.
type prop struct {
	name   string
	schema *rawSchema
	node   *yaml.Node
}

// spec is openapi.yaml as the user model reads it.
type spec struct {
	root    *yaml.Node // the document's mapping
	schemas *yaml.Node // components.schemas
	parsed  *ogen.Spec
}

func readSpec(data []byte) (*spec, error) {
	parsed, err := ogen.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("openapi.yaml: not one YAML document")
	}
	s := &spec{root: doc.Content[0], parsed: parsed}
	if s.schemas = lookup(s.root, "components", "schemas"); s.schemas == nil {
		return nil, fmt.Errorf("openapi.yaml: no components.schemas")
	}
	return s, nil
}

// lookup follows keys through mappings.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

// object reads components.schemas[name] and its properties, in order, with refs resolved.
func (s *spec) object(name string) (*rawSchema, []prop, error) {
	n := lookup(s.schemas, name)
	if n == nil {
		return nil, nil, fmt.Errorf("components.schemas.%s is missing", name)
	}
	var raw rawSchema
	if err := n.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("components.schemas.%s: %w", name, err)
	}
	var props []prop
	pn := &raw.Properties
	for i := 0; pn.Kind == yaml.MappingNode && i+1 < len(pn.Content); i += 2 {
		key, val := pn.Content[i].Value, pn.Content[i+1]
		ps, err := s.resolve(val, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("components.schemas.%s.properties.%s: %w", name, key, err)
		}
		props = append(props, prop{name: key, schema: ps, node: val})
	}
	return &raw, props, nil
}

// resolve decodes a property schema, following a $ref to components.schemas. What the referring
// schema says beside the $ref (readOnly, the extensions) adds to what it refers to, as OpenAPI 3.1 reads
// it.
func (s *spec) resolve(n *yaml.Node, depth int) (*rawSchema, error) {
	var raw rawSchema
	if err := n.Decode(&raw); err != nil {
		return nil, err
	}
	if raw.Ref == "" {
		return &raw, nil
	}
	name, ok := strings.CutPrefix(raw.Ref, "#/components/schemas/")
	target := lookup(s.schemas, name)
	if !ok || target == nil || depth > 8 {
		return nil, fmt.Errorf("$ref %q: only refs to components.schemas are followed", raw.Ref)
	}
	out, err := s.resolve(target, depth+1)
	if err != nil {
		return nil, err
	}
	out.ReadOnly = out.ReadOnly || raw.ReadOnly
	out.AdminOnly = out.AdminOnly || raw.AdminOnly
	return out, nil
}

// operation returns the operation at method and path, or nil.
func (s *spec) operation(method, path string) *ogen.Operation {
	item, ok := s.parsed.Paths[path]
	if !ok || item == nil {
		return nil
	}
	switch method {
	case "post":
		return item.Post
	}
	return nil
}

func names(props []prop) []string {
	out := make([]string, len(props))
	for i, p := range props {
		out[i] = p.name
	}
	return out
}

// definition is what two declarations of one field must agree on.
func (f *Field) definition() string {
	return fmt.Sprintf("%s format=%q enum=%q nullable=%t maxLength=%s minLength=%s pattern=%q minimum=%s maximum=%s",
		f.Kind, f.Format, f.Enum, f.Nullable, u64(f.MaxLength), u64(f.MinLength), f.Pattern, i64(f.Minimum), i64(f.Maximum))
}

func u64(p *uint64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatUint(*p, 10)
}

func i64(p *int64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatInt(*p, 10)
}

// readField reads a profile property's schema; where names it in messages.
func readField(where, name string, s *rawSchema, problems *Problems) *Field {
	f := &Field{Name: name, ReadOnly: s.ReadOnly, AdminOnly: s.AdminOnly, Nullable: s.Nullable,
		MaxLength: s.MaxLength, MinLength: s.MinLength, Pattern: s.Pattern}
	var kinds []string
	for _, t := range s.Type {
		if t == "null" {
			f.Nullable = true
		} else {
			kinds = append(kinds, t)
		}
	}
	bad := func(format string, args ...any) {
		problems.add("openapi.yaml %s.%s: "+format, append([]any{where, name}, args...)...)
	}
	if len(kinds) != 1 {
		bad("give one type (string, integer or boolean), with 'null' beside it for a nullable field: type: [string, 'null']")
		return nil
	}
	f.Kind = Kind(kinds[0])
	switch {
	case len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0:
		bad("allOf, oneOf and anyOf are not supported in a profile field")
	case s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil || s.MultipleOf != nil || s.Const != nil:
		bad("exclusiveMinimum, exclusiveMaximum, multipleOf and const have no DRF field; use minimum, maximum or enum")
	case s.WriteOnly:
		bad("writeOnly is not supported in a profile field")
	}
	switch f.Kind {
	case KindString:
		switch s.Format {
		case "", "email", "uri", "date":
			f.Format = s.Format
		default:
			bad("format %q is not supported; use email, uri, date, or none", s.Format)
		}
		if s.Minimum != nil || s.Maximum != nil {
			bad("minimum and maximum apply to integers")
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil {
				bad("pattern %q does not compile (Go's RE2 syntax): %v", f.Pattern, err)
			}
		}
		for _, e := range s.Enum {
			switch v := e.(type) {
			case string:
				f.Enum = append(f.Enum, v)
			case nil:
				// null beside the values of a nullable enum, as JSON Schema wants it.
			default:
				bad("enum values must be strings, got %v", e)
			}
		}
		if len(f.Enum) > 0 && (f.Format != "" || f.Pattern != "" || f.MaxLength != nil || f.MinLength != nil) {
			bad("an enum takes no format, pattern, maxLength or minLength: the values are the constraint")
		}
		if f.Format == "date" && (f.Pattern != "" || f.MaxLength != nil || f.MinLength != nil) {
			bad("a date takes no pattern, maxLength or minLength: YYYY-MM-DD is the constraint")
		}
		if f.MaxLength != nil && f.MinLength != nil && *f.MinLength > *f.MaxLength {
			bad("minLength %d is more than maxLength %d", *f.MinLength, *f.MaxLength)
		}
	case KindInteger:
		switch s.Format {
		case "", "int32", "int64":
		default:
			bad("format %q is not an integer format", s.Format)
		}
		if f.MaxLength != nil || f.MinLength != nil || f.Pattern != "" || len(s.Enum) > 0 {
			bad("maxLength, minLength, pattern and enum apply to strings")
		}
		for _, b := range []struct {
			n   *yamlNum
			out **int64
			key string
		}{{s.Minimum, &f.Minimum, "minimum"}, {s.Maximum, &f.Maximum, "maximum"}} {
			if b.n == nil {
				bad("an integer needs %s: the column holds a bounded range, and DRF reports values outside it", b.key)
				continue
			}
			v, ok := b.n.int64()
			if !ok {
				bad("%s %s is not a 64-bit integer", b.key, b.n.text)
				continue
			}
			*b.out = &v
		}
		if f.Minimum != nil && f.Maximum != nil && *f.Minimum > *f.Maximum {
			bad("minimum %d is more than maximum %d", *f.Minimum, *f.Maximum)
		}
	case KindBoolean:
		if s.Format != "" || f.MaxLength != nil || f.MinLength != nil || f.Pattern != "" || len(s.Enum) > 0 || s.Minimum != nil || s.Maximum != nil {
			bad("a boolean takes no format or constraints")
		}
	default:
		bad("type %q is not supported; a profile field is a string, an integer or a boolean", f.Kind)
		return nil
	}
	return f
}

// specModel reads the user model from the spec, checking everything that does not involve Ent.
func specModel(s *spec, problems *Problems) *Model {
	m := &Model{}
	userRaw, userProps, err := s.object(schemaUser)
	if err != nil {
		problems.add("openapi.yaml: %v", err)
		return nil
	}
	m.UsernameField = userRaw.UsernameField
	switch m.UsernameField {
	case "":
		m.UsernameField = "username"
	case "username", "email":
	default:
		problems.add("openapi.yaml User: %s must be username or email, got %q", extUsernameField, m.UsernameField)
		return nil
	}
	m.User = names(userProps)
	for _, p := range userProps {
		if !slices.Contains(userRaw.Required, p.name) {
			problems.add("openapi.yaml User.%s: list it in User.required; Djoser always sends every key of the user", p.name)
		}
		if isCore(p.name) {
			continue
		}
		if f := readField("User", p.name, p.schema, problems); f != nil {
			m.Fields = append(m.Fields, f)
		}
	}
	for _, core := range []string{"id", "email"} {
		if !slices.Contains(m.User, core) {
			problems.add("openapi.yaml User: %s is missing; gojoser's user always has an id and an email", core)
		}
	}
	if m.UsernameField == "email" && slices.Contains(m.User, "username") {
		problems.add("openapi.yaml User: a user whose USERNAME_FIELD is email (%s: email) has no username property", extUsernameField)
	}

	// UserCreated: the registration answer.
	createdRaw, createdProps, err := s.object(schemaCreated)
	if err != nil {
		problems.add("openapi.yaml: %v", err)
		return nil
	}
	for _, p := range createdProps {
		if p.name == "auth_token" {
			m.CreatedAuthToken = true
			continue
		}
		m.Created = append(m.Created, p.name)
		if !slices.Contains(createdRaw.Required, p.name) {
			problems.add("openapi.yaml UserCreated.%s: list it in UserCreated.required; Djoser always sends every key", p.name)
		}
		if !slices.Contains(m.User, p.name) {
			problems.add("openapi.yaml UserCreated.%s: not a property of User; the registration answer shows the user's fields", p.name)
			continue
		}
		if f := m.Field(p.name); f != nil {
			f.Created = true
			sameDefinition(schemaCreated, p, f, problems)
		}
	}
	if !slices.Contains(m.Created, "id") {
		problems.add("openapi.yaml UserCreated: id is missing")
	}
	if !slices.Contains(m.Created, m.UsernameField) {
		problems.add("openapi.yaml UserCreated: %s (USERNAME_FIELD) is missing", m.UsernameField)
	}

	// The request bodies.
	createRaw, createProps, err := s.object(schemaCreate)
	if err != nil {
		problems.add("openapi.yaml: %v", err)
		return nil
	}
	m.CreateRequest = names(createProps)
	requestCore := map[string][]string{
		"username": {"username", "email", "password", "re_password"},
		"email":    {"email", "password", "re_password"},
	}[m.UsernameField]
	for _, c := range requestCore {
		if !slices.Contains(m.CreateRequest, c) {
			problems.add("openapi.yaml UserCreateRequest: %s is missing", c)
		}
	}
	for _, p := range createProps {
		if slices.Contains(requestCore, p.name) || adminProperty(schemaCreate, p, problems) {
			continue
		}
		f := m.Field(p.name)
		switch {
		case p.name == "username":
			problems.add("openapi.yaml UserCreateRequest.username: a user whose USERNAME_FIELD is email has no username")
		case f == nil:
			problems.add("openapi.yaml UserCreateRequest.%s: not a profile field of User; declare it in User first", p.name)
		case f.ReadOnly:
			problems.add("openapi.yaml UserCreateRequest.%s: User marks it readOnly, so no request may write it", p.name)
		case f.AdminOnly:
			problems.add("openapi.yaml UserCreateRequest.%s: it is %s, and registration is anonymous; leave it out and let an admin set it", p.name, extAdminOnly)
		default:
			f.Create = true
			sameDefinition(schemaCreate, p, f, problems)
		}
	}
	for _, r := range createRaw.Required {
		f := m.Field(r)
		switch {
		case slices.Contains(requestCore, r):
			problems.add("openapi.yaml UserCreateRequest.required: %s is gojoser's own field, whose rules are Djoser's; list only profile fields", r)
		case f == nil || !f.Create:
			problems.add("openapi.yaml UserCreateRequest.required: %s is not a profile property of UserCreateRequest", r)
		default:
			f.Required = true
		}
	}

	_, updateProps, err := s.object(schemaUpdate)
	if err != nil {
		problems.add("openapi.yaml: %v", err)
		return nil
	}
	m.UpdateRequest = names(updateProps)
	for _, p := range updateProps {
		if adminProperty(schemaUpdate, p, problems) {
			continue
		}
		f := m.Field(p.name)
		switch {
		case p.name == "email" && m.UsernameField == "username":
			// Djoser's UserSerializer writes email unless it is LOGIN_FIELD.
		case p.name == "email" || p.name == "username" || p.name == "id":
			problems.add("openapi.yaml UserUpdateRequest.%s: read-only in Djoser's UserSerializer (%s changes through set_%[2]s/)", p.name, m.UsernameField)
		case f == nil:
			problems.add("openapi.yaml UserUpdateRequest.%s: not a profile field of User; declare it in User first", p.name)
		case f.ReadOnly:
			problems.add("openapi.yaml UserUpdateRequest.%s: User marks it readOnly, so no request may write it", p.name)
		default:
			f.Update = true
			sameDefinition(schemaUpdate, p, f, problems)
		}
	}
	m.Login = loginFields(s, schemaLogin, m, problems, "password", "label")
	m.JWT = loginFields(s, schemaJWT, m, problems, "password")
	usernamePaths(s, m, problems)
	return m
}

// sameDefinition checks that a request or answer declares a field as User does.
func sameDefinition(where string, p prop, f *Field, problems *Problems) {
	var scratch Problems
	g := readField(where, p.name, p.schema, &scratch)
	if g == nil || len(scratch) > 0 {
		*problems = append(*problems, scratch...)
		return
	}
	if g.definition() != f.definition() {
		problems.add("openapi.yaml %s.%s: declared unlike User.%[2]s (%s, not %s); declare it the same way, or $ref one schema from both",
			where, p.name, g.definition(), f.definition())
	}
}

// loginFields checks a login request body and returns the login fields it has: username for a user
// model with usernames (email too, for GOJOSER_LOGIN_FIELD=email), email otherwise.
func loginFields(s *spec, name string, m *Model, problems *Problems, others ...string) []string {
	_, props, err := s.object(name)
	if err != nil {
		problems.add("openapi.yaml: %v", err)
		return nil
	}
	var out []string
	for _, p := range props {
		switch {
		case p.name == "username" && m.UsernameField == "username", p.name == "email":
			out = append(out, p.name)
		case slices.Contains(others, p.name):
		default:
			problems.add("openapi.yaml %s.%s: not a login field here (USERNAME_FIELD is %s)", name, p.name, m.UsernameField)
		}
	}
	if !slices.Contains(out, m.UsernameField) {
		problems.add("openapi.yaml %s: %s (USERNAME_FIELD) is missing", name, m.UsernameField)
	}
	return out
}

// usernamePaths checks Djoser's endpoints named after USERNAME_FIELD: set_<f>/, reset_<f>/ and
// reset_<f>_confirm/ with new_<f> and re_new_<f>. Their operations keep Djoser's action names
// (setUsername, resetUsername, resetUsernameConfirm) whatever the field is, as Djoser's views do.
func usernamePaths(s *spec, m *Model, problems *Problems) {
	f := m.UsernameField
	for _, want := range []struct{ path, id string }{
		{"/auth/users/set_" + f + "/", "setUsername"},
		{"/auth/users/reset_" + f + "/", "resetUsername"},
		{"/auth/users/reset_" + f + "_confirm/", "resetUsernameConfirm"},
	} {
		op := s.operation("post", want.path)
		switch {
		case op == nil:
			problems.add("openapi.yaml paths: POST %s is missing (Djoser names it after USERNAME_FIELD, %s)", want.path, f)
		case op.OperationID != want.id:
			problems.add("openapi.yaml POST %s: operationId must be %s (Djoser's action, whatever USERNAME_FIELD is)", want.path, want.id)
		}
	}
	other := map[string]string{"username": "email", "email": "username"}[f]
	for _, p := range []string{"set_" + other, "reset_" + other, "reset_" + other + "_confirm"} {
		if s.operation("post", "/auth/users/"+p+"/") != nil {
			problems.add("openapi.yaml paths: /auth/users/%s/ belongs to a user model whose USERNAME_FIELD is %s, not %s", p, other, f)
		}
	}
	for _, b := range []struct {
		schema string
		want   []string
	}{
		{schemaSetName, []string{"current_password", "new_" + f, "re_new_" + f}},
		{schemaResetNew, []string{"uid", "token", "new_" + f, "re_new_" + f}},
	} {
		_, props, err := s.object(b.schema)
		if err != nil {
			problems.add("openapi.yaml: %v", err)
			continue
		}
		if got := names(props); !slices.Equal(got, b.want) {
			problems.add("openapi.yaml %s: properties must be %s, in that order (Djoser's), got %s", b.schema,
				strings.Join(b.want, ", "), strings.Join(got, ", "))
		}
	}
}

// intRange is the range of an Ent integer type.
func intRange(t string) (lo, hi int64, ok bool) {
	switch t {
	case "int8":
		return math.MinInt8, math.MaxInt8, true
	case "int16":
		return math.MinInt16, math.MaxInt16, true
	case "int32":
		return math.MinInt32, math.MaxInt32, true
	case "int", "int64":
		return math.MinInt64, math.MaxInt64, true
	case "uint8":
		return 0, math.MaxUint8, true
	case "uint16":
		return 0, math.MaxUint16, true
	case "uint32":
		return 0, math.MaxUint32, true
	case "uint", "uint64":
		return 0, math.MaxInt64, true
	}
	return 0, 0, false
}
