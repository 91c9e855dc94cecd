// Package conntest serves tests that check whether a client reuses its connections: a
// handler wrapper that counts the connections requests come over, and ends every body that
// has data apart from that data, as a body may end through a network; and a transport that
// watches the reads of the bodies it answers (ReadWatch), for the closing of a body whose
// read is under way.
package conntest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// EndDelay is how long after its data a body's end is sent: long enough for a client that
// stops at the end of the data (a JSON value, a final event) to close the body before.
const EndDelay = 20 * time.Millisecond

// Counter counts the connections of the requests its handlers serve.
type Counter struct {
	mu    sync.Mutex
	conns map[string]bool
}

// Count is how many connections requests came over since the last Reset.
func (c *Counter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.conns)
}

// Reset forgets the connections seen so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conns = nil
}

func (c *Counter) add(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns == nil {
		c.conns = map[string]bool{}
	}
	c.conns[addr] = true
}

// LateEnd serves h, counting the request's connection. A body that h wrote without a
// Content-Length is sent chunked, its data flushed as soon as h returns and its end
// (the last, empty chunk) EndDelay later.
func (c *Counter) LateEnd(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(r.RemoteAddr)
		rec := &wroteWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if !rec.wrote || w.Header().Get("Content-Length") != "" {
			return
		}
		if err := http.NewResponseController(w).Flush(); err != nil {
			return
		}
		select {
		case <-time.After(EndDelay):
		case <-r.Context().Done():
		}
	})
}

// wroteWriter records whether a handler wrote any of a body.
type wroteWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *wroteWriter) Write(p []byte) (int, error) {
	w.wrote = w.wrote || len(p) > 0
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer (Flush, Hijack).
func (w *wroteWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Serve serves h behind LateEnd until the test ends, and returns a client whose every
// connection, whatever address it is for, reaches that server: a client of a server that
// names its own addresses (the fake of package blaxeltest) reaches it through LateEnd.
func (c *Counter) Serve(t testing.TB, h http.Handler) *http.Client {
	t.Helper()
	srv := httptest.NewServer(c.LateEnd(h))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
