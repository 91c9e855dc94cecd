package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// Handler returns an http.Handler that serves the port: each request it gets is sent to
// {port URL}{its path}?{its query} through the same pipeline as HTTPClient's (the sandbox's
// credential added, the caller's credential headers replaced), and the answer, whatever its
// status, is copied back as it streams. A Location header pointing into the port is
// rewritten to the path below it, so that redirects stay on the local side. A request that
// cannot be forwarded gets a 502 whose text names no secret. A WebSocket (an upgrade) is
// forwarded too, both ways, for as long as either side keeps it open.
//
// Mount it in a server of your own, or let [Port.Forward] serve it on 127.0.0.1.
func (p *Port) Handler() http.Handler {
	redact := p.sb.p.Redact
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(p.base) },
		Transport:     p.HTTPClient().Transport,
		FlushInterval: -1, // an event stream or a log reaches the local tool as it comes
		ModifyResponse: func(resp *http.Response) error {
			if loc := resp.Header.Get("Location"); loc != "" {
				resp.Header.Set("Location", p.localLocation(loc))
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the local tool went away
			}
			http.Error(w, "blaxel: forwarding to the sandbox's port failed: "+redact.Text(err.Error()), http.StatusBadGateway)
		},
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	return proxy
}

// localLocation turns an absolute Location into the port into a path on the local side.
func (p *Port) localLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() || !pipeline.SameOrigin(u, p.base) {
		return loc
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), p.base.EscapedPath())
	if !ok || rest != "" && !strings.HasPrefix(rest, "/") {
		return loc
	}
	local := &url.URL{Path: "/"}
	if rest != "" {
		if err := local.UnmarshalBinary([]byte(rest)); err != nil {
			return loc
		}
	}
	local.RawQuery, local.Fragment = u.RawQuery, u.Fragment
	return local.String()
}

// ForwardOption tunes Forward.
type ForwardOption func(*forwardConfig) error

type forwardConfig struct {
	addr string
}

// WithLocalAddress makes Forward listen on addr ("127.0.0.1:8080", "[::1]:0", "localhost:3000")
// instead of a free port of 127.0.0.1. The address must be a loopback one: whoever reaches
// the listener reaches the sandbox's port with your credential.
func WithLocalAddress(addr string) ForwardOption {
	return func(c *forwardConfig) error {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("blaxel: WithLocalAddress: %w", err)
		}
		if host != "localhost" && !pipeline.IsLoopback(host) {
			return fmt.Errorf("blaxel: WithLocalAddress: %q is not a loopback address: the listener would hand your credential to the network", addr)
		}
		c.addr = addr
		return nil
	}
}

// Forwarder is a local listener serving a sandbox's port (see [Port.Forward]).
type Forwarder struct {
	ln     net.Listener
	srv    *http.Server
	done   chan struct{}
	stop   func() bool
	cancel context.CancelFunc // ends every request's context, upgraded ones included
	closed sync.Once
	err    error
}

// Forward serves the port on a local listener, 127.0.0.1 on a free port unless
// WithLocalAddress says otherwise, so that local tools (a browser, curl, a database's HTTP
// client) reach the program listening on it in the sandbox, with the handle's credential
// added for them (see [Port.Handler]). It answers only requests addressed to localhost or a
// loopback address (their Host header), so that a web page cannot reach it by rebinding its
// own name to 127.0.0.1. It returns once the listener is open; serving stops
// when ctx ends or Close is called.
func (p *Port) Forward(ctx context.Context, opts ...ForwardOption) (*Forwarder, error) {
	cfg := forwardConfig{addr: "127.0.0.1:0"}
	if err := option.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("blaxel: forwarding port %d: %w", p.number, err)
	}
	// Every request's context derives from serving: its end cuts the WebSockets too, which
	// the server no longer tracks once upgraded.
	serving, cancel := context.WithCancel(ctx)
	f := &Forwarder{
		ln: ln,
		srv: &http.Server{Handler: loopbackOnly(p.Handler()), ReadHeaderTimeout: time.Minute,
			BaseContext: func(net.Listener) context.Context { return serving },
			ErrorLog:    slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)},
		done:   make(chan struct{}),
		cancel: cancel,
	}
	f.stop = context.AfterFunc(ctx, func() { _ = f.Close() })
	go func() {
		defer close(f.done)
		if err := f.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.err = err
		}
	}()
	return f, nil
}

// loopbackOnly refuses a request whose Host is not localhost (or a name below it) nor a
// loopback address: a web page whose own name its DNS rebinds to 127.0.0.1 could otherwise
// drive the forward, and with it the sandbox's credential, from the user's browser.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
		if !pipeline.IsLoopback(host) && !strings.HasSuffix(strings.ToLower(host), ".localhost") {
			http.Error(w, "blaxel: this forward answers requests for localhost or a loopback address only", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Addr is the listener's address.
func (f *Forwarder) Addr() net.Addr { return f.ln.Addr() }

// URL is the listener's address as a base URL, e.g. http://127.0.0.1:40123.
func (f *Forwarder) URL() string { return "http://" + f.ln.Addr().String() }

// Close stops serving: the listener closes and the requests in progress are cut, WebSockets
// included.
func (f *Forwarder) Close() error {
	f.closed.Do(func() {
		f.stop()
		f.cancel()
		_ = f.srv.Close()
	})
	<-f.done
	return nil
}

// Done is closed once the forwarder has stopped serving.
func (f *Forwarder) Done() <-chan struct{} { return f.done }

// Err is why serving stopped when it was not ctx or Close (a failure of the listener), once
// Done is closed; nil otherwise.
func (f *Forwarder) Err() error {
	select {
	case <-f.done:
		return f.err
	default:
		return nil
	}
}
