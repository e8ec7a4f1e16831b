package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Build serialises m as RFC 822 bytes with CRLF line endings: a
// multipart/alternative of text/plain then text/html, UTF-8, with Date,
// Message-ID and MIME-Version headers. A message with only one of Text and
// HTML becomes a single-part mail. All backends share this format.
func Build(m Message) ([]byte, error) {
	msg, err := newMsg(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	return buf.Bytes(), nil
}

// newMsg converts m into a go-mail message.
func newMsg(m Message) (*gomail.Msg, error) {
	// No User-Agent/X-Mailer: they would advertise the library version.
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, &invalidMessageError{fmt.Errorf("from address: %w", err)}
	}
	if err := msg.To(m.To); err != nil {
		return nil, &invalidMessageError{fmt.Errorf("to address: %w", err)}
	}
	// go-mail Q-encodes the subject only when it is not plain ASCII.
	msg.Subject(cleanSubject(m.Subject))
	msg.SetDate()
	// go-mail's own Message-ID may start with or double a ".", which is not a
	// valid RFC 5322 msg-id.
	msg.SetMessageIDWithValue(newMessageID(m.From))

	text, textEnc := encodeBody(m.Text)
	html, htmlEnc := encodeBody(m.HTML)
	switch {
	case text != "" && html != "":
		msg.SetBodyString(gomail.TypeTextPlain, text, gomail.WithPartEncoding(textEnc))
		msg.AddAlternativeString(gomail.TypeTextHTML, html, gomail.WithPartEncoding(htmlEnc))
	case text != "":
		msg.SetBodyString(gomail.TypeTextPlain, text, gomail.WithPartEncoding(textEnc))
	case html != "":
		msg.SetBodyString(gomail.TypeTextHTML, html, gomail.WithPartEncoding(htmlEnc))
	default:
		return nil, &invalidMessageError{errors.New("no body")}
	}
	return msg, nil
}

// encodeBody picks a part's transfer encoding and returns the body in the
// shape go-mail needs for it.
//
// Plain-ASCII bodies stay unencoded so the link in a console or .eml mail can
// be read and copied as is (quoted-printable would soft-wrap it and turn "="
// into "=3D"). go-mail writes its "7bit" encoding through a quoted-printable
// encoder, so the only way to get raw output is its "8bit" encoding, which is
// also a correct label for 7-bit data; that path copies bytes verbatim, so
// the body must already have CRLF line endings. Anything else (non-ASCII,
// control characters, over-long lines) is quoted-printable, which needs no
// 8BITMIME support from the relay and whose encoder emits CRLF itself.
func encodeBody(s string) (string, gomail.Encoding) {
	s = normalizeNewlines(s)
	for line := range strings.SplitSeq(s, "\n") {
		// RFC 5322 limits lines to 998 octets plus CRLF.
		if len(line) > 998 {
			return s, gomail.EncodingQP
		}
		for i := 0; i < len(line); i++ {
			if c := line[i]; c >= 0x7f || (c < ' ' && c != '\t') {
				return s, gomail.EncodingQP
			}
		}
	}
	return strings.ReplaceAll(s, "\n", "\r\n"), gomail.NoEncoding
}

// newMessageID returns a unique id (without the angle brackets) in the domain
// of the sender, so that no server hostname leaks into mails.
func newMessageID(from string) string {
	domain := recipientDomain(from)
	if domain == "" {
		domain = "localhost"
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + "@" + domain
}
