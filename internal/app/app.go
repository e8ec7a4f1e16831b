// Package app is the composition root: it opens the database, builds the services and the HTTP handler,
// and runs the server until it is told to stop.
package app

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/internal/audit"
	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/config"
	"github.com/gojoser/gojoser/internal/cors"
	"github.com/gojoser/gojoser/internal/health"
	"github.com/gojoser/gojoser/internal/httpapi"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/links"
	"github.com/gojoser/gojoser/internal/logging"
	"github.com/gojoser/gojoser/internal/mail"
	"github.com/gojoser/gojoser/internal/metrics"
	"github.com/gojoser/gojoser/internal/outbox"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/retention"
	"github.com/gojoser/gojoser/internal/social"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/throttle"
	"github.com/gojoser/gojoser/internal/users"
	"github.com/gojoser/gojoser/internal/webhook"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"
)

// App is a wired gojoser.
type App struct {
	Config  config.Config
	DB      *ent.Client
	Users   *users.Service
	Handler http.Handler
	Log     *slog.Logger
	Outbox  *outbox.Worker
	// Webhooks queues events for GOJOSER_WEBHOOK_URLS (never nil; off, it queues nothing), and
	// WebhookWorker delivers them (nil when off).
	Webhooks      *webhook.Queue
	WebhookWorker *outbox.Worker
	Auth          *auth.Authenticator
	// Cache holds resolved tokens; Notifier (PostgreSQL only) spreads its invalidations to other nodes.
	Cache    *auth.Cache
	Notifier *auth.Notifier
	// Operations (ops.go): Metrics is nil without GOJOSER_METRICS_ADDR.
	Metrics   *metrics.Metrics
	Health    *health.Checker
	Retention *retention.Janitor
	ops
	pool   *sql.DB // behind DB
	hasher *password.Hasher
	// Limiter is the abuse protection; nil with GOJOSER_THROTTLE=false.
	Limiter *throttle.Limiter
	// Audit records security events; nil with GOJOSER_AUDIT=false. Set its Sink before Run.
	Audit   *audit.Recorder
	closers []func() error
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
	// TracerProvider, when set, traces as OTEL_EXPORTER_OTLP_* would (tests: an in-memory exporter).
	TracerProvider trace.TracerProvider
}

