package controlplane_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	srv := blaxeltest.NewServer(t)

	created := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", map[string]string{"team": "a"})}).MustStatus(t, 200)
	if got := created.Header.Get("Location"); got != "/v0/sandboxes/box" {
		t.Errorf("Location %q", got)
	}
	if created.Str("metadata.name") != "box" || created.Str("metadata.workspace") != "ws" || created.Str("metadata.createdAt") == "" {
		t.Errorf("created %s", created.Raw)
	}
	dup := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 409)
	if dup.ErrorCode() != "conflict" {
		t.Errorf("duplicate: %s", dup.Raw)
	}

	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200)
	if got.Str("metadata.labels.team") != "a" {
		t.Errorf("get: %s", got.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/nope"}).MustStatus(t, 404)

	// A whole item replaces the stored one; what the server set (status, creation time) stays,
	// and read-only properties sent back are ignored.
	body := faketest.Sandbox("box", nil)
	body["spec"] = map[string]any{"runtime": map[string]any{"image": "blaxel/py:latest"}}
	body["status"] = "FAILED"
	updated := faketest.Send(t, srv, faketest.Request{Method: "PUT", Path: "/sandboxes/box", Body: body}).MustStatus(t, 200)
	if updated.Str("spec.runtime.image") != "blaxel/py:latest" || updated.Str("status") != "DEPLOYED" ||
		updated.Str("metadata.createdAt") != created.Str("metadata.createdAt") || updated.Str("metadata.labels.team") != "" {
		t.Errorf("updated: %s", updated.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "PUT", Path: "/sandboxes/nope", Body: faketest.Sandbox("nope", nil)}).MustStatus(t, 404)

	deleted := faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/sandboxes/box"}).MustStatus(t, 200)
	if deleted.Str("status") != "DELETING" || deleted.Str("metadata.name") != "box" {
		t.Errorf("deleted: %s", deleted.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 404)
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/sandboxes/box"}).MustStatus(t, 404)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
}

func TestCreateIfNotExistAnswersTheExistingItem(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", map[string]string{"v": "1"})}).MustStatus(t, 200)
	again := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes?createIfNotExist=true", Body: faketest.Sandbox("box", map[string]string{"v": "2"})}).MustStatus(t, 200)
	if again.Str("metadata.labels.v") != "1" {
		t.Errorf("answered %s, want the existing sandbox", again.Raw)
	}
}

func TestPartialUpdateMerges(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	sa := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/service_accounts", Body: map[string]any{"name": "ci"}}).MustStatus(t, 200)
	id := sa.Str("client_id")
	renamed := faketest.Send(t, srv, faketest.Request{Method: "PUT", Path: "/service_accounts/" + id, Body: map[string]any{"name": "deploy"}}).MustStatus(t, 200)
	if renamed.Str("name") != "deploy" || renamed.Str("client_id") != id || renamed.Str("created_at") != sa.Str("created_at") {
		t.Errorf("renamed: %s", renamed.Raw)
	}
}

func TestNestedCollections(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	preview := map[string]any{"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"port": 3000, "public": false}}
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews", Body: preview}).MustStatus(t, 404)

	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("other", nil)}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews", Body: preview}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/other/previews", Body: preview}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews", Body: preview}).MustStatus(t, 409)
	token := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews/web/tokens",
		Body: map[string]any{"metadata": map[string]any{"name": "t1"}, "spec": map[string]any{"expiresAt": "2030-01-01T00:00:00Z"}}}).MustStatus(t, 200)
	if token.Str("spec.token") == "" || token.Str("metadata.previewName") != "web" {
		t.Errorf("token: %s", token.Raw)
	}
	list := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews/web/tokens"}).MustStatus(t, 200)
	if len(list.List) != 1 {
		t.Errorf("tokens: %s", list.Raw)
	}

	// Deleting the sandbox deletes its previews and their tokens, and no one else's.
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/sandboxes/box"}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews/web"}).MustStatus(t, 404)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	if got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews"}).MustStatus(t, 200); len(got.List) != 0 {
		t.Errorf("a new sandbox of the same name has previews: %s", got.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/other/previews/web"}).MustStatus(t, 200)
}

func TestGeneratedKeys(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/jobs", Body: map[string]any{"metadata": map[string]any{"name": "etl"}, "spec": map[string]any{}}}).MustStatus(t, 200)
	exec := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/jobs/etl/executions", Body: map[string]any{"tasks": []any{map[string]any{}}}}).MustStatus(t, 200)
	id := exec.Str("executionId")
	if id == "" || exec.Str("jobId") != "etl" || exec.Header.Get("Location") != "/v0/jobs/etl/executions/"+id {
		t.Fatalf("execution: %s (Location %s)", exec.Raw, exec.Header.Get("Location"))
	}
	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/jobs/etl/executions/" + id}).MustStatus(t, 200)
	if got.Str("metadata.id") != id {
		t.Errorf("execution: %s", got.Raw)
	}
}

