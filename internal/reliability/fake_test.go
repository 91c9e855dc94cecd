package reliability

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// TestFakeFaults runs faults of pkg/blaxeltest, the control plane that checks every request
// and answer against openapi.yaml, under the four methods, and counts the attempts the fake
// received for the operation.
func TestFakeFaults(t *testing.T) {
	noLeaks(t)
	type cell struct {
		name     string
		route    string // the operation the fault is armed on
		times    int
		fault    blaxeltest.Fault
		call     func(ctx context.Context, c *blaxel.Client, name string) error
		attempts int
		err      func(error) string
		timeout  time.Duration
	}
	get := func(ctx context.Context, c *blaxel.Client, name string) error {
		_, err := c.GetSandbox(ctx, name, nil)
		return err
	}
	put := func(ctx context.Context, c *blaxel.Client, name string) error {
		_, err := c.UpdateSandbox(ctx, name, gen.Sandbox{Metadata: gen.Metadata{Name: name}})
		return err
	}
	del := func(ctx context.Context, c *blaxel.Client, name string) error {
		_, err := c.DeleteSandbox(ctx, name)
		return err
	}
	post := func(ctx context.Context, c *blaxel.Client, name string) error {
		_, err := c.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: name + "-new"}}, nil)
		return err
	}
	var cells []cell
	for _, m := range []struct {
		method string
		route  string
		call   func(context.Context, *blaxel.Client, string) error
	}{{"GET", "GetSandbox", get}, {"PUT", "UpdateSandbox", put}, {"DELETE", "DeleteSandbox", del}, {"POST", "CreateSandbox", post}} {
		idem := m.method != "POST"
		pick := func(retried, once int) int {
			if idem {
				return retried
			}
			return once
		}
		okOr := func(code int) func(error) string {
			if idem {
				return success
			}
			return apiStatus(code)
		}
		cells = append(cells,
			cell{name: "503 twice, then the answer/" + m.method, route: m.route, times: 2, fault: blaxeltest.Status(503),
				call: m.call, attempts: pick(3, 1), err: okOr(503)},
			cell{name: "429 with Retry-After: 0 once/" + m.method, route: m.route, times: 1, fault: blaxeltest.Status(429).WithRetryAfter("0"),
				call: m.call, attempts: pick(2, 1), err: okOr(429)},
			cell{name: "edge HTML 504 always/" + m.method, route: m.route, fault: blaxeltest.EdgeTimeout(),
				call: m.call, attempts: pick(4, 1), err: all(apiStatus(504), textHas("text/html"))},
			// The gateway refused before passing it on: every method is sent again.
			cell{name: "gateway WORKLOAD_UNAVAILABLE once/" + m.method, route: m.route, times: 1, fault: blaxeltest.GatewayError("WORKLOAD_UNAVAILABLE"),
				call: m.call, attempts: 2, err: success},
			cell{name: "gateway FORBIDDEN/" + m.method, route: m.route, times: 1, fault: blaxeltest.GatewayError("FORBIDDEN"),
				call: m.call, attempts: 1, err: all(apiStatus(403), is(blaxel.ErrForbidden), textHas("FORBIDDEN"))},
			cell{name: "truncated JSON/" + m.method, route: m.route, times: 1, fault: blaxeltest.TruncatedJSON(),
				call: m.call, attempts: 1, err: decodeError("application/json")},
			cell{name: "disconnect in the body/" + m.method, route: m.route, times: 1, fault: blaxeltest.Disconnect(),
				call: m.call, attempts: 1, err: func(err error) string {
					if err == nil {
						return "want an error"
					}
					return ""
				}},
			cell{name: "hang past the deadline/" + m.method, route: m.route, times: 1, fault: blaxeltest.Hang(10 * time.Second),
				call: m.call, attempts: 1, err: is(context.DeadlineExceeded), timeout: 300 * time.Millisecond},
		)
	}
	fake := blaxeltest.NewServer(t)
	client, w := newClient(t, fake.URL(), withAPIKey())
	for i, c := range cells {
		t.Run(c.name, func(t *testing.T) {
			fake.ClearFaults()
			name := "sb-" + itoa(i)
			if err := fake.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{}},
				Workspace: workspace}); err != nil {
				t.Fatal(err)
			}
			fake.Inject(c.route, c.times, c.fault)
			before := fake.Attempts(c.route)
			ctx := context.Background()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			err := c.call(ctx, client, name)
			audit.err(err)
			audit.add("fake-cells", 1)
			defer func() {
				if !t.Failed() {
					audit.add("fake-cells-ok", 1)
				}
			}()
			if msg := c.err(err); msg != "" {
				t.Error(msg)
			}
			if got := fake.Attempts(c.route) - before; got != c.attempts {
				t.Errorf("%d attempts reached the fake, want %d", got, c.attempts)
			}
			if w.unclosed() != 0 {
				t.Errorf("%d bodies left open", w.unclosed())
			}
		})
	}
}

// TestFakeCreateNotDuplicated: the edge answers a creation with its HTML 504 while the sandbox
// is being created, and the first reads meet 503s. CreateSandboxAndWait sends the POST once,
// then finds the sandbox by polling.
func TestFakeCreateNotDuplicated(t *testing.T) {
	noLeaks(t)
	fake := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(200*time.Millisecond))
	client, _ := newClient(t, fake.URL(), withAPIKey())
	fake.Inject("CreateSandbox", 1, blaxeltest.EdgeTimeout().Committed())
	fake.Inject("GetSandbox", 2, blaxeltest.Status(503))
	sb, err := client.CreateSandboxAndWait(context.Background(), gen.Sandbox{Metadata: gen.Metadata{Name: "slow-box"}},
		blaxel.WithPollInterval(20*time.Millisecond))
	audit.err(err)
	if err != nil {
		t.Fatal(err)
	}
	if sb.Status == nil || *sb.Status != "DEPLOYED" {
		t.Errorf("status %v, want DEPLOYED", sb.Status)
	}
	if n := fake.Attempts("CreateSandbox"); n != 1 {
		t.Errorf("%d POSTs for one creation, want 1", n)
	}
	audit.add("edge-504", 1)
}

// TestFakeTokenExpiry: the fake's tokens expire on its clock. When the clock jumps past the
// expiry, the fake refuses the token with 401 and the client gets a new one, once, for a GET
// and for a POST alike.
func TestFakeTokenExpiry(t *testing.T) {
	noLeaks(t)
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	fake := blaxeltest.NewServer(t, blaxeltest.WithClientCredentials(clientID, clientSecret), blaxeltest.WithClock(clock))
	client, _ := newClient(t, fake.URL(), withClientCredentials())
	ctx := context.Background()
	if _, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "a"}}, nil); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(3 * time.Hour)) // past the 2 h the fake's tokens live
	if _, err := client.GetSandbox(ctx, "a", nil); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(6 * time.Hour))
	if _, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "b"}}, nil); err != nil {
		t.Fatal(err)
	}
	if n := fake.TokenRequests(); n != 3 {
		t.Errorf("%d token requests, want 3 (the first, then one per expiry)", n)
	}
	if n := fake.Attempts("CreateSandbox"); n != 3 {
		t.Errorf("%d POSTs, want 3: the first creation, then the second twice (refused with 401, then sent again)", n)
	}
	var apiErr *blaxel.APIError
	_, err := client.GetSandbox(ctx, "b", nil)
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
		t.Errorf("still unauthorized: %v", err)
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
