package controlplane_test

import (
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestAPIVersions(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, tc := range []struct {
		version string
		ok      bool
	}{
		{"", true}, // the earliest version
		{"2026-04-16", true},
		{"2026-04-20", true}, // between two releases: the one before
		{"2026-04-28", true},
		{"2026-04-16.preview", true},
		{"2027-01-01.preview", true}, // previews name versions to come
		{"2026-04-15", false},        // before the first version
		{"2027-01-01", false},        // a stable version the document does not know
		{"2026-13-01", false},
		{"2026-4-28", false},
		{"latest", false},
		{"2026-04-28.beta", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: map[string]string{"Blaxel-Version": tc.version}})
			if tc.ok {
				a.MustStatus(t, 200)
				return
			}
			a.MustStatus(t, 400)
			if a.ErrorCode() != "invalid_api_version" || !strings.Contains(a.Str("message"), tc.version) {
				t.Errorf("answer %s", a.Raw)
			}
		})
	}
	// The token endpoint takes no version.
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/oauth/token", Body: map[string]any{"grant_type": "client_credentials"},
		Header: map[string]string{"Authorization": "Basic " + faketest.Basic("id", "secret"), "Blaxel-Version": "latest"}}).MustStatus(t, 200)
}
