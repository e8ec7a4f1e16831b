package drf

import (
	"bytes"
	"encoding/json"
	"strings"
)

// NonField is the key DRF uses for object-level errors.
const NonField = "non_field_errors"

// FieldErrors is DRF's ValidationError dict: field name to messages, in the order the fields were
// declared, which is the order they were added. The zero value is empty and ready to use.
type FieldErrors struct {
	entries []fieldEntry
}

type fieldEntry struct {
	field    string
	messages []string
}

// Field returns FieldErrors holding one field's messages: the common single-error case.
func Field(field string, msgs ...string) *FieldErrors {
	e := &FieldErrors{}
	e.Add(field, msgs...)
	return e
}

// Add appends messages to field, keeping the position of the field's first message.
func (e *FieldErrors) Add(field string, msgs ...string) {
	for i := range e.entries {
		if e.entries[i].field == field {
			e.entries[i].messages = append(e.entries[i].messages, msgs...)
			return
		}
	}
	e.entries = append(e.entries, fieldEntry{field: field, messages: msgs})
}

// Empty reports whether no error was added.
func (e *FieldErrors) Empty() bool { return len(e.entries) == 0 }

// Err returns e as an error, or nil when there is nothing to report.
func (e *FieldErrors) Err() error {
	if e.Empty() {
		return nil
	}
	return e
}

func (e *FieldErrors) Error() string {
	var b strings.Builder
	b.WriteString("validation failed:")
	for _, en := range e.entries {
		b.WriteString(" ")
		b.WriteString(en.field)
	}
	return b.String()
}

// MarshalJSON writes the dict with fields in the order they were added, as DRF does.
func (e *FieldErrors) MarshalJSON() ([]byte, error) {
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
