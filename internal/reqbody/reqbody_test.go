package reqbody_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gojoser/gojoser/internal/reqbody"
	"github.com/gojoser/gojoser/internal/validation"
)

// A normCase is one call of Normalize. On success want is the canonical JSON, where the token NAS stands
// for the quoted NotAString sentinel; otherwise status and exactly one of detail / nonField describe the
// error. The expected JSON parse messages were produced by CPython 3.11's json module driven the way DRF's
// JSONParser drives it (codecs.getreader + json.load with strict parse_constant), and the form results by
// urllib.parse with Django's QueryDict decoding rules.
type normCase struct {
	name        string
	contentType string
	body        string
	want        string
	status      int
	detail      string
	nonField    []string
}

const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

// nasJSON is NotAString as the canonical output spells it.
const nasJSON = `"\u0000gojoser:not-a-string\u0000"`

// expand turns the NAS token of an expected body into the JSON-encoded sentinel.
func expand(want string) string { return strings.ReplaceAll(want, "NAS", nasJSON) }

func jsonErr(name, body, msg string) normCase {
	return normCase{name: name, contentType: ctJSON, body: body, status: http.StatusBadRequest,
		detail: "JSON parse error - " + msg}
}

func notADict(name, body, typ string) normCase {
	return normCase{name: name, contentType: ctJSON, body: body, status: http.StatusBadRequest,
		nonField: []string{"Invalid data. Expected a dictionary, but got " + typ + "."}}
}

