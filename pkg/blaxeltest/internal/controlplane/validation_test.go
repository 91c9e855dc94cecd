package controlplane_test

import (
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// The constraints Blaxel states for names, lengths, formats and durations are in openapi.yaml,
// so the server refuses what breaks them with 400 and the reason.
func TestConstrainedFieldsAreValidated(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	withMeta := func(key string, v any) map[string]any {
		body := faketest.Sandbox("box", nil)
		body["metadata"].(map[string]any)[key] = v
		return body
	}
	withRuntime := func(key string, v any) map[string]any {
		body := faketest.Sandbox("box", nil)
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
			a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: tc.body}).MustStatus(t, 400)
			if !strings.Contains(a.Str("message"), tc.want) {
				t.Errorf("answer %s, want a reason naming %s", a.Raw, tc.want)
			}
		})
	}
	// What the constraints allow passes: the longest name, a display name with spaces, a duration.
	ok := withMeta("name", strings.Repeat("a", 49))
	ok["metadata"].(map[string]any)["displayName"] = "My box, for tests"
	ok["spec"].(map[string]any)["runtime"].(map[string]any)["ttl"] = "30m"
	ok["spec"].(map[string]any)["runtime"].(map[string]any)["expires"] = "2030-01-01T00:00:00Z"
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: ok}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/by-external-id/ticket_42"}).MustStatus(t, 404)
}

func TestAnUpdateCannotRename(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	a := faketest.Send(t, srv, faketest.Request{Method: "PUT", Path: "/sandboxes/box", Body: faketest.Sandbox("other", nil)}).MustStatus(t, 400)
	if !strings.Contains(a.Str("message"), "metadata.name") {
		t.Errorf("rename: %s", a.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/other"}).MustStatus(t, 404)
	faketest.Send(t, srv, faketest.Request{Method: "PUT", Path: "/sandboxes/box", Body: faketest.Sandbox("box", map[string]string{"v": "2"})}).MustStatus(t, 200)
}

// Defaults the document gives are in what the server stores and answers, as the real API
// fills them; objects the caller left out are not made up for their defaults.
func TestDefaultsAreFilledIn(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	created := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: map[string]any{
		"metadata": map[string]any{"name": "box"}, "spec": map[string]any{"network": map[string]any{}},
	}}).MustStatus(t, 200)
	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200)
	for _, a := range []faketest.Answer{created, got} {
		spec, _ := a.Body["spec"].(map[string]any)
		if spec["enabled"] != true || spec["vpc"] != "default" || a.Str("spec.network.subnet") != "default" {
			t.Errorf("defaults missing: %s", a.Raw)
		}
		if _, made := spec["lifecycle"]; made {
			t.Errorf("a lifecycle was made up for its defaults: %s", a.Raw)
		}
	}
	// An explicit false stays false.
	off := faketest.Sandbox("off", nil)
	off["spec"].(map[string]any)["enabled"] = false
	if a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: off}).MustStatus(t, 200); a.Body["spec"].(map[string]any)["enabled"] != false {
		t.Errorf("enabled: false became %s", a.Raw)
	}
}

// A write-only property (the secrets a sandbox's proxy adds to requests) is stored but never
// answered.
func TestWriteOnlyFieldsAreNeverAnswered(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	body := faketest.Sandbox("box", nil)
	body["spec"].(map[string]any)["network"] = map[string]any{"proxy": map[string]any{"routing": []any{
		map[string]any{"destinations": []any{"api.example.com"}, "secrets": map[string]any{"token": "s3cr3t-value"}},
	}}}
	created := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: body}).MustStatus(t, 200)
	got := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200)
	list := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes"}).MustStatus(t, 200)
	for _, a := range []faketest.Answer{created, got, list} {
		if strings.Contains(string(a.Raw), "s3cr3t-value") || strings.Contains(string(a.Raw), `"secrets"`) {
			t.Errorf("a write-only secret was answered: %s", a.Raw)
		}
		if !strings.Contains(string(a.Raw), "api.example.com") {
			t.Errorf("the route itself is missing: %s", a.Raw)
		}
	}
}
