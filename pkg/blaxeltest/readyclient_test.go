package blaxeltest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// Server.Client reaches both planes: the control plane, and the sandboxes and workloads at
// the run URL.
func TestClientReachesEveryPlane(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	client := srv.Client(t)
	ctx := context.Background()
	if _, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, nil); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, client, "box")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sb.Run(ctx, "echo hi")
	if err != nil || string(res.Stdout) != "hi\n" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	if _, err := client.CreateAgent(ctx, gen.Agent{Metadata: gen.Metadata{Name: "helper"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := client.WaitForAgent(ctx, "helper"); err != nil {
		t.Fatal(err)
	}
	body, err := client.RunAgent(ctx, "helper", strings.NewReader(`{"inputs":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	if b, _ := io.ReadAll(body); !strings.Contains(string(b), "hello") {
		t.Errorf("agent answered %s", b)
	}
	if n := srv.CommandStarts(blaxeltest.Workspace, "box", "echo hi"); n != 1 {
		t.Errorf("echo started %d times in workspace %s", n, blaxeltest.Workspace)
	}
}

// A request that always fails is retried as often as by a default client, and gives up with
// the last answer.
func TestClientRetriesWithoutBackoff(t *testing.T) {
	if p := blaxeltest.InstantRetries(); p.BaseDelay != 0 || p.MaxDelay != 0 || p.MaxRetries != blaxel.DefaultRetryPolicy().MaxRetries {
		t.Fatalf("policy %+v", p)
	}
	srv := blaxeltest.NewServer(t)
	srv.Inject("ListAgents", 100, blaxeltest.Status(503))
	_, err := srv.Client(t).ListAgents(context.Background(), nil)
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("error %v, want a 503", err)
	}
	if n, want := srv.Attempts("ListAgents"), 1+blaxel.DefaultRetryPolicy().MaxRetries; n != want {
		t.Errorf("%d attempts, want %d", n, want)
	}
}

// The caller's options come after the server's, and a server that names its keys gets one
// of them.
func TestClientOptionsReplaceTheServers(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("only-this-key"))
	ctx := context.Background()
	other := srv.Client(t, blaxel.WithWorkspace("other"), blaxel.WithMaxRetries(0))
	if _, err := other.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client(t).GetSandbox(ctx, "box", nil); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("the sandbox of workspace other, read in %s: %v", blaxeltest.Workspace, err)
	}
	srv.Inject("ListAgents", 1, blaxeltest.Status(503))
	if _, err := other.ListAgents(ctx, nil); err == nil || srv.Attempts("ListAgents") != 1 {
		t.Errorf("WithMaxRetries(0): %v after %d attempts", err, srv.Attempts("ListAgents"))
	}
}

// The first test of the fake's manual (docs/fake.md), as it shows it.
func TestDeploy(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(50*time.Millisecond))
	client := srv.Client(t)
	box := blaxeltest.Seed{Path: "/sandboxes", Body: map[string]any{
		"metadata": map[string]any{"name": "box"}, "spec": map[string]any{},
	}}
	if err := srv.Seed(box); err != nil {
		t.Fatal(err)
	}
	srv.Inject("GetSandbox", 2, blaxeltest.Status(503)) // the next two reads fail
	if _, err := client.GetSandbox(t.Context(), "box", nil); err != nil {
		t.Fatal(err) // a read is retried after a 503 (a creation is not: it might have been done)
	}
	if n := srv.Attempts("GetSandbox"); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}