// New opens and migrates the database and wires everything. On error, whatever it opened is closed.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (_ *App, err error) {
	a := &App{Config: cfg, Log: log, Cache: auth.NewCache(cfg.AuthCacheTTL, cfg.AuthCacheSize, opts.Now)}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if err := a.startTracing(ctx, opts); err != nil {
		return nil, err
	}
	a.newMetrics()
	if a.DB, a.pool, err = store.OpenPool(cfg.DatabaseURL, a.sqlOpener()); err != nil {
		return nil, err
	}
	loginField, err := LoginField(cfg)
	if err != nil {
		return nil, err
	}
	// Every committed change that a cached credential must not outlive reaches the cache, whichever
	// code path makes it (auth.Invalidation); every write of an email keeps its uniqueness key while
	// email is a login (users.EmailKeyHook).
	a.DB.Use(auth.Invalidation(a.invalidate), users.EmailKeyHook(users.EmailLogin(loginField)))
	if _, err := store.Migrate(ctx, cfg.DatabaseURL, log); err != nil {
		return nil, err
	}
	a.migrated.Store(true)
	if err := users.PrepareEmailLogin(ctx, a.DB, store.IsPostgres(cfg.DatabaseURL), users.EmailLogin(loginField), log); err != nil {
		return nil, err
	}
	secret := []byte(cfg.SecretKey)
	if len(secret) == 0 {
		if secret, err = store.SecretKey(ctx, a.DB); err != nil {
			return nil, err
		}
		log.Warn("GOJOSER_SECRET_KEY is not set: account links are signed with a key generated and kept in the database; set one in production")
	}
	jwtm, err := newJWT(cfg, secret, opts.Now)
	if err != nil {
		return nil, err
	}
	a.Auth = auth.NewAuthenticator(a.DB, jwtm, a.Cache, opts.Now)
	a.Auth.TokenTTL = cfg.TokenTTL
	if store.IsPostgres(cfg.DatabaseURL) && cfg.AuthCacheTTL > 0 {
		pub, err := sql.Open("pgx", cfg.DatabaseURL)
		if err != nil {
			return nil, err
		}
		pub.SetMaxOpenConns(2)
		a.closers = append(a.closers, pub.Close)
		a.Notifier = auth.NewNotifier(cfg.DatabaseURL, pub, a.Cache, log)
		a.Notifier.Recheck = a.Auth.Recheck
	}
	sender, err := newSender(cfg, opts.MailOut)
	if err != nil {
		return nil, err
	}
	renderer, err := mail.NewRenderer(cfg.EmailTemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	if cfg.Audit {
		a.Audit = audit.New(a.DB, audit.Options{Now: opts.Now, Dropped: a.Metrics.AuditDropped, Log: log})
	}
	if cfg.Throttle {
		rates, err := cfg.Rates()
		if err != nil {
			return nil, err
		}
		o := throttle.Options{Postgres: store.IsPostgres(cfg.DatabaseURL), Secret: secret, Rates: rates, Now: opts.Now, Log: log,
			Refused: a.Metrics.Throttled, Triggered: a.throttleTriggered}
		if o.Postgres {
			conn, err := store.OpenUnsynced(cfg.DatabaseURL)
			if err != nil {
				return nil, err
			}
			a.closers = append(a.closers, conn.Close)
			o.Conn = conn
		}
		a.Limiter = throttle.New(a.DB, o)
	}
	ips, err := cfg.ClientIP()
	if err != nil {
		return nil, err
	}
	linkGen := links.New(secret, opts.Now)
	mailer := users.NewMailer(a.DB, linkGen, opts.Now, renderer, sender, users.MailSettings{
		From:          cfg.DefaultFromEmail,
		ActivationURL: cfg.ActivationURL, PasswordResetConfirmURL: cfg.PasswordResetConfirmURL,
		UsernameResetConfirmURL: cfg.UsernameResetConfirmURL, EmailChangeConfirmURL: cfg.EmailChangeConfirmURL,
		Domain: cfg.EmailFrontendDomain, Protocol: cfg.EmailFrontendProtocol, SiteName: cfg.EmailFrontendSiteName,
	})
	var attempted func(string)
	var logins func(string, bool)
	if a.Metrics != nil {
		attempted, logins = a.Metrics.MailAttempt, a.Metrics.Login
	}
	a.Outbox = outbox.NewWorker(a.DB, mailer.Deliver, log, outbox.Options{
		Now: opts.Now, PollInterval: opts.MailPoll, Backoff: opts.MailBackoff, MaxAttempts: cfg.EmailMaxAttempts,
		Attempted: attempted,
	})
	if err := a.newWebhooks(opts, log); err != nil {
		return nil, err
	}
	a.hasher = password.NewHasher(cfg.PasswordParams(), cfg.HashConcurrency, password.WithLegacyHashers(cfg.LegacyHashers))
	a.hasher.Observe(a.hashObservers())
	if err := calibrateFailureFloor(ctx, a.DB, a.hasher, log); err != nil {
		return nil, err
	}
	a.Users = users.NewService(users.Deps{
		DB: a.DB, Postgres: store.IsPostgres(cfg.DatabaseURL), Hasher: a.hasher,
		Links: linkGen, JWT: jwtm, Log: log, Now: opts.Now, Wake: a.wake, Logins: logins, Limiter: a.Limiter,
		Audit: a.Audit,
	}, settings(cfg, loginField))
	corsMW, err := cors.New(cors.Config{AllowedOrigins: cfg.CORSAllowedOrigins, AllowCredentials: cfg.CORSAllowCredentials, MaxAge: cfg.CORSMaxAge})
	if err != nil {
		return nil, err
	}
	h, err := httpapi.New(httpapi.NewHandler(a.Users, jwtm.JWKS()), a.Auth, log,
		httpapi.Options{AccessLog: cfg.AccessLog, StaticDir: cfg.StaticDir, Requests: a.requestObserver(),
			Cookies: cookieOptions(cfg), Social: socialOptions(cfg, a.DB, secret, opts.Now, log),
			ClientIP: ips, Throttle: a.Limiter})
	if err != nil {
		return nil, fmt.Errorf("build server: %w", err)
	}
	h = corsMW(h)
	if a.tracing != nil {
		h = a.tracing.Handler(h)
	}
	a.newRetention()
	a.newHealth()
	a.watch()
	// The probes answer ahead of everything else: unlogged, untraced, uncounted (see internal/health).
	a.Handler = a.Health.Mount(h)
	return a, nil
}

