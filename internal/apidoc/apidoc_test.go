package apidoc_test

import (
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/getkin/kin-openapi/openapi3"
)

// Every request body and every success answer of openapi.yaml shows an example, and Load
// checks each against its schema.
func TestEveryBodyAndSuccessAnswerHasAValidExample(t *testing.T) {
	doc, err := apidoc.Load() // validates the examples too
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					n++
					if !hasExample(mt) {
						t.Errorf("%s %s: the %s body has no example", method, path, ct)
					}
				}
			}
			for code, resp := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || resp.Value == nil {
					continue
				}
				for ct, mt := range resp.Value.Content {
					n++
					if !hasExample(mt) {
						t.Errorf("%s %s: the %s %s answer has no example", method, path, code, ct)
					}
				}
			}
		}
	}
	if n < 200 {
		t.Errorf("only %d bodies and answers: the walk missed some", n)
	}
}

func hasExample(mt *openapi3.MediaType) bool {
	return mt.Example != nil || len(mt.Examples) > 0
}