func TestLookupByExternalID(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	body := faketest.Sandbox("box", nil)
	body["metadata"].(map[string]any)["externalId"] = "ticket-42"
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: body}).MustStatus(t, 200)
	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/by-external-id/ticket-42"}).MustStatus(t, 200)
	if got.Str("metadata.name") != "box" {
		t.Errorf("lookup: %s", got.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/by-external-id/ticket-43"}).MustStatus(t, 404)
}

func TestOperationsUnderAnItemAnswerIt(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	domain := map[string]any{"metadata": map[string]any{"name": "example.com"}, "spec": map[string]any{}}
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/customdomains/example.com/verify"}).MustStatus(t, 404)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/customdomains", Body: domain}).MustStatus(t, 200)
	verified := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/customdomains/example.com/verify"}).MustStatus(t, 200)
	if verified.Str("metadata.name") != "example.com" {
		t.Errorf("verify: %s", verified.Raw)
	}
	shared := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/customdomains/example.com/share", Body: map[string]any{"targetWorkspace": "other"}}).MustStatus(t, 200)
	if shared.Str("metadata.name") != "example.com" {
		t.Errorf("share answered %s, want the domain", shared.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/customdomains/example.com/share/other"}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/customdomains/example.com/share/other"}).MustStatus(t, 404)
}

func TestInvalidRequestsAnswer400(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, tc := range []struct {
		name string
		req  faketest.Request
		want string
	}{
		{"no metadata", faketest.Request{Method: "POST", Path: "/agents", Body: map[string]any{"spec": map[string]any{}}}, "metadata"},
		{"wrong type", faketest.Request{Method: "POST", Path: "/sandboxes", Body: map[string]any{"metadata": map[string]any{"name": 3}, "spec": map[string]any{}}}, "name"},
		{"limit too small", faketest.Request{Method: "GET", Path: "/sandboxes?limit=0"}, "limit"},
		{"unknown sort", faketest.Request{Method: "GET", Path: "/sandboxes?sort=size"}, "sort"},
		{"no name", faketest.Request{Method: "POST", Path: "/images", Body: map[string]any{"name": "", "resourceType": "agent"}}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := faketest.Send(t, srv, tc.req).MustStatus(t, 400)
			if a.ErrorCode() != "bad_request" || !strings.Contains(a.Str("message"), tc.want) {
				t.Errorf("answer %s, want a bad_request that names %q", a.Raw, tc.want)
			}
		})
	}
}

func TestBodyWithSomethingAfterTheJSONAnswers400(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	const box = `{"metadata": {"name": "box"}, "spec": {}}`
	for _, trailing := range []string{" garbage", "}", "]", " {}", ` {"metadata": {"name": "other"}}`} {
		a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: []byte(box + trailing)}).MustStatus(t, 400)
		if a.ErrorCode() != "bad_request" {
			t.Errorf("%q: answer %s", trailing, a.Raw)
		}
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 404)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: []byte(box + " \r\n\t")}).MustStatus(t, 200)
}

func TestUnknownRoutes(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/nothing-here"}).MustStatus(t, http.StatusNotFound)
	faketest.Send(t, srv, faketest.Request{Method: "PATCH", Path: "/sandboxes"}).MustStatus(t, http.StatusMethodNotAllowed)
	r, err := http.Get(strings.TrimSuffix(srv.URL(), "/v0") + "/sandboxes")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("outside /v0: status %d", r.StatusCode)
	}
}

// Names may hold any character the document allows, escaped slashes and dots included: they
// reach the intended operation intact. A custom domain's name is free text.
func TestNamesWithEscapedCharacters(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, name := range []string{"a/b", "../workspaces", "x/..", "with space", "percent%2F", "ünï", "nul\x00byte", "escaped-slash"} {
		domain := map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{}}
		created := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/customdomains", Body: domain}).MustStatus(t, 200)
		loc := created.Header.Get("Location")
		got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: strings.TrimPrefix(loc, "/v0")}).MustStatus(t, 200)
		if got.Str("metadata.name") != name {
			t.Errorf("%q: created at %s, read back %s", name, loc, got.Raw)
		}
		if r := srv.Requests(); r[len(r)-1].OperationID != "GetCustomDomain" {
			t.Errorf("%q: reached %s", name, r[len(r)-1].OperationID)
		}
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: strings.TrimPrefix(loc, "/v0") + "/verify"}).MustStatus(t, 200)
	}
}
