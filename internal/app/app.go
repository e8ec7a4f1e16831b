// Package app is the composition root: it opens the database, builds the services and the HTTP handler,
// and runs the server until it is told to stop.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/config"
	"github.com/gojoser/gojoser/internal/cors"
	"github.com/gojoser/gojoser/internal/httpapi"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/logging"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/outbox"
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
	Outbox  *outbox.Worker
	Auth    *auth.Authenticator
	// Cache holds resolved tokens; Notifier (PostgreSQL only) spreads its invalidations to other nodes.
	Cache    *auth.Cache
	Notifier *auth.Notifier
	closers  []func() error
}

// Options are the seams tests use.
type Options struct {
	// Now replaces the clock.
	Now func() time.Time
	// MailPoll and MailBackoff tune the outbox worker (see outbox.Options).
	MailPoll    time.Duration
	MailBackoff func(attempt int) time.Duration
	// MailOut receives the console backend's output (default os.Stdout).
	MailOut io.Writer
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
	hasher := password.NewHasher(HashParams(cfg), cfg.HashConcurrency, password.WithLegacyHashers(cfg.LegacyHashers))
	if err := calibrateFailureFloor(ctx, db, hasher, log); err != nil {
		db.Close()
		return nil, err
	}
	secret := []byte(cfg.SecretKey)
	if len(secret) == 0 {
		if secret, err = store.SecretKey(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
		log.Warn("GOJOSER_SECRET_KEY is not set: account links are signed with a key generated and kept in the database; set one in production")
	}
	jwtm, err := newJWT(cfg, secret, opts.Now)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Log: log, Cache: auth.NewCache(cfg.AuthCacheTTL, cfg.AuthCacheSize, opts.Now)}
	if store.IsPostgres(cfg.DatabaseURL) && cfg.AuthCacheTTL > 0 {
		pub, err := sql.Open("pgx", cfg.DatabaseURL)
		if err != nil {
			db.Close()
			return nil, err
		}
		pub.SetMaxOpenConns(2)
		a.closers = append(a.closers, pub.Close)
		a.Notifier = auth.NewNotifier(cfg.DatabaseURL, pub, a.Cache, log)
	}
	svc := users.NewService(users.Deps{
		Changed: a.invalidate,
		DB:      db, Postgres: store.IsPostgres(cfg.DatabaseURL), Hasher: hasher, Links: links.New(secret, opts.Now), JWT: jwtm, Log: log, Now: opts.Now,
		Wake: func() { a.Outbox.Notify() },
	}, settings(cfg))
	sender, err := newSender(cfg, opts.MailOut)
	if err != nil {
		db.Close()
		return nil, err
	}
	renderer, err := mail.NewRenderer(cfg.EmailTemplatesDir)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	mailer := users.NewMailer(svc, renderer, sender, users.MailSettings{
		From:          cfg.DefaultFromEmail,
		ActivationURL: cfg.ActivationURL, PasswordResetConfirmURL: cfg.PasswordResetConfirmURL,
		UsernameResetConfirmURL: cfg.UsernameResetConfirmURL, EmailChangeConfirmURL: cfg.EmailChangeConfirmURL,
		Domain: cfg.EmailFrontendDomain, Protocol: cfg.EmailFrontendProtocol, SiteName: cfg.EmailFrontendSiteName,
	})
	a.Outbox = outbox.NewWorker(db, mailer.Deliver, log, outbox.Options{
		Now: opts.Now, PollInterval: opts.MailPoll, Backoff: opts.MailBackoff, MaxAttempts: cfg.EmailMaxAttempts,
	})
	authn := auth.NewAuthenticator(db, jwtm, a.Cache, opts.Now)
	authn.TokenTTL = cfg.TokenTTL
	a.Auth = authn
	corsMW, err := cors.New(cors.Config{AllowedOrigins: cfg.CORSAllowedOrigins, AllowCredentials: cfg.CORSAllowCredentials, MaxAge: cfg.CORSMaxAge})
	if err != nil {
		db.Close()
		return nil, err
	}
	h, err := httpapi.New(httpapi.NewHandler(svc, log, jwtm.JWKS()), authn, log, cfg.AccessLog)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("build server: %w", err)
	}
	if cfg.StaticDir != "" {
		h = withStatic(h, cfg.StaticDir)
	}
	a.Users, a.Handler = svc, corsMW(h)
	return a, nil
}

