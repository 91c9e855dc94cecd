package reliability

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/blaxel-go/blaxel/internal/apitest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// wire is the transport the suite's clients send through (given with WithHTTPClient): it
// counts attempts and answer bodies opened and closed, and registers every credential that
// crosses it with the audit.
type wire struct {
	next *http.Transport

	attempts atomic.Int64 // requests handed to the network, answered or not
	opened   atomic.Int64 // answer bodies handed back
	closed   atomic.Int64 // answer bodies closed

	mu       sync.Mutex
	watchers []closeWatcher // see closeOf
}

// closeWatcher is a wait for the answer body of a request that match accepts to be closed.
type closeWatcher struct {
	match func(*http.Request) bool
	done  chan struct{}
}

func newWire(t *testing.T) *wire {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	w := &wire{next: tr}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		audit.add("bodies", int(w.opened.Load()))
		if n := w.unclosed(); n != 0 {
			audit.add("bodies-unclosed", int(n))
			t.Errorf("%d answer bodies were never closed", n)
		}
	})
	return w
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.attempts.Add(1)
	for _, name := range []string{"Authorization", "X-Blaxel-Authorization", "X-Blaxel-Preview-Token"} {
		for _, v := range r.Header.Values(name) {
			audit.credentialHeader(v)
		}
	}
	if r.Body != nil && strings.HasSuffix(r.URL.Path, "/oauth/token") {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		registerTokens(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := w.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(r.URL.Path, "/oauth/token") && resp.StatusCode == http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		registerTokens(body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	w.opened.Add(1)
	resp.Body = &countedBody{ReadCloser: resp.Body, wire: w, req: r}
	return resp, nil
}

// registerTokens registers the credentials a token request or answer holds.
func registerTokens(body []byte) {
	var v struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(body, &v) == nil {
		audit.secret(v.AccessToken, v.RefreshToken)
	}
}

// client is an http.Client over the wire, as a caller would give with WithHTTPClient.
func (w *wire) client() *http.Client { return &http.Client{Transport: w} }

// unclosed is how many answer bodies were handed back and never closed.
func (w *wire) unclosed() int64 { return w.opened.Load() - w.closed.Load() }

// closeOf returns a channel closed once the answer body of a request that match accepts,
// sent from now on, is closed: how a test waits for a request the client documents as going
// on in the background after the call returned (the abort of a cancelled upload) before the
// bodies are counted, rather than counting while it is still on its way.
func (w *wire) closeOf(match func(*http.Request) bool) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := closeWatcher{match: match, done: make(chan struct{})}
	w.watchers = append(w.watchers, c)
	return c.done
}

// bodyClosed counts the body of the answer to r closed, and ends the waits for it.
func (w *wire) bodyClosed(r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed.Add(1)
	w.watchers = slices.DeleteFunc(w.watchers, func(c closeWatcher) bool {
		if c.match(r) {
			close(c.done)
			return true
		}
		return false
	})
}

type countedBody struct {
	io.ReadCloser
	once sync.Once
	wire *wire
	req  *http.Request
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.wire.bodyClosed(b.req) })
	return b.ReadCloser.Close()
}

// server is an httptest server that counts the connections opened to it and the requests
// that reached its handler.
type server struct {
	*httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// base is the server's control plane, under /v0 as on the real API.
func (s *server) base() string { return s.URL + "/v0" }

// fastRetries keeps the tests' waits short (see internal/apitest).
var fastRetries = apitest.FastRetries

// Credentials the suite uses. Each is long and unusual enough that finding it in a text can
// only mean it leaked.
const (
	apiKey       = "bl_key_R3l1ab1l1tyK3yZx81q"
	clientID     = "sa-client-0f3c"
	clientSecret = "cs_S3cr3tV4lu3Jq92mfp"
	previewToken = "pv_Pr3v13wT0k3nWx5kd0"
	workspace    = "ws-reliability"
)

func init() { audit.secret(apiKey, clientSecret, previewToken) }

// newClient builds a client of base (a control plane address) with the credential cred,
// through a new wire, with debug logging into the audit and fast retries.
func newClient(t *testing.T, base string, cred blaxel.Option, opts ...blaxel.Option) (*blaxel.Client, *wire) {
	t.Helper()
	w := newWire(t)
	all := []blaxel.Option{
		cred, blaxel.WithBaseURL(base), blaxel.WithWorkspace(workspace), blaxel.WithLogger(debugLogger),
		blaxel.WithHTTPClient(w.client()), fastRetries(),
	}
	c, err := blaxel.New(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

func withAPIKey() blaxel.Option { return blaxel.WithAPIKey(apiKey) }
func withClientCredentials() blaxel.Option {
	return blaxel.WithClientCredentials(clientID, clientSecret)
}

// noLeaks fails the test if a goroutine it started outlives it. It is registered first, so it
// runs after every other cleanup (servers closed, idle connections dropped).
func noLeaks(t *testing.T) {
	t.Cleanup(func() {
		audit.add("leak-checks", 1)
		if err := goleak.Find(); err != nil {
			audit.add("leaks", 1)
			t.Error(err)
		}
	})
}
