package jwt

import "github.com/gojoser/gojoser/internal/drf"

// CodeTokenNotValid is the "code" SimpleJWT sends with every token failure.
const CodeTokenNotValid = drf.CodeJWTTokenNotValid

// SimpleJWT 5.2.2's messages. Expiry is not told apart from other failures: PyJWT raises it first and
// SimpleJWT reports every PyJWT error as MessageInvalid.
const (
	MessageInvalid   = drf.MsgJWTInvalid
	MessageWrongType = drf.MsgJWTWrongType
)

// Error is a token that failed verification. Code and Message are safe to send; Cause says why, for
// logs only (Error() includes it, so send Message, never Error()).
type Error struct {
	Code    string
	Message string
	Cause   error
}

// Sentinels for errors.Is: every *Error returned by this package matches exactly one of them.
var (
	ErrInvalid   = &Error{Code: CodeTokenNotValid, Message: MessageInvalid}
	ErrWrongType = &Error{Code: CodeTokenNotValid, Message: MessageWrongType}
)

func (e *Error) Error() string {
	if e.Cause != nil {
		return "jwt: " + e.Message + ": " + e.Cause.Error()
	}
	return "jwt: " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Is matches errors with the same code and message, so errors.Is(err, ErrInvalid) ignores the cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == e.Message
}

func invalid(cause error) error {
	return &Error{Code: CodeTokenNotValid, Message: MessageInvalid, Cause: cause}
}

func wrongType(cause error) error {
	return &Error{Code: CodeTokenNotValid, Message: MessageWrongType, Cause: cause}
}
