package controlplane_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestPreviewsSayWhatTheyExposeAndWhere(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	sandbox := strings.TrimSuffix(srv.URL(), "/v0") + "/ws/sandboxes/box"
	for _, tc := range []struct {
		port int
		url  string
	}{
		{443, sandbox},
		{3000, sandbox + "/port/3000"},
	} {
		name := fmt.Sprint("p", tc.port)
		got := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews",
			Body: map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"port": tc.port}}}).MustStatus(t, 200)
		if got.Str("spec.url") != tc.url || got.Str("metadata.resourceName") != "box" {
			t.Errorf("port %v: %s", tc.port, got.Raw)
		}
		again := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews/" + name}).MustStatus(t, 200)
		if again.Str("spec.url") != tc.url {
			t.Errorf("port %v read back: %s", tc.port, again.Raw)
		}
	}
}
