package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/config"
)

// BenchmarkMe is a cached GET /auth/users/me/ through the whole handler, in process (no network, no
// access log): what metrics and tracing add to the cheapest authenticated request. The paired run
// over HTTP is bench/'s me_token_metrics (bench/README.md).
//
//	go test ./internal/app -run x -bench Me -count 6
func BenchmarkMe(b *testing.B) {
	for _, c := range []struct {
		name     string
		settings map[string]string
		opts     app.Options
	}{
		{"plain", nil, app.Options{}},
		{"metrics", map[string]string{"GOJOSER_METRICS_ADDR": "127.0.0.1:0"}, app.Options{}},
		{"tracing", nil, app.Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))}},
	} {
		b.Run(c.name, func(b *testing.B) {
			env := map[string]string{
				"GOJOSER_DATABASE_URL":      "sqlite:" + filepath.Join(b.TempDir(), "g.db"),
				"GOJOSER_ARGON2_MEMORY_KIB": "1024", "GOJOSER_ARGON2_TIME": "1",
				"GOJOSER_SECRET_KEY": "test-secret-key-test-secret-key-test-secret",
				"GOJOSER_ACCESS_LOG": "false",
			}
			for k, v := range c.settings {
				env[k] = v
			}
			cfg, err := config.FromMap(env)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			a, err := app.New(ctx, cfg, discard(), c.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			if _, err := a.Users.CreateSuperuser(ctx, "u", "u@example.com", pw); err != nil {
				b.Fatal(err)
			}
			key, err := a.Users.CreateToken(ctx, "u", "b")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/auth/users/me/", nil)
				req.Header.Set("Authorization", "Token "+key)
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}
