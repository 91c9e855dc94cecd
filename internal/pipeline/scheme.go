package pipeline

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// CheckURLScheme refuses plain http to a host other than loopback, unless insecure is allowed.
func CheckURLScheme(u *url.URL, insecure bool) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme != "http":
		return fmt.Errorf("unsupported scheme %q", u.Scheme)
	case insecure || IsLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("refusing plain http to %s: use https, or WithInsecureHTTP", u.Host)
}

// IsLoopback accepts exactly the hosts that net/http's proxy settings never send through a
// proxy: localhost (in any case: the pipeline writes it in lower case, as those settings
// expect) and loopback addresses. Names below .localhost are not among them.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host) // a value, unlike net.ParseIP: this runs for every request
	return err == nil && ip.Zone() == "" && ip.IsLoopback()
}
