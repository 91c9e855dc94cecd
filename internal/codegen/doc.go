// Package codegen holds what turns the documents into Go: the overlay that adapts openapi.yaml
// for oapi-codegen, and the go:generate directives that run it on openapi.yaml (into gen and
// pkg/blaxel) and on openapi-sandbox.yaml (into gen/sandboxapi).
//
// Run `go generate ./...` (or `make generate`) from anywhere in the module.
package codegen

//go:generate go -C ../.. run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go -C ../.. run ./internal/codegen/genclient -spec openapi.yaml -gen gen/blaxel.gen.go -out pkg/blaxel
//go:generate go -C ../.. run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen-sandbox.yaml openapi-sandbox.yaml
