package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// env is a process environment for run: HOME is an empty directory, so no config file is found.
func env(t *testing.T, vars map[string]string) func(string) string {
	home := t.TempDir()
	return func(name string) string {
		if name == "HOME" {
			return home
		}
		return vars[name]
	}
}

func TestTourAgainstTheBuiltInFake(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-fake-delay", "20ms"}, &out, env(t, nil)); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"the built-in fake control plane",
		"[1/7] Created service account quickstart-",
		"[2/7] Created API key",
		"[3/7] Created sandbox quickstart-",
		"[4/7] Created private preview web",
		"[5/7] Created preview token visitor",
		"[6/7] Listed 4 sandboxes, 2 per page",
		"[7/7] Cleaned up: deleted the preview token, the preview, the sandbox, the API key, the service account",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d is %q, want it to contain %q", i+1, lines[i], w)
		}
	}
	if !strings.Contains(lines[3], "DEPLOYED") {
		t.Errorf("the sandbox line does not say DEPLOYED: %q", lines[3])
	}
}

// serverEnv points the tour at a fake server through Blaxel's environment variables.
func serverEnv(t *testing.T, opts ...blaxeltest.Option) (*blaxeltest.Server, func(string) string) {
	srv := blaxeltest.NewServer(t, append([]blaxeltest.Option{blaxeltest.WithAPIKey("bl_key"), blaxeltest.WithDeployDelay(10 * time.Millisecond)}, opts...)...)
	return srv, env(t, map[string]string{"BL_API_URL": srv.URL(), "BL_API_KEY": "bl_key", "BL_WORKSPACE": "ws"})
}

func TestTourAgainstBLAPIURLWrites(t *testing.T) {
	srv, getenv := serverEnv(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-write"}, &out, getenv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), srv.URL()) || !strings.Contains(out.String(), "[7/7] Cleaned up") {
		t.Errorf("output:\n%s", out.String())
	}
	deleted := 0
	for _, r := range srv.Requests() {
		if r.Method == "DELETE" {
			if r.Status != 200 {
				t.Errorf("%s answered %d", r.OperationID, r.Status)
			}
			deleted++
		}
	}
	if deleted != 5 {
		t.Errorf("%d deletions, want 5", deleted)
	}
}

func TestReadOnlyTourChangesNothing(t *testing.T) {
	srv, getenv := serverEnv(t)
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: map[string]any{"metadata": map[string]any{"name": "mine"}, "spec": map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, getenv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Read-only") || !strings.Contains(out.String(), "[1/3] 1 sandbox, read 2 per page: mine") {
		t.Errorf("output:\n%s", out.String())
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("a read-only tour sent %s %s", r.Method, r.Path)
		}
	}
}

func TestTourFailsClearlyAndCleansUp(t *testing.T) {
	srv, getenv := serverEnv(t)
	srv.Inject("CreateSandbox", 0, blaxeltest.Status(403))
	var out bytes.Buffer
	err := run(context.Background(), []string{"-write"}, &out, getenv)
	if err == nil || !strings.Contains(err.Error(), "create sandbox") || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err %v", err)
	}
	if n := srv.Attempts("DeleteWorkspaceServiceAccount"); n != 1 {
		t.Errorf("the service account was deleted %d times, want 1", n)
	}
	if !strings.Contains(out.String(), "[7/7] Cleaned up: deleted the API key, the service account\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestBLAPIURLNeedsAKey(t *testing.T) {
	err := run(context.Background(), nil, &bytes.Buffer{}, env(t, map[string]string{"BL_API_URL": "http://127.0.0.1:1/v0"}))
	if err == nil || !strings.Contains(err.Error(), "BL_API_KEY") {
		t.Errorf("err %v", err)
	}
}

func TestInterruptedTourStillCleansUp(t *testing.T) {
	srv, getenv := serverEnv(t, blaxeltest.WithDeployDelay(time.Hour)) // the wait never ends by itself
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Once the wait polls, the creation has been answered: the sandbox exists to delete.
		for srv.Attempts("GetSandbox") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel() // as Ctrl-C does, while the tour waits for the sandbox
	}()
	var out bytes.Buffer
	err := run(ctx, []string{"-write"}, &out, getenv)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Cleaned up: deleted the sandbox, the API key, the service account") {
		t.Errorf("output:\n%s", out.String())
	}
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithAPIKey("bl_key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := client.ListSandboxes(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := client.GetWorkspaceServiceAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes.Data) != 0 || len(accounts) != 0 {
		t.Errorf("the fake still holds resources: %d sandboxes, %d service accounts", len(boxes.Data), len(accounts))
	}
}

// A success other than the declared one is an error of the method itself (a *DecodeError
// naming the status): the tour needs no check of its own.
func TestTourRefusesASuccessWithoutTheDocumentedBody(t *testing.T) {
	for _, op := range []string{"CreateWorkspaceServiceAccount", "CreateApiKeyForServiceAccount", "CreateSandboxPreview", "CreateSandboxPreviewToken"} {
		t.Run(op, func(t *testing.T) {
			srv, getenv := serverEnv(t)
			srv.Inject(op, 1, blaxeltest.Status(201).Committed())
			err := run(context.Background(), []string{"-write"}, &bytes.Buffer{}, getenv)
			if err == nil || !strings.Contains(err.Error(), "201") {
				t.Errorf("err %v, want one naming the 201", err)
			}
		})
	}
}
