package reqbody

import (
	"strconv"
	"unicode/utf8"
)

// value is one canonical field value: a string or JSON null.
type value struct {
	s    string
	null bool
}

func jsonString(s string) value { return value{s: s} }

var jsonNull = value{null: true}

// object is an insertion-ordered map with Python dict semantics: assigning an existing key replaces the
// value but keeps the key's first position.
type object struct {
	keys []string
	vals []value
	idx  map[string]int
}

func newObject() *object { return &object{idx: map[string]int{}} }

func (o *object) set(k string, v value) {
	if i, ok := o.idx[k]; ok {
		o.vals[i] = v
		return
	}
	o.idx[k] = len(o.keys)
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// marshal renders the compact canonical JSON object.
func (o *object) marshal() []byte {
	buf := make([]byte, 0, 64)
	buf = append(buf, '{')
	for i, k := range o.keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		if o.vals[i].null {
			buf = append(buf, "null"...)
		} else {
			buf = appendJSONString(buf, o.vals[i].s)
		}
	}
	return append(buf, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s. Strings decoded from JSON may carry lone surrogates (Python allows "\ud800"),
// which we hold as their 3-byte WTF-8 form; they are written back as \uXXXX escapes so that the output
// stays valid JSON text. Any other invalid byte (none is expected) becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size != 1 {
			buf = append(buf, s[i:i+size]...)
			i += size
			continue
		}
		if c == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF && isCont(s[i+2]) {
			sr := rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			buf = append(buf, '\\', 'u')
			buf = strconv.AppendUint(buf, uint64(sr), 16)
			i += 3
			continue
		}
		buf = append(buf, `\ufffd`...)
		i++
	}
	return append(buf, '"')
}

// appendWTF8 appends r as UTF-8, encoding surrogate code points too (utf8.AppendRune would replace them).
func appendWTF8(buf []byte, r rune) []byte {
	if r >= 0xD800 && r <= 0xDFFF {
		return append(buf, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(buf, r)
}
