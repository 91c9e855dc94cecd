package pipeline

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// Plain http is accepted only for loopback hosts (see IsLoopback), where a credential never
// crosses the network, unless the caller allows more with WithInsecureHTTP. A proxy would
// carry it across the network all the same, in clear text: the two functions below make sure
// that a plain-http request carrying a credential goes straight to its host.

// lowerPlainHTTPHost writes the host of a plain-http attempt (whose URL is its own) in lower
// case, as IsLoopback reads it: net/http's proxy settings (HTTP_PROXY, NO_PROXY) bypass
// "localhost" but not "LOCALHOST".
func lowerPlainHTTPHost(r *http.Request) {
	if r.URL.Scheme != "http" || !hasUpper(r.URL.Host) {
		return
	}
	r.URL.Host = strings.ToLower(r.URL.Host)
	r.Host = strings.ToLower(r.Host)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// refuseProxiedPlainHTTP refuses a plain-http request that next, when it is an
// *http.Transport (http.DefaultTransport is one), would send through a proxy. A transport of
// another type cannot be asked; lowerPlainHTTPHost makes sure that the environment's proxy
// settings at least bypass loopback hosts there too.
func refuseProxiedPlainHTTP(next http.RoundTripper, r *http.Request) error {
	if r.URL.Scheme != "http" {
		return nil
	}
	t, ok := next.(*http.Transport)
	if !ok || t.Proxy == nil {
		return nil
	}
	proxy, err := t.Proxy(r)
	if err != nil || proxy == nil {
		return nil
	}
	return fmt.Errorf("blaxel: refusing to send a credential over plain http to %s through the proxy %s: use https, or a transport without a proxy for this host",
		r.URL.Host, proxy.Host)
}

// carriesCredential reports whether a request carries a header that holds a credential.
func carriesCredential(h http.Header) bool {
	for name := range h {
		if redact.IsSecretHeader(name) {
			return true
		}
	}
	return false
}
