package blaxel_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// scripted answers each request from a function of the request and of how many times the
// same method and path were asked before (1 for the first), and keeps what it saw.
type scripted struct {
	mu     sync.Mutex
	counts map[string]int
	seen   []*http.Request
	answer func(r *http.Request, n int) (status int, body string)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.Method + " " + r.URL.EscapedPath()
	s.counts[key]++
	n := s.counts[key]
	s.seen = append(s.seen, r)
	s.mu.Unlock()
	status, body := s.answer(r, n)
	if strings.HasPrefix(body, "<") {
		w.Header().Set("Content-Type", "text/html")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (s *scripted) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}

func newScripted(t *testing.T, answer func(r *http.Request, n int) (int, string), opts ...blaxel.Option) (*scripted, *blaxel.Client) {
	t.Helper()
	s := &scripted{counts: map[string]int{}, answer: answer}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	opts = append([]blaxel.Option{blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("ws"), blaxel.WithBaseURL(srv.URL)}, opts...)
	c, err := blaxel.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// fast keeps the tests quick: polls 1 ms apart, never more than 5 ms.
var fast = []blaxel.WaitOption{blaxel.WithPollInterval(time.Millisecond), blaxel.WithMaxPollInterval(5 * time.Millisecond)}

// deployment renders a sandbox, agent, function or model with a status and events.
func deployment(name, status string, events ...string) string {
	ev := ""
	if len(events) > 0 {
		ev = `,"events":[` + strings.Join(events, ",") + `]`
	}
	return fmt.Sprintf(`{"metadata":{"name":%q},"spec":{},"status":%q%s}`, name, status, ev)
}

func event(message, at string) string {
	return fmt.Sprintf(`{"message":%q,"status":"FAILED","time":%q}`, message, at)
}

func TestWaitForSandboxUntilDeployed(t *testing.T) {
	statuses := []string{"UPLOADING", "BUILDING", "DEPLOYING", "DEPLOYED"}
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusOK, deployment("sb", statuses[min(n, len(statuses))-1])
	})
	sb, err := c.WaitForSandbox(context.Background(), "sb", fast...)
	if err != nil {
		t.Fatal(err)
	}
	if sb.Status == nil || *sb.Status != gen.StatusDEPLOYED || sb.Metadata.Name != "sb" {
		t.Fatalf("sandbox %+v", sb)
	}
	if n := s.count("GET /sandboxes/sb"); n != 4 {
		t.Fatalf("%d polls, want 4", n)
	}
	for _, r := range s.seen {
		if r.Header.Get("Authorization") != "Bearer test-key" {
			t.Fatal("a poll went without the credential")
		}
	}
}

func TestWaitForSandboxFailsFastWithLatestEvent(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if n == 1 {
			return http.StatusOK, deployment("sb", "BUILDING")
		}
		return http.StatusOK, deployment("sb", "FAILED",
			event("image pulled", "2026-05-01T10:00:00Z"),
			event("out of memory while starting", "2026-05-01T10:02:00Z"),
			event("container created", "2026-05-01T10:01:00Z"))
	})
	sb, err := c.WaitForSandbox(context.Background(), "sb", fast...)
	var statusErr *blaxel.StatusError
	if !errors.As(err, &statusErr) || !errors.Is(err, blaxel.ErrStatusFailed) {
		t.Fatalf("error %v, want a *StatusError", err)
	}
	if statusErr.Status != "FAILED" || statusErr.Message != "out of memory while starting" {
		t.Fatalf("status %q, message %q", statusErr.Status, statusErr.Message)
	}
	if !strings.Contains(err.Error(), `sandbox "sb" is FAILED: out of memory`) {
		t.Fatalf("error text %q", err)
	}
	if sb == nil || sb.Metadata.Name != "sb" {
		t.Fatal("the last sandbox read is not returned with the error")
	}
	if n := s.count("GET /sandboxes/sb"); n != 2 {
		t.Fatalf("%d polls, want 2", n)
	}
}

