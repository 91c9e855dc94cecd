// Package openapi carries the OpenAPI documents that this module is generated from, for programs
// that work from the documents themselves: the fake server, validators, other generators.
package openapi

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var document []byte

//go:embed openapi-sandbox.yaml
var sandboxDocument []byte

// Document returns the OpenAPI 3.0 document (YAML) describing the Blaxel v0 control plane.
// Each call returns a fresh copy that the caller may modify.
func Document() []byte { return bytes.Clone(document) }

// SandboxDocument returns the OpenAPI 3.0 document (YAML) describing the API that each sandbox
// serves: processes, files, multipart uploads, watch, network, drives, codegen and system.
// Each call returns a fresh copy that the caller may modify.
func SandboxDocument() []byte { return bytes.Clone(sandboxDocument) }
