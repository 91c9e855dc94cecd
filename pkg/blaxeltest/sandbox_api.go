package blaxeltest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// sandboxAPI is what the fake knows of the Sandbox API: the routes it serves and, once the
// API has a document, the document to check requests and answers against.
type sandboxAPI struct {
	doc    *openapi3.T // nil until the Sandbox API has a document
	routes []*sbxRoute
	byKey  map[string]*sbxRoute // by "METHOD /template"
	byID   map[string]*sbxRoute // by operationId
}

// sharedSandboxAPI is built once for every Server of the process: like the control plane's
// document, it never changes once read.
var sharedSandboxAPI = sync.OnceValues(loadSandboxAPI)

// loadSandboxAPI pairs every operation with its handler.
func loadSandboxAPI() (*sandboxAPI, error) {
	a := &sandboxAPI{byKey: map[string]*sbxRoute{}, byID: map[string]*sbxRoute{}}
	for key, h := range sandboxHandlers() {
		a.byKey[key] = newSbxRoute(key, h)
	}
	a.routes = sortedRoutes(a.byKey)
	return a, nil
}

// route returns the route a fault or a count names: an operationId or "METHOD /template".
func (a *sandboxAPI) route(name string) *sbxRoute {
	if rt := a.byID[name]; rt != nil {
		return rt
	}
	method, path, ok := strings.Cut(strings.TrimSpace(name), " ")
	if !ok {
		return nil
	}
	return a.byKey[strings.ToUpper(method)+" "+strings.TrimSpace(path)]
}

// errNoHandler is what loading answers for an operation of the document the fake cannot serve.
func errNoHandler(key string) error {
	return fmt.Errorf("blaxeltest: the Sandbox API document has %s, which the fake does not serve", key)
}
