package usermodel

import (
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema/field"
)

// loadEnt reads the User fields of the Ent schema in dir (Ent builds and runs the schema package to do
// it, as `ent generate` does).
func loadEnt(dir string) ([]*EntField, error) {
	g, err := entc.LoadGraph(dir, &gen.Config{})
	if err != nil {
		return nil, fmt.Errorf("load ent schema %s: %w", dir, err)
	}
	for _, n := range g.Nodes {
		if n.Name != "User" {
			continue
		}
		var out []*EntField
		for _, f := range n.Fields {
			ef := &EntField{
				Name: f.Name, GoName: f.StructField(), Type: f.Type.Type.String(), GoType: f.Type.String(),
				Size: f.Column().Size, Optional: f.Optional, Nillable: f.Nillable, Default: f.Default,
				Immutable: f.Immutable, Sensitive: f.Sensitive(),
			}
			if f.Type.Type == field.TypeEnum {
				// Ent names the enum's underlying type "string"; it is its own Go type.
				ef.Type, ef.GoType = "enum", "user."+f.StructField()
				ef.Enum = f.EnumValues()
			}
			_, ef.Internal = f.Annotations["GojoserInternal"]
			out = append(out, ef)
		}
		return out, nil
	}
	return nil, fmt.Errorf("ent schema %s has no User", dir)
}

// checkEnt pairs every profile field with its column and reports every disagreement.
func checkEnt(m *Model, fields []*EntField, problems *Problems) {
	byName := map[string]*EntField{}
	for _, ef := range fields {
		byName[ef.Name] = ef
	}
	for _, ef := range fields {
		if slices.Contains(coreColumns, ef.Name) || ef.Internal || m.Field(ef.Name) != nil {
			continue
		}
		problems.add("ent/schema/user.go %s: not in openapi.yaml's User; declare it there (and in the request schemas where it is writable), or mark the column Internal()", ef.Name)
	}
	for _, f := range m.Fields {
		ef := byName[f.Name]
		if ef == nil {
			problems.add("openapi.yaml User.%s: no field %[1]s in ent/schema/user.go; declare its column there", f.Name)
			continue
		}
		f.Ent = ef
		bad := func(format string, args ...any) {
			problems.add("ent/schema/user.go %s: "+format, append([]any{f.Name}, args...)...)
		}
		if slices.Contains(coreColumns, f.Name) {
			bad("gojoser's own column; a profile field needs another name")
			continue
		}
		if ef.Internal {
			bad("marked Internal(), but openapi.yaml's User shows it")
		}
		if ef.Sensitive {
			bad("Sensitive(), but openapi.yaml's User shows it")
		}
		if f.Nullable != ef.Nillable {
			if f.Nullable {
				bad("openapi.yaml allows null, so the column must too: .Optional().Nillable()")
			} else {
				bad("the column may hold NULL (.Nillable()), which openapi.yaml's User does not allow: add 'null' to its type, or drop .Nillable()")
			}
		}
		if ef.Immutable && f.Update {
			bad("Immutable(), but openapi.yaml's UserUpdateRequest writes it")
		}
		if !ef.Default && !ef.Optional {
			// Registration may leave it out unless required, and createsuperuser and social login
			// create users without any profile field.
			bad("users are created without it (a registration that need not give it, createsuperuser, social login), so the column needs .Default(...) or .Optional()")
		}
		switch f.Kind {
		case KindString:
			checkString(f, ef, bad)
		case KindInteger:
			lo, hi, ok := intRange(ef.Type)
			switch {
			case !ok:
				bad("openapi.yaml says integer; the column is %s: use field.Int, Int8, Int16, Int32 or Int64", ef.Type)
			case f.Minimum != nil && f.Maximum != nil && (*f.Minimum < lo || *f.Maximum > hi):
				bad("openapi.yaml's range %d..%d does not fit the column (%s holds %d..%d)", *f.Minimum, *f.Maximum, ef.Type, lo, hi)
			}
		case KindBoolean:
			if ef.Type != "bool" {
				bad("openapi.yaml says boolean; the column is %s: use field.Bool", ef.Type)
			}
		}
	}
}

func checkString(f *Field, ef *EntField, bad func(string, ...any)) {
	switch ef.Type {
	case "string":
	case "enum":
		if len(f.Enum) == 0 {
			bad("an Ent enum, but openapi.yaml gives no enum")
		}
		for _, v := range f.Enum {
			if !slices.Contains(ef.Enum, v) {
				bad("openapi.yaml's enum value %q is not one of the column's (%s)", v, strings.Join(ef.Enum, ", "))
			}
		}
		return
	default:
		bad("openapi.yaml says string; the column is %s: use field.String (or field.Enum for an enum)", ef.Type)
		return
	}
	if ef.Size == 0 {
		return
	}
	longest := uint64(0)
	switch {
	case f.Format == "date":
		longest = 10
	case len(f.Enum) > 0:
		for _, v := range f.Enum {
			longest = max(longest, uint64(len([]rune(v))))
		}
	case f.MaxLength == nil:
		bad("the column holds %d characters, and openapi.yaml sets no maxLength: add maxLength: %[1]d (or less)", ef.Size)
		return
	default:
		longest = *f.MaxLength
	}
	if longest > uint64(ef.Size) {
		bad("openapi.yaml allows %d characters, the column holds %d (MaxLen)", longest, ef.Size)
	}
}
