package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"regexp"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig configures NewSMTPSender.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for "starttls", 465 for "tls" and 25 for "none".
	Port               int
	Username, Password string // no SMTP AUTH when Username is empty
	// TLS is "starttls" (the default: the server must offer STARTTLS or
	// sending fails, so credentials and links never cross the network in
	// clear), "tls" (implicit TLS, usually port 465) or "none" (plain text,
	// for local relays and tests).
	TLS string
	// Timeout bounds connecting and each SMTP command; it defaults to 15s.
	Timeout            time.Duration
	InsecureSkipVerify bool // for tests only
}

type smtpSender struct {
	client *gomail.Client
}

// NewSMTPSender returns a Sender that delivers each message over its own SMTP
// connection. With a Username it authenticates: over TLS it uses the
// strongest mechanism the server offers; with TLS "none" it uses PLAIN, which
// go-mail only allows towards localhost, 127.0.0.1 or ::1.
//
// The context passed to Send bounds connecting only: once the session is up,
// go-mail does not watch it, and Timeout bounds each command instead.
func NewSMTPSender(c SMTPConfig) (Sender, error) {
	if c.Host == "" {
		return nil, fmt.Errorf("mail: smtp: no host")
	}
	if c.Timeout == 0 {
		c.Timeout = gomail.DefaultTimeout
	}
	opts := []gomail.Option{
		gomail.WithTimeout(c.Timeout),
		gomail.WithTLSConfig(&tls.Config{
			ServerName:         c.Host,
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: c.InsecureSkipVerify,
		}),
	}
	port := c.Port
	switch c.TLS {
	case "", "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = gomail.DefaultPortTLS
		}
	case "tls":
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = gomail.DefaultPortSSL
		}
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = gomail.DefaultPort
		}
	default:
		return nil, fmt.Errorf(`mail: smtp: TLS mode %q is not one of "starttls", "tls", "none"`, c.TLS)
	}
	opts = append(opts, gomail.WithPort(port))
	if c.Username != "" {
		// Not go-mail's opportunistic mode: its Client rewrites its own
		// settings during a send, which races when Send runs concurrently.
		auth := gomail.SMTPAuthAutoDiscover
		if c.TLS == "none" {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts,
			gomail.WithSMTPAuth(auth),
			gomail.WithUsername(c.Username),
			gomail.WithPassword(c.Password),
		)
	}
	client, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp: %w", err)
	}
	return &smtpSender{client: client}, nil
}

// Send dials, delivers m and quits. The shared go-mail Client is safe for
// this: DialAndSendWithContext keeps each session's state on its own.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	msg, err := newMsg(m)
	if err != nil {
		return err
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		return &smtpError{err: err, msg: redactAddresses(err.Error(), msg.GetTo())}
	}
	slog.DebugContext(ctx, "mail: sent over smtp",
		"to_domain", recipientDomain(m.To), "message_id", msg.GetMessageID())
	return nil
}

// smtpError keeps go-mail's error for errors.As (see IsPermanent) but hides
// the recipient's address, which go-mail and servers put in their messages,
// from whoever logs the error.
type smtpError struct {
	err error
	msg string
}

func (e *smtpError) Error() string { return "mail: smtp: " + e.msg }
func (e *smtpError) Unwrap() error { return e.err }

func redactAddresses(s string, addrs []*netmail.Address) string {
	for _, a := range addrs {
		if a == nil || a.Address == "" {
			continue
		}
		masked := "***@" + recipientDomain(a.Address)
		s = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(a.Address)).ReplaceAllLiteralString(s, masked)
	}
	return s
}
