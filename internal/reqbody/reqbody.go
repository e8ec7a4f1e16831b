// Package reqbody parses request bodies the way Django REST Framework 3.14 on Django 3.2 does (JSON,
// URL-encoded and multipart forms) and hands the generated ogen server one canonical JSON object whose
// values are strings or null.
//
// DRF parses lazily: a body error surfaces only when a view first reads request.data, after
// authentication, permission and method checks. The middleware therefore never answers by itself; it
// records the error for the handler to fetch with Err at the right moment and gives ogen an empty object.
package reqbody

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gojoser/gojoser/internal/drf"
)

// MaxBytes is the largest body read (2.5 MB, Django's DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440).
const MaxBytes = 2621440

// Error is a DRF-shaped body error. Exactly one of Detail / NonFieldErrors is set. Status names the DRF
// exception it is (ParseError 400, RequestTooLarge 413, UnsupportedMediaType 415); Unwrap gives that
// exception as a drf error, whose status drf.Render chooses like every other's.
type Error struct {
	Status         int      // 400, 413 or 415
	Detail         string   // rendered as {"detail": "..."}
	NonFieldErrors []string // rendered as {"non_field_errors": [...]}
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return strings.Join(e.NonFieldErrors, " ")
}

// Unwrap is e as drf knows it.
func (e *Error) Unwrap() error {
	switch {
	case len(e.NonFieldErrors) > 0:
		return drf.Field(drf.NonField, e.NonFieldErrors...)
	case e.Status == http.StatusRequestEntityTooLarge:
		return drf.TooLarge()
	case e.Status == http.StatusUnsupportedMediaType:
		return &drf.Error{Kind: drf.UnsupportedMediaType, Detail: e.Detail}
	}
	return drf.ParseError(e.Detail)
}

type ctxKey struct{}

type parsed struct {
	err  *Error
	form bool
}

// Middleware: for POST, PUT, PATCH and DELETE requests, reads and normalises the body, replaces r.Body
// with the canonical JSON (and sets Content-Type: application/json, ContentLength accordingly); on a parse
// error, stores it in the context and replaces the body with `{}`. Other methods pass through untouched.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			next.ServeHTTP(w, r)
			return
		}
		var (
			out  []byte
			form bool
		)
		body, err := readBody(w, r)
		if err == nil {
			out, form, err = normalize(r.Header.Get("Content-Type"), body)
		}
		if err != nil {
			out, form = []byte("{}"), false
		}
		r2 := r.WithContext(context.WithValue(r.Context(), ctxKey{}, &parsed{err: err, form: form}))
		r2.Header = r.Header.Clone()
		r2.Header.Set("Content-Type", "application/json")
		r2.Header.Set("Content-Length", strconv.Itoa(len(out)))
		r2.TransferEncoding = nil
		r2.ContentLength = int64(len(out))
		r2.Body = io.NopCloser(bytes.NewReader(out))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(out)), nil }
		next.ServeHTTP(w, r2)
	})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	// MaxBytesReader also makes the server close the connection instead of draining an oversized body.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge()
		}
		return nil, &Error{Status: http.StatusBadRequest, Detail: drf.MsgBodyUnreadable}
	}
	return body, nil
}

func tooLarge() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Detail: drf.MsgBodyTooLarge}
}

// Err returns the stored *Error for this request, or nil.
func Err(ctx context.Context) error {
	if p, ok := ctx.Value(ctxKey{}).(*parsed); ok && p.err != nil {
		return p.err
	}
	return nil
}

// IsForm reports whether DRF would have seen this request's data as a QueryDict (a URL-encoded or
// multipart body, or an empty body declared as one) rather than a JSON dict. DRF fields treat the two
// differently: with form input, a blank value for a field that is not required (or that allows null)
// counts as absent (or null); see Field.get_value.
func IsForm(ctx context.Context) bool {
	p, ok := ctx.Value(ctxKey{}).(*parsed)
	return ok && p.form
}

// Normalize is the pure function behind the middleware (also used directly by tests):
// returns canonical JSON object bytes, or an *Error.
func Normalize(contentType string, body []byte) ([]byte, *Error) {
	out, _, err := normalize(contentType, body)
	return out, err
}

type parserKind uint8

const (
	parserNone parserKind = iota
	parserJSON
	parserForm
	parserMultipart
)

