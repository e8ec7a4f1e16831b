package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	testFrom = "webmaster@localhost"
	testTo   = "alice@example.com"
	testURL  = "http://127.0.0.1:8001/#/activate/Mzc/dig6wz-76c55e39cd66427db862989e052bf110"
)

func testData() Data {
	return Data{
		SiteName: "Acme Shop", Domain: "127.0.0.1:8001", Protocol: "http",
		Username: "alice", Email: testTo, NewEmail: "alice.new@example.org",
		URL: testURL, UID: "Mzc", Token: "dig6wz-76c55e39cd66427db862989e052bf110",
	}
}

func newTestRenderer(t *testing.T, dir string) *Renderer {
	t.Helper()
	r, err := NewRenderer(dir)
	if err != nil {
		t.Fatalf("NewRenderer(%q): %v", dir, err)
	}
	return r
}

func render(t *testing.T, r *Renderer, kind Kind, d Data) Message {
	t.Helper()
	m, err := r.Render(kind, testFrom, testTo, d)
	if err != nil {
		t.Fatalf("Render(%s): %v", kind, err)
	}
	return m
}

// parsedMail is an RFC 822 message read back with the standard library only.
type parsedMail struct {
	header      netmail.Header
	subject     string
	contentType string
	partTypes   []string // media type and charset of each part, in order
	partCTEs    []string // Content-Transfer-Encoding of each part, in order
	text, html  string
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, raw)
	}
	p := parsedMail{header: msg.Header}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	p.contentType = mediaType
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", mediaType)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		// NextRawPart so the test sees the transfer encoding as sent.
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("NextRawPart: %v", err)
		}
		pt, pparams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		cte := strings.ToLower(part.Header.Get("Content-Transfer-Encoding"))
		var body io.Reader = part
		if cte == "quoted-printable" {
			body = quotedprintable.NewReader(part)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		s := strings.ReplaceAll(string(b), "\r\n", "\n")
		p.partTypes = append(p.partTypes, pt+"; charset="+strings.ToLower(pparams["charset"]))
		p.partCTEs = append(p.partCTEs, cte)
		switch pt {
		case "text/plain":
			p.text = s
		case "text/html":
			p.html = s
		}
	}
	return p
}

func TestRenderEveryKind(t *testing.T) {
	r := newTestRenderer(t, "")
	tests := []struct {
		kind     Kind
		hasLink  bool
		mentions []string // must appear in both parts
	}{
		{Activation, true, nil},
		{Confirmation, false, nil},
		{PasswordReset, true, []string{"alice"}},
		{PasswordChanged, false, nil},
		{UsernameReset, true, []string{"alice"}},
		{UsernameChanged, false, []string{"alice"}},
		{EmailChangeConfirm, true, []string{"alice.new@example.org"}},
		{EmailChangeNotice, false, []string{"alice.new@example.org", testTo}},
	}
	if len(tests) != len(kinds) {
		t.Fatalf("test covers %d kinds, package has %d", len(tests), len(kinds))
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			d := testData()
			if !tt.hasLink {
				d.URL, d.UID, d.Token = "", "", ""
			}
			m := render(t, r, tt.kind, d)
			if m.From != testFrom || m.To != testTo {
				t.Errorf("From, To = %q, %q", m.From, m.To)
			}
			if !strings.Contains(m.Subject, "Acme Shop") || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject %q: want one line naming the site", m.Subject)
			}
			for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
				if strings.TrimSpace(part.body) == "" {
					t.Fatalf("%s part is empty", part.name)
				}
				if tt.hasLink && !strings.Contains(part.body, testURL) {
					t.Errorf("%s part lacks the link:\n%s", part.name, part.body)
				}
				if !tt.hasLink && strings.Contains(part.body, "http") {
					t.Errorf("%s part of a link-less kind has a link:\n%s", part.name, part.body)
				}
				for _, s := range tt.mentions {
					if !strings.Contains(part.body, s) {
						t.Errorf("%s part does not mention %q:\n%s", part.name, s, part.body)
					}
				}
			}
			if tt.hasLink && !strings.Contains(m.HTML, `href="`+testURL+`"`) {
				t.Errorf("html part has no anchor to the link")
			}

			// The rendered message survives Build and a standard parser intact.
			raw, err := Build(m)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			p := parseMail(t, raw)
			if p.subject != m.Subject || p.text != m.Text || p.html != m.HTML {
				t.Errorf("round trip changed the message:\nsubject %q\ntext %q\nhtml %q", p.subject, p.text, p.html)
			}
			// Plain-ASCII mails go out unencoded so links stay copyable.
			if !slices.Equal(p.partCTEs, []string{"8bit", "8bit"}) {
				t.Errorf("transfer encodings = %v, want raw 8bit for ASCII bodies", p.partCTEs)
			}
		})
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	r := newTestRenderer(t, "")
	d := testData()
	d.Username = `<b>"eve"&</b>`
	m := render(t, r, PasswordReset, d)
	if !strings.Contains(m.Text, d.Username) {
		t.Errorf("text part should carry the username verbatim:\n%s", m.Text)
	}
	if strings.Contains(m.HTML, d.Username) || !strings.Contains(m.HTML, "&lt;b&gt;&#34;eve&#34;&amp;&lt;/b&gt;") {
		t.Errorf("html part does not escape the username:\n%s", m.HTML)
	}

	d = testData()
	d.URL = "javascript:alert(1)"
	m = render(t, r, Activation, d)
	if strings.Contains(m.HTML, `href="javascript:`) {
		t.Errorf("html part links to a javascript: URL:\n%s", m.HTML)
	}
}

