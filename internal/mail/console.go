package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// consoleSeparator ends every message so that readers of the stream can tell
// mails apart, as Django's console backend does.
var consoleSeparator = "\n" + strings.Repeat("-", 79) + "\n"

type consoleSender struct {
	mu sync.Mutex // keeps concurrent messages from interleaving
	w  io.Writer
}

// NewConsoleSender returns a Sender that writes each RFC 822 message (as
// built by Build), followed by a separator line, to w. Meant for development:
// the output contains live links.
func NewConsoleSender(w io.Writer) Sender {
	return &consoleSender{w: w}
}

func (s *consoleSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := Build(m)
	if err != nil {
		return err
	}
	b = append(b, consoleSeparator...)

	s.mu.Lock()
	_, err = s.w.Write(b)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("mail: console: %w", err)
	}
	slog.DebugContext(ctx, "mail: written to console", "to_domain", recipientDomain(m.To))
	return nil
}
