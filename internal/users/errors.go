package users

import "errors"

// ErrNotFound is DRF's 404 "Not found.": no such object, or one hidden from the requester.
var ErrNotFound = errors.New("not found")

// DRF and Djoser messages for this package's validation errors.
const (
	msgUsernameTaken      = "A user with that username already exists."
	msgInvalidCredentials = "Unable to log in with provided credentials."
	msgPasswordMismatch   = "The two password fields didn't match."
	msgInvalidPassword    = "Invalid password."
	msgRoleTaken          = "A role with that name already exists."
	msgRevokeOwnAdmin     = "You cannot revoke your own admin role."
)
