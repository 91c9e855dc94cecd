package main

import (
	"strings"
	"testing"
)

const bodilessDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: GetThing
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
    delete:
      operationId: DeleteThing
      responses:
        "200": {description: deleted}
  /things/{id}/health:
    get:
      operationId: GetThingHealth
      responses:
        "204": {description: healthy}
`

// TestDeclaresNoBodyListsBodilessOperations: operations.gen.go names the operations whose
// success answers declare no JSON body, and only those.
func TestDeclaresNoBodyListsBodilessOperations(t *testing.T) {
	src, err := operationsFile(loadDoc(t, bodilessDoc))
	if err != nil {
		t.Fatal(err)
	}
	out := string(src)
	if !strings.Contains(out, `case "DeleteThing", "GetThingHealth":`) {
		t.Errorf("the bodiless operations are not listed:\n%s", out)
	}
	if strings.Contains(out, `"GetThing",`) || strings.Contains(out, `"GetThing":`) {
		t.Errorf("GetThing answers JSON, yet is listed:\n%s", out)
	}
}