var jsonCases = []normCase{
	{name: "flat object", contentType: ctJSON, body: `{"username":"alice","password":"s3cr3t"}`,
		want: `{"username":"alice","password":"s3cr3t"}`},
	{name: "empty object", contentType: ctJSON, body: `{ }`, want: `{}`},
	{name: "empty key and value", contentType: ctJSON, body: `{"":""}`, want: `{"":""}`},
	{name: "whitespace everywhere", contentType: ctJSON, body: " \t\r\n{ \"a\" :\n\"b\" , \"c\":[ ] }\n\t ",
		want: `{"a":"b","c":NAS}`},
	{name: "values DRF's CharField rejects", contentType: ctJSON,
		body: `{"a":[1],"b":{},"c":{"d":1},"e":[],"f":true,"g":false,"h":null,"i":"x","j":[{"k":[]}]}`,
		want: `{"a":NAS,"b":NAS,"c":NAS,"e":NAS,"f":NAS,"g":NAS,"h":null,"i":"x","j":NAS}`},
	{name: "numbers become Python's str()", contentType: ctJSON,
		body: `{"i":42,"neg":-7,"z":-0,"one":1.0,"nz":-0.0,"inf":1e400,"ninf":-1e400,"under":1e-400,"nunder":-1e-400,` +
			`"E":1E5,"big":123456789012345678901234567890,"e16":1e16,"e15":1e15,"small":0.0001,"smaller":0.00001,` +
			`"tenth":0.1,"third":0.3333333333333333333,"half":2.5e-1,"huge":1.7976931348623157e308,"tiny":5e-324}`,
		want: `{"i":"42","neg":"-7","z":"0","one":"1.0","nz":"-0.0","inf":"inf","ninf":"-inf","under":"0.0","nunder":"-0.0",` +
			`"E":"100000.0","big":"123456789012345678901234567890","e16":"1e+16","e15":"1000000000000000.0","small":"0.0001",` +
			`"smaller":"1e-05","tenth":"0.1","third":"0.3333333333333333","half":"0.25","huge":"1.7976931348623157e+308",` +
			`"tiny":"5e-324"}`},
	{name: "integer at the 4300-digit limit", contentType: ctJSON, body: `{"n":` + strings.Repeat("7", 4300) + `}`,
		want: `{"n":"` + strings.Repeat("7", 4300) + `"}`},
	{name: "duplicate keys: first position, last value", contentType: ctJSON, body: `{"a":"1","b":"2","a":"3"}`,
		want: `{"a":"3","b":"2"}`},
	{name: "duplicate key replaced by a container", contentType: ctJSON, body: `{"a":"x","a":[1]}`, want: `{"a":NAS}`},
	{name: "duplicate key replaced by null", contentType: ctJSON, body: `{"a":[1],"a":null}`, want: `{"a":null}`},
	{name: "duplicate keys inside nested objects are not top-level keys", contentType: ctJSON,
		body: `{"a":{"b":1,"b":2},"b":"top"}`, want: `{"a":NAS,"b":"top"}`},
	{name: "unicode escapes and surrogate pairs", contentType: ctJSON,
		body: `{"\u00e9":"\u20ac\ud83d\ude00","\u0000":"\u001f"}`, want: `{"é":"€😀","\u0000":"\u001f"}`},
	{name: "lone surrogates survive as escapes", contentType: ctJSON,
		body: `{"lone":"\ud800","low":"x\udc00","split":"\ud800\u0041","swap":"\udc00\ud800","\udbff":"k"}`,
		want: `{"lone":"\ud800","low":"x\udc00","split":"\ud800A","swap":"\udc00\ud800","\udbff":"k"}`},
	{name: "simple escapes", contentType: ctJSON, body: `{"c":"a\u0001b\n\t\"\\\/\b\f\r"}`,
		want: `{"c":"a\u0001b\n\t\"\\/\u0008\u000c\r"}`},
	{name: "raw UTF-8 text", contentType: ctJSON, body: `{"ключ":"値 😀 ` + "\u2028" + `"}`,
		want: `{"ключ":"値 😀 ` + "\u2028" + `"}`},
	{name: "truncated UTF-8 sequence at the very end is dropped", contentType: ctJSON, body: "{\"a\":\"b\"}\xe2\x82",
		want: `{"a":"b"}`},
	{name: "truncated surrogate encoding at the very end is dropped", contentType: ctJSON, body: "{}\xed\xa0",
		want: `{}`},
	{name: "nesting far deeper than CPython's recursion limit", contentType: ctJSON,
		body: `{"a":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, want: `{"a":NAS}`},
}

var jsonErrorCases = []normCase{
	jsonErr("unquoted key (the documented example)", `{'a':1}`,
		"Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
	jsonErr("lone open brace", `{`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
	jsonErr("trailing comma in object", `{"a":1,}`,
		"Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
	jsonErr("missing colon", `{"a" 1}`, "Expecting ':' delimiter: line 1 column 6 (char 5)"),
	jsonErr("key without value", `{"a":1,"a"}`, "Expecting ':' delimiter: line 1 column 11 (char 10)"),
	jsonErr("missing comma", `{"a":1 "b":2}`, "Expecting ',' delimiter: line 1 column 8 (char 7)"),
	jsonErr("leading zero", `{"a":01}`, "Expecting ',' delimiter: line 1 column 7 (char 6)"),
	jsonErr("dangling fraction dot", `{"a":1.}`, "Expecting ',' delimiter: line 1 column 7 (char 6)"),
	jsonErr("dangling exponent", `{"a":1e}`, "Expecting ',' delimiter: line 1 column 7 (char 6)"),
	jsonErr("missing value", `{"a":}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("trailing comma in array", `[1,]`, "Expecting value: line 1 column 4 (char 3)"),
	jsonErr("bare minus", `{"a":-}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("leading dot", `{"a":.5}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("leading plus", `{"a":+1}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("misspelt true", `{"a":tru}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("misspelt null", `{"a":nul}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("NaN with the wrong case", `{"a":Nan}`, "Expecting value: line 1 column 6 (char 5)"),
	jsonErr("whitespace only", "   ", "Expecting value: line 1 column 4 (char 3)"),
	jsonErr("only a truncated UTF-8 sequence", "\xe2\x82", "Expecting value: line 1 column 1 (char 0)"),
	jsonErr("extra data", `{"a":1}x`, "Extra data: line 1 column 8 (char 7)"),
	jsonErr("two objects", `{"a":1} {}`, "Extra data: line 1 column 9 (char 8)"),
	jsonErr("extra closing brace", `{"a":1}}`, "Extra data: line 1 column 8 (char 7)"),
	jsonErr("unterminated string", `{"a":"b`, "Unterminated string starting at: line 1 column 6 (char 5)"),
	jsonErr("unterminated after backslash", `{"a":"\`, "Unterminated string starting at: line 1 column 6 (char 5)"),
	jsonErr("escaped closing quote", `"\"`, "Unterminated string starting at: line 1 column 1 (char 0)"),
	jsonErr("string cut inside a pending UTF-8 sequence", "{\"a\":\"\xed\xa0",
		"Unterminated string starting at: line 1 column 6 (char 5)"),
	jsonErr("control character in string", "{\"a\":\"b\x01\"}", "Invalid control character at: line 1 column 8 (char 7)"),
	jsonErr("unknown escape", `{"a":"\x"}`, `Invalid \escape: line 1 column 7 (char 6)`),
	jsonErr("short unicode escape", `{"a":"\u12"}`, `Invalid \uXXXX escape: line 1 column 8 (char 7)`),
	jsonErr("non-hex unicode escape", `{"a":"\u12x4"}`, `Invalid \uXXXX escape: line 1 column 8 (char 7)`),
	jsonErr("bad low half of a surrogate pair", `{"a":"\ud800\uzzzz"}`, `Invalid \uXXXX escape: line 1 column 14 (char 13)`),
	jsonErr("unicode escape cut by multi-byte text", "{\"a\":\"\\ud800\\u12\xc3\xa9\"}",
		`Invalid \uXXXX escape: line 1 column 14 (char 13)`),
	jsonErr("NaN", `{"a":NaN}`, "Out of range float values are not JSON compliant: 'NaN'"),
	jsonErr("Infinity", `{"a":Infinity}`, "Out of range float values are not JSON compliant: 'Infinity'"),
	jsonErr("-Infinity", `{"a":-Infinity}`, "Out of range float values are not JSON compliant: '-Infinity'"),
	jsonErr("NaN is rejected on sight, before later syntax errors", `[NaN`,
		"Out of range float values are not JSON compliant: 'NaN'"),
	jsonErr("integer over 4300 digits", `{"a":`+strings.Repeat("9", 4301)+`}`,
		"Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; "+
			"use sys.set_int_max_str_digits() to increase the limit"),
	jsonErr("nested negative integer over 4300 digits", `[-`+strings.Repeat("9", 5000)+`]`,
		"Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; "+
			"use sys.set_int_max_str_digits() to increase the limit"),
	jsonErr("byte order mark", "\xef\xbb\xbf{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"),
	jsonErr("Latin-1 byte", "{\"a\":\"\xe9\"}",
		"'utf-8' codec can't decode byte 0xe9 in position 6: invalid continuation byte"),
	jsonErr("invalid start byte", "\xff{}", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
	jsonErr("overlong encoding", "{\"a\":\"\xc0\xaf\"}",
		"'utf-8' codec can't decode byte 0xc0 in position 6: invalid start byte"),
	jsonErr("truncated 4-byte sequence mid-text", "{\"a\":\"\xf0\x9f\x98\"}",
		"'utf-8' codec can't decode bytes in position 6-8: invalid continuation byte"),
	jsonErr("encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}",
		"'utf-8' codec can't decode byte 0xed in position 6: invalid continuation byte"),
	jsonErr("encoded surrogate at the very end", "{}\xed\xa0\x80",
		"'utf-8' codec can't decode byte 0xed in position 2: invalid continuation byte"),
	jsonErr("line and column after newlines", "{\n\"a\":\n}", "Expecting value: line 3 column 1 (char 7)"),
	jsonErr("column after blank lines", "{\"a\":\"b\"\n\n  ,}",
		"Expecting property name enclosed in double quotes: line 3 column 4 (char 13)"),
	jsonErr("positions count code points, not bytes", "{\"\xc3\xa9\xf0\x9f\x98\x80\":x}",
		"Expecting value: line 1 column 7 (char 6)"),
}

var topLevelCases = []normCase{
	notADict("array", `[]`, "list"),
	notADict("array of objects", `[{"a":"b"}]`, "list"),
	notADict("string", `"abc"`, "str"),
	notADict("integer", `12`, "int"),
	notADict("negative zero", `-0`, "int"),
	notADict("float", `1.5`, "float"),
	notADict("overflowing float", `1e400`, "float"),
	notADict("true", `true`, "bool"),
	notADict("false", ` false `, "bool"),
	notADict("deep array", strings.Repeat("[", 5000)+strings.Repeat("]", 5000), "list"),
	{name: "null", contentType: ctJSON, body: `null`, status: http.StatusBadRequest, nonField: []string{"No data provided"}},
}

var formCases = []normCase{
	{name: "fields", contentType: ctForm, body: "username=alice&password=s3cr3t",
		want: `{"username":"alice","password":"s3cr3t"}`},
	{name: "repeated key: first position, last value", contentType: ctForm, body: "a=1&b=2&a=3",
		want: `{"a":"3","b":"2"}`},
	{name: "plus and percent escapes", contentType: ctForm, body: "name=John+Doe&email=j%40example.com&q=a%2Bb+%26+c",
		want: `{"name":"John Doe","email":"j@example.com","q":"a+b & c"}`},
	{name: "escaped key", contentType: ctForm, body: "%75ser%6Eame=x", want: `{"username":"x"}`},
	{name: "UTF-8 escapes", contentType: ctForm, body: "n=%C3%A9t%C3%A9", want: `{"n":"été"}`},
	{name: "invalid percent escapes stay literal", contentType: ctForm, body: "a=%zz&b=%4&c=%&d=100%",
		want: `{"a":"%zz","b":"%4","c":"%","d":"100%"}`},
	{name: "escapes that are not UTF-8 become U+FFFD", contentType: ctForm, body: "a=%E9&b=%C3&c=%F0%9F%98x",
		want: "{\"a\":\"\ufffd\",\"b\":\"\ufffd\",\"c\":\"\ufffdx\"}"},
	{name: "escapes do not combine across raw non-ASCII text", contentType: ctForm, body: "a=%C3\xc3\xa9%A9",
		want: "{\"a\":\"\ufffdé\ufffd\"}"},
	{name: "raw UTF-8 body", contentType: ctForm, body: "a=caf\xc3\xa9", want: `{"a":"café"}`},
	{name: "raw non-UTF-8 body falls back to ISO-8859-1", contentType: ctForm, body: "a=caf\xe9",
		want: `{"a":"café"}`},
	{name: "escapes stay UTF-8 after the ISO-8859-1 fallback", contentType: ctForm, body: "a=\xe9&b=%C3%A9",
		want: `{"a":"é","b":"é"}`},
	{name: "blank values and bare keys", contentType: ctForm, body: "a=&b&&c==&", want: `{"a":"","b":"","c":"="}`},
	{name: "semicolon is not a separator", contentType: ctForm, body: "a=1;b=2", want: `{"a":"1;b=2"}`},
	{name: "empty key", contentType: ctForm, body: "=x", want: `{"":"x"}`},
	{name: "control characters", contentType: ctForm, body: "a=%00%0A%1F", want: `{"a":"\u0000\n\u001f"}`},
	{name: "JSON sent as a form", contentType: ctForm, body: `{"a":"b"}`, want: `{"{\"a\":\"b\"}":""}`},
	{name: "charset parameter: ISO-8859-1 escapes", contentType: ctForm + "; charset=ISO-8859-1", body: "a=%E9&b=\xe9",
		want: `{"a":"é","b":"é"}`},
	{name: "charset parameter: ASCII", contentType: ctForm + "; charset=us-ascii", body: "a=%C3%A9&b=\xc3\xa9",
		want: "{\"a\":\"\ufffd\ufffd\",\"b\":\"Ã©\"}"},
	{name: "charset parameter: utf-8-sig strips a BOM from each escape run", contentType: ctForm + "; charset=utf-8-sig",
		body: "a=%EF%BB%BFx&b=x%EF%BB%BF", want: `{"a":"x","b":"x` + "\ufeff" + `"}`},
	{name: "charset parameter: unknown charset means UTF-8", contentType: ctForm + "; charset=klingon", body: "a=%C3%A9",
		want: `{"a":"é"}`},
	{name: "charset parameter: quoted, spaced, last one wins", contentType: ctForm + `; charset=utf-8 ; CHARSET = " latin-1 "`,
		body: "a=%E9", want: `{"a":"é"}`},
}

// Django is not available to generate these: the multipart expectations follow Django 3.2's
// MultiPartParser (and DRF's merge of request.FILES into request.data) as read from their source.

// Multipart bodies the way curl -F builds them.
const boundary = "------------------------d74496d66958873e"

func multipart(parts ...string) string {
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	sb.WriteString("--" + boundary + "--\r\n")
	return sb.String()
}

func field(name, value string) string {
	return `Content-Disposition: form-data; name="` + name + "\"\r\n\r\n" + value
}

func file(name, filename, content string) string {
	return `Content-Disposition: form-data; name="` + name + `"; filename="` + filename + "\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n" + content
}

const ctMultipart = "multipart/form-data; boundary=" + boundary

func multipartErr(name, contentType, body, msg string) normCase {
	return normCase{name: name, contentType: contentType, body: body, status: http.StatusBadRequest,
		detail: "Multipart form parse error - " + msg}
}

var multipartCases = []normCase{
	{name: "curl -F fields", contentType: ctMultipart,
		body: multipart(field("username", "alice"), field("password", "s3cr3t pass")),
		want: `{"username":"alice","password":"s3cr3t pass"}`},
	{name: "uploaded file becomes NotAString", contentType: ctMultipart,
		body: multipart(field("username", "alice"), file("avatar", "a.png", "\x89PNG\r\n\x1a\n\x00")),
		want: `{"username":"alice","avatar":NAS}`},
	{name: "file and field of the same name: the file wins", contentType: ctMultipart,
		body: multipart(file("username", "u.txt", "x"), field("username", "bob")), want: `{"username":NAS}`},
	{name: "file with a path keeps its base name", contentType: ctMultipart,
		body: multipart(file("f", `C:\dir/sub\a.txt`, "x")), want: `{"f":NAS}`},
	{name: "file named .. is skipped", contentType: ctMultipart,
		body: multipart(file("f", "../..", "x"), file("g", "&#46;", "y"), field("a", "1")), want: `{"a":"1"}`},
	{name: "empty filename is a plain field", contentType: ctMultipart,
		body: multipart(file("doc", "", "text")), want: `{"doc":"text"}`},
	{name: "file not followed by another part is dropped", contentType: ctMultipart,
		body: "--" + boundary + "\r\n" + field("a", "1") + "\r\n--" + boundary + "\r\n" + file("f", "x.txt", "data"),
		want: `{"a":"1"}`},
	{name: "repeated field: last value", contentType: ctMultipart,
		body: multipart(field("a", "1"), field("b", "2"), field("a", "3")), want: `{"a":"3","b":"2"}`},
	{name: "no closing delimiter", contentType: ctMultipart,
		body: "--" + boundary + "\r\n" + field("a", "v\r\n"), want: `{"a":"v\r\n"}`},
	{name: "preamble and epilogue are ignored", contentType: ctMultipart,
		body: "preamble\r\n" + multipart(field("a", "1")) + "epilogue\r\n\r\nmore", want: `{"a":"1"}`},
	{name: "boundary in mid-line ends the part", contentType: ctMultipart,
		body: multipart(field("a", "abc--"+boundary+"def")), want: `{"a":"abc"}`},
	{name: "value keeps inner line breaks", contentType: ctMultipart,
		body: multipart(field("a", "l1\r\nl2\n\r\n")), want: `{"a":"l1\r\nl2\n\r\n"}`},
	{name: "part without a name is ignored", contentType: ctMultipart,
		body: multipart("Content-Disposition: form-data\r\n\r\nx", "Content-Type: text/plain\r\n\r\ny", field("a", "1")),
		want: `{"a":"1"}`},
	{name: "headers must end within 1024 bytes", contentType: ctMultipart,
		body: multipart("X-Pad: "+strings.Repeat("p", 1100)+"\r\n"+field("late", "v"), field("a", "1")),
		want: `{"a":"1"}`},
	{name: "LF-only line endings never end the headers", contentType: ctMultipart,
		body: "--" + boundary + "\nContent-Disposition: form-data; name=\"a\"\n\nv\n--" + boundary + "--\n", want: `{}`},
	{name: "name is stripped", contentType: ctMultipart, body: multipart(field(" a ", "1")), want: `{"a":"1"}`},
	{name: "header names and values are case-insensitive", contentType: ctMultipart,
		body: multipart("CONTENT-DISPOSITION: Form-Data; NAME=\"a\"\r\nContent-Transfer-Encoding: BASE64\r\n\r\naGk="),
		want: `{"a":"hi"}`},
	{name: "base64 field is decoded", contentType: ctMultipart,
		body: multipart("Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8g\r\nd29ybGQ="),
		want: `{"a":"hello world"}`},
	{name: "invalid base64 field keeps its raw bytes", contentType: ctMultipart,
		body: multipart("Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64\r\n\r\nabc"),
		want: `{"a":"abc"}`},
	{name: "base64 file (files follow the plain fields)", contentType: ctMultipart,
		body: multipart("Content-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ==",
			field("a", "1")),
		want: `{"a":"1","f":NAS}`},
	multipartErr("invalid base64 file", ctMultipart,
		multipart("Content-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nabc"),
		"Could not decode base64 data."),
	{name: "invalid UTF-8 is replaced per maximal subpart", contentType: ctMultipart,
		body: multipart(field("a", "a\xe9b\xf0\x9f\x98c")), want: "{\"a\":\"a\ufffdb\ufffdc\"}"},
	{name: "charset parameter decodes names and values", contentType: "multipart/form-data; charset=latin-1; boundary=" + boundary,
		body: multipart(field("caf\xe9", "caf\xe9")), want: `{"café":"café"}`},
	{name: "RFC 2231 field name", contentType: ctMultipart,
		body: multipart("Content-Disposition: form-data; name*=utf-8''%C3%A9t%C3%A9\r\n\r\nv"), want: `{"été":"v"}`},
	{name: "RFC 2231 value with an unknown charset and no escapes", contentType: ctMultipart,
		body: multipart("Content-Disposition: form-data; name*=x-klingon''plain\r\n\r\nv"), want: `{"plain":"v"}`},
	{name: "quoted boundary", contentType: `multipart/form-data; boundary="a b:c"`,
		body: "--a b:c\r\n" + field("a", "1") + "\r\n--a b:c--\r\n", want: `{"a":"1"}`},
	{name: "RFC 2231 boundary ending in a newline", contentType: "multipart/form-data; boundary*=utf-8''xyz%0A",
		body: "--xyz\n" + field("a", "1") + "\r\n--xyz\n--\r\n", want: `{"a":"1"}`},
	{name: "multipart/* wildcard", contentType: "multipart/*; boundary=" + boundary,
		body: multipart(field("a", "1")), want: `{"a":"1"}`},
	multipartErr("missing boundary", "multipart/form-data", multipart(field("a", "1")),
		"Invalid boundary in multipart: None"),
	multipartErr("empty boundary", "multipart/form-data; boundary=", multipart(field("a", "1")),
		"Invalid boundary in multipart: "),
	multipartErr("boundary ending in a space", `multipart/form-data; boundary="abc "`, multipart(field("a", "1")),
		"Invalid boundary in multipart: abc "),
	multipartErr("boundary longer than 201 characters", "multipart/form-data; boundary="+strings.Repeat("b", 202),
		multipart(field("a", "1")), "Invalid boundary in multipart: "+strings.Repeat("b", 202)),
	multipartErr("media type case is checked by Django", "Multipart/Form-Data; boundary=x", multipart(field("a", "1")),
		"Invalid Content-Type: Multipart/Form-Data; boundary=x"),
	multipartErr("wildcard main type", "*/form-data; boundary=x", multipart(field("a", "1")),
		"Invalid Content-Type: */form-data; boundary=x"),
	multipartErr("non-ASCII Content-Type", "multipart/form-data; boundary=\xe9", multipart(field("a", "1")),
		"Invalid non-ASCII Content-Type in multipart: multipart/form-data; boundary=é"),
}

const jsonBody = `{"a":"b"}`

func selected(contentType string) normCase {
	return normCase{name: contentType, contentType: contentType, body: jsonBody, want: jsonBody}
}

func unsupported(contentType, shown string) normCase {
	return normCase{name: contentType, contentType: contentType, body: jsonBody, status: http.StatusUnsupportedMediaType,
		detail: `Unsupported media type "` + shown + `" in request.`}
}

var contentTypeCases = []normCase{
	selected("application/json"),
	selected("application/json; charset=utf-8"),
	selected("application/json;charset=UTF-8"),
	selected("APPLICATION/JSON"),
	selected(" application/json\t"),
	selected("application/json; version=2; q=0.5"),
	selected("application/json;"),
	selected("*/*"),
	selected("application/*"),
	selected("*/json"),
	{name: "*/x-www-form-urlencoded", contentType: "*/x-www-form-urlencoded", body: "a=1", want: `{"a":"1"}`},
	{name: "form with a charset", contentType: ctForm + "; charset=UTF-8", body: "a=1", want: `{"a":"1"}`},
	{name: "form media type reads JSON as a form", contentType: ctForm, body: `{"a":1}`, want: `{"{\"a\":1}":""}`},
	unsupported("text/plain", "text/plain"),
	unsupported("", ""),
	unsupported("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
	unsupported("Text/HTML", "Text/HTML"),
	unsupported("application/jsonx", "application/jsonx"),
	unsupported("application/json-patch+json", "application/json-patch+json"),
	unsupported("application/ json", "application/ json"),
	unsupported("json", "json"),
	unsupported(";application/json", ";application/json"),
	unsupported("text/plain; x=\xe9", "text/plain; x=é"),
	// DRF answers a non-ASCII media type with a 500 (Django's parse_header raises); we keep the 415.
	unsupported("application/js\xf6n", "application/jsön"),
}

func withCT(contentType string, c normCase) normCase {
	c.contentType = contentType
	return c
}

var charsetCases = []normCase{
	{name: "latin-1", contentType: ctJSON + "; charset=latin-1", body: "{\"a\":\"caf\xe9\"}", want: `{"a":"café"}`},
	{name: "ISO-8859-1 keys", contentType: ctJSON + "; charset=ISO-8859-1", body: "{\"\xe9\":\"\xff\"}", want: `{"é":"ÿ"}`},
	{name: "quoted charset", contentType: ctJSON + `; charset="latin1"`, body: "{\"a\":\"\xe9\"}", want: `{"a":"é"}`},
	{name: "codec alias with a dot", contentType: ctJSON + "; charset=iso8859.1", body: "{\"a\":\"\xe9\"}",
		want: `{"a":"é"}`},
	{name: "unknown charset means UTF-8", contentType: ctJSON + "; charset=no-such-codec", body: "{\"a\":\"caf\xc3\xa9\"}",
		want: `{"a":"café"}`},
	{name: "last charset wins", contentType: ctJSON + "; charset=latin-1; charset=utf-8", body: "{\"a\":\"caf\xc3\xa9\"}",
		want: `{"a":"café"}`},
	{name: "charset inside a quoted parameter is not a parameter", contentType: ctJSON + `; a="x;charset=latin-1"`,
		body: "{\"a\":\"caf\xc3\xa9\"}", want: `{"a":"café"}`},
	{name: "cgi does not count escaped quotes when splitting", contentType: ctJSON + `; a="b\";charset=latin1"`,
		body: "{\"a\":\"caf\xc3\xa9\"}", want: `{"a":"café"}`},
	{name: "charset surrounded by ISO-8859-1 whitespace", contentType: ctJSON + "; charset=\xa0latin1\x85",
		body: "{\"a\":\"\xe9\"}", want: `{"a":"é"}`},
	withCT(ctJSON+"; charset=us-ascii", jsonErr("ASCII rejects non-ASCII bytes", "{\"a\":\"caf\xc3\xa9\"}",
		"'ascii' codec can't decode byte 0xc3 in position 9: ordinal not in range(128)")),
	{name: "utf-8-sig strips the BOM", contentType: ctJSON + "; charset=utf-8-sig", body: "\xef\xbb\xbf" + jsonBody,
		want: jsonBody},
	{name: "utf-8-sig without a BOM", contentType: ctJSON + "; charset=UTF_8_SIG", body: jsonBody, want: jsonBody},
	withCT(ctJSON+"; charset=utf-8-sig", jsonErr("utf-8-sig counts positions after the BOM", "\xef\xbb\xbf{\"a\":\"\xe9\"}",
		"'utf-8' codec can't decode byte 0xe9 in position 6: invalid continuation byte")),
	withCT(ctJSON+"; charset=utf-8-sig", jsonErr("utf-8-sig waits for the rest of a BOM", "\xef\xbb",
		"Expecting value: line 1 column 1 (char 0)")),
	withCT(ctJSON+"; charset=utf-8-sig", jsonErr("a second BOM is still an error", "\xef\xbb\xbf\xef\xbb\xbf{}",
		"Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)")),
}

var emptyCases = []normCase{
	{name: "empty JSON body", contentType: ctJSON, body: "", want: `{}`},
	{name: "empty form body", contentType: ctForm, body: "", want: `{}`},
	{name: "empty multipart body without boundary", contentType: "multipart/form-data", body: "", want: `{}`},
	{name: "empty body of an unsupported type", contentType: "text/plain", body: "", want: `{}`},
	{name: "empty body without Content-Type", contentType: "", body: "", want: `{}`},
}

// sizeCases are too big to seed the fuzzer with.
var sizeCases = []normCase{
	{name: "body of exactly MaxBytes", contentType: ctJSON,
		body: `{"a":"` + strings.Repeat("x", reqbody.MaxBytes-8) + `"}`,
		want: `{"a":"` + strings.Repeat("x", reqbody.MaxBytes-8) + `"}`},
	{name: "one byte over MaxBytes", contentType: ctJSON, body: strings.Repeat(" ", reqbody.MaxBytes) + "{}",
		status: http.StatusRequestEntityTooLarge, detail: "Request body is too large."},
	{name: "size is checked before the media type", contentType: "text/plain", body: strings.Repeat("x", reqbody.MaxBytes+1),
		status: http.StatusRequestEntityTooLarge, detail: "Request body is too large."},
}

var caseGroups = []struct {
	name  string
	cases []normCase
}{
	{"JSON", jsonCases},
	{"JSONError", jsonErrorCases},
	{"TopLevel", topLevelCases},
	{"Form", formCases},
	{"Multipart", multipartCases},
	{"ContentType", contentTypeCases},
	{"Charset", charsetCases},
	{"Empty", emptyCases},
	{"Size", sizeCases},
}

func TestNormalize(t *testing.T) {
	for _, g := range caseGroups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					got, err := reqbody.Normalize(c.contentType, []byte(c.body))
					if c.status == 0 {
						if err != nil {
							t.Fatalf("Normalize(%q, %s) error %+v, want %s", c.contentType, short(c.body), err, short(c.want))
						}
						if want := expand(c.want); string(got) != want {
							t.Fatalf("Normalize(%q, %s)\n got %s\nwant %s", c.contentType, short(c.body), short(string(got)), short(want))
						}
						return
					}
					want := &reqbody.Error{Status: c.status, Detail: c.detail, NonFieldErrors: c.nonField}
					if err == nil {
						t.Fatalf("Normalize(%q, %s) = %s, want error %+v", c.contentType, short(c.body), short(string(got)), want)
					}
					if fmt.Sprintf("%#v", err) != fmt.Sprintf("%#v", want) {
						t.Fatalf("Normalize(%q, %s) error\n got %#v\nwant %#v", c.contentType, short(c.body), err, want)
					}
				})
			}
		})
	}
}

// Django and cgi split header parameters with loops that are quadratic in the header's length; ours must
// not be, since net/http accepts 1 MB of headers.
func TestLongContentTypeHeader(t *testing.T) {
	for _, ct := range []string{
		ctJSON + `; a="` + strings.Repeat(";", 1<<20),
		ctJSON + `; a="` + strings.Repeat(`\";`, 1<<18),
		"multipart/form-data; boundary=x; a=\"" + strings.Repeat(";", 1<<20),
	} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = reqbody.Normalize(ct, []byte("{}"))
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Normalize with a %d-byte Content-Type did not finish in 10s", len(ct))
		}
	}
}

