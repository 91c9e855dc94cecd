package blaxel_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

const edgeTimeout = `<html><body><h1>504 Gateway Time-out</h1></body></html>`

func newSandbox(name string) gen.Sandbox {
	return gen.Sandbox{Metadata: gen.Metadata{Name: name}}
}

func TestCreateSandboxAndWait(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if r.Method == http.MethodPost {
			return http.StatusOK, deployment("sb", "UPLOADING")
		}
		if n < 2 {
			return http.StatusOK, deployment("sb", "DEPLOYING")
		}
		return http.StatusOK, deployment("sb", "DEPLOYED")
	})
	sb, err := c.CreateSandboxAndWait(context.Background(), newSandbox("sb"), fast...)
	if err != nil || *sb.Status != gen.StatusDEPLOYED {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
	if s.count("POST /sandboxes") != 1 || s.count("GET /sandboxes/sb") != 2 {
		t.Fatalf("requests %v", s.counts)
	}
}

// TestCreateSandboxSurvivesGatewayErrors: the edge gives up on the creation with an HTML
// page while it goes on; the sandbox shows up after a few 404s and is then waited for.
func TestCreateSandboxSurvivesGatewayErrors(t *testing.T) {
	for _, status := range []int{http.StatusGatewayTimeout, http.StatusBadGateway} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
				switch {
				case r.Method == http.MethodPost:
					return status, edgeTimeout
				case n <= 2:
					return http.StatusNotFound, `{"error":"not_found","code":404,"message":"no such sandbox"}`
				case n == 3:
					return http.StatusOK, deployment("sb", "BUILDING")
				}
				return http.StatusOK, deployment("sb", "DEPLOYED")
			})
			sb, err := c.CreateSandboxAndWait(context.Background(), newSandbox("sb"), fast...)
			if err != nil || *sb.Status != gen.StatusDEPLOYED {
				t.Fatalf("sandbox %+v, error %v", sb, err)
			}
			if n := s.count("POST /sandboxes"); n != 1 {
				t.Fatalf("%d creations sent, want 1", n)
			}
			if n := s.count("GET /sandboxes/sb"); n != 4 {
				t.Fatalf("%d polls, want 4", n)
			}
		})
	}
}

func TestCreateSandboxAfterGatewayErrorStopsWithContext(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if r.Method == http.MethodPost {
			return http.StatusGatewayTimeout, edgeTimeout
		}
		return http.StatusNotFound, `{"error":"not_found","code":404,"message":"no such sandbox"}`
	})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	_, err := c.CreateSandboxAndWait(ctx, newSandbox("sb"), fast...)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not found yet") {
		t.Fatalf("error %v", err)
	}
	if n := s.count("POST /sandboxes"); n != 1 {
		t.Fatalf("%d creations sent, want 1", n)
	}
}

// TestCreateSandboxAfterLostAnswer: the request went out but no answer came back in time;
// the creation may be under way, so the sandbox is looked for, not created again.
func TestCreateSandboxAfterLostAnswer(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if r.Method == http.MethodPost {
			select {
			case <-release:
			case <-time.After(2 * time.Second):
			}
			return http.StatusOK, deployment("sb", "UPLOADING")
		}
		return http.StatusOK, deployment("sb", "DEPLOYED")
	}, blaxel.WithHTTPClient(&http.Client{Timeout: 200 * time.Millisecond}))
	sb, err := c.CreateSandboxAndWait(context.Background(), newSandbox("sb"), fast...)
	if err != nil || *sb.Status != gen.StatusDEPLOYED {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
	if n := s.count("POST /sandboxes"); n != 1 {
		t.Fatalf("%d creations sent, want 1", n)
	}
}

func TestCreateSandboxConflictOnOnlyAttemptIsAnError(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusConflict, `{"error":"conflict","code":409,"message":"name taken"}`
	})
	_, err := c.CreateSandboxAndWait(context.Background(), newSandbox("sb"), fast...)
	if !errors.Is(err, blaxel.ErrConflict) {
		t.Fatalf("error %v", err)
	}
	if n := s.count("GET /sandboxes/sb"); n != 0 {
		t.Fatalf("%d polls after a plain conflict", n)
	}
}

func TestCreateSandboxOtherErrorsAreReturned(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusBadRequest, `{"error":"bad_request","code":400,"message":"invalid memory"}`
	})
	_, err := c.CreateSandboxAndWait(context.Background(), newSandbox("sb"), fast...)
	if !errors.Is(err, blaxel.ErrBadRequest) || s.count("GET /sandboxes/sb") != 0 {
		t.Fatalf("error %v, requests %v", err, s.counts)
	}
	if _, err := c.CreateSandboxAndWait(context.Background(), newSandbox(""), fast...); err == nil {
		t.Fatal("a sandbox without a name was accepted")
	}
}

// resendOnGatewayError plays a pipeline that sends a request again after a 504: the second
// answer, a 409, comes from the sandbox the first attempt created.
type resendOnGatewayError struct{ next http.RoundTripper }

func (t resendOnGatewayError) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	clone := func() *http.Request {
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		return r
	}
	resp, err := t.next.RoundTrip(clone())
	if err != nil || resp.StatusCode != http.StatusGatewayTimeout {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return t.next.RoundTrip(clone())
}

func TestCreateSandboxConflictAfterResentCreationMeansItExists(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		switch {
		case r.Method == http.MethodPost && n == 1:
			return http.StatusGatewayTimeout, edgeTimeout
		case r.Method == http.MethodPost:
			return http.StatusConflict, `{"error":"conflict","code":409,"message":"name taken"}`
		}
		return http.StatusOK, deployment("sb", "DEPLOYED")
	}, blaxel.WithHTTPClient(&http.Client{Transport: resendOnGatewayError{next: http.DefaultTransport}}))
	sb, err := c.CreateSandboxAndWait(context.Background(), newSandbox("sb"), fast...)
	if err != nil || sb.Metadata.Name != "sb" {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
	if s.count("POST /sandboxes") != 2 || s.count("GET /sandboxes/sb") != 1 {
		t.Fatalf("requests %v", s.counts)
	}
}
