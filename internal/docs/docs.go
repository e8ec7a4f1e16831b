// Package docs serves the interactive API documentation at /docs/ and the OpenAPI document at
// /openapi.yaml. The page is Swagger UI, vendored from npm into swagger-ui/ by update-assets.sh and
// embedded in the binary: it loads nothing from a CDN and works offline.
package docs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/drf/drfhttp"
)

//go:embed page swagger-ui
var files embed.FS

// pageCSP allows the page to load only its own scripts, styles and images. connect-src stays open
// because "Try it out" calls whatever server the spec names.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src *; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one servable file. Files vendored gzipped keep only gz until a client that does not accept
// gzip asks for them.
type asset struct {
	contentType string
	raw         []byte
	gz          []byte
	etag        string // a content hash; the gzip representation adds "-gzip"

	inflate sync.Once
	err     error
}

type handler struct {
	assets map[string]*asset // by request path
}

// Handler serves GET and HEAD for the paths Serves reports:
//
//   - /docs: a redirect to /docs/ (relative, so a path prefix added by a proxy is kept);
//   - /docs/: the Swagger UI page, and /docs/<file> its assets;
//   - /openapi.yaml: spec, as application/yaml.
//
// Other methods get 405 and unknown paths 404, both with DRF-shaped JSON bodies. Every response carries
// an ETag and Cache-Control: no-cache, so browsers revalidate and get 304 until the binary changes.
func Handler(spec []byte) http.Handler {
	h := &handler{assets: map[string]*asset{
		"/openapi.yaml": newAsset("application/yaml", spec, nil),
	}}
	for name, contentType := range map[string]string{
		"page/index.html":                 "text/html; charset=utf-8",
		"page/init.js":                    "text/javascript; charset=utf-8",
		"page/docs.css":                   "text/css; charset=utf-8",
		"swagger-ui/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
		"swagger-ui/swagger-ui.css":       "text/css; charset=utf-8",
		"swagger-ui/favicon-32x32.png":    "image/png",
	} {
		base := path.Base(name)
		reqPath := "/docs/" + base
		if base == "index.html" {
			reqPath = "/docs/"
		}
		if b, err := fs.ReadFile(files, name); err == nil {
			h.assets[reqPath] = newAsset(contentType, b, nil)
		} else if gz, gzErr := fs.ReadFile(files, name+".gz"); gzErr == nil {
			h.assets[reqPath] = newAsset(contentType, nil, gz)
		} else {
			// The files are embedded at build time, so this is a packaging bug.
			panic(fmt.Sprintf("docs: %s is not embedded", name))
		}
	}
	return h
}

// Mount serves the docs paths with Handler(spec) and passes every other request to next untouched (no
// path cleaning or redirects, unlike an http.ServeMux in front of the API).
func Mount(next http.Handler, spec []byte) http.Handler {
	h := Handler(spec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Serves(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Serves reports whether p is a path Handler answers: /docs, anything under /docs/, and /openapi.yaml.
func Serves(p string) bool {
	return p == "/docs" || p == "/openapi.yaml" || strings.HasPrefix(p, "/docs/")
}

func newAsset(contentType string, raw, gz []byte) *asset {
	content := raw
	if content == nil {
		content = gz
	}
	sum := sha256.Sum256(content)
	return &asset{contentType: contentType, raw: raw, gz: gz, etag: hex.EncodeToString(sum[:12])}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		drfhttp.Error(w, drf.MethodNotAllowedFor(r.Method))
		return
	}
	if r.URL.Path == "/docs" {
		target := "docs/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", target)
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	a, ok := h.assets[r.URL.Path]
	if !ok {
		drfhttp.Error(w, drf.ErrNotFound)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if a.contentType == "text/html; charset=utf-8" {
		hdr.Set("Content-Security-Policy", pageCSP)
		hdr.Set("Referrer-Policy", "no-referrer")
	}
	body, etag := a.raw, `"`+a.etag+`"`
	if a.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = a.gz, `"`+a.etag+`-gzip"`
			hdr.Set("Content-Encoding", "gzip")
		} else if body = a.inflated(); body == nil {
			drfhttp.Error(w, drf.ErrServer)
			return
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// inflated returns the identity encoding of a gzipped asset, decompressing it on first use, or nil if
// the embedded file is corrupt.
func (a *asset) inflated() []byte {
	a.inflate.Do(func() {
		if a.raw != nil {
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(a.gz))
		if err == nil {
			a.raw, err = io.ReadAll(zr)
		}
		a.err = err
	})
	if a.err != nil {
		return nil
	}
	return a.raw
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip (RFC 9110 §12.5.3): gzip (or its
// alias x-gzip) with a non-zero weight, or else * with a non-zero weight.
func acceptsGzip(values []string) bool {
	gz, star := -1, -1 // -1: not listed, 0: refused, 1: accepted
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			ok := 1
			for _, p := range strings.Split(params, ";") {
				if q, isQ := strings.CutPrefix(strings.TrimSpace(p), "q="); isQ && strings.Trim(q, "0.") == "" {
					ok = 0 // q=0, q=0.0, q=0.000
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gz = ok
			case "*":
				star = ok
			}
		}
	}
	if gz >= 0 {
		return gz == 1
	}
	return star == 1
}