// LoginField is Djoser's LOGIN_FIELD: GOJOSER_LOGIN_FIELD, by default USERNAME_FIELD (openapi.yaml's
// user model decides which), and a field the spec's login bodies declare.
func LoginField(cfg config.Config) (string, error) {
	f := cmp.Or(cfg.LoginField, profile.UsernameField)
	if f == "username" && profile.UsernameField != "username" {
		return "", errors.New("GOJOSER_LOGIN_FIELD=username: openapi.yaml's user model has no username (its USERNAME_FIELD is email)")
	}
	if !slices.Contains(profile.LoginFields, f) || !slices.Contains(profile.JWTFields, profile.UsernameField) {
		return "", fmt.Errorf("GOJOSER_LOGIN_FIELD=%s: openapi.yaml's TokenCreateRequest declares no %[1]s property", f)
	}
	return f, nil
}

// cookieOptions is cookie mode as the configuration asks for it (off without GOJOSER_AUTH_COOKIE).
func cookieOptions(cfg config.Config) httpapi.CookieOptions {
	sameSite := map[string]http.SameSite{"Lax": http.SameSiteLaxMode, "Strict": http.SameSiteStrictMode, "None": http.SameSiteNoneMode}
	return httpapi.CookieOptions{
		Name: cfg.AuthCookie, RefreshName: cfg.RefreshCookie(), Secure: cfg.AuthCookieSecure,
		SameSite:       sameSite[cfg.AuthCookieSameSite],
		AccessLifetime: cfg.JWTAccessTokenLifetime, RefreshLifetime: cfg.JWTRefreshTokenLifetime,
		Trusted: cors.Matcher(cfg.CORSAllowedOrigins),
	}
}

// socialOptions is social login as the configuration asks for it (404s without a provider).
func socialOptions(cfg config.Config, db *ent.Client, secret []byte, now func() time.Time, log *slog.Logger) httpapi.SocialOptions {
	co := cookieOptions(cfg)
	o := httpapi.SocialOptions{Secure: co.Secure, SameSite: co.SameSite, StateLifetime: cfg.SocialAuthStateLifetime}
	if !cfg.SocialEnabled() {
		return o
	}
	var providers []social.ProviderConfig
	if cfg.SocialAuthOIDCIssuer != "" {
		providers = append(providers, social.ProviderConfig{Name: cfg.SocialAuthOIDCName, Issuer: cfg.SocialAuthOIDCIssuer,
			ClientID: cfg.SocialAuthOIDCKey, ClientSecret: cfg.SocialAuthOIDCSecret})
	}
	if cfg.SocialAuthGoogleOAuth2Key != "" {
		providers = append(providers, social.ProviderConfig{Name: "google-oauth2", Issuer: social.GoogleIssuer,
			ClientID: cfg.SocialAuthGoogleOAuth2Key, ClientSecret: cfg.SocialAuthGoogleOAuth2Secret})
	}
	if cfg.SocialAuthGitHubKey != "" {
		providers = append(providers, social.ProviderConfig{Name: "github", GitHub: true,
			ClientID: cfg.SocialAuthGitHubKey, ClientSecret: cfg.SocialAuthGitHubSecret})
	}
	o.Manager = social.New(social.Config{
		Secret: secret, AllowedRedirectURIs: cfg.SocialAuthAllowedRedirectURIs, StateLifetime: cfg.SocialAuthStateLifetime,
		Providers: providers, DB: db, Now: now, Log: log,
	})
	return o
}

