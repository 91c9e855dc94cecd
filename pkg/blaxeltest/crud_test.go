package blaxeltest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	srv := blaxeltest.NewServer(t)

	created := send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", map[string]string{"team": "a"})}).mustStatus(t, 200)
	if got := created.header.Get("Location"); got != "/v0/sandboxes/box" {
		t.Errorf("Location %q", got)
	}
	if created.str("metadata.name") != "box" || created.str("metadata.workspace") != "ws" || created.str("metadata.createdAt") == "" {
		t.Errorf("created %s", created.raw)
	}
	dup := send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", nil)}).mustStatus(t, 409)
	if dup.errorCode() != "conflict" {
		t.Errorf("duplicate: %s", dup.raw)
	}

	got := send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 200)
	if got.str("metadata.labels.team") != "a" {
		t.Errorf("get: %s", got.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/nope"}).mustStatus(t, 404)

	// A whole item replaces the stored one; what the server set (status, creation time) stays,
	// and read-only properties sent back are ignored.
	body := sandbox("box", nil)
	body["spec"] = map[string]any{"runtime": map[string]any{"image": "blaxel/py:latest"}}
	body["status"] = "FAILED"
	updated := send(t, srv, request{method: "PUT", path: "/sandboxes/box", body: body}).mustStatus(t, 200)
	if updated.str("spec.runtime.image") != "blaxel/py:latest" || updated.str("status") != "DEPLOYED" ||
		updated.str("metadata.createdAt") != created.str("metadata.createdAt") || updated.str("metadata.labels.team") != "" {
		t.Errorf("updated: %s", updated.raw)
	}
	send(t, srv, request{method: "PUT", path: "/sandboxes/nope", body: sandbox("nope", nil)}).mustStatus(t, 404)

	deleted := send(t, srv, request{method: "DELETE", path: "/sandboxes/box"}).mustStatus(t, 200)
	if deleted.str("status") != "DELETING" || deleted.str("metadata.name") != "box" {
		t.Errorf("deleted: %s", deleted.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 404)
	send(t, srv, request{method: "DELETE", path: "/sandboxes/box"}).mustStatus(t, 404)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", nil)}).mustStatus(t, 200)
}

func TestCreateIfNotExistAnswersTheExistingItem(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", map[string]string{"v": "1"})}).mustStatus(t, 200)
	again := send(t, srv, request{method: "POST", path: "/sandboxes?createIfNotExist=true", body: sandbox("box", map[string]string{"v": "2"})}).mustStatus(t, 200)
	if again.str("metadata.labels.v") != "1" {
		t.Errorf("answered %s, want the existing sandbox", again.raw)
	}
}

func TestPartialUpdateMerges(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	sa := send(t, srv, request{method: "POST", path: "/service_accounts", body: map[string]any{"name": "ci"}}).mustStatus(t, 200)
	id := sa.str("client_id")
	renamed := send(t, srv, request{method: "PUT", path: "/service_accounts/" + id, body: map[string]any{"name": "deploy"}}).mustStatus(t, 200)
	if renamed.str("name") != "deploy" || renamed.str("client_id") != id || renamed.str("created_at") != sa.str("created_at") {
		t.Errorf("renamed: %s", renamed.raw)
	}
}

func TestNestedCollections(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	preview := map[string]any{"metadata": map[string]any{"name": "web"}, "spec": map[string]any{"port": 3000, "public": false}}
	send(t, srv, request{method: "POST", path: "/sandboxes/box/previews", body: preview}).mustStatus(t, 404)

	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", nil)}).mustStatus(t, 200)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("other", nil)}).mustStatus(t, 200)
	send(t, srv, request{method: "POST", path: "/sandboxes/box/previews", body: preview}).mustStatus(t, 200)
	send(t, srv, request{method: "POST", path: "/sandboxes/other/previews", body: preview}).mustStatus(t, 200)
	send(t, srv, request{method: "POST", path: "/sandboxes/box/previews", body: preview}).mustStatus(t, 409)
	token := send(t, srv, request{method: "POST", path: "/sandboxes/box/previews/web/tokens",
		body: map[string]any{"metadata": map[string]any{"name": "t1"}, "spec": map[string]any{"expiresAt": "2030-01-01T00:00:00Z"}}}).mustStatus(t, 200)
	if token.str("spec.token") == "" || token.str("metadata.previewName") != "web" {
		t.Errorf("token: %s", token.raw)
	}
	list := send(t, srv, request{method: "GET", path: "/sandboxes/box/previews/web/tokens"}).mustStatus(t, 200)
	if len(list.list) != 1 {
		t.Errorf("tokens: %s", list.raw)
	}

	// Deleting the sandbox deletes its previews and their tokens, and no one else's.
	send(t, srv, request{method: "DELETE", path: "/sandboxes/box"}).mustStatus(t, 200)
	send(t, srv, request{method: "GET", path: "/sandboxes/box/previews/web"}).mustStatus(t, 404)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", nil)}).mustStatus(t, 200)
	if got := send(t, srv, request{method: "GET", path: "/sandboxes/box/previews"}).mustStatus(t, 200); len(got.list) != 0 {
		t.Errorf("a new sandbox of the same name has previews: %s", got.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/other/previews/web"}).mustStatus(t, 200)
}

func TestGeneratedKeys(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	send(t, srv, request{method: "POST", path: "/jobs", body: map[string]any{"metadata": map[string]any{"name": "etl"}, "spec": map[string]any{}}}).mustStatus(t, 200)
	exec := send(t, srv, request{method: "POST", path: "/jobs/etl/executions", body: map[string]any{"tasks": []any{map[string]any{}}}}).mustStatus(t, 200)
	id := exec.str("executionId")
	if id == "" || exec.str("jobId") != "etl" || exec.header.Get("Location") != "/v0/jobs/etl/executions/"+id {
		t.Fatalf("execution: %s (Location %s)", exec.raw, exec.header.Get("Location"))
	}
	got := send(t, srv, request{method: "GET", path: "/jobs/etl/executions/" + id}).mustStatus(t, 200)
	if got.str("metadata.id") != id {
		t.Errorf("execution: %s", got.raw)
	}
}

func TestLookupByExternalID(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	body := sandbox("box", nil)
	body["metadata"].(map[string]any)["externalId"] = "ticket-42"
	send(t, srv, request{method: "POST", path: "/sandboxes", body: body}).mustStatus(t, 200)
	got := send(t, srv, request{method: "GET", path: "/sandboxes/by-external-id/ticket-42"}).mustStatus(t, 200)
	if got.str("metadata.name") != "box" {
		t.Errorf("lookup: %s", got.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/by-external-id/ticket-43"}).mustStatus(t, 404)
}

func TestOperationsUnderAnItemAnswerIt(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	domain := map[string]any{"metadata": map[string]any{"name": "example.com"}, "spec": map[string]any{}}
	send(t, srv, request{method: "POST", path: "/customdomains/example.com/verify"}).mustStatus(t, 404)
	send(t, srv, request{method: "POST", path: "/customdomains", body: domain}).mustStatus(t, 200)
	verified := send(t, srv, request{method: "POST", path: "/customdomains/example.com/verify"}).mustStatus(t, 200)
	if verified.str("metadata.name") != "example.com" {
		t.Errorf("verify: %s", verified.raw)
	}
	shared := send(t, srv, request{method: "POST", path: "/customdomains/example.com/share", body: map[string]any{"targetWorkspace": "other"}}).mustStatus(t, 200)
	if shared.str("metadata.name") != "example.com" {
		t.Errorf("share answered %s, want the domain", shared.raw)
	}
	send(t, srv, request{method: "DELETE", path: "/customdomains/example.com/share/other"}).mustStatus(t, 200)
	send(t, srv, request{method: "DELETE", path: "/customdomains/example.com/share/other"}).mustStatus(t, 404)
}

func TestInvalidRequestsAnswer400(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, tc := range []struct {
		name string
		req  request
		want string
	}{
		{"no metadata", request{method: "POST", path: "/sandboxes", body: map[string]any{"spec": map[string]any{}}}, "metadata"},
		{"wrong type", request{method: "POST", path: "/sandboxes", body: map[string]any{"metadata": map[string]any{"name": 3}, "spec": map[string]any{}}}, "name"},
		{"limit too small", request{method: "GET", path: "/sandboxes?limit=0"}, "limit"},
		{"unknown sort", request{method: "GET", path: "/sandboxes?sort=size"}, "sort"},
		{"no name", request{method: "POST", path: "/images", body: map[string]any{"name": "", "resourceType": "agent"}}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, srv, tc.req).mustStatus(t, 400)
			if a.errorCode() != "bad_request" || !strings.Contains(a.str("message"), tc.want) {
				t.Errorf("answer %s, want a bad_request that names %q", a.raw, tc.want)
			}
		})
	}
}

func TestBodyWithSomethingAfterTheJSONAnswers400(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	const box = `{"metadata": {"name": "box"}, "spec": {}}`
	for _, trailing := range []string{" garbage", "}", "]", " {}", ` {"metadata": {"name": "other"}}`} {
		a := send(t, srv, request{method: "POST", path: "/sandboxes", body: []byte(box + trailing)}).mustStatus(t, 400)
		if a.errorCode() != "bad_request" {
			t.Errorf("%q: answer %s", trailing, a.raw)
		}
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 404)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: []byte(box + " \r\n\t")}).mustStatus(t, 200)
}

func TestUnknownRoutes(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	send(t, srv, request{method: "GET", path: "/nothing-here"}).mustStatus(t, http.StatusNotFound)
	send(t, srv, request{method: "PATCH", path: "/sandboxes"}).mustStatus(t, http.StatusMethodNotAllowed)
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
		created := send(t, srv, request{method: "POST", path: "/customdomains", body: domain}).mustStatus(t, 200)
		loc := created.header.Get("Location")
		got := send(t, srv, request{method: "GET", path: strings.TrimPrefix(loc, "/v0")}).mustStatus(t, 200)
		if got.str("metadata.name") != name {
			t.Errorf("%q: created at %s, read back %s", name, loc, got.raw)
		}
		if r := srv.Requests(); r[len(r)-1].OperationID != "GetCustomDomain" {
			t.Errorf("%q: reached %s", name, r[len(r)-1].OperationID)
		}
		send(t, srv, request{method: "POST", path: strings.TrimPrefix(loc, "/v0") + "/verify"}).mustStatus(t, 200)
	}
}
