package reqbody

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The UTF-8 handling below mirrors CPython's decoder (Objects/stringlib/codecs.h), because DRF's error
// texts quote its messages and byte ranges, and because its "replace" mode emits one U+FFFD per maximal
// ill-formed subsequence, where Go would emit one per byte.

type seqKind uint8

const (
	seqOK seqKind = iota
	seqInvalidStart
	seqInvalidCont // n bytes are reported as undecodable
	seqTruncated   // the data ends inside a sequence that is valid so far
)

func isCont(c byte) bool { return c&0xC0 == 0x80 }

// pyUTF8Seq classifies the sequence starting at b[i]. n is its length when seqOK and the length of the
// undecodable range when seqInvalidStart or seqInvalidCont.
func pyUTF8Seq(b []byte, i int) (kind seqKind, n int) {
	ch := b[i]
	rem := len(b) - i
	switch {
	case ch < 0x80:
		return seqOK, 1
	case ch < 0xC2:
		return seqInvalidStart, 1
	case ch < 0xE0:
		if rem < 2 {
			return seqTruncated, 0
		}
		if !isCont(b[i+1]) {
			return seqInvalidCont, 1
		}
		return seqOK, 2
	case ch < 0xF0:
		if rem >= 2 {
			ch2 := b[i+1]
			// E0 needs A0..BF (no overlongs), ED needs 80..9F (no surrogates).
			if !isCont(ch2) || (ch == 0xE0 && ch2 < 0xA0) || (ch == 0xED && ch2 >= 0xA0) {
				return seqInvalidCont, 1
			}
		}
		if rem < 3 {
			return seqTruncated, 0
		}
		if !isCont(b[i+2]) {
			return seqInvalidCont, 2
		}
		return seqOK, 3
	case ch < 0xF5:
		if rem >= 2 {
			ch2 := b[i+1]
			// F0 needs 90..BF (no overlongs), F4 needs 80..8F (nothing above U+10FFFF).
			if !isCont(ch2) || (ch == 0xF0 && ch2 < 0x90) || (ch == 0xF4 && ch2 >= 0x90) {
				return seqInvalidCont, 1
			}
		}
		if rem >= 3 && !isCont(b[i+2]) {
			return seqInvalidCont, 2
		}
		if rem < 4 {
			return seqTruncated, 0
		}
		if !isCont(b[i+3]) {
			return seqInvalidCont, 3
		}
		return seqOK, 4
	default:
		return seqInvalidStart, 1
	}
}

// unicodeDecodeError is Python's UnicodeDecodeError for the utf-8 codec; end is exclusive.
type unicodeDecodeError struct {
	b          []byte
	start, end int
	reason     string
}

func (e *unicodeDecodeError) Error() string {
	if e.end == e.start+1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", e.b[e.start], e.start, e.reason)
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", e.start, e.end-1, e.reason)
}

// pyUTF8Check validates b like codecs.utf_8_decode(b, 'strict', final). With final false (what DRF's
// codecs.getreader stream does) an incomplete sequence at the very end is not an error: it is left
// unconsumed, and DRF then silently drops it. It returns how many bytes were decoded.
func pyUTF8Check(b []byte, final bool) (int, *unicodeDecodeError) {
	for i := 0; i < len(b); {
		kind, n := pyUTF8Seq(b, i)
		switch kind {
		case seqOK:
			i += n
			continue
		case seqInvalidStart:
			return i, &unicodeDecodeError{b: b, start: i, end: i + 1, reason: "invalid start byte"}
		case seqInvalidCont:
			// CPython keeps a trailing ED A0..BF pending when not final, as if it could still complete.
			if !final && n == 1 && b[i] == 0xED && len(b)-i == 2 && b[i+1] >= 0xA0 && b[i+1] <= 0xBF {
				return i, nil
			}
			return i, &unicodeDecodeError{b: b, start: i, end: i + n, reason: "invalid continuation byte"}
		case seqTruncated:
			if !final {
				return i, nil
			}
			return i, &unicodeDecodeError{b: b, start: i, end: len(b), reason: "unexpected end of data"}
		}
	}
	return len(b), nil
}

// pyUTF8Replace is b.decode('utf-8', 'replace').
func pyUTF8Replace(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		kind, n := pyUTF8Seq(b, i)
		switch kind {
		case seqOK:
			sb.Write(b[i : i+n])
			i += n
			continue
		case seqTruncated:
			n = len(b) - i
		}
		sb.WriteRune(utf8.RuneError)
		i += n
	}
	return sb.String()
}

// latin1 decodes b as ISO-8859-1, which is how gunicorn turns header bytes into str and Django's QueryDict
// falls back when a form body is not UTF-8.
func latin1(b string) string {
	ascii := true
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return b
	}
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for i := 0; i < len(b); i++ {
		sb.WriteRune(rune(b[i]))
	}
	return sb.String()
}
