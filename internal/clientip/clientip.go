// Package clientip decides which address a request comes from. By default that is the socket peer.
// Behind reverse proxies (GOJOSER_TRUSTED_PROXIES) the proxy's forwarding header names the client, but
// only a request whose direct peer is one of those proxies is believed: anyone else can write the header.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/realclientip/realclientip-go"
)

// Resolver finds the client address of requests.
type Resolver struct {
	trusted []net.IPNet
	// fromHeader walks the forwarding header from the right, past the trusted proxies, to the first
	// address that is not one: the client as the outermost trusted proxy saw it. Entries further left
	// were written by the client or by proxies nobody vouches for.
	fromHeader realclientip.Strategy
}

// Headers a proxy may report the client in. Only the one the proxies write may be used: a proxy that
// appends to X-Forwarded-For passes a Forwarded header the client made up through untouched.
var Headers = []string{"X-Forwarded-For", "Forwarded"}

// New returns a Resolver that believes header from peers in trusted (CIDRs or single addresses). With
// no trusted proxies the header is never read.
func New(trusted []string, header string) (*Resolver, error) {
	r := &Resolver{}
	canonical := http.CanonicalHeaderKey(header)
	if canonical != Headers[0] && canonical != Headers[1] {
		return nil, fmt.Errorf("GOJOSER_TRUSTED_PROXY_HEADER must be X-Forwarded-For or Forwarded, got %q", header)
	}
	var clean []string
	for _, t := range trusted {
		if t = strings.TrimSpace(t); t != "" {
			clean = append(clean, t)
		}
	}
	if len(clean) == 0 {
		return r, nil
	}
	nets, err := realclientip.AddressesAndRangesToIPNets(clean...)
	if err != nil {
		return nil, fmt.Errorf("GOJOSER_TRUSTED_PROXIES: %w", err)
	}
	strategy, err := realclientip.NewRightmostTrustedRangeStrategy(canonical, nets)
	if err != nil {
		return nil, err
	}
	r.trusted, r.fromHeader = nets, strategy
	return r, nil
}

// ClientIP is the address req comes from; not valid when even the peer's cannot be read.
func (r *Resolver) ClientIP(req *http.Request) netip.Addr {
	peer := parse(req.RemoteAddr)
	if r.fromHeader == nil || !peer.IsValid() || !r.isTrusted(peer) {
		return peer
	}
	// A header with no usable entry past the trusted proxies (missing, garbage, or proxies only)
	// leaves the proxy itself as the client: all such requests share its counters, none escapes them.
	if ip := parse(r.fromHeader.ClientIP(req.Header, req.RemoteAddr)); ip.IsValid() {
		return ip
	}
	return peer
}

func (r *Resolver) isTrusted(ip netip.Addr) bool {
	addr := net.IP(ip.AsSlice())
	for _, n := range r.trusted {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}

// parse reads "host:port" or a bare address, without zone, IPv4-mapped IPv6 as IPv4.
func parse(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap()
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.WithZone("").Unmap()
}
