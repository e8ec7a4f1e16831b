package validation

import (
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/gojoser/gojoser/internal/reqbody"
)

// DRF and Django messages, worded exactly as Djoser clients expect them.
const (
	MsgRequired     = "This field is required."
	MsgNull         = "This field may not be null."
	MsgBlank        = "This field may not be blank."
	MsgNotAString   = "Not a valid string."
	MsgEmail        = "Enter a valid email address."
	MsgUsername     = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	MsgRoleName     = "Enter a valid role name. This value may contain only letters, numbers, and _/./- characters."
	msgMaxLengthFmt = "Ensure this field has no more than %s characters."
)

// Value is one request field as it arrived: absent, null, or a string.
type Value struct {
	Set  bool
	Null bool
	S    string
}

// Char describes a DRF CharField.
type Char struct {
	Required   bool
	AllowBlank bool
	AllowNull  bool
	// NoTrim keeps surrounding whitespace; DRF trims by default.
	NoTrim bool
	// Rules are validator/v10 tags run in order after the type checks, each one reporting its own
	// message, because DRF reports every failing validator of a field, not only the first.
	Rules []string
}

// Clean runs DRF's CharField.run_validation on v. It records messages under name in errs and returns the
// cleaned value. ok is false when the field had an error; present is false when the field was absent
// (or null and allowed), so that the caller keeps its current value.
func (f Char) Clean(errs *Errors, name string, v Value) (value string, present, ok bool) {
	switch {
	case !v.Set:
		if f.Required {
			errs.Add(name, MsgRequired)
			return "", false, false
		}
		return "", false, true
	case v.Null:
		if !f.AllowNull {
			errs.Add(name, MsgNull)
			return "", false, false
		}
		return "", false, true
	case v.S == reqbody.NotAString:
		errs.Add(name, MsgNotAString)
		return "", false, false
	}
	s := v.S
	if !f.NoTrim {
		s = strings.TrimSpace(s)
	}
	if s == "" {
		if !f.AllowBlank {
			errs.Add(name, MsgBlank)
			return "", false, false
		}
		return "", true, true
	}
	ok = true
	for _, rule := range f.Rules {
		if err := validate.Var(s, rule); err != nil {
			errs.Add(name, message(rule))
			ok = false
		}
	}
	return s, true, ok
}

var validate = newValidator()

// Django's UnicodeUsernameValidator is r'^[\w.@+-]+\Z' with Python's Unicode \w: letters, numbers, "_".
var usernameRE = regexp.MustCompile(`^[\p{L}\p{N}_.@+-]+$`)

var roleNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	must(v.RegisterValidation("username", func(fl validator.FieldLevel) bool {
		return usernameRE.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("rolename", func(fl validator.FieldLevel) bool {
		return roleNameRE.MatchString(fl.Field().String())
	}))
	return v
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func message(rule string) string {
	tag, param, _ := strings.Cut(rule, "=")
	switch tag {
	case "max":
		return strings.Replace(msgMaxLengthFmt, "%s", param, 1)
	case "email":
		return MsgEmail
	case "username":
		return MsgUsername
	case "rolename":
		return MsgRoleName
	}
	return "Invalid value."
}
