package reqbody

import (
	"bytes"
	"strings"
	"unicode"
)

// Header parsing ported from Django 3.2's django.http.multipartparser.parse_header, which both DRF's
// media-type matching and Django's multipart parser use. It is far more lenient than mime.ParseMediaType
// (unquoted values may hold spaces, bad parameters are kept), and those quirks decide what DRF accepts.

// hparam is a parsed header parameter. Django keeps values as bytes, except RFC 2231 values
// (name*=charset'lang'value), which come back already decoded to str.
type hparam struct {
	raw   []byte
	str   string
	isStr bool
}

func (p hparam) truthy() bool {
	if p.isStr {
		return p.str != ""
	}
	return len(p.raw) > 0
}

// text is force_str(value, codec, errors='replace').
func (p hparam) text(c pyCodec) string {
	if p.isStr {
		return p.str
	}
	return decodeReplace(p.raw, c)
}

// strippedText is force_str(value.strip(), codec, errors='replace').
func (p hparam) strippedText(c pyCodec) string {
	if p.isStr {
		return strings.TrimFunc(p.str, pyIsSpace)
	}
	return decodeReplace(pyStripBytes(p.raw), c)
}

// pyIsSpace is str.isspace: Go's unicode.IsSpace plus the ASCII separators U+001C..U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1C && r <= 0x1F) }

// pyStripBytes is bytes.strip(): ASCII whitespace only.
func pyStripBytes(b []byte) []byte {
	return bytes.TrimFunc(b, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	})
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// splitHeaderParams is Django's _parse_header_params(b';' + line): split on ';' outside double quotes
// (counting quotes naively, escaped ones included) and strip each piece.
func splitHeaderParams(line []byte) [][]byte {
	var out [][]byte
	s := append([]byte{';'}, line...)
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		end := paramEnd(s, false)
		out = append(out, pyStripBytes(s[:end]))
		s = s[end:]
	}
	return out
}

// paramEnd is where the header parameter at the start of s ends: at the first ';' preceded by an even
// number of double quotes, or at the end of s. Django's and cgi's loops recount the quotes from the start
// of s for every ';' they try, which is quadratic in the header's length (up to the server's 1 MB header
// limit); a running count gives the same answer in one pass. With skipEscaped, quotes preceded by a
// backslash are not counted, as cgi subtracts s.count('\\"').
func paramEnd[T string | []byte](s T, skipEscaped bool) int {
	quotes := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			if !skipEscaped || i == 0 || s[i-1] != '\\' {
				quotes++
			}
		case ';':
			if quotes%2 == 0 {
				return i
			}
		}
	}
	return len(s)
}

// parseHeader is Django 3.2's parse_header: it returns the lower-cased first piece and the parameters.
// ok is false where Django raises ValueError (non-ASCII key or parameter name, malformed RFC 2231 value);
// a LookupError for an unknown RFC 2231 charset, a 500 in Django, is reported the same way.
func parseHeader(line []byte) (key string, params map[string]hparam, ok bool) {
	parts := splitHeaderParams(line)
	if !isASCII(parts[0]) {
		return "", nil, false
	}
	key = strings.ToLower(string(parts[0]))
	params = map[string]hparam{}
	for _, p := range parts[1:] {
		i := bytes.IndexByte(p, '=')
		if i < 0 {
			continue
		}
		nameB := pyStripBytes(p[:i])
		if !isASCII(nameB) {
			return "", nil, false
		}
		name := strings.ToLower(string(nameB))
		hasEncoding := false
		if strings.HasSuffix(name, "*") {
			name = name[:len(name)-1]
			hasEncoding = bytes.Count(p, []byte{'\''}) == 2
		}
		value := pyStripBytes(p[i+1:])
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
			value = bytes.ReplaceAll(value, []byte(`\\`), []byte(`\`))
			value = bytes.ReplaceAll(value, []byte(`\"`), []byte(`"`))
		}
		if !hasEncoding {
			params[name] = hparam{raw: value}
			continue
		}
		fields := bytes.Split(value, []byte{'\''})
		if len(fields) != 3 {
			return "", nil, false
		}
		if _, err := pyUTF8Check(fields[0], true); err != nil {
			return "", nil, false
		}
		if _, err := pyUTF8Check(fields[2], true); err != nil {
			return "", nil, false
		}
		decoded, known := pyUnquote(string(fields[2]), lookupCodec(string(fields[0])))
		if !known {
			return "", nil, false
		}
		params[name] = hparam{str: decoded, isStr: true}
	}
	return key, params, true
}

// requestCodec is the codec Django 3.2 makes request.encoding (HttpRequest._set_content_type_params),
// which DRF hands to every parser: the charset parameter, as cgi.parse_header reads it, when
// codecs.lookup knows it, and UTF-8 (DEFAULT_CHARSET) otherwise. Only the codecs lookupCodec implements
// are honoured; any other charset Python knows is read as UTF-8 too.
func requestCodec(contentType string) pyCodec {
	if charset, ok := cgiCharset(contentType); ok {
		if c := lookupCodec(charset); c != codecUnknown {
			return c
		}
	}
	return codecUTF8
}

// cgiCharset returns the last charset parameter of cgi.parse_header(line). Unlike Django's parse_header,
// cgi works on the ISO-8859-1 text of the header, does not count escaped quotes when splitting, strips
// Unicode whitespace and knows nothing of RFC 2231.
func cgiCharset(line string) (charset string, found bool) {
	s := ";" + line
	for first := true; len(s) > 0 && s[0] == ';'; first = false {
		s = s[1:]
		end := paramEnd(s, true)
		p := trimLatin1Space(s[:end])
		s = s[end:]
		i := strings.IndexByte(p, '=')
		if first || i < 0 || asciiLower(trimLatin1Space(p[:i])) != "charset" {
			continue
		}
		v := trimLatin1Space(p[i+1:])
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
			v = strings.ReplaceAll(v, `\\`, `\`)
			v = strings.ReplaceAll(v, `\"`, `"`)
		}
		charset, found = v, true
	}
	return charset, found
}

// trimLatin1Space is str.strip() on the ISO-8859-1 text of s: besides ASCII whitespace it removes
// U+001C..U+001F, U+0085 and U+00A0, each one byte here.
func trimLatin1Space(s string) string {
	isSpace := func(c byte) bool {
		return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0
	}
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// asciiLower lower-cases ASCII letters only; no other ISO-8859-1 letter lowers to ASCII.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