func TestWaitUsesListOrderWhenEventTimesAreMissing(t *testing.T) {
	_, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusOK, deployment("a", "FAILED",
			event("later by time", "2026-05-01T10:02:00Z"),
			`{"message":"last in the list"}`,
			`{"status":"FAILED"}`)
	})
	_, err := c.WaitForAgent(context.Background(), "a", fast...)
	var statusErr *blaxel.StatusError
	if !errors.As(err, &statusErr) || statusErr.Message != "last in the list" {
		t.Fatalf("error %v", err)
	}
}

func TestWaitForEachKind(t *testing.T) {
	tests := []struct {
		name string
		path string
		done string // the body once finished
		wait func(c *blaxel.Client) error
	}{
		{"agent", "/agents/ag", deployment("ag", "DEPLOYED"), func(c *blaxel.Client) error {
			a, err := c.WaitForAgent(context.Background(), "ag", fast...)
			if err == nil && a.Metadata.Name != "ag" {
				err = fmt.Errorf("agent %+v", a)
			}
			return err
		}},
		{"function", "/functions/fn", deployment("fn", "DEPLOYED"), func(c *blaxel.Client) error {
			_, err := c.WaitForFunction(context.Background(), "fn", fast...)
			return err
		}},
		{"model", "/models/mo", deployment("mo", "DEPLOYED"), func(c *blaxel.Client) error {
			_, err := c.WaitForModel(context.Background(), "mo", fast...)
			return err
		}},
		{"job execution", "/jobs/j1/executions/x1", `{"spec":{},"status":"succeeded"}`, func(c *blaxel.Client) error {
			x, err := c.WaitForJobExecution(context.Background(), "j1", "x1", fast...)
			if err == nil && *x.Status != gen.JobExecutionStatusSucceeded {
				err = fmt.Errorf("execution %+v", x)
			}
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
				if r.URL.Path != tt.path {
					return http.StatusNotFound, `{"error":"not_found","code":404,"message":"no route"}`
				}
				if n < 3 {
					return http.StatusOK, strings.NewReplacer("DEPLOYED", "DEPLOYING", "succeeded", "running").Replace(tt.done)
				}
				return http.StatusOK, tt.done
			})
			if err := tt.wait(c); err != nil {
				t.Fatal(err)
			}
			if n := s.count("GET " + tt.path); n != 3 {
				t.Fatalf("%d polls, want 3", n)
			}
		})
	}
}

func TestWaitForJobExecutionFailsWithTaskMessage(t *testing.T) {
	_, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusOK, `{"spec":{},"status":"failed","tasks":[
			{"status":"succeeded","conditions":[{"message":"fine"}]},
			{"status":"failed","conditions":[{"message":"starting"},{"message":"exit code 3"}]}]}`
	})
	_, err := c.WaitForJobExecution(context.Background(), "j1", "x1", fast...)
	var statusErr *blaxel.StatusError
	if !errors.As(err, &statusErr) || statusErr.Status != "failed" || statusErr.Message != "exit code 3" {
		t.Fatalf("error %v", err)
	}
}

// The caller gives up while the sandbox is still building: the wait ends with its context, and
// says where the sandbox was. The context ends on the third poll rather than after a delay,
// so that a slow machine cannot end it before the first answer.
func TestWaitEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if n >= 3 {
			cancel()
		}
		return http.StatusOK, deployment("sb", "BUILDING")
	})
	sb, err := c.WaitForSandbox(ctx, "sb", fast...)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still BUILDING") {
		t.Fatalf("error %v", err)
	}
	if sb == nil {
		t.Fatal("the last sandbox read is not returned")
	}
}

func TestWaitReturnsReadErrors(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusNotFound, `{"error":"not_found","code":404,"message":"no such sandbox"}`
	})
	_, err := c.WaitForSandbox(context.Background(), "sb", fast...)
	if !errors.Is(err, blaxel.ErrNotFound) {
		t.Fatalf("error %v", err)
	}
	if n := s.count("GET /sandboxes/sb"); n != 1 {
		t.Fatalf("%d polls, want 1", n)
	}
}

