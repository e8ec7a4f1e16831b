package auth

import "github.com/gojoser/gojoser/internal/drf"

// DRF's TokenAuthentication failures.
var (
	ErrInvalidToken     = drf.AuthFailed(drf.MsgInvalidToken)
	ErrNoCredentials    = drf.AuthFailed(drf.MsgNoCredentials)
	ErrTokenHasSpaces   = drf.AuthFailed(drf.MsgTokenHasSpaces)
	ErrTokenInvalidChar = drf.AuthFailed(drf.MsgTokenInvalidChar)
	ErrUserInactive     = drf.AuthFailed(drf.MsgUserInactiveDeleted)
)

// SimpleJWT's JWTAuthentication failures of the header and the user.
var (
	ErrBearerHeader       = &drf.BearerError{Detail: drf.MsgJWTBadHeader, Code: drf.CodeJWTBadHeader}
	ErrBearerUserInactive = &drf.BearerError{Detail: drf.MsgJWTUserInactive, Code: drf.CodeJWTUserInactive}
	ErrBearerUserNotFound = &drf.BearerError{Detail: drf.MsgJWTUserNotFound, Code: drf.CodeJWTUserNotFound}
)

// bearerInvalid is the failure of an access token, with the reason SimpleJWT gives for it.
func bearerInvalid(message string) *drf.BearerError {
	return &drf.BearerError{
		Detail: drf.MsgJWTNotValidAnyType, Code: drf.CodeJWTTokenNotValid,
		Messages: []drf.BearerMessage{{TokenClass: drf.JWTTokenClassAccess, TokenType: drf.JWTTokenTypeAccess, Message: message}},
	}
}
