package drf_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gojoser/gojoser/internal/drf"
)

// Render is the one table from errors to answers; each row is an answer a Djoser client relies on.
func TestRender(t *testing.T) {
	fields := &drf.FieldErrors{}
	fields.Add("username", drf.MsgRequired)
	fields.Add("password", drf.MsgBlank)
	fields.Add("username", drf.MaxLength("150"))
	cases := []struct {
		name        string
		err         error
		status      int
		body        string
		retryAfter  int
		bearerRealm bool
		known       bool
	}{
		{"field errors keep declaration order", fields, 400,
			`{"username":["This field is required.","Ensure this field has no more than 150 characters."],"password":["This field may not be blank."]}`, 0, false, true},
		{"wrapped errors are found", fmt.Errorf("register: %w", drf.Field(drf.NonField, drf.MsgPasswordMismatch)), 400,
			`{"non_field_errors":["The two password fields didn't match."]}`, 0, false, true},
		{"not found", drf.ErrNotFound, 404, `{"detail":"Not found."}`, 0, false, true},
		{"not authenticated", drf.ErrNotAuthenticated, 401, `{"detail":"Authentication credentials were not provided."}`, 0, false, true},
		{"authentication failed", drf.AuthFailed(drf.MsgInvalidToken), 401, `{"detail":"Invalid token."}`, 0, false, true},
		{"permission denied", drf.ErrPermissionDenied, 403, `{"detail":"You do not have permission to perform this action."}`, 0, false, true},
		{"method not allowed", drf.MethodNotAllowedFor("PATCH"), 405, `{"detail":"Method \"PATCH\" not allowed."}`, 0, false, true},
		{"not acceptable", drf.ErrNotAcceptable, 406, `{"detail":"Could not satisfy the request Accept header."}`, 0, false, true},
		{"too large", drf.TooLarge(), 413, `{"detail":"Request body is too large."}`, 0, false, true},
		{"unsupported media type", drf.UnsupportedMedia("text/plain"), 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`, 0, false, true},
		{"parse error", drf.ErrMalformed, 400, `{"detail":"Malformed request."}`, 0, false, true},
		{"bare list", drf.List{drf.MsgEmailNotFound}, 400, `["User with given email does not exist."]`, 0, false, true},
		{"throttled, plural", drf.ThrottledFor(37), 429, `{"detail":"Request was throttled. Expected available in 37 seconds."}`, 37, false, true},
		{"throttled, singular", drf.ThrottledFor(1), 429, `{"detail":"Request was throttled. Expected available in 1 second."}`, 1, false, true},
		{"throttled never says 0 seconds", drf.ThrottledFor(0), 429, `{"detail":"Request was throttled. Expected available in 1 second."}`, 1, false, true},
		{"unavailable", drf.UnavailableFor(5), 503, `{"detail":"Service temporarily unavailable, try again later."}`, 5, false, true},
		{"SimpleJWT view failure", &drf.BearerError{Detail: drf.MsgJWTBlacklisted, Code: drf.CodeJWTTokenNotValid, View: true}, 401,
			`{"detail":"Token is blacklisted","code":"token_not_valid"}`, 0, true, true},
		{"SimpleJWT authentication failure", &drf.BearerError{Detail: drf.MsgJWTNotValidAnyType, Code: drf.CodeJWTTokenNotValid,
			Messages: []drf.BearerMessage{{TokenClass: "AccessToken", TokenType: "access", Message: drf.MsgJWTInvalid}}}, 401,
			`{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}`, 0, false, true},
		{"anything else is a 500 without its cause", errors.New("dial tcp: connection refused"), 500, `{"detail":"A server error occurred."}`, 0, false, false},
		{"a server error kind is unknown too", drf.ErrServer, 500, `{"detail":"A server error occurred."}`, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, known := drf.Render(c.err)
			if r.Status != c.status || string(r.Body) != c.body || r.RetryAfter != c.retryAfter || r.BearerRealm != c.bearerRealm || known != c.known {
				t.Errorf("Render = %d %s retry-after %d realm %v known %v\nwant %d %s retry-after %d realm %v known %v",
					r.Status, r.Body, r.RetryAfter, r.BearerRealm, known, c.status, c.body, c.retryAfter, c.bearerRealm, c.known)
			}
		})
	}
}
