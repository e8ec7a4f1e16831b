// Package reqinfo carries facts about the request being served (the client's address and user agent,
// the host it was sent to) in its context, for code that must not know HTTP: throttling keys its
// counters by the address, mail links name the host, and audit events can record them. The HTTP
// adapter fills it in once per request (internal/clientip decides the address).
package reqinfo

import (
	"context"
	"net/netip"
)

// Info is what is known about the request's client.
type Info struct {
	// IP is the client's address: the socket peer, or, behind a trusted proxy, the address the proxy
	// reports. Not valid (the zero Addr) outside an HTTP request, e.g. in a CLI command.
	IP netip.Addr
	// UserAgent is the User-Agent header as sent, for records; never for decisions.
	UserAgent string
	// Host is the Host header and TLS whether the request came over TLS: the site Djoser builds mail
	// links from, unless the EMAIL_FRONTEND_* settings say otherwise.
	Host string
	TLS  bool
	// RequestID names the request in the access log, the X-Request-Id answer header and audit events:
	// the client's or proxy's X-Request-Id when it is short and printable, else one made up.
	RequestID string
}

type ctxKey struct{}

// NewContext returns ctx carrying info.
func NewContext(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, ctxKey{}, info)
}

// FromContext returns the Info in ctx, or the zero Info.
func FromContext(ctx context.Context) Info {
	info, _ := ctx.Value(ctxKey{}).(Info)
	return info
}
