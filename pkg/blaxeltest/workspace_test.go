package blaxeltest_test

import (
	"slices"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// in sends a request in another workspace than the default "ws".
func in(workspace string, req request) request {
	req.header = map[string]string{"X-Blaxel-Workspace": workspace}
	return req
}

func TestWorkspacesDoNotShareResources(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	send(t, srv, in("a", request{method: "POST", path: "/sandboxes", body: sandbox("box", map[string]string{"in": "a"})})).mustStatus(t, 200)
	send(t, srv, in("a", request{method: "POST", path: "/sandboxes", body: sandbox("only-a", nil)})).mustStatus(t, 200)
	// The same name in another workspace is another sandbox, not a conflict.
	send(t, srv, in("b", request{method: "POST", path: "/sandboxes", body: sandbox("box", map[string]string{"in": "b"})})).mustStatus(t, 200)

	if got := send(t, srv, in("b", request{method: "GET", path: "/sandboxes/box"})).mustStatus(t, 200); got.str("metadata.labels.in") != "b" {
		t.Errorf("b's box: %s", got.raw)
	}
	send(t, srv, in("b", request{method: "GET", path: "/sandboxes/only-a"})).mustStatus(t, 404)
	send(t, srv, in("b", request{method: "DELETE", path: "/sandboxes/only-a"})).mustStatus(t, 404)

	pageA := send(t, srv, in("a", request{method: "GET", path: "/sandboxes?limit=1&sort=name:asc"})).mustStatus(t, 200)
	pageB := send(t, srv, in("b", request{method: "GET", path: "/sandboxes"})).mustStatus(t, 200)
	if _, _, total := meta(pageA); total != 2 {
		t.Errorf("a counts %v sandboxes, want 2: %s", total, pageA.raw)
	}
	if _, _, total := meta(pageB); total != 1 || !slices.Equal(names(t, pageB), []string{"box"}) {
		t.Errorf("b lists %s", pageB.raw)
	}
	// A cursor is bound to its workspace.
	_, next, _ := meta(pageA)
	bad := send(t, srv, in("b", request{method: "GET", path: "/sandboxes?limit=1&sort=name:asc&cursor=" + next})).mustStatus(t, 400)
	if bad.errorCode() != "invalid_cursor" {
		t.Errorf("a's cursor in b: %s", bad.raw)
	}

	// Lookups by external id stay in their workspace too.
	tagged := sandbox("tagged", nil)
	tagged["metadata"].(map[string]any)["externalId"] = "ticket-1"
	send(t, srv, in("a", request{method: "POST", path: "/sandboxes", body: tagged})).mustStatus(t, 200)
	send(t, srv, in("a", request{method: "GET", path: "/sandboxes/by-external-id/ticket-1"})).mustStatus(t, 200)
	send(t, srv, in("b", request{method: "GET", path: "/sandboxes/by-external-id/ticket-1"})).mustStatus(t, 404)

	// Deleting b's box leaves a's.
	send(t, srv, in("b", request{method: "DELETE", path: "/sandboxes/box"})).mustStatus(t, 200)
	send(t, srv, in("a", request{method: "GET", path: "/sandboxes/box"})).mustStatus(t, 200)
}

func TestSeedsWithoutAWorkspaceAreInEveryWorkspace(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithSeed(blaxeltest.Seed{Path: "/sandboxes", Body: sandbox("shared", nil)}))
	send(t, srv, in("early", request{method: "GET", path: "/sandboxes/shared"})).mustStatus(t, 200)
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: sandbox("later", nil)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: sandbox("mine", nil), Workspace: "early"}); err != nil {
		t.Fatal(err)
	}
	for _, ws := range []string{"early", "new"} { // a workspace that existed, and one first used now
		send(t, srv, in(ws, request{method: "GET", path: "/sandboxes/shared"})).mustStatus(t, 200)
		send(t, srv, in(ws, request{method: "GET", path: "/sandboxes/later"})).mustStatus(t, 200)
	}
	send(t, srv, in("new", request{method: "GET", path: "/sandboxes/mine"})).mustStatus(t, 404)
	// Each workspace has its own copy.
	send(t, srv, in("early", request{method: "DELETE", path: "/sandboxes/shared"})).mustStatus(t, 200)
	send(t, srv, in("new", request{method: "GET", path: "/sandboxes/shared"})).mustStatus(t, 200)
	send(t, srv, in("other", request{method: "GET", path: "/sandboxes/shared"})).mustStatus(t, 200)
}

func TestAPIKeysAreRevokedInTheirWorkspaceOnly(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	keyIn := func(ws string) (id, key string) {
		sa := send(t, srv, in(ws, request{method: "POST", path: "/service_accounts", body: map[string]any{"name": "ci"}})).mustStatus(t, 200)
		id = sa.str("client_id")
		k := send(t, srv, in(ws, request{method: "POST", path: "/service_accounts/" + id + "/api_keys", body: map[string]any{"name": "k"}})).mustStatus(t, 200)
		return id, k.str("apiKey")
	}
	idA, keyA := keyIn("a")
	_, keyB := keyIn("b")
	send(t, srv, in("a", request{method: "DELETE", path: "/service_accounts/" + idA})).mustStatus(t, 200)
	for key, want := range map[string]int{keyA: 401, keyB: 200} {
		r := in("b", request{method: "GET", path: "/sandboxes"})
		if key == keyA {
			r.header["X-Blaxel-Workspace"] = "a"
		}
		r.header["Authorization"] = "Bearer " + key
		send(t, srv, r).mustStatus(t, want)
	}
}
