package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

type fileSender struct {
	dir string
	seq atomic.Uint64
}

// NewFileSender returns a Sender that writes each message as an RFC 822 .eml
// file into dir, creating dir if needed. File names sort by time of writing
// (UTC nanoseconds, then a per-process sequence number, then a random suffix
// for uniqueness across processes). Each file is written to a temporary name
// and renamed into place, so a reader that lists *.eml never sees half a
// file. Files are private to the owner because they contain live links.
func NewFileSender(dir string) (Sender, error) {
	if dir == "" {
		return nil, fmt.Errorf("mail: file sender needs a directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: file sender: %w", err)
	}
	return &fileSender{dir: dir}, nil
}

func (s *fileSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := Build(m)
	if err != nil {
		return err
	}
	name, err := s.write(b)
	if err != nil {
		return fmt.Errorf("mail: file sender: %w", err)
	}
	slog.DebugContext(ctx, "mail: written to file", "to_domain", recipientDomain(m.To), "file", name)
	return nil
}

func (s *fileSender) write(b []byte) (string, error) {
	// The temporary name does not end in .eml, so globbing readers skip it.
	tmp, err := os.CreateTemp(s.dir, ".tmp-*.eml-partial")
	if err != nil {
		return "", err
	}
	defer func() {
		if tmp != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(b); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	name := s.fileName(time.Now())
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, name)); err != nil {
		return "", err
	}
	tmp = nil
	return name, nil
}

func (s *fileSender) fileName(now time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s-%06d-%s.eml",
		now.UTC().Format("20060102T150405.000000000Z"), s.seq.Add(1)%1_000_000, hex.EncodeToString(r[:]))
}
