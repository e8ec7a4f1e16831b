// Package validation validates request fields the way Django REST Framework's serializers do, reporting
// into a drf.FieldErrors so that every field's errors come back together, in declaration order.
package validation

import (
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/gojoser/gojoser/internal/drf"
)

// NotAString stands for a value DRF's CharField rejects with "Not a valid string." (true/false, arrays,
// objects, uploaded files): the body parser puts it where such a value was, since the generated decoder
// only carries strings and nulls.
const NotAString = "\x00gojoser:not-a-string\x00"

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
func (f Char) Clean(errs *drf.FieldErrors, name string, v Value) (value string, present, ok bool) {
	switch {
	case !v.Set:
		if f.Required {
			errs.Add(name, drf.MsgRequired)
			return "", false, false
		}
		return "", false, true
	case v.Null:
		if !f.AllowNull {
			errs.Add(name, drf.MsgNull)
			return "", false, false
		}
		return "", false, true
	case v.S == NotAString:
		errs.Add(name, drf.MsgNotAString)
		return "", false, false
	}
	s := v.S
	if !f.NoTrim {
		s = strings.TrimSpace(s)
	}
	if s == "" {
		if !f.AllowBlank {
			errs.Add(name, drf.MsgBlank)
			return "", false, false
		}
		return "", true, true
	}
	ok = true
	// DRF's CharField runs its validators in order and reports every one that fails: those given to the
	// field, then max/min length, then its own ProhibitNullCharactersValidator, then validators that
	// subclasses add after it (EmailField's). A NUL never reaches the database: PostgreSQL refuses it.
	nulAt := 0
	for i, rule := range f.Rules {
		if strings.HasPrefix(rule, "max=") || strings.HasPrefix(rule, "min=") {
			nulAt = i + 1
		}
	}
	for i := 0; i <= len(f.Rules); i++ {
		if i == nulAt && strings.IndexByte(s, 0) >= 0 {
			errs.Add(name, drf.MsgNullCharacter)
			ok = false
		}
		if i == len(f.Rules) {
			break
		}
		if err := validate.Var(s, f.Rules[i]); err != nil {
			errs.Add(name, message(f.Rules[i]))
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
		return drf.MaxLength(param)
	case "email":
		return drf.MsgEmail
	case "username":
		return drf.MsgUsername
	case "rolename":
		return drf.MsgRoleName
	}
	return drf.MsgInvalidValue
}
