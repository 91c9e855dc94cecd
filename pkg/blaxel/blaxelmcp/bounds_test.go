package blaxelmcp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// countingTransport counts the bytes the client reads of every answer's body.
type countingTransport struct {
	next http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countedBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// repeated is an endless run of one byte, cheap to send in any amount.
type repeated byte

func (r repeated) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// hugeAnswerSize is what the servers below send: far above the client's limit.
const (
	hugeAnswerSize = 96 << 20
	answerLimit    = 8 << 20
)

// writeHuge writes prefix, hugeAnswerSize bytes of x, then suffix.
func writeHuge(w io.Writer, prefix, suffix string) {
	if _, err := io.WriteString(w, prefix); err != nil {
		return
	}
	if _, err := io.Copy(w, io.LimitReader(repeated('x'), hugeAnswerSize)); err != nil {
		return
	}
	_, _ = io.WriteString(w, suffix)
}

// allocatedDuring is how many bytes f allocated, all goroutines counted.
func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// After connecting, a call's answer far above the client's limit is refused having read and
// allocated a bounded amount, whatever its kind: a JSON result (with and without its
// length), an error answer, an event of the answer's stream.
func TestMCPAnswersAreBoundedAfterConnecting(t *testing.T) {
	cases := map[string]struct {
		answer     func(w http.ResponseWriter, id json.RawMessage, key string)
		readAtMost int64
		tooLarge   bool // the error matches ErrResponseTooLarge
	}{
		"JSON result": {answer: func(w http.ResponseWriter, id json.RawMessage, _ string) {
			w.Header().Set("Content-Type", "application/json")
			writeHuge(w, `{"jsonrpc":"2.0","id":`+string(id)+`,"result":{"tools":[],"pad":"`, `"}}`)
		}, readAtMost: answerLimit + 1<<20, tooLarge: true},
		"JSON result with its length": {answer: func(w http.ResponseWriter, id json.RawMessage, _ string) {
			prefix, suffix := `{"jsonrpc":"2.0","id":`+string(id)+`,"result":{"tools":[],"pad":"`, `"}}`
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(prefix)+hugeAnswerSize+len(suffix)))
			writeHuge(w, prefix, suffix)
		}, readAtMost: 1 << 20, tooLarge: true},
		"error answer": {answer: func(w http.ResponseWriter, id json.RawMessage, _ string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			writeHuge(w, `{"jsonrpc":"2.0","id":`+string(id)+`,"error":{"code":1,"message":"`, `"}}`)
		}, readAtMost: 2 << 20},
		"event": {answer: func(w http.ResponseWriter, id json.RawMessage, _ string) {
			w.Header().Set("Content-Type", "text/event-stream")
			writeHuge(w, `data: {"jsonrpc":"2.0","id":`+string(id)+`,"result":{"tools":[],"pad":"`, "\"}}\n\n")
		}, readAtMost: answerLimit + 1<<20},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(hostileOnCall("tools/list", tc.answer))
			defer srv.Close()
			counter := &countingTransport{next: http.DefaultTransport}
			c := clientWithKey(t, srv, blaxel.WithHTTPClient(&http.Client{Transport: counter}), blaxel.WithMaxResponseBytes(answerLimit))
			session, err := blaxelmcp.Connect(t.Context(), c, "f")
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			counter.read.Store(0)
			allocated := allocatedDuring(func() { _, err = session.ListTools(t.Context(), nil) })
			if err == nil {
				t.Fatal("the answer was taken")
			}
			t.Logf("error: %.300v", err)
			t.Logf("read %d bytes of %d sent, allocated %d", counter.read.Load(), hugeAnswerSize, allocated)
			if tc.tooLarge && !errors.Is(err, blaxel.ErrResponseTooLarge) {
				t.Errorf("err %.300v, want one matching ErrResponseTooLarge", err)
			}
			if !tc.tooLarge && !strings.Contains(err.Error(), "Bad Request") && !strings.Contains(err.Error(), blaxel.ErrResponseTooLarge.Error()) {
				t.Errorf("err %.300v does not say what failed", err)
			}
			if got := counter.read.Load(); got > tc.readAtMost {
				t.Errorf("read %d bytes of the answer, want at most %d", got, tc.readAtMost)
			}
			if allocated > 6*answerLimit {
				t.Errorf("allocated %d bytes, want at most %d", allocated, 6*answerLimit)
			}
		})
	}
}
