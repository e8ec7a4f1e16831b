// Package config loads gojoser's settings from GOJOSER_* environment variables, once, with defaults.
// Djoser settings that change the wire keep Djoser's names and defaults (GOJOSER_HIDE_USERS, ...).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/agext/levenshtein"
	"github.com/caarlos0/env/v11"

	"github.com/gojoser/gojoser/internal/clientip"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/throttle"
)

// Config is every setting. README lists each variable; keep the two in step.
type Config struct {
	Addr            string        `env:"ADDR" envDefault:"127.0.0.1:8000"`
	DatabaseURL     string        `env:"DATABASE_URL" envDefault:"sqlite:gojoser.db"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"10s"`
	LogLevel        string        `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat       string        `env:"LOG_FORMAT" envDefault:"text"`
	// AccessLog logs one line per request. Off saves a write per request when a proxy logs already.
	AccessLog bool `env:"ACCESS_LOG" envDefault:"true"`
	// Env is "development" (the default: missing keys are generated and kept in the database, so the
	// first run needs no setup) or "production" (missing keys stop the server at startup).
	Env string `env:"ENV" envDefault:"development"`

	// Djoser settings.
	HideUsers                bool `env:"HIDE_USERS" envDefault:"true"`
	UserCreatePasswordRetype bool `env:"USER_CREATE_PASSWORD_RETYPE" envDefault:"false"`

	SendActivationEmail              bool   `env:"SEND_ACTIVATION_EMAIL" envDefault:"false"`
	SendConfirmationEmail            bool   `env:"SEND_CONFIRMATION_EMAIL" envDefault:"false"`
	PasswordChangedEmailConfirmation bool   `env:"PASSWORD_CHANGED_EMAIL_CONFIRMATION" envDefault:"false"`
	UsernameChangedEmailConfirmation bool   `env:"USERNAME_CHANGED_EMAIL_CONFIRMATION" envDefault:"false"`
	SetPasswordRetype                bool   `env:"SET_PASSWORD_RETYPE" envDefault:"false"`
	PasswordResetConfirmRetype       bool   `env:"PASSWORD_RESET_CONFIRM_RETYPE" envDefault:"false"`
	SetUsernameRetype                bool   `env:"SET_USERNAME_RETYPE" envDefault:"false"`
	UsernameResetConfirmRetype       bool   `env:"USERNAME_RESET_CONFIRM_RETYPE" envDefault:"false"`
	LogoutOnPasswordChange           bool   `env:"LOGOUT_ON_PASSWORD_CHANGE" envDefault:"false"`
	PasswordResetShowEmailNotFound   bool   `env:"PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND" envDefault:"false"`
	UsernameResetShowEmailNotFound   bool   `env:"USERNAME_RESET_SHOW_EMAIL_NOT_FOUND" envDefault:"false"`
	ActivationURL                    string `env:"ACTIVATION_URL" envDefault:"#/activate/{uid}/{token}"`
	PasswordResetConfirmURL          string `env:"PASSWORD_RESET_CONFIRM_URL" envDefault:"#/password/reset/confirm/{uid}/{token}"`
	UsernameResetConfirmURL          string `env:"USERNAME_RESET_CONFIRM_URL" envDefault:"#/username/reset/confirm/{uid}/{token}"`
	EmailFrontendDomain              string `env:"EMAIL_FRONTEND_DOMAIN"`
	EmailFrontendProtocol            string `env:"EMAIL_FRONTEND_PROTOCOL"`
	EmailFrontendSiteName            string `env:"EMAIL_FRONTEND_SITE_NAME"`
	DefaultFromEmail                 string `env:"DEFAULT_FROM_EMAIL" envDefault:"webmaster@localhost"`
	// LoginField is Djoser's LOGIN_FIELD: username or email; empty means USERNAME_FIELD, which
	// openapi.yaml's User decides (README, "Customising the user model").
	LoginField string `env:"LOGIN_FIELD"`

	// Extensions.
	CreateTokenOnRegister bool `env:"CREATE_TOKEN_ON_REGISTER" envDefault:"false"`
	// SecretKey signs account links. Empty: a random key is generated once and kept in the database.
	SecretKey                 string        `env:"SECRET_KEY"`
	ActivationLinkLifetime    time.Duration `env:"ACTIVATION_LINK_LIFETIME" envDefault:"24h"`
	PasswordResetLinkLifetime time.Duration `env:"PASSWORD_RESET_LINK_LIFETIME" envDefault:"1h"`
	UsernameResetLinkLifetime time.Duration `env:"USERNAME_RESET_LINK_LIFETIME" envDefault:"1h"`
	EmailChangeConfirm        bool          `env:"EMAIL_CHANGE_CONFIRM" envDefault:"false"`
	EmailChangeConfirmURL     string        `env:"EMAIL_CHANGE_CONFIRM_URL" envDefault:"#/email/confirm/{uid}/{token}"`
	EmailChangeLinkLifetime   time.Duration `env:"EMAIL_CHANGE_LINK_LIFETIME" envDefault:"24h"`

	// TokenTTL, when positive, expires opaque tokens after that long without use (sliding renewal).
	TokenTTL time.Duration `env:"TOKEN_TTL" envDefault:"0"`

	// AuthCacheTTL and AuthCacheSize bound the in-process cache of resolved tokens; a TTL of 0 turns it
	// off. Changes through gojoser invalidate it at once, on every node (LISTEN/NOTIFY on PostgreSQL).
	AuthCacheTTL  time.Duration `env:"AUTH_CACHE_TTL" envDefault:"30s"`
	AuthCacheSize int           `env:"AUTH_CACHE_SIZE" envDefault:"100000"`

	// StaticDir, when set, is served at / (a built frontend such as examples/web/dist); API paths win.
	StaticDir string `env:"STATIC_DIR"`

	// CORS for browser apps served from other origins; empty means no CORS headers at all.
	CORSAllowedOrigins   []string      `env:"CORS_ALLOWED_ORIGINS" envSeparator:","`
	CORSAllowCredentials bool          `env:"CORS_ALLOW_CREDENTIALS" envDefault:"false"`
	CORSMaxAge           time.Duration `env:"CORS_MAX_AGE" envDefault:"10m"`

	// Cookie mode and social login (browser.go).
	Browser
	// Signed webhooks (webhook.go).
	Webhook

	// JWT (SimpleJWT-compatible).
	JWTAlgorithm            string        `env:"JWT_ALGORITHM" envDefault:"HS256"`
	JWTSigningKey           string        `env:"JWT_SIGNING_KEY"`
	JWTPrivateKeyFile       string        `env:"JWT_PRIVATE_KEY_FILE"`
	JWTOldKeyFiles          []string      `env:"JWT_OLD_KEY_FILES" envSeparator:","`
	JWTAccessTokenLifetime  time.Duration `env:"JWT_ACCESS_TOKEN_LIFETIME" envDefault:"5m"`
	JWTRefreshTokenLifetime time.Duration `env:"JWT_REFRESH_TOKEN_LIFETIME" envDefault:"24h"`
	JWTRotateRefreshTokens  bool          `env:"JWT_ROTATE_REFRESH_TOKENS" envDefault:"false"`
	JWTRotationGrace        time.Duration `env:"JWT_ROTATION_GRACE" envDefault:"10s"`

	// Mail delivery.
	EmailBackend      string        `env:"EMAIL_BACKEND" envDefault:"console"`
	EmailFilePath     string        `env:"EMAIL_FILE_PATH" envDefault:"mail-out"`
	EmailHost         string        `env:"EMAIL_HOST" envDefault:"localhost"`
	EmailPort         int           `env:"EMAIL_PORT" envDefault:"0"`
	EmailHostUser     string        `env:"EMAIL_HOST_USER"`
	EmailHostPassword string        `env:"EMAIL_HOST_PASSWORD"`
	EmailSecurity     string        `env:"EMAIL_SECURITY" envDefault:"starttls"`
	EmailTimeout      time.Duration `env:"EMAIL_TIMEOUT" envDefault:"15s"`
	EmailTemplatesDir string        `env:"EMAIL_TEMPLATES_DIR"`
	EmailMaxAttempts  int           `env:"EMAIL_MAX_ATTEMPTS" envDefault:"10"`

	// Abuse protection (internal/throttle): request limits, login lockout and mail caps, on by default.
	// ThrottleRates overrides single limits ("login_ip=20/m,mail_address=5/h"); README lists them all.
	Throttle      bool   `env:"THROTTLE" envDefault:"true"`
	ThrottleRates string `env:"THROTTLE_RATES"`
	// TrustedProxies (CIDRs or addresses) are the reverse proxies whose TrustedProxyHeader names the
	// client; from any other peer the header is ignored. Empty: the socket address is the client.
	TrustedProxies     []string `env:"TRUSTED_PROXIES" envSeparator:","`
	TrustedProxyHeader string   `env:"TRUSTED_PROXY_HEADER" envDefault:"X-Forwarded-For"`

	// argon2id cost. Defaults follow OWASP's recommendation (m=19 MiB, t=2, p=1).
	Argon2MemoryKiB uint32 `env:"ARGON2_MEMORY_KIB" envDefault:"19456"`
	Argon2Time      uint32 `env:"ARGON2_TIME" envDefault:"2"`
	Argon2Threads   uint8  `env:"ARGON2_THREADS" envDefault:"1"`
	// How many hashes may run at once; 0 means one per CPU core.
	HashConcurrency int `env:"HASH_CONCURRENCY" envDefault:"0"`
	// LegacyHashers accepts Django's unsalted_md5, unsalted_sha1, md5 and sha1 password hashes (imported
	// users only; they are replaced by argon2id at the first login).
	LegacyHashers bool `env:"LEGACY_HASHERS" envDefault:"false"`

	// Operations (README, "Operations"). Tracing is set with the standard OTEL_* variables instead.
	// MetricsAddr, when set, serves Prometheus metrics at /metrics on a listener of its own.
	MetricsAddr string `env:"METRICS_ADDR"`
	// MailRetention is how long a mail that is done with (sent, failed for good, or skipped) is kept.
	MailRetention time.Duration `env:"MAIL_RETENTION" envDefault:"168h"`
	// CleanupInterval is how often the retention job runs on a serving node (one node at a time); 0
	// leaves it to `gojoser cleanup`.
	CleanupInterval time.Duration `env:"CLEANUP_INTERVAL" envDefault:"1h"`
	// Audit records security events (internal/audit); AuditRetention is how long they are kept.
	Audit          bool          `env:"AUDIT" envDefault:"true"`
	AuditRetention time.Duration `env:"AUDIT_RETENTION" envDefault:"2160h"`
}

// Prefix is the common prefix of every variable.
const Prefix = "GOJOSER_"

// Load reads the process environment.
func Load() (Config, error) {
	return parse(env.Options{Prefix: Prefix})
}

// FromMap reads settings from m instead of the environment (tests, embedding). Keys carry the prefix.
func FromMap(m map[string]string) (Config, error) {
	return parse(env.Options{Prefix: Prefix, Environment: m})
}

func parse(opts env.Options) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, opts); err != nil {
		lookup := os.Getenv
		if opts.Environment != nil {
			lookup = func(k string) string { return opts.Environment[k] }
		}
		return Config{}, fmt.Errorf("config: %w", nameVariables(err, lookup))
	}
	return c, c.Validate()
}

// Validate refuses settings the server cannot run with, so mistakes fail at startup, not on a request.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("GOJOSER_ADDR must not be empty"))
	}
	if _, err := dburl.Parse(c.DatabaseURL); err != nil {
		errs = append(errs, fmt.Errorf("GOJOSER_DATABASE_URL %w", err))
	}
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("GOJOSER_LOG_FORMAT must be text or json, got %q", c.LogFormat))
	}
	if c.Argon2MemoryKiB < 1024 || c.Argon2MemoryKiB > 4<<20 {
		errs = append(errs, fmt.Errorf("GOJOSER_ARGON2_MEMORY_KIB must be between 1024 and 4194304, got %d", c.Argon2MemoryKiB))
	}
	if c.Argon2Time < 1 || c.Argon2Time > 100 {
		errs = append(errs, fmt.Errorf("GOJOSER_ARGON2_TIME must be between 1 and 100, got %d", c.Argon2Time))
	}
	if c.Argon2Threads < 1 {
		errs = append(errs, fmt.Errorf("GOJOSER_ARGON2_THREADS must be at least 1, got %d", c.Argon2Threads))
	}
	if c.HashConcurrency < 0 {
		errs = append(errs, fmt.Errorf("GOJOSER_HASH_CONCURRENCY must be 0 (one per core) or more, got %d", c.HashConcurrency))
	}
	for name, t := range map[string]string{
		"GOJOSER_ACTIVATION_URL": c.ActivationURL, "GOJOSER_PASSWORD_RESET_CONFIRM_URL": c.PasswordResetConfirmURL,
		"GOJOSER_USERNAME_RESET_CONFIRM_URL": c.UsernameResetConfirmURL, "GOJOSER_EMAIL_CHANGE_CONFIRM_URL": c.EmailChangeConfirmURL,
	} {
		if !strings.Contains(t, "{uid}") || !strings.Contains(t, "{token}") || strings.Contains(t, "://") {
			errs = append(errs, fmt.Errorf("%s must be a frontend path containing {uid} and {token} (the link is {protocol}://{domain}/<template>), got %q", name, t))
		}
	}
	if p := c.EmailFrontendProtocol; p != "" && p != "http" && p != "https" {
		errs = append(errs, fmt.Errorf("GOJOSER_EMAIL_FRONTEND_PROTOCOL must be http or https, got %q", p))
	}
	if strings.ContainsAny(c.EmailFrontendDomain, "/ ") {
		errs = append(errs, fmt.Errorf("GOJOSER_EMAIL_FRONTEND_DOMAIN must be a host[:port], got %q", c.EmailFrontendDomain))
	}
	if _, err := netmail.ParseAddress(c.DefaultFromEmail); err != nil {
		errs = append(errs, fmt.Errorf("GOJOSER_DEFAULT_FROM_EMAIL is not an address: %q", c.DefaultFromEmail))
	}
	for name, d := range map[string]time.Duration{
		"GOJOSER_ACTIVATION_LINK_LIFETIME": c.ActivationLinkLifetime, "GOJOSER_PASSWORD_RESET_LINK_LIFETIME": c.PasswordResetLinkLifetime,
		"GOJOSER_USERNAME_RESET_LINK_LIFETIME": c.UsernameResetLinkLifetime, "GOJOSER_EMAIL_CHANGE_LINK_LIFETIME": c.EmailChangeLinkLifetime,
		"GOJOSER_EMAIL_TIMEOUT": c.EmailTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", name, d))
		}
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		errs = append(errs, errors.New("GOJOSER_SECRET_KEY must be at least 32 characters (or unset, to use a generated one)"))
	}
	switch c.EmailBackend {
	case "console":
	case "file":
		if c.EmailFilePath == "" {
			errs = append(errs, errors.New("GOJOSER_EMAIL_FILE_PATH must be set for the file backend"))
		}
	case "smtp":
		if c.EmailHost == "" {
			errs = append(errs, errors.New("GOJOSER_EMAIL_HOST must be set for the smtp backend"))
		}
		if c.EmailSecurity != "starttls" && c.EmailSecurity != "tls" && c.EmailSecurity != "none" {
			errs = append(errs, fmt.Errorf("GOJOSER_EMAIL_SECURITY must be starttls, tls or none, got %q", c.EmailSecurity))
		}
		if c.EmailPort < 0 || c.EmailPort > 65535 {
			errs = append(errs, fmt.Errorf("GOJOSER_EMAIL_PORT must be a port number, got %d", c.EmailPort))
		}
	default:
		errs = append(errs, fmt.Errorf("GOJOSER_EMAIL_BACKEND must be console, file or smtp, got %q", c.EmailBackend))
	}
	if c.LoginField != "" && c.LoginField != "username" && c.LoginField != "email" {
		errs = append(errs, fmt.Errorf("GOJOSER_LOGIN_FIELD must be username or email, got %q", c.LoginField))
	}
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("GOJOSER_ENV must be development or production, got %q", c.Env))
	}
	if c.Env == "production" && c.SecretKey == "" {
		errs = append(errs, errors.New("GOJOSER_SECRET_KEY must be set when GOJOSER_ENV=production"))
	}
	switch c.JWTAlgorithm {
	case "HS256":
		if c.Env == "production" && c.JWTSigningKey == "" && c.SecretKey == "" {
			errs = append(errs, errors.New("GOJOSER_JWT_SIGNING_KEY (or GOJOSER_SECRET_KEY) must be set when GOJOSER_ENV=production"))
		}
		if c.JWTSigningKey != "" && len(c.JWTSigningKey) < 32 {
			errs = append(errs, errors.New("GOJOSER_JWT_SIGNING_KEY must be at least 32 characters (RFC 7518 section 3.2)"))
		}
	case "EdDSA", "ES256":
		if c.JWTPrivateKeyFile == "" {
			errs = append(errs, fmt.Errorf("GOJOSER_JWT_PRIVATE_KEY_FILE must be set for GOJOSER_JWT_ALGORITHM=%s", c.JWTAlgorithm))
		}
	default:
		errs = append(errs, fmt.Errorf("GOJOSER_JWT_ALGORITHM must be HS256, EdDSA or ES256, got %q", c.JWTAlgorithm))
	}
	if c.JWTAccessTokenLifetime <= 0 || c.JWTRefreshTokenLifetime <= 0 || c.JWTRotationGrace < 0 {
		errs = append(errs, errors.New("GOJOSER_JWT_ACCESS_TOKEN_LIFETIME and GOJOSER_JWT_REFRESH_TOKEN_LIFETIME must be positive, GOJOSER_JWT_ROTATION_GRACE not negative"))
	}
	if c.StaticDir != "" {
		if st, err := os.Stat(c.StaticDir); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("GOJOSER_STATIC_DIR must be a directory, got %q", c.StaticDir))
		}
	}
	if c.AuthCacheTTL < 0 || c.AuthCacheSize < 0 {
		errs = append(errs, errors.New("GOJOSER_AUTH_CACHE_TTL and GOJOSER_AUTH_CACHE_SIZE must not be negative"))
	}
	if c.TokenTTL < 0 {
		errs = append(errs, errors.New("GOJOSER_TOKEN_TTL must be 0 (no expiry) or positive"))
	}
	if c.EmailMaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("GOJOSER_EMAIL_MAX_ATTEMPTS must be at least 1, got %d", c.EmailMaxAttempts))
	}
	if c.MailRetention <= 0 {
		errs = append(errs, fmt.Errorf("GOJOSER_MAIL_RETENTION must be positive, got %s", c.MailRetention))
	}
	if c.AuditRetention <= 0 {
		errs = append(errs, fmt.Errorf("GOJOSER_AUDIT_RETENTION must be positive, got %s", c.AuditRetention))
	}
	if c.CleanupInterval < 0 {
		errs = append(errs, fmt.Errorf("GOJOSER_CLEANUP_INTERVAL must be 0 (no periodic cleanup) or positive, got %s", c.CleanupInterval))
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		errs = append(errs, fmt.Errorf("GOJOSER_METRICS_ADDR must differ from GOJOSER_ADDR (metrics have a listener of their own), got %q", c.MetricsAddr))
	}
	if _, err := c.Rates(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.ClientIP(); err != nil {
		errs = append(errs, err)
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("GOJOSER_SHUTDOWN_TIMEOUT must be positive"))
	}
	errs = append(errs, c.validateBrowser()...)
	errs = append(errs, c.validateWebhook()...)
	return errors.Join(errs...)
}

// nameVariables rewrites env's parse errors, which name Go fields, to name the variable a user sets,
// with the value it has and, for durations, how to write one.
func nameVariables(err error, lookup func(string) string) error {
	agg, ok := err.(env.AggregateError)
	if !ok {
		return err
	}
	t := reflect.TypeFor[Config]()
	var out []error
	for _, e := range agg.Errors {
		pe, ok := e.(env.ParseError)
		f, found := t.FieldByName(pe.Name)
		if !ok || !found {
			out = append(out, e)
			continue
		}
		name := Prefix + f.Tag.Get("env")
		switch {
		case f.Type == reflect.TypeFor[time.Duration]():
			out = append(out, fmt.Errorf("%s: cannot parse as a duration: got %q; write a number with a unit, such as 30s, 15m or 24h (there is no unit for days: 7 days is 168h)", name, lookup(name)))
		case errors.Unwrap(pe.Err) != nil:
			out = append(out, fmt.Errorf("%s: cannot parse as %s: got %q (%w)", name, pe.Type, lookup(name), errors.Unwrap(pe.Err)))
		default:
			out = append(out, fmt.Errorf("%s: cannot parse as %s: got %q", name, pe.Type, lookup(name)))
		}
	}
	return errors.Join(out...)
}

// Unknown lists the GOJOSER_* variables of env that name no setting: most likely typos, which would otherwise be ignored without a word. Each comes with
// the setting it most resembles, when one is close.
func Unknown(env map[string]string) []string {
	known := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Config]()) {
		if tag := f.Tag.Get("env"); tag != "" {
			known[Prefix+tag] = true
		}
	}
	var out []string
	for k := range env {
		if !strings.HasPrefix(k, Prefix) || known[k] || otherTools[k] || strings.HasPrefix(k, Prefix+"TEST_") || strings.HasPrefix(k, Prefix+"BENCH_") {
			continue
		}
		best, bestDist := "", 4 // farther than 3 edits is not a typo
		for name := range known {
			if d := levenshtein.Distance(k, name, nil); d < bestDist || (d == bestDist && name < best) {
				best, bestDist = name, d
			}
		}
		if best != "" {
			k += " (did you mean " + best + "?)"
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// otherTools are GOJOSER_* variables read by something other than Config: the CLI.
var otherTools = map[string]bool{"GOJOSER_SUPERUSER_PASSWORD": true}

// PasswordParams are the argon2id parameters the GOJOSER_ARGON2_* variables ask for.
func (c Config) PasswordParams() password.Params {
	d := password.DefaultParams()
	return password.Params{MemoryKiB: c.Argon2MemoryKiB, Time: c.Argon2Time, Threads: c.Argon2Threads, SaltLen: d.SaltLen, KeyLen: d.KeyLen}
}

// Rates are the throttle rates: the defaults with GOJOSER_THROTTLE_RATES on top.
func (c Config) Rates() (throttle.Rates, error) {
	r, err := throttle.ParseRates(c.ThrottleRates)
	if err != nil {
		return nil, fmt.Errorf("GOJOSER_THROTTLE_RATES: %w", err)
	}
	return r, nil
}

// ClientIP is the resolver of client addresses that GOJOSER_TRUSTED_PROXIES and
// GOJOSER_TRUSTED_PROXY_HEADER ask for.
func (c Config) ClientIP() (*clientip.Resolver, error) {
	return clientip.New(c.TrustedProxies, c.TrustedProxyHeader)
}

// SlogLevel parses LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("GOJOSER_LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return l, nil
}

// RedactedDatabaseURL is DatabaseURL safe to log.
func (c Config) RedactedDatabaseURL() string { return dburl.Redact(c.DatabaseURL) }
