package pipeline

import "net/http"

// IdleConnsPerHost is how many idle connections to one host the client keeps when the caller
// gives no *http.Client. net/http's default keeps 2: every sandbox of a workspace, its
// deployed workloads and its control plane each answer on one host, so a program that runs
// more than two calls at once on one of them would otherwise close the connections of the
// others after each call and dial (through TLS) again for the next.
const IdleConnsPerHost = 100

// defaultTransport is the transport of a client given no *http.Client: a copy of
// http.DefaultTransport (its proxy, dial and TLS settings) that keeps IdleConnsPerHost idle
// connections per host. A program that replaced http.DefaultTransport with a transport of
// another type gets that one, as it is.
func defaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, IdleConnsPerHost)
	return t
}
