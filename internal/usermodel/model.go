// Package usermodel reads the user model gojoser serves from its two declarations, openapi.yaml (the
// wire: which keys, in which order, with which constraints, writable by whom) and ent/schema/user.go
// (the columns), checks that they agree, and writes the code that maps between them: the profile
// fields' validation and storage (internal/profile/profile_gen.go), the converters between the
// generated server's types and the services' (internal/httpapi/profile_gen.go), and the copy of the
// spec that ogen generates the server from (gen/openapi.ogen.yaml). go generate runs it (./gen) between
// Ent and ogen, so adding a profile field takes the spec, the schema and `go generate ./...`.
//
// Every disagreement is an error that names the field and what to change: a field in one declaration
// and not the other, a type that does not match, a constraint the column cannot hold (a longer
// maxLength than its size, an integer range wider than its type, a nullable field in a NOT NULL
// column), or a field a registration cannot fill.
package usermodel

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is a profile field's JSON type.
type Kind string

const (
	KindString  Kind = "string"
	KindInteger Kind = "integer"
	KindBoolean Kind = "boolean"
)

// Field is one profile field as the spec declares it, with the column that stores it.
type Field struct {
	Name string // the property's name, which is the Ent field's
	Kind Kind
	// Format is "", "email", "uri" or "date", for strings.
	Format    string
	Enum      []string
	Nullable  bool
	ReadOnly  bool
	AdminOnly bool
	// Required at registration: listed in UserCreateRequest.required (Djoser's REQUIRED_FIELDS that
	// are not blank=True). A PUT must give it too.
	Required bool
	// Create and Update: the request schemas declare it, so registration and PUT/PATCH write it.
	Create, Update bool
	// Created: UserCreated (the registration answer) shows it.
	Created bool

	MaxLength, MinLength *uint64
	Pattern              string
	Minimum, Maximum     *int64

	Ent *EntField
}

// GoName is the Go name of the field, Ent's, which the generated server uses too.
func (f *Field) GoName() string { return f.Ent.GoName }

// EntField is what the generator needs to know of an Ent field.
type EntField struct {
	Name   string
	GoName string // the struct field, e.g. FirstName
	// Type is Ent's field type name: string, enum, bool, int, int8, int16, int32, int64, uint..., time, ...
	Type string
	// GoType is the Go type of the struct field without the pointer, e.g. string, int, user.Role.
	GoType    string
	Enum      []string
	Size      int64 // the column's size (MaxLen), 0 for unbounded
	Optional  bool
	Nillable  bool
	Default   bool
	Immutable bool
	Sensitive bool
	// Internal: annotated usermodel.Internal(), a column the API never shows.
	Internal bool
}

// Model is the user model: the profile fields and the order of every schema's keys.
type Model struct {
	// UsernameField is Django's USERNAME_FIELD, "username" or "email" (User's
	// x-gojoser-username-field): the field that names a user and the one the set_/reset_ endpoints
	// change.
	UsernameField string
	// Fields are the profile fields in User's order.
	Fields []*Field
	// User, Created, CreateRequest and UpdateRequest are the properties of User, UserCreated (without
	// auth_token), UserCreateRequest and UserUpdateRequest, in their order.
	User, Created, CreateRequest, UpdateRequest []string
	// Login and JWT are the login fields TokenCreateRequest and JWTCreateRequest declare (username,
	// email, or both), in their order.
	Login, JWT []string
	// CreatedAuthToken: UserCreated declares auth_token (GOJOSER_CREATE_TOKEN_ON_REGISTER).
	CreatedAuthToken bool
}

// Field returns the profile field named name, or nil.
func (m *Model) Field(name string) *Field {
	for _, f := range m.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Core fields are the user fields gojoser's own code reads and writes; everything else in User is a
// profile field. The columns are gojoser's whether the API shows them or not.
var (
	coreProperties = []string{"id", "username", "email"}
	coreColumns    = []string{"id", "username", "email", "email_key", "password", "is_active", "date_joined",
		"last_login", "link_version", "pending_email", "deactivated_at"}
)

func isCore(name string) bool { return slices.Contains(coreProperties, name) }

// adminProperties are request properties for gojoser's own columns that only an admin's request writes
// (internal/users applies them; anyone else's value is dropped). They are never profile fields, so the
// profile machinery, which lets a user write their own fields, never sees them; the spec must mark them
// x-gojoser-admin-only so that what it says is what the code does.
var adminProperties = []string{"is_active"}

// adminProperty checks a request schema's admin property and reports whether name is one.
func adminProperty(where string, p prop, problems *Problems) bool {
	if !slices.Contains(adminProperties, p.name) {
		return false
	}
	if !p.schema.AdminOnly {
		problems.add("openapi.yaml %s.%s: gojoser's own admin-only field; mark it %s: true", where, p.name, extAdminOnly)
	}
	if len(p.schema.Type) == 0 || p.schema.Type[0] != "boolean" {
		problems.add("openapi.yaml %s.%s: must be type [boolean, 'null']", where, p.name)
	}
	return true
}

// Problems are every disagreement found, reported together.
type Problems []string

func (p *Problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p Problems) Error() string {
	return "the user model in openapi.yaml and ent/schema/user.go disagree:\n  - " + strings.Join(p, "\n  - ")
}

// Err returns p as an error, or nil when empty.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}