func TestRenderErrors(t *testing.T) {
	r := newTestRenderer(t, "")
	noURL := testData()
	noURL.URL = ""
	tests := []struct {
		name     string
		kind     Kind
		from, to string
		d        Data
	}{
		{"unknown kind", Kind("welcome"), testFrom, testTo, testData()},
		{"link kind without URL", PasswordReset, testFrom, testTo, noURL},
		{"bad recipient", Activation, testFrom, "not an address", testData()},
		{"bad sender", Activation, "", testTo, testData()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.Render(tt.kind, tt.from, tt.to, tt.d); err == nil {
				t.Fatal("Render succeeded, want an error")
			}
		})
	}
}

func TestSubjectCannotInjectHeaders(t *testing.T) {
	r := newTestRenderer(t, "")
	d := testData()
	d.SiteName = "Acme\r\nBcc: victim@example.com"
	m := render(t, r, Confirmation, d)
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject %q spans lines", m.Subject)
	}
	raw, err := Build(Message{From: testFrom, To: testTo, Subject: "a\r\nBcc: victim@example.com", Text: "t", HTML: "<p>h</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if p := parseMail(t, raw); p.header.Get("Bcc") != "" {
		t.Fatalf("a newline in the subject created a header: %q", p.header.Get("Bcc"))
	}
}

func TestOverrideDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("activation.subject.txt", "Welcome to {{.SiteName}}, {{.Username}}!\n")
	write("activation.html", "<p>Go to <a href=\"{{.URL}}\">{{.URL}}</a>, {{.Username}}</p>\n")

	defaults := newTestRenderer(t, "")
	custom := newTestRenderer(t, dir)
	d := testData()
	d.Username = "<alice>"

	got := render(t, custom, Activation, d)
	want := render(t, defaults, Activation, d)
	if got.Subject != "Welcome to Acme Shop, <alice>!" {
		t.Errorf("subject = %q, want the override", got.Subject)
	}
	if wantHTML := `<p>Go to <a href="` + testURL + `">` + testURL + "</a>, &lt;alice&gt;</p>\n"; got.HTML != wantHTML {
		t.Errorf("html = %q, want the escaped override %q", got.HTML, wantHTML)
	}
	if got.Text != want.Text {
		t.Errorf("text part should fall back to the default:\n%s", got.Text)
	}
	if other, def := render(t, custom, PasswordReset, d), render(t, defaults, PasswordReset, d); other != def {
		t.Errorf("a kind without overrides changed")
	}
}

