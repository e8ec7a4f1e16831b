package validation

import (
	"net"
	"net/url"
	"regexp"
	"strings"
)

// hostLabelRE is one label of a host name as Django's URLValidator accepts it: letters (any script),
// digits and inner hyphens, at most 63 characters.
var hostLabelRE = regexp.MustCompile(`^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$`)

// isURL is Django's URLValidator for DRF's URLField: an http, https, ftp or ftps URL with a host
// that is a domain name with a top-level domain, localhost, or an IP address, and no whitespace.
func isURL(s string) bool {
	if strings.ContainsAny(s, " \t\r\n\v\f") || len(s) > 2048 {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp", "ftps":
	default:
		return false
	}
	host := u.Hostname()
	if host == "" {
		return false
	}
	if p := u.Port(); p != "" && len(p) > 5 {
		return false
	}
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !hostLabelRE.MatchString(l) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return len([]rune(tld)) >= 2 && !strings.ContainsAny(tld, "0123456789-") || strings.HasPrefix(strings.ToLower(tld), "xn--")
}
