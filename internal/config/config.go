// Package config loads gojoser's settings from GOJOSER_* environment variables, once, with defaults.
// Djoser settings that change the wire keep Djoser's names and defaults (GOJOSER_HIDE_USERS, ...).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting. README lists each variable; keep the two in step.
type Config struct {
	Addr            string        `env:"ADDR" envDefault:"127.0.0.1:8000"`
	DatabaseURL     string        `env:"DATABASE_URL" envDefault:"sqlite:gojoser.db"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"10s"`
	LogLevel        string        `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat       string        `env:"LOG_FORMAT" envDefault:"text"`

	// Djoser settings.
	HideUsers                bool `env:"HIDE_USERS" envDefault:"true"`
	UserCreatePasswordRetype bool `env:"USER_CREATE_PASSWORD_RETYPE" envDefault:"false"`

	// Extensions.
	CreateTokenOnRegister bool `env:"CREATE_TOKEN_ON_REGISTER" envDefault:"false"`

	// argon2id cost. Defaults follow OWASP's recommendation (m=19 MiB, t=2, p=1).
	Argon2MemoryKiB uint32 `env:"ARGON2_MEMORY_KIB" envDefault:"19456"`
	Argon2Time      uint32 `env:"ARGON2_TIME" envDefault:"2"`
	Argon2Threads   uint8  `env:"ARGON2_THREADS" envDefault:"1"`
	// How many hashes may run at once; 0 means one per CPU core.
	HashConcurrency int `env:"HASH_CONCURRENCY" envDefault:"0"`
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
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return c, c.Validate()
}

// Validate refuses settings the server cannot run with, so mistakes fail at startup, not on a request.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("GOJOSER_ADDR must not be empty"))
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("GOJOSER_DATABASE_URL must start with sqlite:, postgres:// or postgresql://, got %q", redactURL(c.DatabaseURL)))
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
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("GOJOSER_SHUTDOWN_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}

// SlogLevel parses LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("GOJOSER_LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return l, nil
}

// redactURL hides a password in a database URL before it reaches a message or a log.
func redactURL(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "***" + s[at:]
		}
	}
	return s
}

// RedactedDatabaseURL is DatabaseURL safe to log.
func (c Config) RedactedDatabaseURL() string { return redactURL(c.DatabaseURL) }
