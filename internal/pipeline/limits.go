package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// DefaultMaxResponseBytes is the largest successful answer a client decodes unless
// WithMaxResponseBytes says otherwise: 64 MiB, far above any answer of the API.
const DefaultMaxResponseBytes = 64 << 20

// ErrResponseTooLarge is the cause of the *DecodeError that refuses a successful answer larger
// than the client's limit (DefaultMaxResponseBytes, or WithMaxResponseBytes). The answer is
// refused before it is decoded: its Content-Length is checked first, and a body without one is
// counted as it is read.
var ErrResponseTooLarge = errors.New("blaxel: the answer is larger than the client's limit")

// TooLarge is the error of an answer above limit bytes.
func TooLarge(req *http.Request, resp *http.Response, limit int64, r *redact.Redactor) *DecodeError {
	return NewDecodeError(req, resp, nil, fmt.Errorf("%w (%d bytes)", ErrResponseTooLarge, limit), r)
}

// ReadAtMost reads up to n bytes of body, and reports whether it stopped at n (the body may go
// on). It gives up when ctx ends, by closing the body, which ends a read on any transport:
// without that, a server that stops sending would hold the caller past its deadline.
func ReadAtMost(ctx context.Context, body io.ReadCloser, n int) ([]byte, bool, error) {
	stop := context.AfterFunc(ctx, func() { body.Close() })
	defer stop()
	b, err := io.ReadAll(io.LimitReader(body, int64(n)))
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return b, len(b) == n, err
}

// informationalAsFinal makes a 1xx answer that came as the final one (a 101 Switching
// Protocols, or any 1xx a transport hands back) an answer without a body: the body of a 101 is
// the connection itself, which a silent server keeps open, and reading it would outlast any
// deadline. The connection is closed, and the answer becomes an *APIError at once. A 101 to
// a request that asked for that upgrade (a WebSocket handshake) is the answer it wants, and
// is kept.
func informationalAsFinal(resp *http.Response) *http.Response {
	if resp == nil || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols && askedUpgrade(resp.Request) {
		return resp
	}
	if resp.Body != nil {
		resp.Body.Close()
	}
	resp.Body = http.NoBody
	return resp
}

// askedUpgrade reports whether a request asks to switch protocols (Connection: Upgrade with
// an Upgrade header), as a WebSocket handshake does.
func askedUpgrade(req *http.Request) bool {
	if req == nil || req.Header.Get("Upgrade") == "" {
		return false
	}
	for _, v := range req.Header.Values("Connection") {
		for token := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "upgrade") {
				return true
			}
		}
	}
	return false
}