func settings(cfg config.Config) users.Settings {
	return users.Settings{
		HideUsers:                        cfg.HideUsers,
		UserCreatePasswordRetype:         cfg.UserCreatePasswordRetype,
		CreateTokenOnRegister:            cfg.CreateTokenOnRegister,
		SendActivationEmail:              cfg.SendActivationEmail,
		SendConfirmationEmail:            cfg.SendConfirmationEmail,
		PasswordChangedEmailConfirmation: cfg.PasswordChangedEmailConfirmation,
		UsernameChangedEmailConfirmation: cfg.UsernameChangedEmailConfirmation,
		SetPasswordRetype:                cfg.SetPasswordRetype,
		PasswordResetConfirmRetype:       cfg.PasswordResetConfirmRetype,
		SetUsernameRetype:                cfg.SetUsernameRetype,
		UsernameResetConfirmRetype:       cfg.UsernameResetConfirmRetype,
		LogoutOnPasswordChange:           cfg.LogoutOnPasswordChange,
		ShowEmailNotFound:                cfg.PasswordResetShowEmailNotFound || cfg.UsernameResetShowEmailNotFound,
		EmailChangeConfirm:               cfg.EmailChangeConfirm,
		TokenTTL:                         cfg.TokenTTL,
		RotateRefreshTokens:              cfg.JWTRotateRefreshTokens,
		RotationGrace:                    cfg.JWTRotationGrace,
		ActivationLinkLifetime:           cfg.ActivationLinkLifetime,
		PasswordResetLinkLifetime:        cfg.PasswordResetLinkLifetime,
		UsernameResetLinkLifetime:        cfg.UsernameResetLinkLifetime,
		EmailChangeLinkLifetime:          cfg.EmailChangeLinkLifetime,
	}
}

// withStatic serves a built frontend from dir at /, leaving every API path to api.
func withStatic(api http.Handler, dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/auth/") || p == "/auth" || strings.HasPrefix(p, "/.well-known/") ||
			strings.HasPrefix(p, "/docs") || p == "/openapi.yaml" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			api.ServeHTTP(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// newJWT builds the JWT manager. HS256 signs with GOJOSER_JWT_SIGNING_KEY, else the secret key (as
// SimpleJWT defaults SIGNING_KEY to Django's SECRET_KEY).
func newJWT(cfg config.Config, secret []byte, now func() time.Time) (*jwt.Manager, error) {
	jc := jwt.Config{
		Algorithm: cfg.JWTAlgorithm, Now: now,
		AccessLifetime: cfg.JWTAccessTokenLifetime, RefreshLifetime: cfg.JWTRefreshTokenLifetime,
	}
	if cfg.JWTAlgorithm == jwt.AlgHS256 {
		jc.HMACKey = []byte(cfg.JWTSigningKey)
		if len(jc.HMACKey) == 0 {
			jc.HMACKey = secret
		}
	} else {
		pem, err := os.ReadFile(cfg.JWTPrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("GOJOSER_JWT_PRIVATE_KEY_FILE: %w", err)
		}
		jc.PrivateKeyPEM = pem
		for _, f := range cfg.JWTOldKeyFiles {
			old, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("GOJOSER_JWT_OLD_KEY_FILES: %w", err)
			}
			jc.OldKeysPEM = append(jc.OldKeysPEM, old)
		}
	}
	m, err := jwt.New(jc)
	if err != nil {
		return nil, fmt.Errorf("jwt: %w", err)
	}
	return m, nil
}

func newSender(cfg config.Config, console io.Writer) (mail.Sender, error) {
	switch cfg.EmailBackend {
	case "file":
		return mail.NewFileSender(cfg.EmailFilePath)
	case "smtp":
		return mail.NewSMTPSender(mail.SMTPConfig{
			Host: cfg.EmailHost, Port: cfg.EmailPort, Username: cfg.EmailHostUser, Password: cfg.EmailHostPassword,
			TLS: cfg.EmailSecurity, Timeout: cfg.EmailTimeout,
		})
	}
	if console == nil {
		console = os.Stdout
	}
	return mail.NewConsoleSender(console), nil
}

// StartMail runs the background work (the outbox worker, the auth cache warm-up and refresher, batched
// token-use writes and, on PostgreSQL, the auth cache listener) until the returned stop is called; stop
// waits for the mail in flight, so a shutdown never cuts a delivery in half.
func (a *App) StartMail() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if a.Notifier != nil {
			go a.Notifier.Listen(ctx)
		}
		go a.Auth.RunRefresh(ctx, a.Log)
		go func() {
			if a.Notifier != nil {
				select {
				case <-a.Notifier.Ready():
				case <-ctx.Done():
					return
				}
			}
			if n, err := a.Auth.Warm(ctx); err != nil {
				a.Log.Warn("auth cache not warmed", "err", err)
			} else {
				a.Log.Info("auth cache warmed", "tokens", n)
			}
		}()
		touched := make(chan struct{})
		go func() { defer close(touched); a.Auth.RunTouches(ctx, 5*time.Second, a.Log) }()
		a.Outbox.Run(ctx)
		<-touched
	}()
	return func() { cancel(); <-done }
}

// invalidate drops users from the auth cache here and, through PostgreSQL, on every other node.
func (a *App) invalidate(ctx context.Context, ids ...int) {
	a.Cache.InvalidateUser(ids...)
	if a.Notifier != nil {
		a.Notifier.Publish(ctx, ids...)
	}
}

// Close releases the database.
func (a *App) Close() error {
	for _, c := range a.closers {
		_ = c()
	}
	return a.DB.Close()
}

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
	stopMail := a.StartMail()
	defer stopMail()
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

// NewLogger builds the slog logger the configuration asks for, and the func that writes out its buffer
// (see internal/logging); call it before exiting.
func NewLogger(cfg config.Config, w io.Writer) (*slog.Logger, func()) {
	level, _ := cfg.SlogLevel()
	return logging.New(level, cfg.LogFormat, w)
}
