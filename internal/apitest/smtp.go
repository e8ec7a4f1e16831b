package apitest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mailbox is a real SMTP server, in process, that keeps what it receives. Tests point gojoser's smtp
// backend at it and read links out of the delivered mails, as a user would.
type Mailbox struct {
	Port int

	mu       sync.Mutex
	mails    []Mail
	failNext int // answer the next n DATA commands with 451
	changed  chan struct{}
}

// Mail is one delivered message, decoded.
type Mail struct {
	To      string
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part
	Raw     []byte
}

// NewMailbox starts a Mailbox for the test's lifetime.
func NewMailbox(t testing.TB) *Mailbox {
	t.Helper()
	mb := &Mailbox{changed: make(chan struct{})}
	srv := smtp.NewServer(mb)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	mb.Port = l.Addr().(*net.TCPAddr).Port
	return mb
}

// Settings are the GOJOSER_* settings (without prefix) that send mail to this Mailbox.
func (mb *Mailbox) Settings() map[string]string {
	return map[string]string{
		"EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": itoa(mb.Port), "EMAIL_SECURITY": "none",
	}
}

// FailNext makes the next n deliveries fail with a temporary SMTP error.
func (mb *Mailbox) FailNext(n int) {
	mb.mu.Lock()
	mb.failNext = n
	mb.mu.Unlock()
}

// All returns every mail received so far.
func (mb *Mailbox) All() []Mail {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]Mail(nil), mb.mails...)
}

// To returns the mails received for addr.
func (mb *Mailbox) To(addr string) []Mail {
	var out []Mail
	for _, m := range mb.All() {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor waits until addr has received n mails and returns them; it fails the test after 10s.
func (mb *Mailbox) WaitFor(t testing.TB, addr string, n int) []Mail {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		mb.mu.Lock()
		ch := mb.changed
		mb.mu.Unlock()
		if got := mb.To(addr); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("waited 10s for %d mail(s) to %s; got %d", n, addr, len(mb.To(addr)))
		}
	}
}

// Quiet asserts that addr receives no mail beyond the n it has, within a short while.
func (mb *Mailbox) Quiet(t testing.TB, addr string, n int) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	if got := mb.To(addr); len(got) != n {
		t.Fatalf("%s received %d mail(s), want %d: %+v", addr, len(got), n, subjects(got))
	}
}

func subjects(ms []Mail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

var linkRE = regexp.MustCompile(`/([A-Za-z0-9_-]+)/([0-9a-z]+-[0-9a-f]{32})\b`)

// Link returns the URL in the mail's text part and its uid and token.
func (m Mail) Link(t testing.TB) (url, uid, token string) {
	t.Helper()
	for _, f := range strings.Fields(m.Text) {
		if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
			if sm := linkRE.FindStringSubmatch(f); sm != nil {
				return f, sm[1], sm[2]
			}
		}
	}
	t.Fatalf("no link in mail %q:\n%s", m.Subject, m.Text)
	return "", "", ""
}

// go-smtp backend.

func (mb *Mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mbSession{mb: mb}, nil }

type mbSession struct {
	mb *Mailbox
	to []string
}

func (s *mbSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mbSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mbSession) Reset()        { s.to = nil }
func (s *mbSession) Logout() error { return nil }

func (s *mbSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	mb := s.mb
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if mb.failNext > 0 {
		mb.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	for _, to := range s.to {
		m := decode(raw)
		m.To = to
		mb.mails = append(mb.mails, m)
	}
	close(mb.changed)
	mb.changed = make(chan struct{})
	return nil
}

// decode pulls the subject and the text and HTML parts out of a multipart/alternative message.
func decode(raw []byte) Mail {
	m := Mail{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = s
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		m.Text = string(body(msg.Body, msg.Header.Get("Content-Transfer-Encoding")))
		return m
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return m
		}
		b := body(p, p.Header.Get("Content-Transfer-Encoding"))
		switch pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt {
		case "text/plain":
			m.Text = string(b)
		case "text/html":
			m.HTML = string(b)
		}
	}
}

func body(r io.Reader, enc string) []byte {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, _ := io.ReadAll(r)
	return b
}
