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

// text is force_str(value, 'utf-8', errors='replace').
func (p hparam) text() string {
	if p.isStr {
		return p.str
	}
	return pyUTF8Replace(p.raw)
}

// strippedText is force_str(value.strip(), 'utf-8', errors='replace').
func (p hparam) strippedText() string {
	if p.isStr {
		return strings.TrimFunc(p.str, pyIsSpace)
	}
	return pyUTF8Replace(pyStripBytes(p.raw))
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
		end := bytes.IndexByte(s, ';')
		for end > 0 && bytes.Count(s[:end], []byte{'"'})%2 == 1 {
			next := bytes.IndexByte(s[end+1:], ';')
			if next < 0 {
				end = -1
				break
			}
			end += 1 + next
		}
		if end < 0 {
			end = len(s)
		}
		out = append(out, pyStripBytes(s[:end]))
		s = s[end:]
	}
	return out
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
		decoded, known := pyUnquote(string(fields[2]), string(fields[0]))
		if !known {
			return "", nil, false
		}
		params[name] = hparam{str: decoded, isStr: true}
	}
	return key, params, true
}
