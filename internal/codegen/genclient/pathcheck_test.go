package main

import (
	"strings"
	"testing"
)

const pathCheckDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post: {operationId: CreateThing, responses: {"200": {description: ok}}}
  /things/{thingName}/parts/{partId}:
    put: {operationId: UpdatePart, responses: {"200": {description: ok}}}
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

type ClientWithResponses struct{ ClientInterface }

func (c *ClientWithResponses) CreateThingWithResponse() {}
`

// TestPathCheckWrapsOperationsWithPathParameters: every method of an operation with path
// parameters checks each of them, named as in the document, then passes the call on; the
// others are left to the embedded client.
func TestPathCheckWrapsOperationsWithPathParameters(t *testing.T) {
	g, err := parseGenerated("gen.go", []byte(pathCheckGen))
	if err != nil {
		t.Fatal(err)
	}
	src, err := pathCheckFile(loadDoc(t, pathCheckDoc), g)
	if err != nil {
		t.Fatal(err)
	}
	out := string(src)
	for _, want := range []string{
		`func (c checkedClient) UpdatePart(ctx context.Context, thingName string, partID string, body gen.UpdatePartJSONRequestBody, reqEditors ...gen.RequestEditorFn) (*http.Response, error) {`,
		`checkPathParams("UpdatePart", "thingName", thingName, "partId", partID)`,
		`return c.Client.UpdatePart(ctx, thingName, partID, body, reqEditors...)`,
		`func (c checkedClient) UpdatePartWithBody(ctx context.Context, thingName string, partID string, contentType string, body io.Reader, reqEditors ...gen.RequestEditorFn)`,
		`return c.Client.UpdatePartWithBody(ctx, thingName, partID, contentType, body, reqEditors...)`,
		`"io"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "CreateThing") {
		t.Errorf("an operation without path parameters was wrapped:\n%s", out)
	}
}

func TestPathCheckRefusesANonStringPathParameter(t *testing.T) {
	src := strings.Replace(pathCheckGen, "thingName string, partID string, body", "thingName string, partID int, body", 1)
	g, err := parseGenerated("gen.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pathCheckFile(loadDoc(t, pathCheckDoc), g); err == nil || !strings.Contains(err.Error(), "partId") {
		t.Fatalf("want an error naming partId, got %v", err)
	}
}
