package openapi_test

import (
	"context"
	"testing"

	openapi "github.com/blaxel-go/blaxel"
	"github.com/getkin/kin-openapi/openapi3"
)

// Both documents must load and validate with kin-openapi, examples included, because the fake
// server and the generators read them that way.
func TestDocumentsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  func() []byte
		ops  int
	}{
		{"openapi.yaml", openapi.Document, 0},
		{"openapi-sandbox.yaml", openapi.SandboxDocument, 41},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := openapi3.NewLoader().LoadFromData(tc.doc())
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
				t.Fatalf("validate: %v", err)
			}
			ids := map[string]bool{}
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					if op.OperationID == "" {
						t.Errorf("%s %s has no operationId", method, path)
					}
					if ids[op.OperationID] {
						t.Errorf("operationId %s is used twice", op.OperationID)
					}
					ids[op.OperationID] = true
				}
			}
			if tc.ops != 0 && len(ids) != tc.ops {
				t.Errorf("%d operations, want %d", len(ids), tc.ops)
			}
		})
	}
}

// Every request body and every success answer of the sandbox document carries an example, so
// that readers, validators and the fake see what the wire holds.
func TestSandboxDocumentHasExamples(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.SandboxDocument())
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				for mt, media := range op.RequestBody.Value.Content {
					if media.Example == nil && len(media.Examples) == 0 {
						t.Errorf("%s %s: request body %s has no example", method, path, mt)
					}
				}
			}
			for code, resp := range op.Responses.Map() {
				if code[0] != '2' {
					continue
				}
				for mt, media := range resp.Value.Content {
					if media.Example == nil && len(media.Examples) == 0 {
						t.Errorf("%s %s: answer %s %s has no example", method, path, code, mt)
					}
				}
			}
		}
	}
}

// Each call hands out its own copy: a caller that edits it cannot change what the next one reads.
func TestSandboxDocumentIsACopy(t *testing.T) {
	a := openapi.SandboxDocument()
	a[0] ^= 0xff
	if b := openapi.SandboxDocument(); b[0] == a[0] {
		t.Fatal("SandboxDocument returned shared memory")
	}
}
