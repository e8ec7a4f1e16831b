package profile

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/validation"
)

// cleaner is one of the field kinds, reduced to what the tests look at.
type cleaner func(errs *drf.FieldErrors, v validation.Value, op Op) (value string, null, set bool)

func str(s string) validation.Value { return validation.Value{Set: true, S: s} }

var (
	absent = validation.Value{}
	null   = validation.Value{Set: true, Null: true}
)

// Each case is one value through one field, with the value stored (or "null") and the errors, as DRF
// 3.14 answers them.
func TestFieldsValidateAsDRF(t *testing.T) {
	phone := NewString(String{Common: Common{Name: "phone"}, MaxLength: "20", Pattern: regexp.MustCompile(`^\+?[0-9 ]{6,19}$`)})
	first := NewString(String{Common: Common{Name: "first_name", Required: true}, MaxLength: "5", MinLength: "1"})
	nick := NewString(String{Common: Common{Name: "nick", Nullable: true}, MinLength: "3"})
	mail := NewString(String{Common: Common{Name: "backup"}, Format: "email", MaxLength: "254"})
	site := NewString(String{Common: Common{Name: "site"}, Format: "uri", MaxLength: "200"})
	role := &Choice{Common: Common{Name: "role", AdminOnly: true}, Choices: []string{"member", "staff"}}
	day := &Date{Common: Common{Name: "birthday", Nullable: true}}
	age := &Int{Common: Common{Name: "age", Nullable: true}, Min: 0, Max: 150}
	news := &Bool{Common: Common{Name: "news"}}

	asString := func(f func(*drf.FieldErrors, validation.Value, Op) (string, bool, bool)) cleaner { return f }
	ints := func(f *Int) cleaner {
		return func(errs *drf.FieldErrors, v validation.Value, op Op) (string, bool, bool) {
			n, null, set := f.Clean(errs, v, op)
			return strconv.FormatInt(n, 10), null, set
		}
	}
	bools := func(f *Bool) cleaner {
		return func(errs *drf.FieldErrors, v validation.Value, op Op) (string, bool, bool) {
			b, null, set := f.Clean(errs, v, op)
			return map[bool]string{true: "true", false: "false"}[b], null, set
		}
	}
	create, patch, put, admin := Op{Create: true}, Op{Partial: true}, Op{}, Op{Partial: true, Admin: true}
	for _, tc := range []struct {
		name   string
		field  cleaner
		v      validation.Value
		op     Op
		stored string // the value written, "null", or "" with set false
		errs   string
	}{
		{"absent and required at registration", asString(first.Clean), absent, create, "", `{"first_name":["This field is required."]}`},
		{"absent and required on PUT", asString(first.Clean), absent, put, "", `{"first_name":["This field is required."]}`},
		{"absent on PATCH", asString(first.Clean), absent, patch, "", `{}`},
		{"absent and optional", asString(phone.Clean), absent, create, "", `{}`},
		{"null where not allowed", asString(phone.Clean), null, create, "", `{"phone":["This field may not be null."]}`},
		{"null where allowed", asString(nick.Clean), null, patch, "null", `{}`},
		{"trimmed", asString(first.Clean), str("  Ann "), create, "Ann", `{}`},
		{"blank with a minimum", asString(first.Clean), str("  "), create, "", `{"first_name":["This field may not be blank."]}`},
		{"blank without a minimum", asString(phone.Clean), str(""), create, "", `{}`},
		{"too short", asString(nick.Clean), str("ab"), patch, "", `{"nick":["Ensure this field has at least 3 characters."]}`},
		{"pattern, then length, together", asString(phone.Clean), str("x" + strings.Repeat("1", 25)), create, "",
			`{"phone":["Enter a valid value.","Ensure this field has no more than 20 characters."]}`},
		{"a NUL after the length checks", asString(first.Clean), str("a\x00bcdef"), create, "",
			`{"first_name":["Ensure this field has no more than 5 characters.","Null characters are not allowed."]}`},
		{"a list is not a string", asString(first.Clean), str(validation.NotAString), create, "", `{"first_name":["Not a valid string."]}`},
		{"true is not a string", asString(first.Clean), str(validation.JSONTrue), create, "", `{"first_name":["Not a valid string."]}`},
		{"a number is a string", asString(first.Clean), str("42"), create, "42", `{}`},
		{"email", asString(mail.Clean), str("nope"), create, "", `{"backup":["Enter a valid email address."]}`},
		{"url", asString(site.Clean), str("https://example.com/a?b=c"), create, "https://example.com/a?b=c", `{}`},
		{"url without a scheme DRF knows", asString(site.Clean), str("javascript:alert(1)"), create, "", `{"site":["Enter a valid URL."]}`},
		{"url without a host", asString(site.Clean), str("http://"), create, "", `{"site":["Enter a valid URL."]}`},
		{"choice", asString(role.Clean), str("staff"), admin, "staff", `{}`},
		{"choice is not trimmed", asString(role.Clean), str(" staff"), admin, "", `{"role":["\" staff\" is not a valid choice."]}`},
		{"choice of a boolean", asString(role.Clean), str(validation.JSONTrue), admin, "", `{"role":["\"True\" is not a valid choice."]}`},
		{"admin-only, written by a user: ignored", asString(role.Clean), str("staff"), patch, "", `{}`},
		{"admin-only, at registration: ignored", asString(role.Clean), str("staff"), create, "", `{}`},
		{"date", asString(day.Clean), str("2020-1-5"), patch, "2020-01-05", `{}`},
		{"date with Python's final newline", asString(day.Clean), str("2020-01-05\n"), patch, "2020-01-05", `{}`},
		{"date that does not exist", asString(day.Clean), str("2021-02-29"), patch, "",
			`{"birthday":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`},
		{"date, not trimmed", asString(day.Clean), str(" 2020-01-05"), patch, "",
			`{"birthday":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`},
		{"integer", ints(age), str("42"), patch, "42", `{}`},
		{"integer as Python's int() reads it", ints(age), str(" 1_2\t"), patch, "12", `{}`},
		{"integer in other digits", ints(age), str("٤٢"), patch, "42", `{}`},
		{"integer from a float", ints(age), str("42.0"), patch, "42", `{}`},
		{"not an integer", ints(age), str("4.5"), patch, "", `{"age":["A valid integer is required."]}`},
		{"a boolean is not an integer", ints(age), str(validation.JSONTrue), patch, "", `{"age":["A valid integer is required."]}`},
		{"integer above the maximum", ints(age), str("151"), patch, "", `{"age":["Ensure this value is less than or equal to 150."]}`},
		{"integer below the minimum", ints(age), str("-1"), patch, "", `{"age":["Ensure this value is greater than or equal to 0."]}`},
		{"integer beyond 64 bits", ints(age), str(strings.Repeat("9", 30)), patch, "", `{"age":["Ensure this value is less than or equal to 150."]}`},
		{"integer string too long", ints(age), str(strings.Repeat("1", 1001)), patch, "", `{"age":["String value too large."]}`},
		{"boolean true", bools(news), str(validation.JSONTrue), patch, "true", `{}`},
		{"boolean from a string", bools(news), str("off"), patch, "false", `{}`},
		{"boolean from a number", bools(news), str("1"), patch, "true", `{}`},
		{"not a boolean", bools(news), str("maybe"), patch, "", `{"news":["Must be a valid boolean."]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs drf.FieldErrors
			v, isNull, set := tc.field(&errs, tc.v, tc.op)
			got := ""
			switch {
			case set && isNull:
				got = "null"
			case set:
				got = v
			}
			if got != tc.stored {
				t.Errorf("stored %q, want %q", got, tc.stored)
			}
			b, _ := json.Marshal(&errs)
			if string(b) != tc.errs {
				t.Errorf("errors %s, want %s", b, tc.errs)
			}
		})
	}
}

// digitValue relies on every range of unicode.Nd being whole runs of ten digits from a zero.
func TestDecimalDigitRangesStartAtZero(t *testing.T) {
	for _, rg := range unicode.Nd.R16 {
		if rg.Stride != 1 || (int(rg.Hi)-int(rg.Lo)+1)%10 != 0 {
			t.Errorf("range %x-%x", rg.Lo, rg.Hi)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rg.Stride != 1 || (int(rg.Hi)-int(rg.Lo)+1)%10 != 0 {
			t.Errorf("range %x-%x", rg.Lo, rg.Hi)
		}
	}
}
