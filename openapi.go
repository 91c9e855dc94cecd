// Package openapi carries the Blaxel v0 API document that this module is generated from, for
// programs that work from the document itself: the fake server, validators, other generators.
package openapi

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var document []byte

// Document returns the OpenAPI 3.0 document (YAML) describing the Blaxel v0 control plane.
// Each call returns a fresh copy that the caller may modify.
func Document() []byte { return bytes.Clone(document) }
