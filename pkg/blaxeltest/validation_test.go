package blaxeltest_test

import (
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// The constraints Blaxel states for names, lengths, formats and durations are in openapi.yaml,
// so the server refuses what breaks them with 400 and the reason.
func TestConstrainedFieldsAreValidated(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	withMeta := func(key string, v any) map[string]any {
		body := sandbox("box", nil)
		body["metadata"].(map[string]any)[key] = v
		return body
	}
	withRuntime := func(key string, v any) map[string]any {
		body := sandbox("box", nil)
		body["spec"].(map[string]any)["runtime"].(map[string]any)[key] = v
		return body
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want string // what the reason names
	}{
		{"a name with capitals and punctuation", withMeta("name", "Bad Name!"), "/metadata/name"},
		{"a name of 50 characters", withMeta("name", strings.Repeat("a", 50)), "/metadata/name"},
		{"a display name of 64 characters", withMeta("displayName", strings.Repeat("d", 64)), "/metadata/displayName"},
		{"an external id with an underscore", withMeta("externalId", "ticket_42"), "/metadata/externalId"},
		{"a ttl in words", withRuntime("ttl", "30 minutes"), "/spec/runtime/ttl"},
		{"an expiry that is not a date-time", withRuntime("expires", "tomorrow"), "/spec/runtime/expires"},
		{"an extra argument neither enabled nor disabled", withRuntime("extraArgs", map[string]any{"gpu": "yes"}), "/spec/runtime/extraArgs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, srv, request{method: "POST", path: "/sandboxes", body: tc.body}).mustStatus(t, 400)
			if !strings.Contains(a.str("message"), tc.want) {
				t.Errorf("answer %s, want a reason naming %s", a.raw, tc.want)
			}
		})
	}
	// What the constraints allow passes: the longest name, a display name with spaces, a duration.
	ok := withMeta("name", strings.Repeat("a", 49))
	ok["metadata"].(map[string]any)["displayName"] = "My box, for tests"
	ok["spec"].(map[string]any)["runtime"].(map[string]any)["ttl"] = "30m"
	ok["spec"].(map[string]any)["runtime"].(map[string]any)["expires"] = "2030-01-01T00:00:00Z"
	send(t, srv, request{method: "POST", path: "/sandboxes", body: ok}).mustStatus(t, 200)
	send(t, srv, request{method: "GET", path: "/sandboxes/by-external-id/ticket_42"}).mustStatus(t, 404)
}

func TestAnUpdateCannotRename(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	send(t, srv, request{method: "POST", path: "/sandboxes", body: sandbox("box", nil)}).mustStatus(t, 200)
	a := send(t, srv, request{method: "PUT", path: "/sandboxes/box", body: sandbox("other", nil)}).mustStatus(t, 400)
	if !strings.Contains(a.str("message"), "metadata.name") {
		t.Errorf("rename: %s", a.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes/other"}).mustStatus(t, 404)
	send(t, srv, request{method: "PUT", path: "/sandboxes/box", body: sandbox("box", map[string]string{"v": "2"})}).mustStatus(t, 200)
}

// Defaults the document gives are in what the server stores and answers, as the real API
// fills them; objects the caller left out are not made up for their defaults.
func TestDefaultsAreFilledIn(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	created := send(t, srv, request{method: "POST", path: "/sandboxes", body: map[string]any{
		"metadata": map[string]any{"name": "box"}, "spec": map[string]any{"network": map[string]any{}},
	}}).mustStatus(t, 200)
	got := send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 200)
	for _, a := range []answer{created, got} {
		spec, _ := a.body["spec"].(map[string]any)
		if spec["enabled"] != true || spec["vpc"] != "default" || a.str("spec.network.subnet") != "default" {
			t.Errorf("defaults missing: %s", a.raw)
		}
		if _, made := spec["lifecycle"]; made {
			t.Errorf("a lifecycle was made up for its defaults: %s", a.raw)
		}
	}
	// An explicit false stays false.
	off := sandbox("off", nil)
	off["spec"].(map[string]any)["enabled"] = false
	if a := send(t, srv, request{method: "POST", path: "/sandboxes", body: off}).mustStatus(t, 200); a.body["spec"].(map[string]any)["enabled"] != false {
		t.Errorf("enabled: false became %s", a.raw)
	}
}

// A write-only property (the secrets a sandbox's proxy adds to requests) is stored but never
// answered.
func TestWriteOnlyFieldsAreNeverAnswered(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	body := sandbox("box", nil)
	body["spec"].(map[string]any)["network"] = map[string]any{"proxy": map[string]any{"routing": []any{
		map[string]any{"destinations": []any{"api.example.com"}, "secrets": map[string]any{"token": "s3cr3t-value"}},
	}}}
	created := send(t, srv, request{method: "POST", path: "/sandboxes", body: body}).mustStatus(t, 200)
	got := send(t, srv, request{method: "GET", path: "/sandboxes/box"}).mustStatus(t, 200)
	list := send(t, srv, request{method: "GET", path: "/sandboxes"}).mustStatus(t, 200)
	for _, a := range []answer{created, got, list} {
		if strings.Contains(string(a.raw), "s3cr3t-value") || strings.Contains(string(a.raw), `"secrets"`) {
			t.Errorf("a write-only secret was answered: %s", a.raw)
		}
		if !strings.Contains(string(a.raw), "api.example.com") {
			t.Errorf("the route itself is missing: %s", a.raw)
		}
	}
}
