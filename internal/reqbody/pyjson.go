package reqbody

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/gojoser/gojoser/internal/validation"
)

// A port of CPython's json.loads (Lib/json/decoder.py around the C scanner of Modules/_json.c), called
// the way DRF's JSONParser calls it: parse_constant rejects NaN/Infinity, and int() enforces the 4300-digit
// limit. The scanner is iterative, so nesting depth costs heap rather than stack; CPython would raise
// RecursionError (a 500 in DRF) around a thousand levels deep, which we deliberately do not copy.
//
// It works on the UTF-8 bytes and converts byte offsets to Python code-point offsets only when
// reporting an error. Every syntax character is ASCII, and ASCII bytes never occur inside a multi-byte
// sequence, so byte-wise scanning takes the same decisions as CPython's code-point scanning.

type pyKind uint8

const (
	kindNone pyKind = iota
	kindBool
	kindInt
	kindFloat
	kindStr
	kindList
	kindDict
)

// pyTypeName is type(value).__name__.
var pyTypeName = [...]string{
	kindNone:  "NoneType",
	kindBool:  "bool",
	kindInt:   "int",
	kindFloat: "float",
	kindStr:   "str",
	kindList:  "list",
	kindDict:  "dict",
}

// maxIntDigits is sys.int_info.default_max_str_digits (CPython 3.11+, 3.10.7+).
const maxIntDigits = 4300

// jsonError is a ValueError raised while loading. With pos >= 0 it is a JSONDecodeError and renders with
// CPython's ": line L column C (char N)" suffix.
type jsonError struct {
	msg string
	pos int // byte offset into the document, or -1
}

func errAt(msg string, pos int) *jsonError { return &jsonError{msg: msg, pos: pos} }

func (e *jsonError) render(doc []byte) string {
	if e.pos < 0 {
		return e.msg
	}
	// lineno = doc.count('\n', 0, pos) + 1; colno = pos - doc.rfind('\n', 0, pos), in code points.
	line, char, lastNL := 1, 0, -1
	for i := 0; i < e.pos; char++ {
		if doc[i] == '\n' {
			line++
			lastNL = char
		}
		_, size := utf8.DecodeRune(doc[i:])
		i += size
	}
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.msg, line, char-lastNL, char)
}

type jsonScanner struct {
	b []byte
	// members collects the top-level object's entries, already converted to canonical values.
	members    *object
	pendingKey string
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *jsonScanner) ws(i int) int {
	for i < len(s.b) && isJSONSpace(s.b[i]) {
		i++
	}
	return i
}

