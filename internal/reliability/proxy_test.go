package reliability

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// environmentProxy decides as net/http's HTTP_PROXY setting does (http.ProxyFromEnvironment,
// which reads the environment once per process, hence this copy of its rule): every request
// goes through proxy, except those to "localhost", exactly so written, and to loopback
// addresses.
func environmentProxy(proxy *url.URL) func(*http.Request) (*url.URL, error) {
	return func(r *http.Request) (*url.URL, error) {
		host := r.URL.Hostname()
		if host == "localhost" {
			return nil, nil
		}
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
			return nil, nil
		}
		return proxy, nil
	}
}

// TestPlainHTTPCredentialNeverThroughAProxy: plain http is accepted for loopback hosts only,
// where a credential does not cross the network; a proxy would carry it across in clear text.
// With the environment's proxy rule, http://LOCALHOST (which the client takes for loopback,
// in any case) reaches the server directly, whatever wraps the transport; with an
// *http.Transport that sends everything through a proxy, a call that carries a credential
// over plain http is refused before sending, the token request of client credentials
// included. The proxy never sees a credential.
func TestPlainHTTPCredentialNeverThroughAProxy(t *testing.T) {
	noLeaks(t)
	var proxied seen
	proxy := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		proxied.add(r)
		w.WriteHeader(http.StatusBadGateway)
	})
	proxyURL, _ := url.Parse(proxy.URL)
	var direct seen
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		direct.add(r)
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			tokenHandler(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		ok(w)
	})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(api.URL, "http://"))
	upper := "http://LOCALHOST:" + port + "/v0"

	for _, c := range []struct {
		name    string
		proxy   func(*http.Request) (*url.URL, error)
		wrapped bool // the *http.Transport is behind another RoundTripper, which cannot be asked
		cred    blaxel.Option
		refused bool
	}{
		{"HTTP_PROXY rule, LOCALHOST, API key", environmentProxy(proxyURL), true, withAPIKey(), false},
		{"HTTP_PROXY rule, LOCALHOST, client credentials", environmentProxy(proxyURL), true, withClientCredentials(), false},
		{"HTTP_PROXY rule, LOCALHOST, API key, *http.Transport", environmentProxy(proxyURL), false, withAPIKey(), false},
		{"a proxy for everything, API key", http.ProxyURL(proxyURL), false, withAPIKey(), true},
		{"a proxy for everything, client credentials", http.ProxyURL(proxyURL), false, withClientCredentials(), true},
	} {
		w := newWire(t)
		w.next.Proxy = c.proxy
		hc := w.client()
		if !c.wrapped {
			hc = &http.Client{Transport: w.next}
		}
		client, err := blaxel.New(c.cred, blaxel.WithBaseURL(upper), blaxel.WithWorkspace(workspace),
			blaxel.WithLogger(debugLogger), blaxel.WithHTTPClient(hc), fastRetries())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		before := len(direct.all())
		_, err = client.GetSandbox(context.Background(), "sb", nil)
		audit.err(err)
		audit.add("proxy-calls", 1)
		switch {
		case c.refused && (err == nil || !strings.Contains(err.Error(), "proxy")):
			t.Errorf("%s: want a refusal that names the proxy, got %v", c.name, err)
		case c.refused && len(direct.all()) != before:
			t.Errorf("%s: refused, yet %d requests reached the server", c.name, len(direct.all())-before)
		case !c.refused && err != nil:
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, r := range proxied.all() {
		audit.add("proxy-leaks", 1)
		t.Errorf("the proxy received %s %s with %v", r.Method, r.URL, credentialHeaders(r))
	}
}
