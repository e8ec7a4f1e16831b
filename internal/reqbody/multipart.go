package reqbody

import (
	"bytes"
	"html"
	"strings"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/validation"
)

// parseMultipart ports Django 3.2's MultiPartParser as DRF's MultiPartParser drives it, instead of using
// mime/multipart: Django is much more lenient and its leniency is the observable contract. It splits the
// body at every occurrence of "--boundary" (even mid-line), needs no closing delimiter, ignores a part
// whose headers do not end within its first 1024 bytes or that lacks a Content-Disposition name, skips
// header lines it cannot parse, and decodes names and values with the request's charset (UTF-8 unless the
// Content-Type says otherwise) and replacement. Only a few conditions are errors, all reported as
// `Multipart form parse error - <Django message>`.
//
// Not reproduced: DATA_UPLOAD_MAX_NUMBER_FIELDS (over 1000 fields) and DATA_UPLOAD_MAX_NUMBER_FILES,
// which Django answers with an HTML 400 page that Error cannot express.
func parseMultipart(contentType string, body []byte, codec pyCodec) (*object, *Error) {
	// Django tests the raw header case-sensitively, although DRF chose this parser case-insensitively.
	if !strings.HasPrefix(contentType, "multipart/") {
		return nil, multipartError("Invalid Content-Type: " + latin1(contentType))
	}
	if !isASCII([]byte(contentType)) {
		return nil, multipartError("Invalid non-ASCII Content-Type in multipart: " + latin1(contentType))
	}
	var boundary []byte
	shown := "None"
	// A parameter Django cannot parse raises ValueError there (a 500); we treat it as a missing boundary.
	if _, params, ok := parseHeader([]byte(contentType)); ok {
		if p, found := params["boundary"]; found {
			boundary, shown = []byte(p.text(codecUTF8)), p.text(codecUTF8)
			if !p.isStr {
				boundary = p.raw
			}
		}
	}
	if !validBoundary(boundary) {
		return nil, multipartError("Invalid boundary in multipart: " + shown)
	}

	post := newObject()
	var fileKeys []string
	isFileKey := map[string]bool{}
	parts := splitParts(body, append([]byte("--"), boundary...))
	for n, part := range parts {
		head := part[:min(len(part), 1024)]
		end := bytes.Index(head, []byte("\r\n\r\n"))
		if end < 0 {
			continue
		}
		content := part[end+4:]
		headers := map[string]partHeader{}
		for line := range bytes.SplitSeq(head[:end], []byte("\r\n")) {
			key, params, ok := parseHeader(line)
			if !ok {
				continue
			}
			name, val, found := strings.Cut(key, ":")
			if !found {
				continue
			}
			headers[name] = partHeader{value: val, params: params}
		}
		disposition, ok := headers["content-disposition"]
		if !ok {
			continue
		}
		nameParam, ok := disposition.params["name"]
		if !ok {
			continue
		}
		name := nameParam.strippedText(codec)
		encoding := ""
		if h, ok := headers["content-transfer-encoding"]; ok {
			encoding = strings.TrimFunc(h.value, pyIsSpace)
		}

		if filename, ok := disposition.params["filename"]; !ok || !filename.truthy() {
			data := content
			if encoding == "base64" {
				// Django keeps the raw bytes when base64 decoding fails.
				if decoded, ok := pyB64Decode(data); ok {
					data = decoded
				}
			}
			post.set(name, jsonString(decodeReplace(data, codec)))
			continue
		} else if sanitizeFileName(filename.text(codec)) == "" {
			continue
		}
		if encoding == "base64" {
			if _, ok := pyB64Decode(content); !ok {
				return nil, multipartError("Could not decode base64 data.")
			}
		}
		// Django completes a file only when the parser yields another part after it, so a file that runs
		// to the end of the body without a boundary after it is discarded.
		if n+1 < len(parts) && !isFileKey[name] {
			isFileKey[name] = true
			fileKeys = append(fileKeys, name)
		}
	}
	// DRF merges request.FILES into request.data with MultiValueDict.update, which appends: a key that is
	// also a plain field keeps its position but now yields the UploadedFile.
	for _, k := range fileKeys {
		post.set(k, jsonString(validation.NotAString))
	}
	return post, nil
}

type partHeader struct {
	value  string
	params map[string]hparam
}

func multipartError(msg string) *Error {
	return &Error{Status: 400, Detail: drf.MsgMultipartParseErrorPrefix + msg}
}

// validBoundary is cgi.valid_boundary, re.match("^[ -~]{0,200}[!-~]$", b): 1 to 201 printable ASCII
// characters, the last one not a space, and (since '$' also matches before a final newline) optionally a
// trailing "\n", which only an RFC 2231 value (boundary*=utf-8'en'abc%0A) can carry.
func validBoundary(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	if len(b) == 0 || len(b) > 201 || b[len(b)-1] == ' ' {
		return false
	}
	for _, c := range b {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// splitParts reproduces Django's BoundaryIter/InterBoundaryIter: each part runs up to the next
// occurrence of sep, minus one preceding "\n" and then one preceding "\r"; the text after the last
// occurrence is a part too when not empty.
func splitParts(body, sep []byte) [][]byte {
	var parts [][]byte
	for pos := 0; pos < len(body); {
		i := bytes.Index(body[pos:], sep)
		if i < 0 {
			parts = append(parts, body[pos:])
			break
		}
		end := i
		if end > 0 && body[pos+end-1] == '\n' {
			end--
		}
		if end > 0 && body[pos+end-1] == '\r' {
			end--
		}
		parts = append(parts, body[pos:pos+end])
		pos += i + len(sep)
	}
	return parts
}

// sanitizeFileName is Django 3.2's MultiPartParser.sanitize_file_name; "" means the file is skipped.
func sanitizeFileName(name string) string {
	name = html.UnescapeString(name)
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// pyB64Decode is base64.b64decode(data) without validation, i.e. binascii.a2b_base64 in non-strict mode:
// characters outside the alphabet are skipped, a complete pad ends the input, and ok is false where
// Python raises binascii.Error (a dangling partial quantum).
func pyB64Decode(data []byte) ([]byte, bool) {
	out := make([]byte, 0, len(data)*3/4)
	quadPos, pads := 0, 0
	var left byte
	for _, c := range data {
		if c == '=' {
			if quadPos >= 2 {
				pads++
				if quadPos+pads >= 4 {
					return out, true
				}
			}
			continue
		}
		v := b64Value(c)
		if v < 0 {
			continue
		}
		pads = 0
		switch quadPos {
		case 0:
			left = byte(v)
		case 1:
			out = append(out, left<<2|byte(v)>>4)
			left = byte(v) & 0x0F
		case 2:
			out = append(out, left<<4|byte(v)>>2)
			left = byte(v) & 0x03
		case 3:
			out = append(out, left<<6|byte(v))
		}
		quadPos = (quadPos + 1) % 4
	}
	return out, quadPos == 0
}

func b64Value(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}
