package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
	"github.com/gojoser/gojoser/internal/reqinfo"
)

// wireWriter gives every response the framing Djoser clients see: a 401 always carries
// WWW-Authenticate (DRF takes it from the first authentication class, Token), and JSON is announced as
// plain application/json without a charset.
type wireWriter struct {
	http.ResponseWriter
	status int
	// op and route are the operation and spec path the request maps to, once compat knows (see
	// routed); empty for anything else.
	op, route string
}

func (w *wireWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	h := w.Header()
	if code == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", "Token")
	}
	if h.Get("Content-Type") == "application/json; charset=utf-8" {
		h.Set("Content-Type", "application/json")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *wireWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *wireWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routed tells the request's observers which operation and route of the spec it maps to. compat calls
// it; the wireWriter that observe made may sit under other writers by then.
func routed(w http.ResponseWriter, op, route string) {
	for {
		switch x := w.(type) {
		case *wireWriter:
			x.op, x.route = op, route
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return
		}
	}
}

// RequestObserver learns of every request once it is answered (metrics, tracing): op is the generated
// operation name and route the spec's path, both empty when the request mapped to none; status 0 means
// nothing was written (net/http answers 200).
type RequestObserver func(r *http.Request, op, route string, status int, took time.Duration)

// observe logs one line per request, tells requests (when not nil) about it, and turns a panic into a
// DRF-shaped 500. It logs method, path and status only: never headers, query strings or bodies, which
// may carry credentials.
func observe(log *slog.Logger, accessLog bool, requests RequestObserver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get(requestIDHeader))
		w.Header().Set(requestIDHeader, id)
		r = r.WithContext(reqinfo.NewContext(r.Context(), reqinfo.Info{RequestID: id}))
		ww := &wireWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if ww.status == 0 {
					drfhttp.Error(ww, drf.ErrServer)
				}
			}
			if accessLog {
				logRequest(r.Context(), log, r, ww.status, start)
			}
			if requests != nil {
				requests(r, ww.op, ww.route, ww.status, time.Since(start))
			}
		}()
		next.ServeHTTP(ww, r)
	})
}

// logRequest writes the access-log line. It is on every request's path, so it builds the record itself:
// Logger.Info would capture the caller's program counter (runtime.Callers, a quarter of the line's cost)
// for a source location that is always this function, and box each argument into an interface.
func logRequest(ctx context.Context, log *slog.Logger, r *http.Request, status int, start time.Time) {
	h := log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	now := time.Now()
	rec := slog.NewRecord(now, slog.LevelInfo, "request", 0)
	rec.AddAttrs(slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.Float64("duration_ms", float64(now.Sub(start).Microseconds())/1000),
		slog.String("request_id", reqinfo.FromContext(r.Context()).RequestID))
	_ = h.Handle(ctx, rec) // nowhere to report a failing log destination
}

const requestIDHeader = "X-Request-Id"

// maxRequestID bounds an X-Request-Id taken from the client: it is logged and stored with audit events.
const maxRequestID = 64

// requestID is the id of a request: the X-Request-Id it came with (a proxy's, or the client's) when that
// is short and printable ASCII, so it can go into logs and records as it is, or else a new random one.
func requestID(in string) string {
	if in != "" && len(in) <= maxRequestID {
		ok := true
		for i := 0; i < len(in); i++ {
			if in[i] < '!' || in[i] > '~' {
				ok = false
				break
			}
		}
		if ok {
			return in
		}
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
