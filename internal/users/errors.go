package users

import "github.com/gojoser/gojoser/internal/drf"

// Djoser's answers that are not field errors. Every message is in package drf.
var (
	// ErrStaleToken is Djoser's 403 for an activation link of an account that is already active.
	ErrStaleToken = drf.Denied(drf.MsgStaleToken)
	// ErrActivationDisabled answers resend_activation when SEND_ACTIVATION_EMAIL is off.
	ErrActivationDisabled = drf.ParseError(drf.MsgActivationDisabled)
	// errEmailNotFound is Djoser's bare-list 400, given only when a SHOW_EMAIL_NOT_FOUND setting asks.
	errEmailNotFound = drf.List{drf.MsgEmailNotFound}
)