func short(s string) string {
	if len(s) > 200 {
		return strconv.Quote(s[:200]) + "..."
	}
	return strconv.Quote(s)
}

func TestNotAStringSpelling(t *testing.T) {
	var s string
	if err := json.Unmarshal([]byte(nasJSON), &s); err != nil || s != validation.NotAString {
		t.Fatalf("nasJSON %s does not spell NotAString %q", nasJSON, validation.NotAString)
	}
}

func TestErrorText(t *testing.T) {
	if got := (&reqbody.Error{Status: 400, Detail: "d"}).Error(); got != "d" {
		t.Errorf("Error() = %q, want the detail", got)
	}
	if got := (&reqbody.Error{Status: 400, NonFieldErrors: []string{"x", "y"}}).Error(); got != "x y" {
		t.Errorf("Error() = %q, want the joined non-field errors", got)
	}
}

// seen is what the downstream handler observed.
type seen struct {
	called      bool
	body        string
	contentType string
	length      int64
	getBody     string
	err         error
	form        bool
}

func serve(t *testing.T, method, contentType string, body io.Reader) seen {
	t.Helper()
	var s seen
	h := reqbody.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("downstream read: %v", err)
		}
		s = seen{called: true, body: string(b), contentType: r.Header.Get("Content-Type"), length: r.ContentLength,
			err: reqbody.Err(r.Context()), form: reqbody.IsForm(r.Context())}
		if r.GetBody != nil {
			rc, _ := r.GetBody()
			gb, _ := io.ReadAll(rc)
			s.getBody = string(gb)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	req := httptest.NewRequest(method, "/auth/users/", body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !s.called {
		t.Fatalf("%s: downstream handler not called (status %d)", method, rec.Code)
	}
	return s
}

func bodyError(t *testing.T, err error) *reqbody.Error {
	t.Helper()
	var e *reqbody.Error
	if !errors.As(err, &e) {
		t.Fatalf("Err(ctx) = %v, want a *reqbody.Error", err)
	}
	return e
}

func TestMiddleware(t *testing.T) {
	t.Run("JSON is canonicalised", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			s := serve(t, method, "application/json; charset=utf-8", strings.NewReader(` {"a": 1, "b": [true], "a": "x"} `))
			if s.body != `{"a":"x","b":`+expand("NAS")+`}` || s.contentType != "application/json" ||
				s.length != int64(len(s.body)) || s.getBody != s.body || s.err != nil || s.form {
				t.Errorf("%s: downstream saw %+v", method, s)
			}
		}
	})
	t.Run("form is canonicalised and flagged", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctForm, strings.NewReader("username=al+ice&password=p%40ss"))
		if s.body != `{"username":"al ice","password":"p@ss"}` || s.contentType != "application/json" || s.err != nil || !s.form {
			t.Errorf("downstream saw %+v", s)
		}
	})
	t.Run("multipart is flagged as a form", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctMultipart, strings.NewReader(multipart(field("a", "1"))))
		if s.body != `{"a":"1"}` || s.err != nil || !s.form {
			t.Errorf("downstream saw %+v", s)
		}
	})
	t.Run("empty form body is an empty form", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctForm, nil)
		if s.body != `{}` || s.err != nil || !s.form {
			t.Errorf("downstream saw %+v", s)
		}
	})
	t.Run("empty body without Content-Type", func(t *testing.T) {
		s := serve(t, http.MethodPost, "", nil)
		if s.body != `{}` || s.contentType != "application/json" || s.err != nil || s.form {
			t.Errorf("downstream saw %+v", s)
		}
	})
	t.Run("malformed JSON is deferred to Err", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctJSON, strings.NewReader(`{'a':1}`))
		if s.body != `{}` || s.contentType != "application/json" || s.form {
			t.Errorf("downstream saw %+v", s)
		}
		e := bodyError(t, s.err)
		if e.Status != 400 || e.Detail != "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)" {
			t.Errorf("Err = %#v", e)
		}
	})
	t.Run("non-object JSON is deferred to Err", func(t *testing.T) {
		s := serve(t, http.MethodPut, ctJSON, strings.NewReader(`null`))
		e := bodyError(t, s.err)
		if s.body != `{}` || e.Status != 400 || e.Detail != "" || len(e.NonFieldErrors) != 1 || e.NonFieldErrors[0] != "No data provided" {
			t.Errorf("downstream saw %+v, Err = %#v", s, e)
		}
	})
	t.Run("unsupported media type is deferred to Err", func(t *testing.T) {
		s := serve(t, http.MethodPatch, "text/plain", strings.NewReader("hello"))
		e := bodyError(t, s.err)
		if s.body != `{}` || e.Status != 415 || e.Detail != `Unsupported media type "text/plain" in request.` {
			t.Errorf("downstream saw %+v, Err = %#v", s, e)
		}
	})
	t.Run("oversized body is deferred to Err with 413", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctJSON, bytes.NewReader(bytes.Repeat([]byte(" "), reqbody.MaxBytes+1)))
		e := bodyError(t, s.err)
		if s.body != `{}` || e.Status != 413 || e.Detail != "Request body is too large." {
			t.Errorf("downstream saw %+v, Err = %#v", s, e)
		}
	})
	t.Run("body of exactly MaxBytes is read", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctJSON, bytes.NewReader(append(bytes.Repeat([]byte(" "), reqbody.MaxBytes-2), '{', '}')))
		if s.body != `{}` || s.err != nil {
			t.Errorf("downstream saw %+v", s)
		}
	})
	t.Run("unreadable body is a 400", func(t *testing.T) {
		s := serve(t, http.MethodPost, ctJSON, io.MultiReader(strings.NewReader(`{"a"`), errReader{}))
		e := bodyError(t, s.err)
		if s.body != `{}` || e.Status != 400 || e.Detail == "" {
			t.Errorf("downstream saw %+v, Err = %#v", s, e)
		}
	})
	t.Run("other methods pass through untouched", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
			s := serve(t, method, "text/plain", strings.NewReader("not json"))
			if s.body != "not json" || s.contentType != "text/plain" || s.err != nil || s.form {
				t.Errorf("%s: downstream saw %+v", method, s)
			}
		}
	})
	t.Run("no stored state outside the middleware", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/", nil)
		if reqbody.Err(req.Context()) != nil || reqbody.IsForm(req.Context()) {
			t.Error("Err / IsForm report something for a request the middleware never saw")
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// fuzzSeeds are all table inputs small enough to mutate quickly.
func fuzzSeeds() []normCase {
	var out []normCase
	for _, g := range caseGroups {
		for _, c := range g.cases {
			if len(c.body) <= 64<<10 {
				out = append(out, c)
			}
		}
	}
	return out
}

func FuzzNormalize(f *testing.F) {
	for _, c := range fuzzSeeds() {
		f.Add(c.contentType, []byte(c.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		out, err := reqbody.Normalize(contentType, body)
		if err != nil {
			if out != nil {
				t.Errorf("error %#v with output %q", err, out)
			}
			switch err.Status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			default:
				t.Errorf("status %d", err.Status)
			}
			if (err.Detail == "") == (len(err.NonFieldErrors) == 0) {
				t.Errorf("want exactly one of Detail / NonFieldErrors: %#v", err)
			}
			if !utf8.ValidString(err.Detail) {
				t.Errorf("detail is not UTF-8: %q", err.Detail)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		if tok, _ := dec.Token(); tok != json.Delim('{') {
			t.Fatalf("not an object: %q", out)
		}
		keys := map[string]bool{}
		for dec.More() {
			k, _ := dec.Token()
			if keys[k.(string)] {
				t.Fatalf("duplicate key %q in %q", k, out)
			}
			keys[k.(string)] = true
			switch v, _ := dec.Token(); v.(type) {
			case string, nil:
			default:
				t.Fatalf("value %v of key %q is neither a string nor null in %q", v, k, out)
			}
		}
		// The canonical form is a fixed point: read back as JSON it comes out byte for byte.
		if len(out) > reqbody.MaxBytes {
			return
		}
		again, aerr := reqbody.Normalize("application/json", out)
		if aerr != nil || !bytes.Equal(again, out) {
			t.Fatalf("canonical output %q does not normalise to itself: %q, %v", out, again, aerr)
		}
	})
}
