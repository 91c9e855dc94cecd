package sandboxfake

import (
	"fmt"
	"sync"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// sandboxAPI is what the fake knows of the Sandbox API, all of it from openapi-sandbox.yaml:
// the operations it serves, their ids, and the document to check requests and answers against.
type sandboxAPI struct {
	doc    *openapi3.T
	routes []*sbxRoute
	byKey  map[string]*sbxRoute // by "METHOD /template"
	byID   map[string]*sbxRoute // by operationId
}

// sharedSandboxAPI is read once for every Server of the process: like the control plane's
// document, it never changes once read.
var sharedSandboxAPI = sync.OnceValues(loadSandboxAPI)

// loadSandboxAPI pairs every operation of the document with its handler. An operation without
// a handler, or a handler without an operation, is an error: the fake serves the document
// exactly.
func loadSandboxAPI() (*sandboxAPI, error) {
	doc, err := apidoc.LoadSandbox()
	if err != nil {
		return nil, err
	}
	handlers := sandboxHandlers()
	a := &sandboxAPI{doc: doc, byKey: map[string]*sbxRoute{}, byID: map[string]*sbxRoute{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			h := handlers[key]
			if h == nil {
				return nil, fmt.Errorf("blaxeltest: openapi-sandbox.yaml has %s (%s), which the fake does not serve", key, op.OperationID)
			}
			rt := newSbxRoute(key, h)
			rt.op.id = op.OperationID
			rt.doc = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			a.byKey[key], a.byID[op.OperationID] = rt, rt
		}
	}
	for key := range handlers {
		if a.byKey[key] == nil {
			return nil, fmt.Errorf("blaxeltest: the fake serves %s, which openapi-sandbox.yaml does not have", key)
		}
	}
	a.routes = sortedRoutes(a.byKey)
	return a, nil
}

// route returns the route a fault or a count names: an operationId or "METHOD /template".
func (a *sandboxAPI) route(name string) *sbxRoute {
	if rt := a.byID[name]; rt != nil {
		return rt
	}
	return a.byKey[wire.NormalizeRoute(name)]
}