func TestBrokenOverrideFailsAtStartup(t *testing.T) {
	tests := []struct {
		name, file, content string
	}{
		{"text syntax", "password_reset.txt", "Hello {{.Username"},
		{"subject unknown field", "activation.subject.txt", "Hi {{.FirstName}}"},
		{"html syntax", "confirmation.html", "<p>{{if .Username}}</p>"},
		{"html unknown field", "email_change_notice.html", "<p>{{.OldEmail}}</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := NewRenderer(dir)
			if err == nil || !strings.Contains(err.Error(), tt.file) {
				t.Fatalf("NewRenderer error = %v, want one naming %s", err, tt.file)
			}
		})
	}

	t.Run("missing dir", func(t *testing.T) {
		if _, err := NewRenderer(filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Fatal("NewRenderer accepted a missing directory")
		}
	})
	t.Run("file instead of dir", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := NewRenderer(f); err == nil {
			t.Fatal("NewRenderer accepted a file")
		}
	})
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name    string
		m       Message
		wantCTE string
	}{
		{
			name:    "ascii",
			m:       Message{From: testFrom, To: testTo, Subject: "Hello", Text: "Hi " + testURL + "?a=b\n", HTML: `<p><a href="x">Hi</a></p>`},
			wantCTE: "8bit",
		},
		{
			name: "non-ascii",
			m: Message{From: "Ünïcode Site <noreply@example.com>", To: "Jörg <jorg@example.com>", Subject: "Willkommen bei Müller",
				Text: "Grüße, " + testURL + "?a=b\n", HTML: "<p>Grüße</p>"},
			wantCTE: "quoted-printable",
		},
		{
			name:    "long line",
			m:       Message{From: testFrom, To: testTo, Subject: "Long", Text: strings.Repeat("x", 1200) + "\n", HTML: strings.Repeat("y", 1200)},
			wantCTE: "quoted-printable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := Build(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf {
				t.Errorf("%d of %d line endings are not CRLF", n-crlf, n)
			}
			for _, line := range strings.Split(string(raw), "\r\n") {
				if len(line) > 998 {
					t.Fatalf("line of %d octets", len(line))
				}
			}
			p := parseMail(t, raw)
			if p.subject != tt.m.Subject {
				t.Errorf("Subject = %q, want %q", p.subject, tt.m.Subject)
			}
			for _, f := range []struct{ header, want string }{{"From", tt.m.From}, {"To", tt.m.To}} {
				got, err := p.header.AddressList(f.header)
				want, _ := netmail.ParseAddress(f.want)
				if err != nil || len(got) != 1 || *got[0] != *want {
					t.Errorf("%s = %v (%v), want %v", f.header, got, err, want)
				}
			}
			if v := p.header.Get("MIME-Version"); v != "1.0" {
				t.Errorf("MIME-Version = %q", v)
			}
			if _, err := p.header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if id := p.header.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@[a-z0-9.-]+>$`).MatchString(id) {
				t.Errorf("Message-ID = %q", id)
			}
			if v := p.header.Get("User-Agent") + p.header.Get("X-Mailer"); v != "" {
				t.Errorf("mailer headers leak the library: %q", v)
			}
			if !slices.Equal(p.partTypes, []string{"text/plain; charset=utf-8", "text/html; charset=utf-8"}) {
				t.Errorf("parts = %v, want text/plain then text/html in UTF-8", p.partTypes)
			}
			if !slices.Equal(p.partCTEs, []string{tt.wantCTE, tt.wantCTE}) {
				t.Errorf("transfer encodings = %v, want %s", p.partCTEs, tt.wantCTE)
			}
			if p.text != tt.m.Text || p.html != tt.m.HTML {
				t.Errorf("bodies changed:\ntext %q\nhtml %q", p.text, p.html)
			}
		})
	}

	t.Run("invalid", func(t *testing.T) {
		for _, m := range []Message{
			{From: "nobody", To: testTo, Text: "x"},
			{From: testFrom, To: "", Text: "x"},
			{From: testFrom, To: testTo},
		} {
			_, err := Build(m)
			if err == nil || !IsPermanent(err) {
				t.Errorf("Build(%+v) = %v, want a permanent error", m, err)
			}
		}
	})
}

func TestFileSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox", "mail") // created on demand
	s, err := NewFileSender(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := newTestRenderer(t, "")
	ctx := context.Background()
	sent := []Kind{Activation, PasswordReset, UsernameReset, EmailChangeNotice}
	for _, k := range sent {
		d := testData()
		if k == EmailChangeNotice {
			d.URL = ""
		}
		if err := s.Send(ctx, render(t, r, k, d)); err != nil {
			t.Fatalf("Send(%s): %v", k, err)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if !strings.HasSuffix(e.Name(), ".eml") {
			t.Errorf("stray file %q", e.Name())
		}
		if info, err := e.Info(); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", e.Name(), info.Mode(), err)
		}
	}
	if len(names) != len(sent) {
		t.Fatalf("files = %v, want %d", names, len(sent))
	}
	slices.Sort(names) // name order must be sending order
	for i, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		p := parseMail(t, raw)
		want := render(t, r, sent[i], testData())
		if p.subject != want.Subject {
			t.Errorf("%s: subject %q, want %q (files out of order?)", name, p.subject, want.Subject)
		}
		if p.header.Get("Message-ID") == "" || p.header.Get("Date") == "" {
			t.Errorf("%s: missing Message-ID or Date", name)
		}
		if to, _ := p.header.AddressList("To"); len(to) != 1 || to[0].Address != testTo {
			t.Errorf("%s: To = %v", name, to)
		}
		if sent[i] != EmailChangeNotice && (!strings.Contains(p.text, testURL) || !strings.Contains(p.html, testURL)) {
			t.Errorf("%s: link missing from a part", name)
		}
	}

	t.Run("concurrent", func(t *testing.T) {
		dir := t.TempDir()
		s, err := NewFileSender(dir)
		if err != nil {
			t.Fatal(err)
		}
		m := render(t, r, Activation, testData())
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if err := s.Send(ctx, m); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if entries, _ := os.ReadDir(dir); len(entries) != 20 {
			t.Fatalf("%d files, want 20 distinct ones", len(entries))
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Send(ctx, render(t, r, Activation, testData())); !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
	})
}

func TestConsoleSender(t *testing.T) {
	var buf bytes.Buffer
	s := NewConsoleSender(&buf)
	r := newTestRenderer(t, "")
	m := render(t, r, PasswordReset, testData())

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if err := s.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	chunks := strings.Split(buf.String(), consoleSeparator)
	if len(chunks) != 11 || chunks[10] != "" {
		t.Fatalf("got %d chunks, want 10 messages each followed by the separator", len(chunks)-1)
	}
	for _, c := range chunks[:10] {
		p := parseMail(t, []byte(c))
		if p.subject != m.Subject || p.text != m.Text || p.html != m.HTML {
			t.Fatalf("console message does not parse back to the original")
		}
		// Someone reading the console must be able to copy the link verbatim.
		if !strings.Contains(c, "\r\n"+testURL+"\r\n") {
			t.Fatalf("link is not on a line of its own in the raw output")
		}
	}
}

// smtpBackend is an in-process SMTP server that records what it receives.
type smtpBackend struct {
	user, pass string          // when set, MAIL requires AUTH PLAIN with these
	rejectData *smtp.SMTPError // returned from DATA
	rejectRcpt *smtp.SMTPError // returned from RCPT

	mu   sync.Mutex
	mail []receivedMail
}

type receivedMail struct {
	from string
	to   []string
	data []byte
	tls  bool
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b, conn: c}, nil
}

func (b *smtpBackend) received() []receivedMail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.mail)
}

type smtpSession struct {
	b      *smtpBackend
	conn   *smtp.Conn
	authed bool
	cur    receivedMail
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.cur.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rejectRcpt != nil {
		return s.b.rejectRcpt
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.rejectData != nil {
		return s.b.rejectData
	}
	s.cur.data = data
	s.b.mu.Lock()
	s.b.mail = append(s.b.mail, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.cur = receivedMail{} }
func (s *smtpSession) Logout() error { return nil }

type serverTLS int

const (
	serverPlain       serverTLS = iota
	serverStartTLS              // offers STARTTLS
	serverImplicitTLS           // TLS from the first byte
)

// startSMTPServer serves b on 127.0.0.1 and returns its port.
func startSMTPServer(t *testing.T, b *smtpBackend, mode serverTLS) int {
	t.Helper()
	return startSMTPServerOn(t, "127.0.0.1", b, mode)
}

func startSMTPServerOn(t *testing.T, ip string, b *smtpBackend, mode serverTLS) int {
	t.Helper()
	srv := smtp.NewServer(b)
	srv.Domain = "localhost"
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	srv.AllowInsecureAuth = mode == serverPlain // AUTH over plain text only on the plain server
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case serverStartTLS:
		srv.TLSConfig = selfSignedTLS(t)
	case serverImplicitTLS:
		l = tls.NewListener(l, selfSignedTLS(t))
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestSMTPSender(t *testing.T) {
	r := newTestRenderer(t, "")
	m := render(t, r, PasswordReset, testData())

	tests := []struct {
		name    string
		backend *smtpBackend
		server  serverTLS
		cfg     SMTPConfig // Host, Port and Timeout are filled in
		wantTLS bool
	}{
		{"plain", &smtpBackend{}, serverPlain, SMTPConfig{TLS: "none"}, false},
		{"plain with AUTH PLAIN", &smtpBackend{user: "mailer", pass: "s3cret"}, serverPlain,
			SMTPConfig{TLS: "none", Username: "mailer", Password: "s3cret"}, false},
		{"starttls with auth", &smtpBackend{user: "mailer", pass: "s3cret"}, serverStartTLS,
			SMTPConfig{Username: "mailer", Password: "s3cret", InsecureSkipVerify: true}, true},
		{"implicit tls with auth", &smtpBackend{user: "mailer", pass: "s3cret"}, serverImplicitTLS,
			SMTPConfig{TLS: "tls", Username: "mailer", Password: "s3cret", InsecureSkipVerify: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Host, cfg.Port, cfg.Timeout = "127.0.0.1", startSMTPServer(t, tt.backend, tt.server), 5*time.Second
			s, err := NewSMTPSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := tt.backend.received()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			if got[0].from != testFrom || !slices.Equal(got[0].to, []string{testTo}) {
				t.Errorf("envelope = %q -> %v", got[0].from, got[0].to)
			}
			if got[0].tls != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", got[0].tls, tt.wantTLS)
			}
			p := parseMail(t, got[0].data)
			if p.subject != m.Subject || p.text != m.Text || p.html != m.HTML {
				t.Errorf("received message differs from the sent one:\n%s", got[0].data)
			}
			if !strings.Contains(p.text, testURL) || !strings.Contains(p.html, testURL) {
				t.Errorf("link missing from a part")
			}
		})
	}
}

func TestSMTPSenderConcurrent(t *testing.T) {
	b := &smtpBackend{user: "mailer", pass: "s3cret"}
	s, err := NewSMTPSender(SMTPConfig{
		Host: "127.0.0.1", Port: startSMTPServer(t, b, serverStartTLS), Timeout: 5 * time.Second,
		Username: "mailer", Password: "s3cret", InsecureSkipVerify: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := render(t, newTestRenderer(t, ""), Activation, testData())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := s.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(b.received()); n != 8 {
		t.Fatalf("server received %d messages, want 8", n)
	}
}

func TestSMTPSenderFailures(t *testing.T) {
	m := render(t, newTestRenderer(t, ""), Activation, testData())
	tests := []struct {
		name          string
		backend       *smtpBackend
		server        serverTLS
		cfg           SMTPConfig // Host, Port and Timeout are filled in
		wantPermanent bool
	}{
		{"DATA 451", &smtpBackend{rejectData: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}},
			serverPlain, SMTPConfig{TLS: "none"}, false},
		{"DATA 554", &smtpBackend{rejectData: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "rejected"}},
			serverPlain, SMTPConfig{TLS: "none"}, true},
		{"RCPT 550 echoing the address", &smtpBackend{rejectRcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + testTo + ">: no such user"}},
			serverPlain, SMTPConfig{TLS: "none"}, true},
		{"wrong password", &smtpBackend{user: "mailer", pass: "s3cret"},
			serverPlain, SMTPConfig{TLS: "none", Username: "mailer", Password: "guess"}, false},
		{"starttls required but not offered", &smtpBackend{},
			serverPlain, SMTPConfig{TLS: "starttls"}, false},
		{"certificate not trusted", &smtpBackend{},
			serverStartTLS, SMTPConfig{TLS: "starttls"}, false},
		// Any loopback address but 127.0.0.1 counts as remote for go-mail.
		{"password in clear to a remote host", &smtpBackend{user: "mailer", pass: "s3cret"},
			serverPlain, SMTPConfig{Host: "127.0.0.2", TLS: "none", Username: "mailer", Password: "s3cret"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Host == "" {
				cfg.Host = "127.0.0.1"
			}
			cfg.Port, cfg.Timeout = startSMTPServerOn(t, cfg.Host, tt.backend, tt.server), 5*time.Second
			s, err := NewSMTPSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), m)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
			if strings.Contains(err.Error(), "alice@") {
				t.Errorf("error reveals the recipient address: %v", err)
			}
			if n := len(tt.backend.received()); n != 0 {
				t.Errorf("server accepted %d messages", n)
			}
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		s, err := NewSMTPSender(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "none", Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), m); err == nil || IsPermanent(err) {
			t.Fatalf("Send = %v, want a temporary error", err)
		}
	})
}

func TestNewSMTPSenderConfig(t *testing.T) {
	for _, c := range []SMTPConfig{
		{},
		{Host: "mail.example.com", TLS: "ssl"},
		{Host: "mail.example.com", Port: 70000},
	} {
		if _, err := NewSMTPSender(c); err == nil {
			t.Errorf("NewSMTPSender(%+v) succeeded, want an error", c)
		}
	}
	for _, mode := range []string{"", "starttls", "tls", "none"} {
		if _, err := NewSMTPSender(SMTPConfig{Host: "mail.example.com", TLS: mode}); err != nil {
			t.Errorf("TLS %q: %v", mode, err)
		}
	}
}