func normalize(contentType string, body []byte) (out []byte, form bool, err *Error) {
	if len(body) > MaxBytes {
		return nil, false, tooLarge()
	}
	if len(body) == 0 {
		// DRF never selects a parser for an empty body; form media types get an empty QueryDict.
		full, _ := mediaType(contentType)
		return []byte("{}"), full == "application/x-www-form-urlencoded" || full == "multipart/form-data", nil
	}
	switch selectParser(contentType) {
	case parserJSON:
		out, err = normalizeJSON(body, requestCodec(contentType))
		return out, false, err
	case parserForm:
		return parseURLEncoded(body, requestCodec(contentType)).marshal(), true, nil
	case parserMultipart:
		obj, err := parseMultipart(contentType, body, requestCodec(contentType))
		if err != nil {
			return nil, false, err
		}
		return obj.marshal(), true, nil
	}
	return nil, false, &Error{
		Status: http.StatusUnsupportedMediaType,
		Detail: drf.UnsupportedMedia(latin1(contentType)).Detail,
	}
}

// mediaType is the lower-cased type/subtype DRF's _MediaType extracts from a Content-Type header.
// ok is false when Django's parse_header cannot decode it (non-ASCII), a 500 in DRF.
func mediaType(contentType string) (string, bool) {
	first := splitHeaderParams([]byte(contentType))[0]
	if !isASCII(first) {
		return "", false
	}
	return strings.ToLower(string(first)), true
}

// selectParser is DRF's DefaultContentNegotiation.select_parser over the default parser classes (JSON,
// form, multipart, in that order). Request parameters are ignored and wildcards match, so "*/*" and
// "application/*" select the JSON parser and "multipart/*" the multipart one.
func selectParser(contentType string) parserKind {
	full, ok := mediaType(contentType)
	if !ok {
		return parserNone
	}
	main, sub, _ := strings.Cut(full, "/")
	matches := func(wantMain, wantSub string) bool {
		return (sub == "*" || sub == wantSub) && (main == "*" || main == wantMain)
	}
	switch {
	case matches("application", "json"):
		return parserJSON
	case matches("application", "x-www-form-urlencoded"):
		return parserForm
	case matches("multipart", "form-data"):
		return parserMultipart
	}
	return parserNone
}

// normalizeJSON is DRF's JSONParser followed by the Serializer's "is it a dict" check.
func normalizeJSON(body []byte, codec pyCodec) ([]byte, *Error) {
	doc, derr := decodeJSONStream(body, codec)
	if derr != nil {
		return nil, jsonParseError(derr.Error())
	}
	kind, members, jerr := loadJSON(doc)
	if jerr != nil {
		return nil, jsonParseError(jerr.render(doc))
	}
	switch kind {
	case kindDict:
		return members.marshal(), nil
	case kindNone:
		return nil, &Error{Status: http.StatusBadRequest, NonFieldErrors: []string{drf.MsgNoData}}
	}
	return nil, &Error{Status: http.StatusBadRequest, NonFieldErrors: []string{drf.ExpectedDict(pyTypeName[kind])}}
}

// decodeJSONStream is codecs.getreader(codec)(stream).read(), which DRF feeds to json.load: the body as
// UTF-8 text, or the decoding error. The UTF-8 readers decode incrementally and never flush, so a
// truncated multi-byte sequence at the very end is dropped rather than reported, and utf-8-sig drops a
// body that is only the start of a BOM.
func decodeJSONStream(body []byte, codec pyCodec) ([]byte, error) {
	switch codec {
	case codecLatin1:
		return []byte(latin1(string(body))), nil
	case codecASCII:
		for i, c := range body {
			if c >= 0x80 {
				return nil, fmt.Errorf("'ascii' codec can't decode byte 0x%02x in position %d: ordinal not in range(128)", c, i)
			}
		}
		return body, nil
	case codecUTF8Sig:
		if len(body) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, body) {
			return nil, nil
		}
		// The BOM is consumed before the UTF-8 decoder runs, so error positions count from after it.
		body = bytes.TrimPrefix(body, utf8BOM)
	}
	n, uerr := pyUTF8Check(body, false)
	if uerr != nil {
		return nil, uerr
	}
	return body[:n], nil
}

func jsonParseError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Detail: drf.MsgJSONParseErrorPrefix + msg}
}