func settings(cfg config.Config, loginField string) users.Settings {
	return users.Settings{
		LoginField:                       loginField,
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

// job is one piece of background work.
type job struct {
	run func(ctx context.Context)
	// once: the job ends by itself when done. The others run until the server stops, and /readyz
	// answers 503 unless they all do.
	once bool
}

// jobs are the background work every serving node runs: the outbox workers (mail, and webhooks when
// on), the auth cache's listener (PostgreSQL), warm-up and refresher, the batched writes of token use,
// retention, and the cleanup of expired throttle counters.
func (a *App) jobs() []job {
	jobs := []job{
		{run: a.Outbox.Run},
		{run: func(ctx context.Context) { a.Auth.RunRefresh(ctx, a.Log) }},
		{run: func(ctx context.Context) { a.Auth.RunTouches(ctx, 5*time.Second, a.Log) }},
		{run: a.warm, once: true},
	}
	if a.Notifier != nil {
		jobs = append(jobs, job{run: a.Notifier.Listen})
	}
	if every := a.Config.CleanupInterval; every > 0 {
		jobs = append(jobs, job{run: func(ctx context.Context) { a.Retention.Run(ctx, every) }})
	}
	if a.Limiter != nil {
		jobs = append(jobs, job{run: func(ctx context.Context) { a.Limiter.Run(ctx, time.Minute) }})
	}
	if a.Audit != nil {
		jobs = append(jobs, job{run: a.Audit.Run})
	}
	return append(jobs, a.webhookJobs()...)
}

// warm fills the auth cache once at start. On PostgreSQL it waits for the listener's first connection,
// whose flush would otherwise throw the work away.
func (a *App) warm(ctx context.Context) {
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
}

// invalidate drops cached credentials here and, through PostgreSQL, on every other node.
func (a *App) invalidate(ctx context.Context, all bool, ids []int) {
	if all {
		a.Cache.Flush()
	} else {
		a.Cache.InvalidateUser(ids...)
	}
	if a.Notifier != nil {
		a.Notifier.Publish(ctx, all, ids)
	}
}

// Close releases the database and everything else New opened.
func (a *App) Close() error {
	for _, c := range a.closers {
		_ = c()
	}
	if a.DB == nil {
		return nil
	}
	return a.DB.Close()
}

// Serve listens on the configured address and runs until ctx is done (see Run).
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	a.Log.Info("listening", "addr", ln.Addr().String(), "database", a.Config.RedactedDatabaseURL(), "metrics", a.Config.MetricsAddr,
		"tracing", a.tracing != nil)
	return a.Run(ctx, ln)
}

// Run serves HTTP on ln and runs the background jobs, all in one group, until ctx is done or the
// server fails. Then it shuts down in order: in-flight requests get ShutdownTimeout to finish, and only
// then do the jobs stop, so mail a last request queued or a token use it recorded is not cut off, and a
// mail being delivered is finished first.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	g, gctx := errgroup.WithContext(ctx)
	shutdownMetrics, err := a.serveMetrics(g)
	if err != nil {
		return err
	}
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	for _, j := range a.jobs() {
		if !j.once {
			a.workers.Add(1)
		}
		g.Go(func() error {
			if !j.once {
				a.running.Add(1)
				defer a.running.Add(-1)
			}
			j.run(work)
			return nil
		})
	}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		defer stopWork()
		if ctx.Err() != nil {
			a.Log.Info("shutting down")
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return shutdownMetrics(sctx)
	})
	return g.Wait()
}

// NewLogger builds the slog logger the configuration asks for, and the func that writes out its buffer
// (see internal/logging); call it before exiting.
func NewLogger(cfg config.Config, w io.Writer) (*slog.Logger, func()) {
	level, _ := cfg.SlogLevel()
	return logging.New(level, cfg.LogFormat, w)
}

// throttleTriggered records the refusals the throttling database decided, off the request path: a
// lockout when the account's cap of failed logins ran out, else the limits that did.
func (a *App) throttleTriggered(ctx context.Context, limits []throttle.Name) {
	if a.Audit == nil {
		return
	}
	t := audit.ThrottleTriggered
	if slices.Contains(limits, throttle.LoginAccountAll) {
		t = audit.LockoutTriggered
	}
	a.Audit.Later(ctx, audit.Event{Type: t, Detail: map[string]any{"limits": limits}})
}
