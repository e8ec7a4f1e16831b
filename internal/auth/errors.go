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
