package reqbody

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// parseURLEncoded is Django 3.2's QueryDict(body, encoding=request.encoding): the body is decoded with the
// request's charset (UTF-8 by default), or as ISO-8859-1 when that fails ("some user agents are
// misbehaving"), then split like urllib's parse_qsl with keep_blank_values=True. That parsing never fails:
// a malformed percent escape stays literal text, an escape that yields undecodable bytes becomes U+FFFD,
// ';' is an ordinary character, a pair without '=' has an empty value, and empty pairs are skipped. A key
// sent several times keeps its first position and its last value, which is what QueryDict.__getitem__
// hands to a serializer field.
func parseURLEncoded(body []byte, codec pyCodec) *object {
	s, ok := decodeStrict(body, codec)
	if !ok {
		s = latin1(string(body))
	}
	obj := newObject()
	for pair := range strings.SplitSeq(s, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name = unquoteWith(strings.ReplaceAll(name, "+", " "), codec)
		value = unquoteWith(strings.ReplaceAll(value, "+", " "), codec)
		obj.set(name, jsonString(value))
	}
	return obj
}

type pyCodec uint8

const (
	codecUnknown pyCodec = iota
	codecUTF8
	codecUTF8Sig
	codecLatin1
	codecASCII
)

var utf8BOM = []byte("\uFEFF")

// lookupCodec resolves the few Python codecs we implement the way codecs.lookup finds them: the name is
// normalised (ASCII letters and digits and '.' kept and lower-cased, every other run collapsed to '_'),
// then looked up among encodings.aliases (also with '.' read as '_') and the codec module names. A name
// Python does not know, or one we do not implement, gives codecUnknown.
func lookupCodec(name string) pyCodec {
	var sb strings.Builder
	punct := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '.' {
			if punct && sb.Len() > 0 {
				sb.WriteByte('_')
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			sb.WriteByte(c)
			punct = false
		} else {
			punct = true
		}
	}
	norm := sb.String()
	if c, ok := codecAliases[norm]; ok {
		return c
	}
	if c, ok := codecAliases[strings.ReplaceAll(norm, ".", "_")]; ok {
		return c
	}
	switch norm { // module names under encodings/
	case "utf_8":
		return codecUTF8
	case "utf_8_sig":
		return codecUTF8Sig
	case "latin_1":
		return codecLatin1
	case "ascii":
		return codecASCII
	}
	return codecUnknown
}

// codecAliases is the part of CPython's encodings.aliases.aliases that names a codec we implement.
var codecAliases = map[string]pyCodec{
	"u8": codecUTF8, "utf": codecUTF8, "utf8": codecUTF8, "utf8_ucs2": codecUTF8, "utf8_ucs4": codecUTF8,
	"cp65001": codecUTF8,

	"8859": codecLatin1, "cp819": codecLatin1, "csisolatin1": codecLatin1, "ibm819": codecLatin1,
	"iso8859": codecLatin1, "iso8859_1": codecLatin1, "iso_8859_1": codecLatin1, "iso_8859_1_1987": codecLatin1,
	"iso_ir_100": codecLatin1, "l1": codecLatin1, "latin": codecLatin1, "latin1": codecLatin1,

	"646": codecASCII, "ansi_x3.4_1968": codecASCII, "ansi_x3_4_1968": codecASCII, "ansi_x3.4_1986": codecASCII,
	"cp367": codecASCII, "csascii": codecASCII, "ibm367": codecASCII, "iso646_us": codecASCII,
	"iso_646.irv_1991": codecASCII, "iso_ir_6": codecASCII, "us": codecASCII, "us_ascii": codecASCII,
}

// decodeStrict is bytes.decode(codec) with errors='strict'; ok is false where Python raises.
func decodeStrict(b []byte, c pyCodec) (string, bool) {
	switch c {
	case codecLatin1:
		return latin1(string(b)), true
	case codecASCII:
		return string(b), isASCII(b)
	case codecUTF8Sig:
		b = bytes.TrimPrefix(b, utf8BOM)
	}
	return string(b), utf8.Valid(b)
}

// decodeReplace is bytes.decode(codec, 'replace').
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
	case codecUTF8Sig:
		b = bytes.TrimPrefix(b, utf8BOM)
	}
	return pyUTF8Replace(b)
}

// unquoteWith is pyUnquote with a codec that is known to exist.
func unquoteWith(s string, c pyCodec) string {
	out, _ := pyUnquote(s, c)
	return out
}

// pyUnquote is urllib.parse.unquote(s, encoding, errors='replace'), with the codec already looked up
// (codecUnknown where Python's lookup fails). Only runs of ASCII characters are unescaped (each run
// decoded on its own), so escapes never combine across a literal non-ASCII character. A string without
// '%' is returned as is, before the codec is ever needed; otherwise ok is false for an unknown codec,
// where Python raises LookupError.
func pyUnquote(s string, codec pyCodec) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	if codec == codecUnknown {
		return "", false
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
