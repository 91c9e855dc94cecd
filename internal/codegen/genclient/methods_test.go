package main

import (
	"strings"
	"testing"
)

// thingsDoc has one operation of each kind of answer.
const thingsDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
tags: [{name: things, description: Things of all kinds.}]
paths:
  /things:
    get:
      operationId: ListThings
      summary: List things
      tags: [things]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Thing"}}}}}
    post:
      operationId: CreateThing
      summary: Create a thing.
      tags: [things]
      parameters: [{name: dryRun, in: query, schema: {type: boolean}}]
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
  /things/{thingId}:
    get:
      operationId: getThing
      summary: Get a thing
      description: >-
        Returns the thing. Deprecated: the things API of 2025 had this operation, and the client of September
        2026 no longer lists it; it stays for servers that still serve the 2025 API.
      tags: [things]
      deprecated: true
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
    delete:
      operationId: DeleteThing
      summary: Delete a thing
      tags: [things]
      responses:
        "204": {description: deleted}
  /things/{thingId}/share:
    post:
      operationId: ShareThing
      summary: Share a thing
      tags: [things]
      responses:
        "200": {description: shared, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
        "202": {description: pending, content: {application/json: {schema: {$ref: "#/components/schemas/Pending"}}}}
components:
  schemas:
    Thing: {type: object, properties: {name: {type: string}}}
    Pending: {type: object, properties: {id: {type: string}}}
`

// thingsGen is what oapi-codegen writes for thingsDoc, reduced to what the generator reads.
const thingsGen = `package gen

import (
	"context"
	"io"
	"net/http"
)

type RequestEditorFn func(ctx context.Context, req *http.Request) error
type Thing struct{ Name *string }
type Pending struct{ ID *string }
type CreateThingParams struct{ DryRun *bool }
type CreateThingJSONRequestBody = Thing

type ClientInterface interface {
	ListThings(ctx context.Context, reqEditors ...RequestEditorFn) (*http.Response, error)
	CreateThingWithBody(ctx context.Context, params *CreateThingParams, contentType string, body io.Reader, reqEditors ...RequestEditorFn) (*http.Response, error)
	CreateThing(ctx context.Context, params *CreateThingParams, body CreateThingJSONRequestBody, reqEditors ...RequestEditorFn) (*http.Response, error)
	GetThing(ctx context.Context, thingID string, reqEditors ...RequestEditorFn) (*http.Response, error)
	DeleteThing(ctx context.Context, thingID string, reqEditors ...RequestEditorFn) (*http.Response, error)
	ShareThing(ctx context.Context, thingID string, reqEditors ...RequestEditorFn) (*http.Response, error)
}

type ListThingsResponse struct{ JSON200 *[]Thing }
type CreateThingResponse struct{ JSON200 *Thing }
type GetThingResponse struct{ JSON200 *Thing }
type DeleteThingResponse struct{}
type ShareThingResponse struct {
	JSON200 *Thing
	JSON202 *Pending
}
`

func thingsFiles(t *testing.T, hand declared) map[string][]byte {
	t.Helper()
	files, err := generate(loadDoc(t, thingsDoc), parseGen(t, thingsGen), hand)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[f.name] = f.src
	}
	return out
}

// Each operation is a method of its Go name with the arguments in the documented order (the
// body before the parameters, where gen puts them the other way), returning what its
// success answer declares; its doc names the operation, the method, the path and the summary.
func TestMethodsHaveTheShapeOfTheirAnswers(t *testing.T) {
	src := thingsFiles(t, declared{})["operations.gen.go"]
	contains(t, src,
		"// ListThings calls GET /things, the operation ListThings of openapi.yaml: List things.\n",
		"func (c *Client) ListThings(ctx context.Context, opts ...CallOption) ([]gen.Thing, error) {",
		"return answerValue(c, resp, err, gen.ParseListThingsResponse, func(r *gen.ListThingsResponse) *[]gen.Thing { return r.JSON200 })",

		"// CreateThing calls POST /things, the operation CreateThing of openapi.yaml: Create a thing.\n",
		"func (c *Client) CreateThing(ctx context.Context, body gen.Thing, params *gen.CreateThingParams, opts ...CallOption) (*gen.Thing, error) {",
		"resp, err := c.raw.CreateThing(withCall(ctx, opts), params, body)",
		"return answer(c, resp, err, gen.ParseCreateThingResponse, func(r *gen.CreateThingResponse) *gen.Thing { return r.JSON200 })",

		"// GetThing calls GET /things/{thingId}, the operation getThing of openapi.yaml: Get a thing.\n//\n"+
			"// Deprecated: the things API of 2025 had this operation, and the client of September 2026 no longer\n"+
			"// lists it; it stays for servers that still serve the 2025 API.\n",
		"func (c *Client) GetThing(ctx context.Context, thingID string, opts ...CallOption) (*gen.Thing, error) {",

		"func (c *Client) DeleteThing(ctx context.Context, thingID string, opts ...CallOption) error {",
		"return noAnswer(c, resp, err, 204)",

		"func (c *Client) ShareThing(ctx context.Context, thingID string, opts ...CallOption) (*ShareThingResult, error) {",
		"return &ShareThingResult{JSON200: r.JSON200, JSON202: r.JSON202}",
		"JSON202 *gen.Pending // 202: pending",

		`case "CreateThing", "getThing", "ShareThing":`+"\n\t\treturn '{', true",
		`case "ListThings":`+"\n\t\treturn '[', true",
	)
	if strings.Contains(string(src), `"DeleteThing"`) {
		t.Errorf("DeleteThing declares no body, yet has a shape:\n%s", src)
	}
}

// The package doc lists the methods by tag, with the tag's description.
func TestDocIndexListsTheMethodsByTag(t *testing.T) {
	src := thingsFiles(t, declared{})["doc_operations.gen.go"]
	contains(t, src, "// # Operations by tag", "The 5 operations",
		"// Tag things. Things of all kinds. Methods: [Client.CreateThing], [Client.DeleteThing],\n// [Client.GetThing],",
		"\npackage blaxel\n")
}

// A generated name that a hand-written method or type already has, or that two generated
// things would both take, fails the generator, naming both.
func TestGeneratorRefusesNameCollisions(t *testing.T) {
	for name, hand := range map[string]declared{
		"method": {methods: map[string]string{"GetThing": "mine.go"}},
		"type":   {types: map[string]string{"ShareThingResult": "result.go"}},
	} {
		_, err := generate(loadDoc(t, thingsDoc), parseGen(t, thingsGen), hand)
		if err == nil || !strings.Contains(err.Error(), "collision") {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// A listing's iterator and an operation that the document names the same.
	doc := strings.Replace(thingsDoc, "operationId: DeleteThing", "operationId: ListThingsAll", 1)
	doc = strings.Replace(doc, "    get:\n      operationId: ListThings\n", "    get:\n      operationId: ListThings\n      x-pagination: {items: data, cursor: cursor, nextCursor: next, hasMore: more}\n", 1)
	gen := strings.ReplaceAll(thingsGen, "DeleteThing", "ListThingsAll")
	_, err := generate(loadDoc(t, doc), parseGen(t, gen), declared{})
	if err == nil || !strings.Contains(err.Error(), "ListThingsAll") {
		t.Errorf("iterator: err %v", err)
	}
}

func TestReadDeclaredFindsClientMethodsAndTypes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "wait.go", "package blaxel\n\ntype Client struct{}\n\ntype WaitOption func()\n\nfunc (c *Client) WaitForThing() {}\n\nfunc helper() {}\n")
	write(t, dir, "ops.gen.go", "package blaxel\n\nfunc (c *Client) GetThing() {}\n")
	write(t, dir, "wait_test.go", "package blaxel\n\nfunc (c *Client) TestOnly() {}\n")
	d, err := readDeclared(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.methods) != 1 || d.methods["WaitForThing"] != "wait.go" || d.types["WaitOption"] != "wait.go" || d.types["Client"] != "wait.go" {
		t.Fatalf("methods %v, types %v", d.methods, d.types)
	}
}

// An operation whose success answers are partly with a body and partly without cannot have
// one result type: the generator says so rather than guess.
func TestGeneratorRefusesMixedAnswers(t *testing.T) {
	doc := strings.Replace(thingsDoc, `"202": {description: pending, content: {application/json: {schema: {$ref: "#/components/schemas/Pending"}}}}`,
		`"202": {description: pending}`, 1)
	if _, err := generate(loadDoc(t, doc), parseGen(t, thingsGen), declared{}); err == nil || !strings.Contains(err.Error(), "ShareThing") {
		t.Fatalf("err %v", err)
	}
}
