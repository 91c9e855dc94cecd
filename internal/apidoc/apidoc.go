// Package apidoc loads the embedded OpenAPI documents with kin-openapi and answers questions
// about them that tests and the fake server share: how to route a request, and what a minimal
// valid instance of a schema looks like.
package apidoc

import (
	"context"
	"fmt"

	openapi "github.com/blaxel-go/blaxel"
	"github.com/getkin/kin-openapi/openapi3"
)

// Load parses and validates the embedded document. Every call returns a new, independent copy.
func Load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document())
	if err != nil {
		return nil, fmt.Errorf("apidoc: parse openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("apidoc: openapi.yaml is invalid: %w", err)
	}
	return doc, nil
}

// LoadSandbox parses and validates the embedded Sandbox API document (openapi-sandbox.yaml).
// Every call returns a new, independent copy.
func LoadSandbox() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.SandboxDocument())
	if err != nil {
		return nil, fmt.Errorf("apidoc: parse openapi-sandbox.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("apidoc: openapi-sandbox.yaml is invalid: %w", err)
	}
	return doc, nil
}
