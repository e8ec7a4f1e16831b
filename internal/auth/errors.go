package auth

// Error is an authentication failure: always a 401 with DRF's message as detail.
type Error struct {
	Detail string
}

func (e *Error) Error() string { return "authentication failed: " + e.Detail }

// DRF's authentication and permission messages, exactly as Djoser clients see them.
var (
	ErrNotAuthenticated = &Error{Detail: "Authentication credentials were not provided."}
	ErrInvalidToken     = &Error{Detail: "Invalid token."}
	ErrNoCredentials    = &Error{Detail: "Invalid token header. No credentials provided."}
	ErrTokenHasSpaces   = &Error{Detail: "Invalid token header. Token string should not contain spaces."}
	ErrTokenInvalidChar = &Error{Detail: "Invalid token header. Token string should not contain invalid characters."}
	ErrUserInactive     = &Error{Detail: "User inactive or deleted."}
)

// PermissionError is an authenticated request that is not allowed: 403.
type PermissionError struct {
	Detail string
}

func (e *PermissionError) Error() string { return "permission denied: " + e.Detail }

// ErrPermissionDenied is DRF's generic 403.
var ErrPermissionDenied = &PermissionError{Detail: "You do not have permission to perform this action."}

// BearerError is a SimpleJWT authentication failure: a 401 whose body is {"detail", "code",
// "messages"} in that order, the latter two only when SimpleJWT sends them.
type BearerError struct {
	Detail   string          `json:"detail"`
	Code     string          `json:"code,omitempty"`
	Messages []BearerMessage `json:"messages,omitempty"`
	// JWTView marks failures of the /auth/jwt/ views, which answer WWW-Authenticate: Bearer realm="api";
	// elsewhere DRF takes the header from the first authentication class, Token.
	JWTView bool `json:"-"`
}

// BearerMessage is one entry of SimpleJWT's "messages".
type BearerMessage struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

func (e *BearerError) Error() string { return "bearer authentication failed: " + e.Detail }

// SimpleJWT's header and user failures.
var (
	ErrBearerHeader       = &BearerError{Detail: "Authorization header must contain two space-delimited values", Code: "bad_authorization_header"}
	ErrBearerUserInactive = &BearerError{Detail: "User is inactive", Code: "user_inactive"}
	ErrBearerUserNotFound = &BearerError{Detail: "User not found", Code: "user_not_found"}
)

// bearerInvalid is the failure of an access token, with the reason SimpleJWT gives for it.
func bearerInvalid(message string) *BearerError {
	return &BearerError{
		Detail: "Given token not valid for any token type", Code: "token_not_valid",
		Messages: []BearerMessage{{TokenClass: "AccessToken", TokenType: "access", Message: message}},
	}
}
