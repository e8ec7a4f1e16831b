// Package profile is the user's profile: the fields openapi.yaml's User declares beyond id, username and
// email, stored in the columns ent/schema/user.go declares for them. profile_gen.go is written from the
// two by internal/usermodel (go generate); this file is the DRF field behaviour it is written against.
//
// Each field validates as the DRF field a ModelSerializer would make for it (CharField, EmailField,
// URLField, DateField, ChoiceField, IntegerField, BooleanField), with the constraints the spec gives it
// and DRF's messages, reporting into a drf.FieldErrors so that every field's errors come back together.
package profile

import (
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/validation"
)

// Op is what a request may write.
type Op struct {
	// Create is registration: the fields required at registration (openapi.yaml's
	// UserCreateRequest.required, Djoser's REQUIRED_FIELDS) must be given.
	Create bool
	// Partial is a PATCH. A PUT, like registration, must give the required fields, as DRF's
	// non-partial update of the same model fields does.
	Partial bool
	// Admin: the actor is an admin, who may write the fields marked x-gojoser-admin-only.
	Admin bool
}

// Empty reports whether c writes no field.
func (c *Changes) Empty() bool { return c.set == 0 }

// Common is what every kind of field has.
type Common struct {
	Name      string
	Required  bool // at registration and on PUT
	Nullable  bool
	AdminOnly bool // written only by admins; anyone else's value is ignored, as DRF ignores a read-only field
}

// skip reports whether op leaves this field alone: a non-admin's value for an admin-only field is
// dropped without a word, so nobody raises their own privileges by naming one.
func (c *Common) skip(op Op) bool { return c.AdminOnly && !op.Admin }

// empty handles an absent or null value, as DRF's validate_empty_values. done is true when v is one of
// those (ok then says whether it is acceptable); null is true for an accepted null.
func (c *Common) empty(errs *drf.FieldErrors, v validation.Value, op Op) (done, null, ok bool) {
	switch {
	case !v.Set:
		if c.Required && (op.Create || !op.Partial) {
			errs.Add(c.Name, drf.MsgRequired)
			return true, false, false
		}
		return true, false, false
	case v.Null:
		if !c.Nullable {
			errs.Add(c.Name, drf.MsgNull)
			return true, false, false
		}
		return true, true, true
	}
	return false, false, false
}

// String is a CharField, EmailField or URLField (Format "", "email", "uri"), trimmed and checked
// against Pattern, the length limits and the format, in DRF's validator order.
type String struct {
	Common
	Format    string
	MaxLength string // "" for none
	MinLength string // "" for none; blank values are allowed only without a minimum
	Pattern   *regexp.Regexp

	char *validation.Char
}

// NewString returns f ready to use.
func NewString(f String) *String {
	f.char = f.charField()
	return &f
}

// Clean validates v. set is false when the field is left alone (absent, in error, or not the actor's
// to write); null is true when it is set to null.
func (f *String) Clean(errs *drf.FieldErrors, v validation.Value, op Op) (s string, null, set bool) {
	if f.skip(op) {
		return "", false, false
	}
	if done, null, ok := f.empty(errs, v, op); done {
		return "", null, ok
	}
	s, _, ok := f.char.Clean(errs, f.Name, v)
	return s, false, ok
}

func (f *String) charField() *validation.Char {
	c := &validation.Char{AllowBlank: f.MinLength == "" || f.MinLength == "0", Pattern: f.Pattern}
	if f.MaxLength != "" {
		c.Rules = append(c.Rules, "max="+f.MaxLength)
	}
	if f.MinLength != "" && f.MinLength != "0" {
		c.Rules = append(c.Rules, "min="+f.MinLength)
	}
	switch f.Format {
	case "email":
		c.Rules = append(c.Rules, "email")
	case "uri":
		c.Rules = append(c.Rules, "djangourl")
	}
	return c
}

// Choice is a ChoiceField: the value must be one of Choices, compared as DRF does, untrimmed.
type Choice struct {
	Common
	Choices []string
}

// Clean validates v (see String.Clean).
func (f *Choice) Clean(errs *drf.FieldErrors, v validation.Value, op Op) (s string, null, set bool) {
	if f.skip(op) {
		return "", false, false
	}
	if done, null, ok := f.empty(errs, v, op); done {
		return "", null, ok
	}
	for _, c := range f.Choices {
		if v.S == c {
			return c, false, true
		}
	}
	errs.Add(f.Name, drf.InvalidChoice(pyStr(v.S)))
	return "", false, false
}

// pyStr is Python's str() of a value as the body parser hands it over.
func pyStr(s string) string {
	switch s {
	case validation.JSONTrue:
		return "True"
	case validation.JSONFalse:
		return "False"
	case validation.NotAString:
		return "..." // a list or an object, which the parser does not keep
	}
	return s
}

// Date is a DateField in ISO 8601 (YYYY-MM-DD), the only input format DRF's default accepts; the value
// is kept as its canonical string, which is what the API shows.
type Date struct {
	Common
}

