package users

import (
	"errors"

	"github.com/gojoser/gojoser/internal/auth"
)

// ErrNotFound is DRF's 404 "Not found.": no such object, or one hidden from the requester.
var ErrNotFound = errors.New("not found")

// ErrStaleToken is Djoser's 403 for an activation link of an account that is already active.
var ErrStaleToken = &auth.PermissionError{Detail: "Stale token for given user."}

// DRF and Djoser messages for this package's validation errors.
const (
	msgUsernameTaken      = "A user with that username already exists."
	msgInvalidCredentials = "Unable to log in with provided credentials."
	msgPasswordMismatch   = "The two password fields didn't match."
	msgInvalidPassword    = "Invalid password."
	msgRoleTaken          = "A role with that name already exists."
	msgRevokeOwnAdmin     = "You cannot revoke your own admin role."
	msgInvalidUID         = "Invalid user id or user doesn't exist."
	msgInvalidToken       = "Invalid token for given user."
	msgUsernameMismatch   = "The two username fields didn't match."
	msgEmailNotFound      = "User with given email does not exist."
)
