// Package app is the composition root: it opens the database, builds the services and the HTTP handler,
// and runs the server until it is told to stop.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/config"
	"github.com/gojoser/gojoser/internal/httpapi"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/users"
)

// App is a wired gojoser.
type App struct {
	Config  config.Config
	DB      *ent.Client
	Users   *users.Service
	Handler http.Handler
	Log     *slog.Logger
}

// Options are the seams tests use.
type Options struct {
	// Now replaces the clock.
	Now func() time.Time
}

// New opens and migrates the database and wires everything.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	params := password.Params{
		MemoryKiB: cfg.Argon2MemoryKiB, Time: cfg.Argon2Time, Threads: cfg.Argon2Threads,
		SaltLen: password.DefaultParams().SaltLen, KeyLen: password.DefaultParams().KeyLen,
	}
	hasher := password.NewHasher(params, cfg.HashConcurrency)
	svc := users.NewService(db, hasher, users.Settings{
		HideUsers:                cfg.HideUsers,
		UserCreatePasswordRetype: cfg.UserCreatePasswordRetype,
		CreateTokenOnRegister:    cfg.CreateTokenOnRegister,
	}, log, opts.Now)
	authn := auth.NewAuthenticator(db, opts.Now)
	h, err := httpapi.New(httpapi.NewHandler(svc, log), authn, log)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("build server: %w", err)
	}
	return &App{Config: cfg, DB: db, Users: svc, Handler: h, Log: log}, nil
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Serve listens on the configured address until ctx is done, then shuts down gracefully: in-flight
// requests get ShutdownTimeout to finish.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	a.Log.Info("listening", "addr", ln.Addr().String(), "database", a.Config.RedactedDatabaseURL())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// NewLogger builds the slog logger the configuration asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := cfg.SlogLevel()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
