package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

func TestStdinAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	proc, err := sb.Exec(ctx, sandbox.Command{Command: "cat", Name: "echo", Stdin: true})
	if err != nil {
		t.Fatal(err)
	}
	if proc.Stdin == nil || !*proc.Stdin {
		t.Errorf("the process says it has no stdin: %+v", proc)
	}
	stdin, err := sb.Stdin(ctx, proc.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"hello\n", "", "world\n"} {
		if n, err := io.WriteString(stdin, line); err != nil || n != len(line) {
			t.Fatalf("write %q: %d, %v", line, n, err)
		}
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := stdin.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if _, err := stdin.Write([]byte("late")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("a write after Close: %v", err)
	}
	done, err := sb.Wait(ctx, proc.Name)
	if err != nil || done.Stdout == nil || *done.Stdout != "hello\nworld\n" {
		t.Fatalf("process %+v, error %v", done, err)
	}
}

func TestStdinOfAProcessWithoutOne(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	proc, err := sb.Exec(ctx, sandbox.Command{Command: "sleep 100", Name: "deaf"})
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := sb.Stdin(ctx, proc.Name)
	for range 2 { // a refusal leaves the writer usable: nothing was written
		if _, err := stdin.Write([]byte("x")); !errors.Is(err, blaxel.ErrConflict) || errors.Is(err, sandbox.ErrStdinBroken) {
			t.Fatalf("write: %v", err)
		}
	}
	if err := stdin.Close(); !errors.Is(err, blaxel.ErrConflict) {
		t.Errorf("close: %v", err)
	}
	if _, err := sb.Stdin(ctx, ""); err == nil {
		t.Error("an empty process name was accepted")
	}
}

// stdinServer is a sandbox whose stdin endpoint answers as answer says, counting requests.
type stdinServer struct {
	mu     sync.Mutex
	writes [][]byte
}

func (s *stdinServer) sandbox(t *testing.T, answer func(w http.ResponseWriter, n int), opts ...blaxel.Option) *sandbox.Sandbox {
	mux, sb, _ := sandboxSetup(t, opts...)
	mux.HandleFunc("POST /process/{id}/stdin", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.writes = append(s.writes, body)
		n := len(s.writes)
		s.mu.Unlock()
		answer(w, n)
	})
	return sb
}

func (s *stdinServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.writes)
}

func written(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"message": "written"})
}

// TestStdinWritesAreNeverResent: a write whose answer is lost is sent once, even by a client
// whose CheckRetry would retry anything; the writer then refuses to go on.
func TestStdinWritesAreNeverResent(t *testing.T) {
	retryAll := blaxel.WithCheckRetry(func(blaxel.Outcome) bool { return true })
	for _, tc := range []struct {
		name   string
		answer func(t *testing.T, w http.ResponseWriter)
	}{
		{"reset", func(t *testing.T, w http.ResponseWriter) { resetConnection(t, w) }},
		{"502", func(t *testing.T, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }},
		{"504", func(t *testing.T, w http.ResponseWriter) { w.WriteHeader(http.StatusGatewayTimeout) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stdinServer{}
			sb := s.sandbox(t, func(w http.ResponseWriter, n int) {
				if n == 1 {
					written(w)
					return
				}
				tc.answer(t, w)
			}, retryAll)
			stdin, _ := sb.Stdin(context.Background(), "p")
			if _, err := stdin.Write([]byte("one")); err != nil {
				t.Fatal(err)
			}
			_, err := stdin.Write([]byte("two"))
			if !errors.Is(err, sandbox.ErrStdinBroken) {
				t.Fatalf("write: %v", err)
			}
			if _, again := stdin.Write([]byte("three")); !errors.Is(again, sandbox.ErrStdinBroken) {
				t.Errorf("a write after a broken one: %v", again)
			}
			if n := s.count(); n != 2 {
				t.Errorf("%d requests, want 2: nothing is resent", n)
			}
		})
	}
}

// TestStdinRefusalIsNotRetried: 503 (the process no longer reads) is returned at once,
// nothing written, and the writer stays usable.
func TestStdinRefusalIsNotRetried(t *testing.T) {
	s := &stdinServer{}
	sb := s.sandbox(t, func(w http.ResponseWriter, n int) {
		if n == 1 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "process stopped reading stdin"})
			return
		}
		written(w)
	})
	stdin, _ := sb.Stdin(context.Background(), "p")
	_, err := stdin.Write([]byte("x"))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || errors.Is(err, sandbox.ErrStdinBroken) {
		t.Fatalf("write: %v", err)
	}
	if s.count() != 1 {
		t.Fatalf("%d requests, want 1", s.count())
	}
	if _, err := stdin.Write([]byte("y")); err != nil {
		t.Errorf("the next write: %v", err)
	}
}

// TestStdinSplitsLargeWrites: a write above MaxStdinWrite goes in requests of that size, in order.
func TestStdinSplitsLargeWrites(t *testing.T) {
	s := &stdinServer{}
	sb := s.sandbox(t, func(w http.ResponseWriter, n int) { written(w) })
	stdin, _ := sb.Stdin(context.Background(), "p")
	data := make([]byte, sandbox.MaxStdinWrite+10)
	data[0], data[len(data)-1] = 'a', 'z'
	if n, err := stdin.Write(data); err != nil || n != len(data) {
		t.Fatalf("write: %d, %v", n, err)
	}
	if len(s.writes) != 2 || len(s.writes[0]) != sandbox.MaxStdinWrite || len(s.writes[1]) != 10 ||
		s.writes[0][0] != 'a' || s.writes[1][9] != 'z' {
		t.Errorf("%d requests", len(s.writes))
	}
}
