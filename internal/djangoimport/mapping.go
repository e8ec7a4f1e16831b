package djangoimport

import (
	"fmt"
	"slices"
	"strings"
)

// A Mapping says which column of the Django user table fills which gojoser user field
// (--map field=column). Fields without an entry take the column of their own name when the table has
// one, else their default.
//
// The fields are gojoser's user fields plus the two Django flags that become the admin role. When
// the user model can be customised from the spec, its extra profile fields join this list and
// custom user tables fill them the same way; a column no field takes is reported, never dropped
// silently.
type Mapping map[string]string

// Field is a gojoser user field an import fills.
type Field struct {
	Name     string
	Required bool
	// About says what a missing column means.
	About string
}

// Fields are the fields a Mapping may name, in the order they are read.
var Fields = []Field{
	{Name: "id", Required: true, About: "integer primary key; kept, so JWT user_id claims stay valid"},
	{Name: "username", Required: true, About: "the login name (map it to the email column for email logins)"},
	{Name: "password", Required: true, About: "Django's password hash, stored as it is"},
	{Name: "email", About: `"" when missing`},
	{Name: "is_active", About: "true when missing"},
	{Name: "date_joined", About: "the import's time when missing"},
	{Name: "last_login", About: "empty when missing"},
	{Name: "is_staff", About: "with is_superuser, gives the admin role; false when missing"},
	{Name: "is_superuser", About: "false when missing"},
}

// ParseMapping reads --map values, each "field=column".
func ParseMapping(pairs []string) (Mapping, error) {
	m := Mapping{}
	for _, p := range pairs {
		field, col, ok := strings.Cut(p, "=")
		field, col = strings.TrimSpace(field), strings.TrimSpace(col)
		if !ok || field == "" || col == "" {
			return nil, fmt.Errorf("--map %q: want field=column", p)
		}
		if !slices.ContainsFunc(Fields, func(f Field) bool { return f.Name == field }) {
			return nil, fmt.Errorf("--map %q: gojoser's user has no field %q (fields: %s)", p, field, fieldNames())
		}
		if _, dup := m[field]; dup {
			return nil, fmt.Errorf("--map: field %q mapped twice", field)
		}
		m[field] = col
	}
	return m, nil
}

func fieldNames() string {
	names := make([]string, len(Fields))
	for i, f := range Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// resolve matches the mapping to the table's columns. It returns the column for each field ("" for
// a field the table cannot fill) and the columns no field takes.
func (m Mapping) resolve(table string, columns []string) (cols map[string]string, unmapped []string, err error) {
	cols = map[string]string{}
	used := map[string]bool{}
	var problems []string
	for _, f := range Fields {
		col, explicit := m[f.Name]
		if !explicit {
			col = f.Name
		}
		if !slices.Contains(columns, col) {
			switch {
			case explicit:
				problems = append(problems, fmt.Sprintf("--map %s=%s: %s has no column %q", f.Name, col, table, col))
			case f.Required:
				problems = append(problems, fmt.Sprintf("%s has no column %q for %s; pass --map %s=<column>", table, col, f.Name, f.Name))
			}
			continue
		}
		cols[f.Name] = col
		used[col] = true
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	for _, c := range columns {
		if !used[c] {
			unmapped = append(unmapped, c)
		}
	}
	return cols, unmapped, nil
}
