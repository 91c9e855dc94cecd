package main

import (
	"strings"
	"testing"
)

const pathCheckDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
tags: [{name: things}]
paths:
  /things:
    post: {operationId: CreateThing, tags: [things], responses: {"204": {description: ok}}}
  /things/{thingName}/parts/{partId}:
    put: {operationId: UpdatePart, tags: [things], responses: {"204": {description: ok}}}
`

const pathCheckGen = `package gen

import (
	"context"
	"io"
	"net/http"
)

type RequestEditorFn func(ctx context.Context, req *http.Request) error
type UpdatePartJSONRequestBody struct{}
type CreateThingParams struct{}

type ClientInterface interface {
	CreateThing(ctx context.Context, params *CreateThingParams, reqEditors ...RequestEditorFn) (*http.Response, error)
	UpdatePartWithBody(ctx context.Context, thingName string, partID string, contentType string, body io.Reader, reqEditors ...RequestEditorFn) (*http.Response, error)
	UpdatePart(ctx context.Context, thingName string, partID string, body UpdatePartJSONRequestBody, reqEditors ...RequestEditorFn) (*http.Response, error)
}
`

func checkedClient(t *testing.T, gen string) ([]byte, error) {
	t.Helper()
	g := parseGen(t, gen)
	ops, err := collectOperations(loadDoc(t, pathCheckDoc), g)
	if err != nil {
		return nil, err
	}
	return checkedClientFile(ops, g)
}

// TestCheckedClientWrapsEveryMethod: every method of ClientInterface names its request after
// its operation, and one of an operation with path parameters checks each of them, named as
// in the document, before passing the call on.
func TestCheckedClientWrapsEveryMethod(t *testing.T) {
	src, err := checkedClient(t, pathCheckGen)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, src,
		`func (c checkedClient) UpdatePart(ctx context.Context, thingName string, partID string, body gen.UpdatePartJSONRequestBody, reqEditors ...gen.RequestEditorFn) (*http.Response, error) {`,
		`checkPathParams("UpdatePart", "thingName", thingName, "partId", partID)`,
		`return c.raw.UpdatePart(withOperation(ctx, "UpdatePart"), thingName, partID, body, reqEditors...)`,
		`func (c checkedClient) UpdatePartWithBody(ctx context.Context, thingName string, partID string, contentType string, body io.Reader, reqEditors ...gen.RequestEditorFn)`,
		`return c.raw.UpdatePartWithBody(withOperation(ctx, "UpdatePart"), thingName, partID, contentType, body, reqEditors...)`,
		`func (c checkedClient) CreateThing(ctx context.Context, params *gen.CreateThingParams, reqEditors ...gen.RequestEditorFn) (*http.Response, error) {`+"\n\treturn c.raw.CreateThing(withOperation(ctx, \"CreateThing\"), params, reqEditors...)",
		`type checkedClient struct{ raw *gen.Client }`,
		`"io"`,
	)
}

func TestPathCheckRefusesANonStringPathParameter(t *testing.T) {
	src := strings.Replace(pathCheckGen, "thingName string, partID string, body", "thingName string, partID int, body", 1)
	if _, err := checkedClient(t, src); err == nil || !strings.Contains(err.Error(), "partId") {
		t.Fatalf("want an error naming partId, got %v", err)
	}
}
