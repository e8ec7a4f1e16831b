// Package mail renders gojoser's account mails and delivers them through a
// pluggable backend (console, .eml files or SMTP).
//
// Rendered messages carry activation and reset links, which are credentials:
// nothing in this package logs a link, token or message body.
package mail

import (
	"context"
	"errors"
	netmail "net/mail"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Kind names the mails Djoser sends, plus gojoser's email-change pair.
type Kind string

const (
	Activation         Kind = "activation"
	Confirmation       Kind = "confirmation"
	PasswordReset      Kind = "password_reset"
	PasswordChanged    Kind = "password_changed_confirmation"
	UsernameReset      Kind = "username_reset"
	UsernameChanged    Kind = "username_changed_confirmation"
	EmailChangeConfirm Kind = "email_change_confirm" // sent to the NEW address, holds the confirm link
	EmailChangeNotice  Kind = "email_change_notice"  // sent to the OLD address, no link
)

// kinds lists every Kind with whether its mail carries a link.
var kinds = []struct {
	kind    Kind
	hasLink bool
}{
	{Activation, true},
	{Confirmation, false},
	{PasswordReset, true},
	{PasswordChanged, false},
	{UsernameReset, true},
	{UsernameChanged, false},
	{EmailChangeConfirm, true},
	{EmailChangeNotice, false},
}

// Data fills the templates.
type Data struct {
	SiteName, Domain, Protocol string
	Username, Email            string // the user's current username/email
	NewEmail                   string // for email change mails
	URL                        string // the full link for kinds that carry one ("" otherwise)
	UID, Token                 string // the link's parts, also available to templates
}

// Message is a rendered, ready-to-send mail.
type Message struct {
	From, To, Subject string
	Text, HTML        string
}

// Sender delivers one message. Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// invalidMessageError marks a message that no retry can deliver.
type invalidMessageError struct{ err error }

func (e *invalidMessageError) Error() string { return "mail: invalid message: " + e.err.Error() }
func (e *invalidMessageError) Unwrap() error { return e.err }

// IsPermanent reports whether a Send error means this message can never be
// delivered as is: it is malformed, or the SMTP server refused it with a 5xx
// reply to MAIL, RCPT or DATA. Anything else (network trouble, timeouts, 4xx
// replies, a failed login, a full disk) is worth retrying later.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var inv *invalidMessageError
	if errors.As(err, &inv) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return !se.IsTemp() && code >= 500 && code < 600
	}
	return false
}

// recipientDomain returns the domain of an address, which is the only part
// of it we allow into logs.
func recipientDomain(addr string) string {
	if a, err := netmail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}
