package controlplane_test

import (
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func events(a faketest.Answer) []map[string]any {
	raw, _ := a.Body["events"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i], _ = e.(map[string]any)
	}
	return out
}

func TestSandboxGoesDeployingThenDeployed(t *testing.T) {
	clk := faketest.NewClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithDeployDelay(10*time.Second))
	created := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	if created.Str("status") != "DEPLOYING" || len(events(created)) != 1 {
		t.Fatalf("created: %s", created.Raw)
	}
	clk.Advance(9 * time.Second)
	if got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200); got.Str("status") != "DEPLOYING" {
		t.Errorf("after 9s: %s", got.Str("status"))
	}
	clk.Advance(time.Second)
	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200)
	ev := events(got)
	if got.Str("status") != "DEPLOYED" || len(ev) != 2 || ev[1]["status"] != "DEPLOYED" || ev[1]["type"] != "deployment" || ev[1]["time"] != "2026-05-01T12:00:10Z" {
		t.Errorf("after 10s: %s", got.Raw)
	}
	// Listings see the same.
	list := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?status=DEPLOYED"}).MustStatus(t, 200)
	if n := len(names(t, list)); n != 1 {
		t.Errorf("%d deployed sandboxes listed", n)
	}
}

func TestEveryDeployableKindDeploys(t *testing.T) {
	clk := faketest.NewClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithDeployDelay(time.Second))
	for _, path := range []string{"/agents", "/functions", "/models", "/jobs", "/sandboxes"} {
		body := map[string]any{"metadata": map[string]any{"name": "w"}, "spec": map[string]any{}}
		if a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: path, Body: body}).MustStatus(t, 200); a.Str("status") != "DEPLOYING" {
			t.Errorf("%s: created %s", path, a.Str("status"))
		}
	}
	clk.Advance(time.Second)
	for _, path := range []string{"/agents/w", "/functions/w", "/models/w", "/jobs/w", "/sandboxes/w"} {
		if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: path}).MustStatus(t, 200); a.Str("status") != "DEPLOYED" {
			t.Errorf("%s: %s", path, a.Str("status"))
		}
	}
}

func TestDeploymentFailsOnRequest(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("bad", map[string]string{blaxeltest.FailLabel: "true"})}).MustStatus(t, 200)
	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/bad"}).MustStatus(t, 200)
	ev := events(got)
	if got.Str("status") != "FAILED" || len(ev) != 2 || ev[1]["status"] != "FAILED" || ev[1]["message"] == "" {
		t.Errorf("got %s", got.Raw)
	}
}

func TestJobExecutionRunsThenSucceeds(t *testing.T) {
	clk := faketest.NewClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithDeployDelay(time.Minute))
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/jobs", Body: map[string]any{"metadata": map[string]any{"name": "etl"}, "spec": map[string]any{}}}).MustStatus(t, 200)
	id := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/jobs/etl/executions", Body: map[string]any{}}).MustStatus(t, 200).Str("executionId")
	if s := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/jobs/etl/executions/" + id}).MustStatus(t, 200).Str("status"); s != "running" {
		t.Errorf("status %q, want running", s)
	}
	clk.Advance(time.Minute)
	if s := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/jobs/etl/executions/" + id}).MustStatus(t, 200).Str("status"); s != "succeeded" {
		t.Errorf("status %q, want succeeded", s)
	}
}

func TestSeededResourcesAreDeployed(t *testing.T) {
	seeds, err := blaxeltest.ParseSeeds([]byte(`
- path: /sandboxes
  body: {metadata: {name: seeded}, spec: {runtime: {image: "blaxel/base:latest", memory: 2048}}}
- path: /sandboxes/seeded/previews
  body: {"metadata": {"name": "web"}, "spec": {"port": 3000}}
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(time.Hour), blaxeltest.WithSeed(seeds...))
	if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/seeded"}).MustStatus(t, 200); a.Str("status") != "DEPLOYED" {
		t.Errorf("seeded: %s", a.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/seeded/previews/web"}).MustStatus(t, 200)
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests logged: seeds are not requests", n)
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/agents", Body: map[string]any{"spec": map[string]any{}}}); err == nil {
		t.Error("a seed the document rejects was accepted")
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes/seeded", Body: map[string]any{}}); err == nil {
		t.Error("a seed on an item path was accepted")
	}
	if _, err := blaxeltest.ParseSeeds([]byte("- path: sandboxes\n  body: {}\n")); err == nil {
		t.Error("a relative seed path was accepted")
	}
}
