package clientip

import (
	"net/http"
	"testing"
)

func TestClientIP(t *testing.T) {
	xff := func(v ...string) http.Header { return http.Header{"X-Forwarded-For": v} }
	for _, c := range []struct {
		name    string
		trusted []string
		header  string
		peer    string
		h       http.Header
		want    string
	}{
		{"the socket peer by default", nil, "X-Forwarded-For", "203.0.113.9:5555", xff("198.51.100.1"), "203.0.113.9"},
		{"IPv6 peer", nil, "X-Forwarded-For", "[2001:db8::7]:443", nil, "2001:db8::7"},
		{"IPv4-mapped peer", nil, "X-Forwarded-For", "[::ffff:192.0.2.1]:80", nil, "192.0.2.1"},
		{"untrusted peer's header is ignored", []string{"10.0.0.0/8"}, "X-Forwarded-For", "203.0.113.9:1", xff("198.51.100.1"), "203.0.113.9"},
		{"trusted peer's header names the client", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", xff("198.51.100.1"), "198.51.100.1"},
		{"entries the client wrote are skipped", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", xff("1.2.3.4, 198.51.100.1"), "198.51.100.1"},
		{"through a chain of trusted proxies", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", xff("1.2.3.4, 198.51.100.1, 10.9.9.9"), "198.51.100.1"},
		{"several header lines are one list", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", xff("1.2.3.4", "198.51.100.1"), "198.51.100.1"},
		{"garbage in the proxy's entry: the proxy", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", xff("198.51.100.1, nonsense"), "10.0.0.2"},
		{"no header: the proxy", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", nil, "10.0.0.2"},
		{"only proxies: the proxy", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", xff("10.1.1.1"), "10.0.0.2"},
		{"a single address", []string{"10.0.0.2"}, "X-Forwarded-For", "10.0.0.2:1", xff("198.51.100.1"), "198.51.100.1"},
		{"the other header is not read", []string{"10.0.0.0/8"}, "X-Forwarded-For", "10.0.0.2:1", http.Header{"Forwarded": {"for=198.51.100.1"}}, "10.0.0.2"},
		{"Forwarded", []string{"10.0.0.0/8"}, "forwarded", "10.0.0.2:1", http.Header{"Forwarded": {`for="[2001:db8::1]:80";proto=https, for=10.3.3.3`}}, "2001:db8::1"},
		{"Forwarded ignores X-Forwarded-For", []string{"10.0.0.0/8"}, "Forwarded", "10.0.0.2:1", xff("198.51.100.1"), "10.0.0.2"},
		{"zones are dropped", []string{"::1"}, "X-Forwarded-For", "[::1]:1", xff("fe80::1%eth0"), "fe80::1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(c.trusted, c.header)
			if err != nil {
				t.Fatal(err)
			}
			req := &http.Request{RemoteAddr: c.peer, Header: c.h}
			if got := r.ClientIP(req); got.String() != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, c := range []struct {
		trusted []string
		header  string
	}{
		{[]string{"10.0.0.0/33"}, "X-Forwarded-For"},
		{[]string{"proxy.example.com"}, "X-Forwarded-For"},
		{[]string{"10.0.0.0/8"}, "X-Real-IP"},
		{nil, "X-Real-IP"},
	} {
		if _, err := New(c.trusted, c.header); err == nil {
			t.Errorf("%v %q accepted", c.trusted, c.header)
		}
	}
	if r, err := New([]string{" ", ""}, "forwarded"); err != nil || r.fromHeader != nil {
		t.Fatalf("no proxies: %v", err)
	}
}
