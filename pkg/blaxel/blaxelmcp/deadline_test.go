package blaxelmcp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// A call whose context reaches its deadline fails with an error that matches the context's,
// and leaves the session serving the next call.
func TestMCPCallAfterItsDeadlineMatchesTheContext(t *testing.T) {
	for _, hung := range []string{"the answer's headers", "the answer's body"} {
		t.Run(hung, func(t *testing.T) {
			release := make(chan struct{})
			var hangs atomic.Int32
			handler := mcpServer()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.GetBody == nil {
					data, _ := io.ReadAll(r.Body)
					if strings.Contains(string(data), `"tools/list"`) && hangs.Add(1) == 1 {
						if hung == "the answer's body" {
							w.Header().Set("Content-Type", "application/json")
							w.WriteHeader(http.StatusOK)
							_, _ = w.Write([]byte(`{"jsonrpc":"2.0",`))
							w.(http.Flusher).Flush()
						}
						<-release
						return
					}
					r.Body = io.NopCloser(strings.NewReader(string(data)))
				}
				handler.ServeHTTP(w, r)
			}))
			defer srv.Close()
			defer close(release)
			session, err := blaxelmcp.Connect(t.Context(), forcedFunction(t, srv), "f")
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			_, err = session.ListTools(ctx, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err %v, want one matching %v", err, ctx.Err())
			}
			if _, err := session.ListTools(t.Context(), nil); err != nil {
				t.Errorf("the next call: %v", err)
			}
		})
	}
}
