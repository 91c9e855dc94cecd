package blaxel

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/blaxel-go/blaxel/internal/apidoc"
)

// TestOperationIDCoversDocument builds a path for every operation of openapi.yaml, with a
// plain value in each parameter, and expects that operation back.
func TestOperationIDCoversDocument(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	count := 0
	for template, item := range doc.Paths.Map() {
		path := param.ReplaceAllString(template, "v1")
		for method, op := range item.Operations() {
			count++
			if got := operationID(method, path); got != op.OperationID {
				t.Errorf("operationID(%s, %s) = %q, want %q (template %s)", method, path, got, op.OperationID, template)
			}
		}
	}
	if count < 170 {
		t.Fatalf("only %d operations in the document", count)
	}
}

func TestOperationIDPicksLiteralsAndRefusesUnknown(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{http.MethodGet, "/sandboxes/by-external-id/x", "GetSandboxByExternalId"},
		{http.MethodGet, "/sandboxes/by-external-id", "GetSandbox"}, // a sandbox may be named so
		{http.MethodGet, "/sandboxes/abc/previews/p1", "GetSandboxPreview"},
		{http.MethodPut, "/sandboxes/abc/previews/p1", "UpdateSandboxPreview"},
		{http.MethodGet, "/drives/jwks.json", "GetDriveJWKS"},
		{http.MethodGet, "/drives/d1", "GetDrive"},
		{http.MethodPost, "/oauth/token", "IssueToken"},
		{http.MethodGet, "/sandboxes", "ListSandboxes"},
		{http.MethodGet, "/sandboxes/a%2Fb", "GetSandbox"}, // an escaped slash stays one segment
		{http.MethodGet, "/sandboxes/", ""},                // a parameter is never empty
		{http.MethodGet, "/sandboxes//previews", ""},
		{http.MethodGet, "sandboxes", ""},
		{http.MethodGet, "", ""},
		{http.MethodGet, "/", ""},
		{http.MethodGet, "/nowhere", ""},
		{http.MethodGet, "/sandboxes/a/b/c/d/e/f/g", ""},
		{http.MethodPatch, "/sandboxes/abc", ""},
		{"get", "/sandboxes", ""}, // methods are case-sensitive in HTTP
	}
	for _, tt := range tests {
		if got := operationID(tt.method, tt.path); got != tt.want {
			t.Errorf("operationID(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestOperationIDDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_ = operationID(http.MethodDelete, "/sandboxes/abc/previews/p1/tokens/t1")
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per call", allocs)
	}
}

func BenchmarkOperationID(b *testing.B) {
	for b.Loop() {
		_ = operationID(http.MethodGet, "/sandboxes/abc/previews/p1/tokens")
	}
}
