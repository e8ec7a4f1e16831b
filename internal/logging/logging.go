// Package logging builds the service's slog logger. Lines go through a buffer that is written out a few
// times a second, and at once for warnings and errors: one write(2) per access-log line cost about 7 % of
// a cached GET /auth/users/me/ in the benchmark profile, as much as formatting the line.
package logging

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// FlushEvery is how long an info line may wait in the buffer.
const FlushEvery = 200 * time.Millisecond

// New returns a logger writing text or JSON (format "json") lines at level and above to w, and a func
// that writes out what is buffered and stops the background flushing; call it before the process exits.
func New(level slog.Level, format string, w io.Writer) (*slog.Logger, func()) {
	bw := newWriter(w, FlushEvery)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(bw, opts)
	if format == "json" {
		h = slog.NewJSONHandler(bw, opts)
	}
	return slog.New(&flushing{Handler: h, w: bw}), bw.close
}

// writer is a bufio.Writer that many goroutines share and that a ticker flushes.
type writer struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

func newWriter(w io.Writer, every time.Duration) *writer {
	bw := &writer{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{})}
	bw.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				bw.flush()
			case <-bw.stop:
				return
			}
		}
	})
	return bw
}

// Write keeps p whole: slog hands over one complete line per call, and bufio writes through a line that
// does not fit rather than split it across two writes to w.
func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Available() < len(p) && w.buf.Buffered() > 0 {
		if err := w.buf.Flush(); err != nil {
			return 0, err
		}
	}
	return w.buf.Write(p)
}

func (w *writer) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.buf.Flush() // nowhere to report a failing log destination
}

func (w *writer) close() {
	w.once.Do(func() {
		close(w.stop)
		w.done.Wait()
	})
	w.flush()
}

// flushing writes warnings and errors out with the record, so a line explaining a crash is not lost in
// the buffer.
type flushing struct {
	slog.Handler
	w *writer
}

func (h *flushing) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.w.flush()
	}
	return err
}

func (h *flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &flushing{Handler: h.Handler.WithAttrs(attrs), w: h.w}
}

func (h *flushing) WithGroup(name string) slog.Handler {
	return &flushing{Handler: h.Handler.WithGroup(name), w: h.w}
}
