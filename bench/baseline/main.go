// Command baseline is the yardstick for gojoser's GET /auth/users/me/: the least a Go server can do to
// answer it. It parses "Authorization: Token <key>", takes the SHA-256 digest of the key (as
// internal/auth does), looks the digest up and writes {"email","id","username"}.
//
// Two modes:
//
//	-mode pg     one indexed query joining tokens to users per request, through a pgx pool (32 connections,
//	             like gojoser's database/sql pool) on the same PostgreSQL database gojoser uses;
//	-mode cache  the same rows loaded once at startup into a map keyed by digest: the ceiling a token cache
//	             in gojoser could reach.
//
// It is started by bench/cmd/bench; it is not meant for anything else.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const lookupSQL = `SELECT u.id, u.username, u.email FROM tokens t JOIN users u ON u.id = t.user_id
WHERE t.digest = $1 AND u.is_active`

const loadSQL = `SELECT t.digest, u.id, u.username, u.email FROM tokens t JOIN users u ON u.id = t.user_id
WHERE u.is_active`

// user is serialised in the field order of gojoser's User schema.
type user struct {
	Email    string `json:"email"`
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type server struct {
	pool  *pgxpool.Pool
	cache map[[sha256.Size]byte]user // nil in pg mode; read-only once serving starts
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "listen address")
	dbURL := flag.String("db", "", "PostgreSQL URL of a database gojoser has migrated")
	mode := flag.String("mode", "pg", "pg (one query per request) or cache (in-memory map keyed by digest)")
	maxConns := flag.Int("maxconns", 32, "pgx pool size (gojoser uses 32)")
	flag.Parse()
	if err := run(*addr, *dbURL, *mode, int32(*maxConns)); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(addr, dbURL, mode string, maxConns int32) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()

	s := &server{}
	switch mode {
	case "pg":
		s.pool = pool
	case "cache":
		if s.cache, err = load(ctx, pool); err != nil {
			return err
		}
		log.Printf("cached %d tokens", len(s.cache))
	default:
		return fmt.Errorf("unknown -mode %q", mode)
	}

	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func load(ctx context.Context, pool *pgxpool.Pool) (map[[sha256.Size]byte]user, error) {
	rows, err := pool.Query(ctx, loadSQL)
	if err != nil {
		return nil, err
	}
	m := make(map[[sha256.Size]byte]user)
	var (
		digest []byte
		u      user
	)
	_, err = pgx.ForEachRow(rows, []any{&digest, &u.ID, &u.Username, &u.Email}, func() error {
		if len(digest) != sha256.Size {
			return fmt.Errorf("digest of %d bytes", len(digest))
		}
		m[[sha256.Size]byte(digest)] = u
		return nil
	})
	return m, err
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/auth/users/me/" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "token") || key == "" {
		unauthorized(w, "Authentication credentials were not provided.")
		return
	}
	digest := sha256.Sum256([]byte(key))
	var u user
	if s.cache != nil {
		if u, ok = s.cache[digest]; !ok {
			unauthorized(w, "Invalid token.")
			return
		}
	} else {
		err := s.pool.QueryRow(r.Context(), lookupSQL, digest[:]).Scan(&u.ID, &u.Username, &u.Email)
		if errors.Is(err, pgx.ErrNoRows) {
			unauthorized(w, "Invalid token.")
			return
		}
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred."})
			return
		}
	}
	writeJSON(w, http.StatusOK, u)
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", "Token")
	writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
