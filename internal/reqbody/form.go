package reqbody

import (
	"strings"
	"unicode/utf8"
)

// parseURLEncoded is Django 3.2's QueryDict(body, encoding='utf-8'): the body is decoded as UTF-8, or as
// ISO-8859-1 when that fails ("some user agents are misbehaving"), then split like urllib's parse_qsl with
// keep_blank_values=True. That parsing never fails: a malformed percent escape stays literal text, an
// escape that yields invalid UTF-8 becomes U+FFFD, ';' is an ordinary character, a pair without '=' has
// an empty value, and empty pairs are skipped. A key sent several times keeps its first position and
// its last value, which is what QueryDict.__getitem__ hands to a serializer field.
func parseURLEncoded(body []byte) *object {
	s := string(body)
	if !utf8.Valid(body) {
		s = latin1(s)
	}
	obj := newObject()
	for pair := range strings.SplitSeq(s, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name, _ = pyUnquote(strings.ReplaceAll(name, "+", " "), "utf-8")
		value, _ = pyUnquote(strings.ReplaceAll(value, "+", " "), "utf-8")
		obj.set(name, jsonString(value))
	}
	return obj
}

type pyCodec uint8

const (
	codecUnknown pyCodec = iota
	codecUTF8
	codecLatin1
	codecASCII
)

// lookupCodec resolves the few Python codec names we support, normalised the way codecs.lookup does
// (case-folded, runs of punctuation collapsed to '_').
func lookupCodec(name string) pyCodec {
	var sb strings.Builder
	punct := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r == '.' {
			if punct && sb.Len() > 0 {
				sb.WriteByte('_')
			}
			sb.WriteRune(r)
			punct = false
		} else {
			punct = true
		}
	}
	switch sb.String() {
	case "utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001":
		return codecUTF8
	case "latin_1", "latin1", "latin", "l1", "iso8859_1", "iso_8859_1", "8859", "cp819", "iso_ir_100",
		"csisolatin1", "iso_8859_1_1987":
		return codecLatin1
	case "ascii", "us_ascii", "us", "646", "cp367", "csascii", "ibm367", "iso646_us", "iso_ir_6",
		"ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986", "iso_646.irv_1991":
		return codecASCII
	}
	return codecUnknown
}

func decodeReplace(b []byte, c pyCodec) string {
	switch c {
	case codecLatin1:
		return latin1(string(b))
	case codecASCII:
		var sb strings.Builder
		for _, ch := range b {
			if ch < 0x80 {
				sb.WriteByte(ch)
			} else {
				sb.WriteRune(utf8.RuneError)
			}
		}
		return sb.String()
	}
	return pyUTF8Replace(b)
}

// pyUnquote is urllib.parse.unquote(s, encoding, errors='replace'). Only runs of ASCII characters are
// unescaped (each run decoded on its own), so escapes never combine across a literal non-ASCII
// character. ok is false for a charset we do not know, where Python raises LookupError.
func pyUnquote(s, encoding string) (string, bool) {
	codec := lookupCodec(encoding)
	if codec == codecUnknown {
		return "", false
	}
	if !strings.Contains(s, "%") {
		return s, true
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); {
		j := i
		if s[i] >= 0x80 {
			for j < len(s) && s[j] >= 0x80 {
				j++
			}
			sb.WriteString(s[i:j])
		} else {
			for j < len(s) && s[j] < 0x80 {
				j++
			}
			sb.WriteString(decodeReplace(unquoteToBytes(s[i:j]), codec))
		}
		i = j
	}
	return sb.String(), true
}

// unquoteToBytes is urllib.parse.unquote_to_bytes: "%XX" with two hex digits becomes a byte, any other
// '%' is kept literally.
func unquoteToBytes(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
