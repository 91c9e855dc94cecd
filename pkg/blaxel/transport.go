package blaxel

import "net/http"

// headerTransport adds Blaxel's headers and the credential to each request. It clones the
// request before changing it, as a RoundTripper must.
type headerTransport struct {
	next        http.RoundTripper
	workspace   string
	apiVersion  string
	credentials string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", t.credentials)
	r.Header.Set("Blaxel-Version", t.apiVersion)
	r.Header.Set("User-Agent", userAgent)
	if t.workspace != "" {
		r.Header.Set("X-Blaxel-Workspace", t.workspace)
	}
	return t.next.RoundTrip(r)
}
