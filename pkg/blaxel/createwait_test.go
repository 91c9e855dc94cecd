package blaxel_test

import (
	"context"
	"errors"
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if r.Method == http.MethodPost {
			return http.StatusGatewayTimeout, edgeTimeout
		}
		if n >= 3 {
			cancel() // the caller gives up while the sandbox is still not found
		}
		return http.StatusNotFound, `{"error":"not_found","code":404,"message":"no such sandbox"}`
	})
	_, err := c.CreateSandboxAndWait(ctx, newSandbox("sb"), fast...)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not found yet") {
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

// The pipeline resends a creation only when the first attempt did nothing (here a 401 that
// renews the token), so a 409 after it means another sandbox already had the name: an error,
// not a sandbox to wait for.
func TestCreateSandboxConflictAfterResentCreationIsAnError(t *testing.T) {
	mux, srv := setup(t)
	tokenServer(mux, 3600)
	creates, polls := &recorder{}, &recorder{}
	mux.HandleFunc("POST /v0/sandboxes", func(w http.ResponseWriter, r *http.Request) {
		if creates.add(r); creates.count() == 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
			return
		}
		writeJSON(w, http.StatusConflict, map[string]any{"error": "conflict", "code": 409, "message": "name taken"})
	})
	mux.HandleFunc("GET /v0/sandboxes/taken", func(w http.ResponseWriter, r *http.Request) {
		polls.add(r)
		writeJSON(w, http.StatusOK, sandboxJSON("taken"))
	})
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.CreateSandboxAndWait(ctx, newSandbox("taken"), fast...)
	if !errors.Is(err, blaxel.ErrConflict) {
		t.Fatalf("error %v", err)
	}
	if creates.count() != 2 || polls.count() != 0 {
		t.Fatalf("%d creations and %d polls, want 2 and 0", creates.count(), polls.count())
	}
}

// Every Create...AndWait is one creation and a wait, and survives the edge's 504 the same way:
// one POST, then polls through the 404s of a resource not visible yet.
func TestCreateAndWaitOfEachKindSurvivesGatewayErrors(t *testing.T) {
	kinds := []struct {
		path   string
		create func(c *blaxel.Client, ctx context.Context) (string, error)
	}{
		{"agents", func(c *blaxel.Client, ctx context.Context) (string, error) {
			a, err := c.CreateAgentAndWait(ctx, gen.Agent{Metadata: gen.Metadata{Name: "it"}}, fast...)
			return statusOf(a, err, func() *gen.Status { return a.Status })
		}},
		{"functions", func(c *blaxel.Client, ctx context.Context) (string, error) {
			f, err := c.CreateFunctionAndWait(ctx, gen.Function{Metadata: gen.Metadata{Name: "it"}}, fast...)
			return statusOf(f, err, func() *gen.Status { return f.Status })
		}},
		{"models", func(c *blaxel.Client, ctx context.Context) (string, error) {
			m, err := c.CreateModelAndWait(ctx, gen.Model{Metadata: gen.Metadata{Name: "it"}}, fast...)
			return statusOf(m, err, func() *gen.Status { return m.Status })
		}},
		{"sandboxes", func(c *blaxel.Client, ctx context.Context) (string, error) {
			s, err := c.CreateSandboxAndWait(ctx, newSandbox("it"), fast...)
			return statusOf(s, err, func() *gen.Status { return s.Status })
		}},
	}
	for _, kind := range kinds {
		t.Run(kind.path, func(t *testing.T) {
			s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
				switch {
				case r.Method == http.MethodPost:
					return http.StatusGatewayTimeout, edgeTimeout
				case n <= 2:
					return http.StatusNotFound, `{"error":"not_found","code":404,"message":"not there yet"}`
				}
				return http.StatusOK, deployment("it", "DEPLOYED")
			})
			status, err := kind.create(c, context.Background())
			if err != nil || status != "DEPLOYED" {
				t.Fatalf("status %q, error %v", status, err)
			}
			if n := s.count("POST /" + kind.path); n != 1 {
				t.Fatalf("%d creations sent, want 1", n)
			}
			if n := s.count("GET /" + kind.path + "/it"); n != 3 {
				t.Fatalf("%d polls, want 3", n)
			}
		})
	}
}

func statusOf[T any](v *T, err error, status func() *gen.Status) (string, error) {
	if err != nil {
		return "", err
	}
	if v == nil || status() == nil {
		return "", errors.New("no status")
	}
	return string(*status()), nil
}
