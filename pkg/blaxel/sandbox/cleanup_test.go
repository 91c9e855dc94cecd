package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// stuckCleanup is a sandbox whose clean-up request (an abort, a kill) is answered only once
// the call that sent it has returned: a call that waits for its clean-up instead gives up on
// it first, which the sandbox sees as the request's cancellation.
type stuckCleanup struct {
	returned  chan struct{} // closed by the test when the call returns
	finished  chan struct{} // closed when the clean-up request is answered, or abandoned
	abandoned atomic.Bool   // the client gave up on the clean-up before the call returned
	once      sync.Once
}

func newStuckCleanup(t *testing.T) *stuckCleanup {
	s := &stuckCleanup{returned: make(chan struct{}), finished: make(chan struct{})}
	t.Cleanup(s.callReturned)
	return s
}

func (s *stuckCleanup) callReturned() { s.once.Do(func() { close(s.returned) }) }

func (s *stuckCleanup) handle(w http.ResponseWriter, r *http.Request) {
	defer close(s.finished)
	select {
	case <-s.returned:
		writeJSON(w, http.StatusOK, map[string]string{"message": "done"})
	case <-r.Context().Done():
		s.abandoned.Store(true)
	}
}

// returnsBeforeCleanup runs call, whose context ends while its clean-up is pending, and
// checks that it returns the context's error without waiting for the clean-up; then that the
// clean-up is sent and answered all the same, after which no goroutine is left.
func returnsBeforeCleanup(t *testing.T, stuck *stuckCleanup, call func() error) {
	t.Helper()
	err := call()
	stuck.callReturned()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
	select {
	case <-stuck.finished:
	case <-time.After(30 * time.Second): // guards a hang only
		t.Fatal("the clean-up was never sent")
	}
	if stuck.abandoned.Load() {
		t.Error("the call waited for its clean-up after its context ended, and gave up on it")
	}
}

func TestWriteFileReturnsOnceItsContextEndsWhileTheAbortGoesOn(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sbx, sb, srv := sandboxSetup(t)
	defer srv.Close()
	stuck := newStuckCleanup(t)
	sbx.HandleFunc("POST /filesystem-multipart/initiate/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"uploadId": "u1", "path": "/big"})
	})
	sbx.HandleFunc("PUT /filesystem-multipart/{id}/part", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // the parts hang until the caller's deadline
	})
	sbx.HandleFunc("DELETE /filesystem-multipart/{id}/abort", stuck.handle)
	returnsBeforeCleanup(t, stuck, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		return sb.WriteFile(ctx, "/big", bytes.NewReader(make([]byte, 3<<10)), 0, sandbox.WithPartSize(1<<10))
	})
}

func TestRunWithKillOnCancelReturnsOnceItsContextEndsWhileTheKillGoesOn(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sbx, sb, srv := sandboxSetup(t)
	defer srv.Close()
	stuck := newStuckCleanup(t)
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"type":"stdout","data":"started\n"}`+"\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	sbx.HandleFunc("DELETE /process/{name}/kill", stuck.handle)
	returnsBeforeCleanup(t, stuck, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := sb.Run(ctx, "sleep 100", sandbox.WithKillOnCancel())
		return err
	})
}
