package blaxeltest_test

import (
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func events(a answer) []map[string]any {
	raw, _ := a.body["events"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i], _ = e.(map[string]any)
	}
	return out
}

func TestSandboxGoesDeployingThenDeployed(t *testing.T) {
	clk := newClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithDeployDelay(10*time.Second))
	created := send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", nil)}).mustStatus(t, 200)
	if created.str("status") != "DEPLOYING" || len(events(created)) != 1 {
		t.Fatalf("created: %s", created.raw)
	}
	clk.Advance(9 * time.Second)
	if got := send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 200); got.str("status") != "DEPLOYING" {
		t.Errorf("after 9s: %s", got.str("status"))
	}
	clk.Advance(time.Second)
	got := send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 200)
	ev := events(got)
	if got.str("status") != "DEPLOYED" || len(ev) != 2 || ev[1]["status"] != "DEPLOYED" || ev[1]["type"] != "deployment" || ev[1]["time"] != "2026-05-01T12:00:10Z" {
		t.Errorf("after 10s: %s", got.raw)
	}
	// Listings see the same.
	list := send(t, srv, request{method: "GET", path: "/sandboxes?status=DEPLOYED"}).mustStatus(t, 200)
	if n := len(names(t, list)); n != 1 {
		t.Errorf("%d deployed sandboxes listed", n)
	}
}

func TestEveryDeployableKindDeploys(t *testing.T) {
	clk := newClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithDeployDelay(time.Second))
	for _, path := range []string{"/agents", "/functions", "/models", "/jobs", "/sandboxes"} {
		body := map[string]any{"metadata": map[string]any{"name": "w"}, "spec": map[string]any{}}
		if a := send(t, srv, request{method: "POST", path: path, body: body}).mustStatus(t, 200); a.str("status") != "DEPLOYING" {
			t.Errorf("%s: created %s", path, a.str("status"))
		}
	}
	clk.Advance(time.Second)
	for _, path := range []string{"/agents/w", "/functions/w", "/models/w", "/jobs/w", "/sandboxes/w"} {
		if a := send(t, srv, request{method: "GET", path: path}).mustStatus(t, 200); a.str("status") != "DEPLOYED" {
			t.Errorf("%s: %s", path, a.str("status"))
		}
	}
}

func TestDeploymentFailsOnRequest(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("bad", map[string]string{blaxeltest.FailLabel: "true"})}).mustStatus(t, 200)
	got := send(t, srv, request{method: "GET", path: "/sandboxes/bad"}).mustStatus(t, 200)
	ev := events(got)
	if got.str("status") != "FAILED" || len(ev) != 2 || ev[1]["status"] != "FAILED" || ev[1]["message"] == "" {
		t.Errorf("got %s", got.raw)
	}
}

func TestJobExecutionRunsThenSucceeds(t *testing.T) {
	clk := newClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithDeployDelay(time.Minute))
	send(t, srv, request{method: "POST", path: "/jobs", body: map[string]any{"metadata": map[string]any{"name": "etl"}, "spec": map[string]any{}}}).mustStatus(t, 200)
	id := send(t, srv, request{method: "POST", path: "/jobs/etl/executions", body: map[string]any{}}).mustStatus(t, 200).str("executionId")
	if s := send(t, srv, request{method: "GET", path: "/jobs/etl/executions/" + id}).mustStatus(t, 200).str("status"); s != "running" {
		t.Errorf("status %q, want running", s)
	}
	clk.Advance(time.Minute)
	if s := send(t, srv, request{method: "GET", path: "/jobs/etl/executions/" + id}).mustStatus(t, 200).str("status"); s != "succeeded" {
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
	if a := send(t, srv, request{method: "GET", path: "/sandboxes/seeded"}).mustStatus(t, 200); a.str("status") != "DEPLOYED" {
		t.Errorf("seeded: %s", a.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/seeded/previews/web"}).mustStatus(t, 200)
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests logged: seeds are not requests", n)
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: map[string]any{"spec": map[string]any{}}}); err == nil {
		t.Error("a seed the document rejects was accepted")
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes/seeded", Body: map[string]any{}}); err == nil {
		t.Error("a seed on an item path was accepted")
	}
	if _, err := blaxeltest.ParseSeeds([]byte("- path: sandboxes\n  body: {}\n")); err == nil {
		t.Error("a relative seed path was accepted")
	}
}
