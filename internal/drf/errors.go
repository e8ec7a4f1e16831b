// Package drf is Django REST Framework's error vocabulary: the kinds of error an answer can be, the
// messages Djoser clients know (messages.go), and Render, the one table that turns an error into a status
// and a body. Services return these errors and stay free of HTTP: this package imports no net/http, and
// drfhttp writes what Render makes.
package drf

import "fmt"

// Kind is the DRF exception class an Error stands for; Render gives each its status.
type Kind int

const (
	// ServerError is DRF's answer to an exception it does not know: 500, the cause logged, never sent.
	ServerError Kind = iota
	// BadRequest is a 400 answered with a detail: ParseError, and Djoser's own 400 details.
	BadRequest
	// NotAuthenticated and AuthenticationFailed are 401s (DRF tells them apart; the wire does not).
	NotAuthenticated
	AuthenticationFailed
	PermissionDenied
	NotFound
	MethodNotAllowed
	NotAcceptable
	RequestTooLarge
	UnsupportedMediaType
	// Throttled is a 429 with Retry-After; Error.Wait is the wait in seconds.
	Throttled
	// Unavailable is a 503 with Retry-After: a dependency (the database) cannot be reached.
	Unavailable
)

// Error is a DRF APIException: a kind and its detail, rendered as {"detail": ...}.
type Error struct {
	Kind   Kind
	Detail string
	// Wait is the Retry-After of Throttled and Unavailable, in whole seconds (0: none).
	Wait int
}

func (e *Error) Error() string { return e.Detail }

// Errors every layer shares.
var (
	ErrNotFound         = &Error{Kind: NotFound, Detail: MsgNotFound}
	ErrNotAuthenticated = &Error{Kind: NotAuthenticated, Detail: MsgNotAuthenticated}
	ErrPermissionDenied = &Error{Kind: PermissionDenied, Detail: MsgPermissionDenied}
	ErrMalformed        = &Error{Kind: BadRequest, Detail: MsgMalformedRequest}
	ErrNotAcceptable    = &Error{Kind: NotAcceptable, Detail: MsgNotAcceptable}
	ErrServer           = &Error{Kind: ServerError, Detail: MsgServerError}
)

// AuthFailed is DRF's AuthenticationFailed with detail.
func AuthFailed(detail string) *Error { return &Error{Kind: AuthenticationFailed, Detail: detail} }

// Denied is DRF's PermissionDenied with detail.
func Denied(detail string) *Error { return &Error{Kind: PermissionDenied, Detail: detail} }

// ParseError is DRF's ParseError with detail.
func ParseError(detail string) *Error { return &Error{Kind: BadRequest, Detail: detail} }

// MethodNotAllowedFor is DRF's MethodNotAllowed for method.
func MethodNotAllowedFor(method string) *Error {
	return &Error{Kind: MethodNotAllowed, Detail: fmt.Sprintf(msgMethodNotAllowedFmt, method)}
}

// UnsupportedMedia is DRF's UnsupportedMediaType for the request's content type (as DRF shows it).
func UnsupportedMedia(contentType string) *Error {
	return &Error{Kind: UnsupportedMediaType, Detail: fmt.Sprintf(msgUnsupportedMediaFmt, contentType)}
}

// TooLarge is the answer to a body over the size limit.
func TooLarge() *Error { return &Error{Kind: RequestTooLarge, Detail: MsgBodyTooLarge} }

// ThrottledFor is DRF's Throttled: wait is rounded up to whole seconds, as DRF's ceil(wait).
func ThrottledFor(waitSeconds int) *Error {
	waitSeconds = max(waitSeconds, 1)
	unit := "seconds"
	if waitSeconds == 1 {
		unit = "second"
	}
	return &Error{Kind: Throttled, Detail: fmt.Sprintf(msgThrottledFmt, waitSeconds, unit), Wait: waitSeconds}
}

// UnavailableFor is the 503 answer, asking clients to come back after waitSeconds.
func UnavailableFor(waitSeconds int) *Error {
	return &Error{Kind: Unavailable, Detail: MsgUnavailable, Wait: max(waitSeconds, 1)}
}

// ExpectedDict is the serializer's message for a body that parsed to something other than an object;
// typeName is Python's name for what it got ("list", "str", ...).
func ExpectedDict(typeName string) string { return fmt.Sprintf(msgExpectedDictFmt, typeName) }

// MaxLength is DRF's max_length message for a limit of n characters.
func MaxLength(n string) string { return fmt.Sprintf(msgMaxLengthFmt, n) }

// MinLength is DRF's min_length message for a minimum of n characters.
func MinLength(n string) string { return fmt.Sprintf(msgMinLengthFmt, n) }

// MaxValue and MinValue are DRF's max_value and min_value messages.
func MaxValue(n int64) string { return fmt.Sprintf(msgMaxValueFmt, n) }

// MinValue is DRF's min_value message.
func MinValue(n int64) string { return fmt.Sprintf(msgMinValueFmt, n) }

// InvalidChoice is ChoiceField's message for input, as Python's str() shows it.
func InvalidChoice(input string) string { return fmt.Sprintf(msgChoiceFmt, input) }

// List is a 400 whose body is a bare JSON list of messages: what DRF renders for a ValidationError raised
// outside a serializer's is_valid() (Djoser's "User with given email does not exist.").
type List []string

func (l List) Error() string {
	if len(l) == 0 {
		return "validation failed"
	}
	return l[0]
}

// CSRFBadOrigin is DRF's answer to a cookie-authenticated request from an origin that is not trusted.
func CSRFBadOrigin(origin string) *Error {
	return &Error{Kind: PermissionDenied, Detail: fmt.Sprintf(msgCSRFBadOriginFmt, origin)}
}

// Message is a 400 whose body is a bare JSON string: what Djoser's social view answers with
// Response("...", status=400).
type Message string

func (m Message) Error() string { return string(m) }

// BearerError is a SimpleJWT failure: a 401 whose body is {"detail", "code", "messages"} in that order,
// the latter two only when SimpleJWT sends them.
type BearerError struct {
	Detail   string          `json:"detail"`
	Code     string          `json:"code,omitempty"`
	Messages []BearerMessage `json:"messages,omitempty"`
	// View marks failures of the /auth/jwt/ views, which answer WWW-Authenticate: Bearer realm="api";
	// elsewhere DRF takes the header from the first authentication class, Token.
	View bool `json:"-"`
}

// BearerMessage is one entry of SimpleJWT's "messages".
type BearerMessage struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

func (e *BearerError) Error() string { return "bearer authentication failed: " + e.Detail }
