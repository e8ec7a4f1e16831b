package logging_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/logging"
)

func TestWarningsAreWrittenAtOnceInfoSoonAfter(t *testing.T) {
	var out apitest.Buffer
	log, flush := logging.New(slog.LevelInfo, "text", &out)
	defer flush()

	log.Info("request", "path", "/auth/users/me/")
	log.Warn("mail delivery failed")
	if got := out.String(); !strings.Contains(got, "mail delivery failed") || !strings.Contains(got, "request") {
		t.Fatalf("after a warning the buffer holds back lines: %q", got)
	}

	log.Info("second request")
	if strings.Contains(out.String(), "second request") {
		t.Fatalf("an info line was written at once, not buffered")
	}
	deadline := time.Now().Add(20 * logging.FlushEvery)
	for !strings.Contains(out.String(), "second request") {
		if time.Now().After(deadline) {
			t.Fatalf("info line still buffered after %v", 20*logging.FlushEvery)
		}
		time.Sleep(logging.FlushEvery / 4)
	}
}

func TestFlushWritesEverythingAndLinesStayWhole(t *testing.T) {
	var out apitest.Buffer
	log, flush := logging.New(slog.LevelInfo, "json", &out)
	long := strings.Repeat("x", 100<<10) // larger than the buffer
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				v := "short"
				if i%50 == 0 {
					v = long
				}
				log.With("g", g).Info("line", "i", i, "v", v)
			}
		})
	}
	wg.Wait()
	flush()
	flush() // a second call is harmless

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8*200 {
		t.Fatalf("got %d lines, want %d", len(lines), 8*200)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("a line was split or interleaved: %.80q...", l)
		}
	}
	if out.Writes() >= len(lines) {
		t.Fatalf("%d writes for %d lines: not buffered", out.Writes(), len(lines))
	}
}

func TestLevelIsHonoured(t *testing.T) {
	var out apitest.Buffer
	log, flush := logging.New(slog.LevelWarn, "text", &out)
	log.Info("hidden")
	log.Error("shown")
	flush()
	if got := out.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "shown") {
		t.Fatalf("level warn wrote %q", got)
	}
}
