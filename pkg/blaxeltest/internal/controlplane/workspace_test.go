package controlplane_test

import (
	"slices"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// in sends a request in another workspace than the default "ws".
func in(workspace string, req faketest.Request) faketest.Request {
	req.Header = map[string]string{"X-Blaxel-Workspace": workspace}
	return req
}

func TestWorkspacesDoNotShareResources(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, in("a", faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", map[string]string{"in": "a"})})).MustStatus(t, 200)
	faketest.Send(t, srv, in("a", faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("only-a", nil)})).MustStatus(t, 200)
	// The same name in another workspace is another sandbox, not a conflict.
	faketest.Send(t, srv, in("b", faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", map[string]string{"in": "b"})})).MustStatus(t, 200)

	if got := faketest.Send(t, srv, in("b", faketest.Request{Method: "GET", Path: "/sandboxes/box"})).MustStatus(t, 200); got.Str("metadata.labels.in") != "b" {
		t.Errorf("b's box: %s", got.Raw)
	}
	faketest.Send(t, srv, in("b", faketest.Request{Method: "GET", Path: "/sandboxes/only-a"})).MustStatus(t, 404)
	faketest.Send(t, srv, in("b", faketest.Request{Method: "DELETE", Path: "/sandboxes/only-a"})).MustStatus(t, 404)

	pageA := faketest.Send(t, srv, in("a", faketest.Request{Method: "GET", Path: "/sandboxes?limit=1&sort=name:asc"})).MustStatus(t, 200)
	pageB := faketest.Send(t, srv, in("b", faketest.Request{Method: "GET", Path: "/sandboxes"})).MustStatus(t, 200)
	if _, _, total := meta(pageA); total != 2 {
		t.Errorf("a counts %v sandboxes, want 2: %s", total, pageA.Raw)
	}
	if _, _, total := meta(pageB); total != 1 || !slices.Equal(names(t, pageB), []string{"box"}) {
		t.Errorf("b lists %s", pageB.Raw)
	}
	// A cursor is bound to its workspace.
	_, next, _ := meta(pageA)
	bad := faketest.Send(t, srv, in("b", faketest.Request{Method: "GET", Path: "/sandboxes?limit=1&sort=name:asc&cursor=" + next})).MustStatus(t, 400)
	if bad.ErrorCode() != "invalid_cursor" {
		t.Errorf("a's cursor in b: %s", bad.Raw)
	}

	// Lookups by external id stay in their workspace too.
	tagged := faketest.Sandbox("tagged", nil)
	tagged["metadata"].(map[string]any)["externalId"] = "ticket-1"
	faketest.Send(t, srv, in("a", faketest.Request{Method: "POST", Path: "/sandboxes", Body: tagged})).MustStatus(t, 200)
	faketest.Send(t, srv, in("a", faketest.Request{Method: "GET", Path: "/sandboxes/by-external-id/ticket-1"})).MustStatus(t, 200)
	faketest.Send(t, srv, in("b", faketest.Request{Method: "GET", Path: "/sandboxes/by-external-id/ticket-1"})).MustStatus(t, 404)

	// Deleting b's box leaves a's.
	faketest.Send(t, srv, in("b", faketest.Request{Method: "DELETE", Path: "/sandboxes/box"})).MustStatus(t, 200)
	faketest.Send(t, srv, in("a", faketest.Request{Method: "GET", Path: "/sandboxes/box"})).MustStatus(t, 200)
}

func TestSeedsWithoutAWorkspaceAreInEveryWorkspace(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithSeed(blaxeltest.Seed{Path: "/sandboxes", Body: faketest.Sandbox("shared", nil)}))
	faketest.Send(t, srv, in("early", faketest.Request{Method: "GET", Path: "/sandboxes/shared"})).MustStatus(t, 200)
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: faketest.Sandbox("later", nil)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: faketest.Sandbox("mine", nil), Workspace: "early"}); err != nil {
		t.Fatal(err)
	}
	for _, ws := range []string{"early", "new"} { // a workspace that existed, and one first used now
		faketest.Send(t, srv, in(ws, faketest.Request{Method: "GET", Path: "/sandboxes/shared"})).MustStatus(t, 200)
		faketest.Send(t, srv, in(ws, faketest.Request{Method: "GET", Path: "/sandboxes/later"})).MustStatus(t, 200)
	}
	faketest.Send(t, srv, in("new", faketest.Request{Method: "GET", Path: "/sandboxes/mine"})).MustStatus(t, 404)
	// Each workspace has its own copy.
	faketest.Send(t, srv, in("early", faketest.Request{Method: "DELETE", Path: "/sandboxes/shared"})).MustStatus(t, 200)
	faketest.Send(t, srv, in("new", faketest.Request{Method: "GET", Path: "/sandboxes/shared"})).MustStatus(t, 200)
	faketest.Send(t, srv, in("other", faketest.Request{Method: "GET", Path: "/sandboxes/shared"})).MustStatus(t, 200)
}

func TestAPIKeysAreRevokedInTheirWorkspaceOnly(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	keyIn := func(ws string) (id, key string) {
		sa := faketest.Send(t, srv, in(ws, faketest.Request{Method: "POST", Path: "/service_accounts", Body: map[string]any{"name": "ci"}})).MustStatus(t, 200)
		id = sa.Str("client_id")
		k := faketest.Send(t, srv, in(ws, faketest.Request{Method: "POST", Path: "/service_accounts/" + id + "/api_keys", Body: map[string]any{"name": "k"}})).MustStatus(t, 200)
		return id, k.Str("apiKey")
	}
	idA, keyA := keyIn("a")
	_, keyB := keyIn("b")
	faketest.Send(t, srv, in("a", faketest.Request{Method: "DELETE", Path: "/service_accounts/" + idA})).MustStatus(t, 200)
	for key, want := range map[string]int{keyA: 401, keyB: 200} {
		r := in("b", faketest.Request{Method: "GET", Path: "/sandboxes"})
		if key == keyA {
			r.Header["X-Blaxel-Workspace"] = "a"
		}
		r.Header["Authorization"] = "Bearer " + key
		faketest.Send(t, srv, r).MustStatus(t, want)
	}
}
