package blaxeltest_test

import (
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
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
			a := send(t, srv, request{method: "GET", path: "/agents", header: map[string]string{"Blaxel-Version": tc.version}})
			if tc.ok {
				a.mustStatus(t, 200)
				return
			}
			a.mustStatus(t, 400)
			if a.errorCode() != "invalid_api_version" || !strings.Contains(a.str("message"), tc.version) {
				t.Errorf("answer %s", a.raw)
			}
		})
	}
	// The token endpoint takes no version.
	send(t, srv, request{method: "POST", path: "/oauth/token", body: map[string]any{"grant_type": "client_credentials"},
		header: map[string]string{"Authorization": "Basic " + basic("id", "secret"), "Blaxel-Version": "latest"}}).mustStatus(t, 200)
}