// loadJSON parses doc and returns the kind of the top-level value and, for an object, its members.
func loadJSON(doc []byte) (pyKind, *object, *jsonError) {
	if bytes.HasPrefix(doc, []byte("\uFEFF")) {
		return 0, nil, errAt("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
	}
	s := &jsonScanner{b: doc, members: newObject()}
	kind, err := s.run()
	return kind, s.members, err
}

const (
	stValue = iota // a value must start at i (whitespace already skipped)
	stKey          // an object key must start at i (whitespace already skipped)
	stAfter        // a value just ended at i
)

func (s *jsonScanner) run() (pyKind, *jsonError) {
	var (
		b     = s.b
		n     = len(b)
		i     = s.ws(0)
		st    = stValue
		stack []bool // true for an object, false for an array
		top   pyKind
	)
	// emit records a finished value at the current depth.
	emit := func(kind pyKind, v value) {
		switch {
		case len(stack) == 0:
			top = kind
		case len(stack) == 1 && stack[0]:
			s.members.set(s.pendingKey, v)
		}
	}
	direct := func() bool { return len(stack) == 1 && stack[0] }

	for {
		switch st {
		case stValue:
			if i >= n {
				return 0, errAt("Expecting value", i)
			}
			switch c := b[i]; {
			case c == '"':
				str, next, err := s.scanString(i + 1)
				if err != nil {
					return 0, err
				}
				emit(kindStr, jsonString(str))
				i, st = next, stAfter
				continue
			case c == '{':
				j := s.ws(i + 1)
				if j < n && b[j] == '}' {
					emit(kindDict, jsonString(validation.NotAString))
					i, st = j+1, stAfter
					continue
				}
				stack = append(stack, true)
				i, st = j, stKey
				continue
			case c == '[':
				j := s.ws(i + 1)
				if j < n && b[j] == ']' {
					emit(kindList, jsonString(validation.NotAString))
					i, st = j+1, stAfter
					continue
				}
				stack = append(stack, false)
				i = j
				continue
			case c == 'n' && i+3 < n && string(b[i+1:i+4]) == "ull":
				emit(kindNone, jsonNull)
				i, st = i+4, stAfter
				continue
			case c == 't' && i+3 < n && string(b[i+1:i+4]) == "rue":
				emit(kindBool, jsonString(validation.NotAString))
				i, st = i+4, stAfter
				continue
			case c == 'f' && i+4 < n && string(b[i+1:i+5]) == "alse":
				emit(kindBool, jsonString(validation.NotAString))
				i, st = i+5, stAfter
				continue
			case c == 'N' && i+2 < n && string(b[i+1:i+3]) == "aN",
				c == 'I' && i+7 < n && string(b[i+1:i+8]) == "nfinity",
				c == '-' && i+8 < n && string(b[i+1:i+9]) == "Infinity":
				// DRF's parse_constant (rest_framework.utils.json.strict_constant) raises on sight.
				name := "NaN"
				switch c {
				case 'I':
					name = "Infinity"
				case '-':
					name = "-Infinity"
				}
				return 0, &jsonError{msg: "Out of range float values are not JSON compliant: '" + name + "'", pos: -1}
			}
			kind, next, ok := s.matchNumber(i)
			if !ok {
				return 0, errAt("Expecting value", i)
			}
			num := b[i:next]
			var v value
			if kind == kindInt {
				digits := len(num)
				if num[0] == '-' {
					digits--
				}
				if digits > maxIntDigits {
					return 0, &jsonError{msg: fmt.Sprintf("Exceeds the limit (%d digits) for integer string conversion: "+
						"value has %d digits; use sys.set_int_max_str_digits() to increase the limit", maxIntDigits, digits), pos: -1}
				}
				if direct() {
					if string(num) == "-0" {
						num = num[1:] // int("-0") is 0
					}
					v = jsonString(string(num))
				}
			} else if direct() {
				// matchNumber guarantees the syntax; on overflow ParseFloat yields ±Inf, as Python's float() does.
				f, _ := strconv.ParseFloat(string(num), 64)
				v = jsonString(pyFloatStr(f))
			}
			emit(kind, v)
			i, st = next, stAfter

		case stKey:
			if i >= n || b[i] != '"' {
				return 0, errAt("Expecting property name enclosed in double quotes", i)
			}
			key, next, err := s.scanString(i + 1)
			if err != nil {
				return 0, err
			}
			i = s.ws(next)
			if i >= n || b[i] != ':' {
				return 0, errAt("Expecting ':' delimiter", i)
			}
			i = s.ws(i + 1)
			if direct() {
				s.pendingKey = key
			}
			st = stValue

		case stAfter:
			i = s.ws(i)
			if len(stack) == 0 {
				if i != n {
					return 0, errAt("Extra data", i)
				}
				return top, nil
			}
			obj := stack[len(stack)-1]
			closer := byte(']')
			if obj {
				closer = '}'
			}
			if i < n && b[i] == closer {
				stack = stack[:len(stack)-1]
				i++
				if obj {
					emit(kindDict, jsonString(validation.NotAString))
				} else {
					emit(kindList, jsonString(validation.NotAString))
				}
				continue
			}
			if i >= n || b[i] != ',' {
				return 0, errAt("Expecting ',' delimiter", i)
			}
			i = s.ws(i + 1)
			if obj {
				st = stKey
			} else {
				st = stValue
			}
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// matchNumber is _match_number_unicode: it takes the longest JSON number prefix at i, backtracking over
// a dangling fraction dot or exponent (so "1." and "1e" scan as 1 followed by extra data).
func (s *jsonScanner) matchNumber(i int) (kind pyKind, next int, ok bool) {
	b, n := s.b, len(s.b)
	if b[i] == '-' {
		i++
		if i >= n {
			return 0, 0, false
		}
	}
	switch {
	case b[i] >= '1' && b[i] <= '9':
		i++
		for i < n && isDigit(b[i]) {
			i++
		}
	case b[i] == '0':
		i++
	default:
		return 0, 0, false
	}
	kind = kindInt
	if i < n-1 && b[i] == '.' && isDigit(b[i+1]) {
		kind = kindFloat
		i += 2
		for i < n && isDigit(b[i]) {
			i++
		}
	}
	if i < n-1 && (b[i] == 'e' || b[i] == 'E') {
		eStart := i
		i++
		if i < n-1 && (b[i] == '-' || b[i] == '+') {
			i++
		}
		for i < n && isDigit(b[i]) {
			i++
		}
		if isDigit(b[i-1]) {
			kind = kindFloat
		} else {
			i = eStart
		}
	}
	return kind, i, true
}

// scanString is scanstring_unicode in strict mode; end is the index just after the opening quote. It
// returns the decoded string and the index just after the closing quote.
func (s *jsonScanner) scanString(end int) (string, int, *jsonError) {
	b, n := s.b, len(s.b)
	begin := end - 1
	var buf []byte
	for {
		next := end
		var c byte
		for ; next < n; next++ {
			c = b[next]
			if c == '"' || c == '\\' {
				break
			}
			if c <= 0x1F {
				return "", 0, errAt("Invalid control character at", next)
			}
		}
		if next >= n {
			return "", 0, errAt("Unterminated string starting at", begin)
		}
		buf = append(buf, b[end:next]...)
		next++
		if c == '"' {
			return string(buf), next, nil
		}
		if next == n {
			return "", 0, errAt("Unterminated string starting at", begin)
		}
		c = b[next]
		if c != 'u' {
			end = next + 1
			switch c {
			case '"', '\\', '/':
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default:
				return "", 0, errAt(`Invalid \escape`, end-2)
			}
			buf = append(buf, c)
			continue
		}
		next++
		end = next + 4
		if end >= n {
			return "", 0, errAt(`Invalid \uXXXX escape`, next-1)
		}
		r, ok := hex4(b[next:end])
		if !ok {
			return "", 0, errAt(`Invalid \uXXXX escape`, end-5)
		}
		if r >= 0xD800 && r <= 0xDBFF && end+6 < n && b[end] == '\\' && b[end+1] == 'u' {
			r2, ok := hex4(b[end+2 : end+6])
			if !ok {
				return "", 0, errAt(`Invalid \uXXXX escape`, end+1)
			}
			if r2 >= 0xDC00 && r2 <= 0xDFFF {
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				end += 6
			}
		}
		buf = appendWTF8(buf, r)
	}
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		d, ok := unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
