// Package validation validates request fields the way Django REST Framework's serializers do and
// collects the messages in DRF's error shape: field name to messages, in field declaration order.
package validation

import (
	"bytes"
	"encoding/json"
	"strings"
)

// NonField is the key DRF uses for object-level errors.
const NonField = "non_field_errors"

// Errors is an ordered DRF error dict. The zero value is empty and ready to use.
type Errors struct {
	entries []entry
}

type entry struct {
	field    string
	messages []string
}

// Add appends messages to field, keeping the position of the field's first message.
func (e *Errors) Add(field string, msgs ...string) {
	for i := range e.entries {
		if e.entries[i].field == field {
			e.entries[i].messages = append(e.entries[i].messages, msgs...)
			return
		}
	}
	e.entries = append(e.entries, entry{field: field, messages: msgs})
}

// Has reports whether field has an error.
func (e *Errors) Has(field string) bool {
	for _, en := range e.entries {
		if en.field == field {
			return true
		}
	}
	return false
}

// Empty reports whether no error was added.
func (e *Errors) Empty() bool { return len(e.entries) == 0 }

// Messages returns the messages of field.
func (e *Errors) Messages(field string) []string {
	for _, en := range e.entries {
		if en.field == field {
			return en.messages
		}
	}
	return nil
}

// Err returns e as an error, or nil when there is nothing to report.
func (e *Errors) Err() error {
	if e.Empty() {
		return nil
	}
	return e
}

func (e *Errors) Error() string {
	var b strings.Builder
	b.WriteString("validation failed:")
	for _, en := range e.entries {
		b.WriteString(" ")
		b.WriteString(en.field)
	}
	return b.String()
}

// MarshalJSON writes the dict with fields in the order they were added, as DRF does.
func (e *Errors) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, en := range e.entries {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(en.field)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(en.messages)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Field returns an *Errors holding a single field error: a shortcut for the common one-message case.
func Field(field string, msgs ...string) *Errors {
	e := &Errors{}
	e.Add(field, msgs...)
	return e
}
