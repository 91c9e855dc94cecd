package controlplane_test

import (
	"net/http"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestAPreviewNamesItsSandboxAndAddress(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, http.StatusOK)
	created := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews", Body: map[string]any{
		"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"port": 443, "public": false},
	}}).MustStatus(t, http.StatusOK)
	want := srv.RunURL() + "/ws/sandboxes/box"
	for _, a := range []faketest.Answer{created, faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews/web"})} {
		if got := a.Str("metadata.resourceName"); got != "box" {
			t.Errorf("metadata.resourceName %q, want box", got)
		}
		if got := a.Str("spec.url"); got != want {
			t.Errorf("spec.url %q, want %q", got, want)
		}
	}
	updated := faketest.Send(t, srv, faketest.Request{Method: "PUT", Path: "/sandboxes/box/previews/web", Body: map[string]any{
		"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"port": 443},
	}}).MustStatus(t, http.StatusOK)
	if updated.Str("spec.url") != want || updated.Str("metadata.resourceName") != "box" {
		t.Errorf("after an update: resourceName %q, url %q", updated.Str("metadata.resourceName"), updated.Str("spec.url"))
	}

	// A token of the preview opens the sandbox at the preview's address, without a key.
	token := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews/web/tokens", Body: map[string]any{
		"metadata": map[string]any{"name": "t1"}, "spec": map[string]any{"expiresAt": "2099-01-01T00:00:00Z"},
	}}).MustStatus(t, http.StatusOK).Str("spec.token")
	r, _ := http.NewRequest(http.MethodGet, want+"/process", nil)
	r.Header.Set("X-Blaxel-Preview-Token", token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the preview's address with its token answered %d", resp.StatusCode)
	}
}

func TestASeedOfNoWorkspaceHasTheAddressOfEach(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithSeed(
		blaxeltest.Seed{Path: "/sandboxes", Body: faketest.Sandbox("box", nil)},
		blaxeltest.Seed{Path: "/sandboxes/box/previews", Body: map[string]any{"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"port": 8080}}},
	))
	for _, ws := range []string{"ws", "other"} {
		h := map[string]string{"X-Blaxel-Workspace": ws}
		box := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box", Header: h}).MustStatus(t, http.StatusOK)
		if want := srv.RunURL() + "/" + ws + "/sandboxes/box"; box.Str("metadata.url") != want {
			t.Errorf("%s: metadata.url %q, want %q", ws, box.Str("metadata.url"), want)
		}
		web := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews/web", Header: h}).MustStatus(t, http.StatusOK)
		if want := srv.RunURL() + "/" + ws + "/sandboxes/box"; web.Str("spec.url") != want {
			t.Errorf("%s: the preview's spec.url %q, want %q", ws, web.Str("spec.url"), want)
		}
	}
}
