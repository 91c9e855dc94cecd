package blaxeltest

import (
	"net/url"
	"testing"

	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Workspace is the workspace of the clients that Server.Client builds.
const Workspace = "test"

// clientKey is the bearer key of Server.Client's clients when the server accepts any key.
const clientKey = "test-key"

// InstantRetries is the retry policy of Server.Client's clients: as many retries as a default
// client makes, with no wait between them, so a test that meets failures does not wait on
// backoff. A Retry-After the fake is told to send (Fault.WithRetryAfter) is still waited for,
// up to a minute: the test asked for it.
func InstantRetries() blaxel.RetryPolicy {
	p := blaxel.DefaultRetryPolicy()
	p.BaseDelay, p.MaxDelay = 0, 0
	return p
}

// Client returns a client of the server, ready for a test: its control plane is URL, its run
// URL RunURL (where sandboxes and deployed workloads answer), its key one the server accepts
// (the first given to WithAPIKey, else "test-key"), its workspace Workspace, and its retries
// instant (InstantRetries). opts come after those and so replace them, e.g.
// blaxel.WithWorkspace("other") or blaxel.WithMaxRetries(0). An option that is refused fails
// the test.
func (s *Server) Client(t testing.TB, opts ...blaxel.Option) *blaxel.Client {
	t.Helper()
	c, err := blaxel.New(append(s.ClientOptions(), opts...)...)
	if err != nil {
		t.Fatalf("blaxeltest: Client: %v", err)
	}
	return c
}

// ClientOptions are the options Server.Client gives, for a client built by hand where no
// testing.TB is at hand (an example, a program): blaxel.New(srv.ClientOptions()...), with
// options of one's own appended.
func (s *Server) ClientOptions() []blaxel.Option {
	key := clientKey
	if len(s.cfg.apiKeys) > 0 {
		key = s.cfg.apiKeys[0]
	}
	opts := []blaxel.Option{
		blaxel.WithBaseURL(s.url), blaxel.WithRunURL(s.runURL),
		blaxel.WithAPIKey(key), blaxel.WithWorkspace(Workspace),
		blaxel.WithRetryPolicy(InstantRetries()),
	}
	if u, err := url.Parse(s.runURL); err == nil && !pipeline.IsLoopback(u.Hostname()) {
		opts = append(opts, blaxel.WithInsecureHTTP()) // the server speaks plain http wherever it listens
	}
	return opts
}
