package main

import (
	"strings"
	"testing"
)

// listingDoc describes a listing unlike Blaxel's own, to prove the generator reads the
// extension and the generated Go instead of assuming their shape.
const listingDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
tags: [{name: owners}]
paths:
  /owners/{ownerId}/items:
    get:
      operationId: listOwnerItems
      tags: [owners]
      x-pagination: {items: results, cursor: after, nextCursor: paging.next, hasMore: paging.more}
      parameters: [{name: after, in: query, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
`

// listingGen is what oapi-codegen would write for listingDoc, reduced to what matters.
const listingGen = `package gen

import (
	"context"
	"net/http"
)

type RequestEditorFn func(ctx context.Context, req *http.Request) error
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

type ClientInterface interface {
	ListOwnerItems(ctx context.Context, ownerID string, params *ListOwnerItemsParams, reqEditors ...RequestEditorFn) (*http.Response, error)
}
`

func listingPages(t *testing.T, doc, gen string) ([]byte, error) {
	t.Helper()
	g := parseGen(t, gen)
	d := loadDoc(t, doc)
	ops, err := collectOperations(d, g)
	if err != nil {
		return nil, err
	}
	return pagesFile(d, ops, g)
}

func TestPagesFileFollowsTheExtension(t *testing.T) {
	src, err := listingPages(t, listingDoc, listingGen)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, src,
		"func (c *Client) ListOwnerItemsAll(ctx context.Context, ownerID string, params *gen.ListOwnerItemsParams) iter.Seq2[gen.Item, error]",
		"v := gen.Token(cursor)",
		"q.After = &v",
		"list, err := c.ListOwnerItems(ctx, ownerID, &q)",
		"pg.items = list.Results",
		"if list.Paging.Next != nil {",
		"pg.next = string(*list.Paging.Next)",
		"pg.more = bool(list.Paging.More)",
	)
}

func TestPagesFileRefusesWhatItCannotFind(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown cursor parameter": strings.Replace(listingDoc, "cursor: after", "cursor: before", 1),
		"unknown items field":      strings.Replace(listingDoc, "items: results", "items: rows", 1),
		"items not a slice":        strings.Replace(listingDoc, "items: results", "items: paging", 1),
		"missing key":              strings.Replace(listingDoc, ", hasMore: paging.more", "", 1),
		"no generated method":      strings.Replace(listingDoc, "listOwnerItems", "listOtherItems", 1),
		"no JSON page":             strings.Replace(listingDoc, `content: {application/json: {schema: {type: object}}}`, "", 1),
	} {
		if _, err := listingPages(t, doc, listingGen); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
