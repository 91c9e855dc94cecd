package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSplitTemplate(t *testing.T) {
	got, err := splitTemplate("/sandboxes/{sandboxName}/previews/{previewName}")
	if err != nil || !reflect.DeepEqual(got, []string{"sandboxes", "", "previews", ""}) {
		t.Fatalf("got %q, %v", got, err)
	}
	for _, bad := range []string{"sandboxes", "/files/{name}.json", "/a//b", "/a/{}", "/a/{b}{c}"} {
		if _, err := splitTemplate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func loadDoc(t *testing.T, yaml string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

const routesDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{id}/{part}:
    get: {operationId: GetPart, responses: {"200": {description: ok}}}
  /things/special/{part}:
    get: {operationId: GetSpecialPart, responses: {"200": {description: ok}}}
  /things/{id}/meta:
    get: {operationId: GetMeta, responses: {"200": {description: ok}}}
  /things:
    get: {operationId: ListThings, responses: {"200": {description: ok}}}
    post: {operationId: CreateThing, responses: {"200": {description: ok}}}
`

func TestRoutesPutLiteralsFirst(t *testing.T) {
	routes, err := collectRoutes(loadDoc(t, routesDoc))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range routes {
		ids = append(ids, r.method+" "+r.id)
	}
	want := []string{"GET ListThings", "GET GetSpecialPart", "GET GetMeta", "GET GetPart", "POST CreateThing"}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("order %v, want %v", ids, want)
	}
}

func TestRoutesRefuseAmbiguousTemplates(t *testing.T) {
	doc := loadDoc(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{a}:
    get: {operationId: One, responses: {"200": {description: ok}}}
  /things/{b}:
    get: {operationId: Two, responses: {"200": {description: ok}}}
`)
	if _, err := collectRoutes(doc); err == nil || !strings.Contains(err.Error(), "match the same requests") {
		t.Fatalf("err %v", err)
	}
}

// listingDoc describes a listing unlike Blaxel's own, to prove the generator reads the
// extension and the generated Go instead of assuming their shape.
const listingDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /owners/{ownerId}/items:
    get:
      operationId: listOwnerItems
      x-pagination: {items: results, cursor: after, nextCursor: paging.next, hasMore: paging.more}
      responses: {"200": {description: ok}}
`

// listingGen is what oapi-codegen would write for listingDoc, reduced to what matters.
const listingGen = `package gen

import "context"

type RequestEditorFn func(ctx context.Context, req any) error
type ClientWithResponses struct{}
type Token = string
type ListOwnerItemsParams struct {
	After *Token ` + "`form:\"after,omitempty\" json:\"after,omitempty\"`" + `
	Size  *int   ` + "`form:\"size,omitempty\" json:\"size,omitempty\"`" + `
}
type Item struct{ Name string }
type Paging struct {
	Next *string ` + "`json:\"next,omitempty\"`" + `
	More bool    ` + "`json:\"more\"`" + `
}
type ItemPage = itemPage
type itemPage struct {
	Results []Item ` + "`json:\"results\"`" + `
	Paging  Paging ` + "`json:\"paging\"`" + `
}
type ListOwnerItemsResponse struct{ JSON200 *ItemPage }

func (c *ClientWithResponses) ListOwnerItemsWithResponse(ctx context.Context, ownerID string, params *ListOwnerItemsParams, reqEditors ...RequestEditorFn) (*ListOwnerItemsResponse, error) {
	return nil, nil
}
`

func TestPagesFileFollowsTheExtension(t *testing.T) {
	g, err := parseGenerated("gen.go", []byte(listingGen))
	if err != nil {
		t.Fatal(err)
	}
	out, err := pagesFile(loadDoc(t, listingDoc), g)
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, want := range []string{
		"func (c *Client) ListOwnerItemsAll(ctx context.Context, ownerID string, params *gen.ListOwnerItemsParams) iter.Seq2[gen.Item, error]",
		"v := gen.Token(cursor)",
		"q.After = &v",
		"c.ListOwnerItemsWithResponse(ctx, ownerID, &q)",
		"pg.items = resp.JSON200.Results",
		"if resp.JSON200.Paging.Next != nil {",
		"pg.next = string(*resp.JSON200.Paging.Next)",
		"pg.more = bool(resp.JSON200.Paging.More)",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("missing %q in\n%s", want, src)
		}
	}
}

func TestPagesFileRefusesWhatItCannotFind(t *testing.T) {
	g, err := parseGenerated("gen.go", []byte(listingGen))
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"unknown cursor parameter": strings.Replace(listingDoc, "cursor: after", "cursor: before", 1),
		"unknown items field":      strings.Replace(listingDoc, "items: results", "items: rows", 1),
		"items not a slice":        strings.Replace(listingDoc, "items: results", "items: paging", 1),
		"missing key":              strings.Replace(listingDoc, ", hasMore: paging.more", "", 1),
		"no generated method":      strings.Replace(listingDoc, "listOwnerItems", "listOtherItems", 1),
	} {
		if _, err := pagesFile(loadDoc(t, doc), g); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestGeneratedFilesAreCurrent runs the generator on the module's document into a temporary
// directory, twice, and compares with pkg/blaxel: the output must be stable and committed.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	var runs [2]string
	for i := range runs {
		runs[i] = t.TempDir()
		if err := run(filepath.Join(root, "openapi.yaml"), filepath.Join(root, "gen", "blaxel.gen.go"), runs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"operations.gen.go", "pages.gen.go"} {
		first, _ := os.ReadFile(filepath.Join(runs[0], name))
		second, _ := os.ReadFile(filepath.Join(runs[1], name))
		committed, err := os.ReadFile(filepath.Join(root, "pkg", "blaxel", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Errorf("%s differs between two runs", name)
		}
		if !bytes.Equal(first, committed) {
			t.Errorf("pkg/blaxel/%s is not what the generator writes: run go generate ./...", name)
		}
		if !bytes.HasPrefix(first, []byte("// Code generated ")) || !bytes.Contains(first, []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the generated-code header", name)
		}
	}
}

func TestUnaliasRendersAliasesOfPredeclaredTypes(t *testing.T) {
	g, err := parseGenerated("gen.go", []byte(`package gen
type SandboxName = string
type Limit = int
type Status string
type Sandbox struct{}
type Page = Sandbox
type ClientWithResponses struct{}
func (c *ClientWithResponses) GetSandboxWithResponse() {}
`))
	if err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[string]string{
		"gen.SandboxName": "string", "gen.Limit": "int", // aliases of predeclared types
		"gen.Status": "gen.Status", "gen.Page": "gen.Page", "gen.Sandbox": "gen.Sandbox", "string": "string",
	} {
		if got := g.unalias(typ); got != want {
			t.Errorf("unalias(%s) = %s, want %s", typ, got, want)
		}
	}
}