func TestWaitCustomStatuses(t *testing.T) {
	statuses := []string{"DEPLOYED", "FAILED", "DEACTIVATING", "DEACTIVATED"}
	_, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusOK, deployment("sb", statuses[min(n, len(statuses))-1])
	})
	opts := append([]blaxel.WaitOption{blaxel.WithTargetStatuses("deactivated"), blaxel.WithFailureStatuses()}, fast...)
	sb, err := c.WaitForSandbox(context.Background(), "sb", opts...)
	if err != nil || *sb.Status != gen.StatusDEACTIVATED {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
}

func TestWaitRefusesBadInput(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) { return http.StatusOK, deployment("x", "DEPLOYED") })
	ctx := context.Background()
	for _, name := range []string{"", ".", ".."} {
		if _, err := c.WaitForSandbox(ctx, name, fast...); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if _, err := c.WaitForJobExecution(ctx, "j", "..", fast...); err == nil {
		t.Error("execution id .. accepted")
	}
	for _, opt := range []blaxel.WaitOption{
		blaxel.WithPollInterval(0), blaxel.WithMaxPollInterval(-time.Second),
		blaxel.WithTargetStatuses(), blaxel.WithTargetStatuses(""), blaxel.WithFailureStatuses(""),
	} {
		if _, err := c.WaitForSandbox(ctx, "x", opt); err == nil {
			t.Error("a bad option was accepted")
		}
	}
	if len(s.seen) != 0 {
		t.Fatalf("%d requests sent for bad input", len(s.seen))
	}
}

// TestWaitBacksOff checks the pauses between polls of the generic Wait: they start at the
// poll interval and grow by half each time up to the maximum.
func TestWaitBacksOff(t *testing.T) {
	var at []time.Time
	get := func(context.Context) (string, error) {
		at = append(at, time.Now())
		if len(at) == 6 {
			return "DEPLOYED", nil
		}
		return "BUILDING", nil
	}
	state := func(s string) (string, string) { return s, "" }
	_, err := blaxel.Wait(context.Background(), get, state,
		blaxel.WithPollInterval(20*time.Millisecond), blaxel.WithMaxPollInterval(40*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// Pauses: 20, 30, 40, 40, 40 ms. Timers never fire early, so each is a lower bound.
	want := []time.Duration{20, 30, 40, 40, 40}
	for i, w := range want {
		gap := at[i+1].Sub(at[i])
		if gap < w*time.Millisecond {
			t.Errorf("pause %d lasted %v, want at least %v ms", i, gap, w)
		}
		if gap > w*time.Millisecond+time.Second {
			t.Errorf("pause %d lasted %v, far more than %v ms", i, gap, w)
		}
	}
	total := at[len(at)-1].Sub(at[0])
	if total > 2*time.Second {
		t.Errorf("the wait took %v", total)
	}
}

// The first poll is sent at once, as the docs say: a resource already deployed is returned
// without any pause, however long the poll interval.
func TestWaitPollsAtOnce(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) { return http.StatusOK, deployment("sb", "DEPLOYED") })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // guards a hang only
	defer cancel()
	if _, err := c.WaitForSandbox(ctx, "sb", blaxel.WithPollInterval(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := s.count("GET /sandboxes/sb"); n != 1 {
		t.Fatalf("%d polls", n)
	}
}

// The docs of the wait's pacing say what the loop does: the first poll is sent at once.
func TestWaitDocsSayTheFirstPollIsAtOnce(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "wait.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := doc.NewFromFiles(fset, []*ast.File{file}, "github.com/blaxel-go/blaxel/pkg/blaxel")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, c := range docs.Consts {
		for _, name := range c.Names {
			texts[name] = c.Doc
		}
	}
	for _, f := range docs.Funcs {
		texts[f.Name] = f.Doc
	}
	for _, typ := range docs.Types {
		for _, f := range typ.Funcs {
			texts[f.Name] = f.Doc
		}
	}
	for _, name := range []string{"DefaultPollInterval", "WithPollInterval", "Wait"} {
		text := strings.Join(strings.Fields(texts[name]), " ")
		if !strings.Contains(text, "first poll is sent at once") {
			t.Errorf("the doc of %s does not say the first poll is sent at once: %q", name, text)
		}
	}
}
