package apidoc_test

import (
	"fmt"
	"strings"
	"testing"

	openapi "github.com/blaxel-go/blaxel"
	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
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

// No two places of openapi.yaml share a description: each says something of its own place (a
// parameter used on several paths is declared once, in components/parameters).
func TestDescriptionsDoNotRepeat(t *testing.T) {
	var doc any
	if err := yaml.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{} // description -> where first seen
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				switch {
				case k == "example" || k == "examples":
				case k == "description" && isString(val):
					s := val.(string)
					if first, dup := seen[s]; dup {
						t.Errorf("%s repeats the description of %s: %q", where, first, s)
					}
					seen[s] = where
				default:
					walk(val, where+"/"+k)
				}
			}
		case []any:
			for i, val := range x {
				walk(val, fmt.Sprintf("%s/%d", where, i))
			}
		}
	}
	walk(doc, "")
	if len(seen) < 1000 {
		t.Errorf("only %d descriptions: the walk missed some", len(seen))
	}
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}