// dateRE is Django's parse_date: \d matches any Unicode decimal digit, and $ also before a final
// newline, as in Python.
var dateRE = regexp.MustCompile(`^(\p{Nd}{4})-(\p{Nd}{1,2})-(\p{Nd}{1,2})\n?$`)

// Clean validates v (see String.Clean).
func (f *Date) Clean(errs *drf.FieldErrors, v validation.Value, op Op) (s string, null, set bool) {
	if f.skip(op) {
		return "", false, false
	}
	if done, null, ok := f.empty(errs, v, op); done {
		return "", null, ok
	}
	m := dateRE.FindStringSubmatch(v.S)
	if m != nil {
		y, mo, d := digits(m[1]), digits(m[2]), digits(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		// Python's date() refuses what time.Date would normalise (February 30th) and year 0.
		if y >= 1 && t.Year() == y && int(t.Month()) == mo && t.Day() == d {
			return t.Format(time.DateOnly), false, true
		}
	}
	errs.Add(f.Name, drf.MsgDate)
	return "", false, false
}

// digits is the value of a run of Unicode decimal digits, as Python's int() reads it.
func digits(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + digitValue(r)
	}
	return n
}

// digitValue is the value of a Unicode decimal digit. Decimal digits come in runs of ten from zero, and
// every range of unicode.Nd starts at a zero.
func digitValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}

// Int is an IntegerField with the bounds the spec gives (openapi.yaml must give both, the range the
// column holds at most).
type Int struct {
	Common
	Min, Max int64
}

// maxIntString is IntegerField.MAX_STRING_LENGTH.
const maxIntString = 1000

// decimalTail is IntegerField.re_decimal: a ".0", ".000" and whitespace after the number are dropped.
var decimalTail = regexp.MustCompile(`\.0*\s*$`)

// Clean validates v (see String.Clean).
func (f *Int) Clean(errs *drf.FieldErrors, v validation.Value, op Op) (n int64, null, set bool) {
	if f.skip(op) {
		return 0, false, false
	}
	if done, null, ok := f.empty(errs, v, op); done {
		return 0, null, ok
	}
	if len([]rune(v.S)) > maxIntString {
		errs.Add(f.Name, drf.MsgIntegerTooLong)
		return 0, false, false
	}
	b, ok := pyInt(decimalTail.ReplaceAllString(v.S, ""))
	if !ok || validation.IsNotAString(v.S) {
		errs.Add(f.Name, drf.MsgInteger)
		return 0, false, false
	}
	// DRF appends the max_value validator before min_value and reports every one that fails.
	ok = true
	if b.Cmp(big.NewInt(f.Max)) > 0 {
		errs.Add(f.Name, drf.MaxValue(f.Max))
		ok = false
	}
	if b.Cmp(big.NewInt(f.Min)) < 0 {
		errs.Add(f.Name, drf.MinValue(f.Min))
		ok = false
	}
	if !ok {
		return 0, false, false
	}
	return b.Int64(), false, true
}

// pyInt is Python's int() of a string: surrounding whitespace, a sign, Unicode decimal digits with
// single underscores between them.
func pyInt(s string) (*big.Int, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var b strings.Builder
	prevDigit := false
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte(byte('0' + digitValue(r)))
			prevDigit = true
		case r == '_' && prevDigit:
			prevDigit = false
		default:
			return nil, false
		}
	}
	if b.Len() == 0 || !prevDigit {
		return nil, false
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	if ok && neg {
		n.Neg(n)
	}
	return n, ok
}

// Bool is a BooleanField.
type Bool struct {
	Common
}

// BooleanField's TRUE_VALUES and FALSE_VALUES, as strings (numbers arrive as their str()).
var (
	trueValues  = map[string]bool{"t": true, "T": true, "y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true, "1": true, validation.JSONTrue: true}
	falseValues = map[string]bool{"f": true, "F": true, "n": true, "N": true, "no": true, "No": true, "NO": true, "false": true, "False": true, "FALSE": true, "off": true, "Off": true, "OFF": true, "0": true, validation.JSONFalse: true}
	nullValues  = map[string]bool{"null": true, "Null": true, "NULL": true, "": true}
)

// Clean validates v (see String.Clean).
func (f *Bool) Clean(errs *drf.FieldErrors, v validation.Value, op Op) (b, null, set bool) {
	if f.skip(op) {
		return false, false, false
	}
	if done, null, ok := f.empty(errs, v, op); done {
		return false, null, ok
	}
	switch {
	case trueValues[v.S]:
		return true, false, true
	case falseValues[v.S]:
		return false, false, true
	case f.Nullable && nullValues[v.S]:
		return false, true, true
	}
	errs.Add(f.Name, drf.MsgBoolean)
	return false, false, false
}

// Conversions the generated code uses between Ent's field types and Profile's.

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ptrString converts a nillable Ent enum to *string.
func ptrString[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// ptrInt64 converts a nillable Ent integer of another size to *int64.
func ptrInt64[T integer](p *T) *int64 {
	if p == nil {
		return nil
	}
	n := int64(*p)
	return &n
}
