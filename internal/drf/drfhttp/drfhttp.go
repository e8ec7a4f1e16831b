// Package drfhttp writes DRF's answers: errors as drf.Render makes them, and any other JSON body with
// the framing Djoser clients see (plain application/json, compact).
package drfhttp

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gojoser/gojoser/internal/drf"
)

// Error writes err as DRF would. It reports whether err was one drf knows; an unknown error is written
// as a 500 without its cause, which the caller should log.
func Error(w http.ResponseWriter, err error) (known bool) {
	r, known := drf.Render(err)
	h := w.Header()
	if r.BearerRealm {
		h.Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	if r.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(r.RetryAfter))
	}
	write(w, r.Status, r.Body)
	return known
}

// JSON writes body as JSON with status.
func JSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		Error(w, err)
		return
	}
	write(w, status, b)
}

func write(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
