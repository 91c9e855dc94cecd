package blaxel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

var generatedSandboxName = regexp.MustCompile(`^sandbox-[0-9a-f]{8}$`)

func TestCreateSandboxWithoutANameAgainstTheFake(t *testing.T) {
	c, _ := fakeClient(t, blaxeltest.NewServer(t))
	labels := gen.MetadataLabels{"team": "research"}
	sb, err := c.CreateSandboxAndWait(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Labels: &labels}}, fast...)
	if err != nil {
		t.Fatal(err)
	}
	if !generatedSandboxName.MatchString(sb.Metadata.Name) || *sb.Status != gen.StatusDEPLOYED {
		t.Fatalf("sandbox %q is %v", sb.Metadata.Name, *sb.Status)
	}
	got, err := c.GetSandbox(t.Context(), sb.Metadata.Name, nil)
	if err != nil || (*got.Metadata.Labels)["team"] != "research" {
		t.Fatalf("GetSandbox: %+v, %v", got, err)
	}

	// Two nameless creations get two names.
	other, err := c.CreateSandbox(t.Context(), gen.Sandbox{}, nil)
	if err != nil || other.Metadata.Name == sb.Metadata.Name || !generatedSandboxName.MatchString(other.Metadata.Name) {
		t.Fatalf("second sandbox %q, error %v", other.Metadata.Name, err)
	}
}

// TestOnlySandboxesAreNamedByTheServer: the other creations still need a name.
func TestOnlySandboxesAreNamedByTheServer(t *testing.T) {
	c, _ := fakeClient(t, blaxeltest.NewServer(t))
	_, err := c.CreateAgent(t.Context(), gen.Agent{})
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		t.Fatalf("nameless agent: %v", err)
	}
}

func TestCreateSandboxWithoutANameSendsNone(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		if r.Method == http.MethodPost {
			var body struct{ Metadata map[string]any }
			raw, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(raw, &body); err != nil {
				return http.StatusBadRequest, `{"error":"bad_request","code":400,"message":"not JSON"}`
			}
			if _, ok := body.Metadata["name"]; ok {
				return http.StatusBadRequest, `{"error":"bad_request","code":400,"message":"a name was sent"}`
			}
			return http.StatusOK, deployment("sandbox-0a1b2c3d", "DEPLOYING")
		}
		return http.StatusOK, deployment("sandbox-0a1b2c3d", "DEPLOYED")
	})
	sb, err := c.CreateSandboxAndWait(context.Background(), gen.Sandbox{}, fast...)
	if err != nil || sb.Metadata.Name != "sandbox-0a1b2c3d" {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
	if s.count("GET /sandboxes/sandbox-0a1b2c3d") != 1 {
		t.Fatalf("requests %v", s.counts)
	}
}

// TestCreateSandboxWithoutANameLosesItsAnswer: the edge gives up on the creation, which may go
// on under a name nobody was told; nothing is polled and nothing is sent again.
func TestCreateSandboxWithoutANameLosesItsAnswer(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusGatewayTimeout, edgeTimeout
	})
	_, err := c.CreateSandboxAndWait(context.Background(), gen.Sandbox{}, fast...)
	var apiErr *blaxel.APIError
	if !errors.Is(err, blaxel.ErrNameUnknown) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("error %v", err)
	}
	if len(s.counts) != 1 || s.count("POST /sandboxes") != 1 {
		t.Fatalf("requests %v", s.counts)
	}
}

// TestCreateSandboxWithoutANameRefused: a refusal is returned as it is, not as a lost name.
func TestCreateSandboxWithoutANameRefused(t *testing.T) {
	_, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		return http.StatusForbidden, `{"error":"forbidden","code":403,"message":"no"}`
	})
	_, err := c.CreateSandboxAndWait(context.Background(), gen.Sandbox{}, fast...)
	if err == nil || errors.Is(err, blaxel.ErrNameUnknown) || !errors.Is(err, blaxel.ErrForbidden) {
		t.Fatalf("error %v", err)
	}
}
