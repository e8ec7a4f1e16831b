package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"log/slog"
	netmail "net/mail"
	"os"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*
var embedded embed.FS

// Renderer renders a Kind with Data into a Message. It is safe for concurrent
// use.
type Renderer struct {
	kinds map[Kind]*kindTemplates
}

type kindTemplates struct {
	hasLink bool
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Template file name suffixes; a template is named <kind><suffix>.
const (
	subjectSuffix = ".subject.txt"
	textSuffix    = ".txt"
	htmlSuffix    = ".html"
)

// sampleData fills every field so that a trial render at startup catches
// templates that refer to fields Data does not have.
var sampleData = Data{
	SiteName: "example", Domain: "example.com", Protocol: "https",
	Username: "user", Email: "old@example.com", NewEmail: "new@example.com",
	URL: "https://example.com/#/activate/MQ/token", UID: "MQ", Token: "token",
}

// NewRenderer parses all templates up front. Files named <kind>.subject.txt,
// <kind>.txt or <kind>.html in overrideDir replace the embedded defaults; an
// empty overrideDir means defaults only. A template that fails to parse or to
// render sample data is an error, so a broken override stops startup instead
// of the first mail.
func NewRenderer(overrideDir string) (*Renderer, error) {
	var override fs.FS
	if overrideDir != "" {
		st, err := os.Stat(overrideDir)
		if err != nil {
			return nil, fmt.Errorf("mail: template override dir: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("mail: template override dir %q is not a directory", overrideDir)
		}
		override = os.DirFS(overrideDir)
		warnUnknownFiles(override, overrideDir)
	}
	defaults, err := fs.Sub(embedded, "templates")
	if err != nil {
		return nil, err
	}

	r := &Renderer{kinds: make(map[Kind]*kindTemplates, len(kinds))}
	for _, k := range kinds {
		src := templateSource{kind: k.kind, override: override, defaults: defaults}
		kt := &kindTemplates{hasLink: k.hasLink}
		if kt.subject, err = parseText(src.load(subjectSuffix)); err != nil {
			return nil, err
		}
		if kt.text, err = parseText(src.load(textSuffix)); err != nil {
			return nil, err
		}
		if kt.html, err = parseHTML(src.load(htmlSuffix)); err != nil {
			return nil, err
		}
		r.kinds[k.kind] = kt
	}
	return r, nil
}

// templateSource finds a kind's template files, preferring the override dir.
type templateSource struct {
	kind     Kind
	override fs.FS // nil without an override dir
	defaults fs.FS
}

func (s templateSource) load(suffix string) (name, src string, err error) {
	name = string(s.kind) + suffix
	if s.override != nil {
		b, err := fs.ReadFile(s.override, name)
		if err == nil {
			slog.Debug("mail: using template override", "template", name)
			return name, string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return name, "", fmt.Errorf("mail: template %s: %w", name, err)
		}
	}
	b, err := fs.ReadFile(s.defaults, name)
	if err != nil {
		return name, "", fmt.Errorf("mail: embedded template %s: %w", name, err)
	}
	return name, string(b), nil
}

func parseText(name, src string, err error) (*texttemplate.Template, error) {
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.New(name).Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, sampleData)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: template %s: %w", name, err)
	}
	return t, nil
}

func parseHTML(name, src string, err error) (*htmltemplate.Template, error) {
	if err != nil {
		return nil, err
	}
	t, err := htmltemplate.New(name).Parse(src)
	if err == nil {
		err = t.Execute(io.Discard, sampleData)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: template %s: %w", name, err)
	}
	return t, nil
}

// warnUnknownFiles points out likely typos in override file names, which
// would otherwise silently leave the default in place.
func warnUnknownFiles(dir fs.FS, dirName string) {
	known := make(map[string]bool, 3*len(kinds))
	for _, k := range kinds {
		for _, s := range []string{subjectSuffix, textSuffix, htmlSuffix} {
			known[string(k.kind)+s] = true
		}
	}
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return // NewRenderer reports unreadable files when it loads them
	}
	for _, e := range entries {
		if !e.IsDir() && !known[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			slog.Warn("mail: ignoring unknown file in template override dir", "dir", dirName, "file", e.Name())
		}
	}
}

// Render renders kind with d into a Message from from to to. Kinds that carry
// a link require d.URL, so a missing frontend URL setting fails here rather
// than mailing a dead link.
func (r *Renderer) Render(kind Kind, from, to string, d Data) (Message, error) {
	kt, ok := r.kinds[kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: unknown kind %q", kind)
	}
	if kt.hasLink && d.URL == "" {
		return Message{}, fmt.Errorf("mail: kind %q needs a URL", kind)
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return Message{}, &invalidMessageError{fmt.Errorf("from address: %w", err)}
	}
	if _, err := netmail.ParseAddress(to); err != nil {
		return Message{}, &invalidMessageError{fmt.Errorf("to address: %w", err)}
	}

	var subject, text, html bytes.Buffer
	if err := kt.subject.Execute(&subject, d); err != nil {
		return Message{}, fmt.Errorf("mail: render %s subject: %w", kind, err)
	}
	if err := kt.text.Execute(&text, d); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", kind, err)
	}
	if err := kt.html.Execute(&html, d); err != nil {
		return Message{}, fmt.Errorf("mail: render %s html: %w", kind, err)
	}
	return Message{
		From:    from,
		To:      to,
		Subject: cleanSubject(subject.String()),
		Text:    normalizeNewlines(text.String()),
		HTML:    normalizeNewlines(html.String()),
	}, nil
}

// cleanSubject folds the subject onto one line: template files end with a
// newline, and a newline in a header value (say, from a site name) must never
// reach the wire.
func cleanSubject(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
