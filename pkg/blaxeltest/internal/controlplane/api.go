package controlplane

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// api is what the server knows of the API, all of it read from openapi.yaml once.
type api struct {
	doc         *openapi3.T
	router      routers.Router
	ops         map[string]*operation // by route, "METHOD /template"
	byID        map[string]*operation // by operationId
	collections []*collection
	version     string // the newest API version the document describes
}

// opKind is the part an operation plays, which decides how the server answers it.
type opKind int

const (
	kindOther  opKind = iota // answered with a sample of its schema, or the enclosing item
	kindList                 // GET on a collection
	kindCreate               // POST on a collection
	kindGet                  // GET on an item
	kindUpdate               // PUT on an item
	kindDelete               // DELETE on an item
	kindLookup               // GET <collection>/by-<field>/{value}
	kindToken                // the OAuth token endpoint
	kindAction               // POST {item}/{verb}: archive, unarchive, fork, restore (action.go)
)

// operation is one operation of the document and what the server makes of it.
type operation struct {
	id, method, path string
	route            string // "METHOD /template"
	op               *openapi3.Operation
	kind             opKind
	coll             *collection // the collection a collection operation acts on
	enclosing        *collection // the collection whose item this path is under, if any
	status           int         // the success status
	schema           *openapi3.SchemaRef
	paging           *paging
	element          *openapi3.SchemaRef // a listing's item, as the listing shows it
	filters          []filter            // a listing's query parameters that select items
	lookupField      []string
	needsAuth        bool
	hasVersion       bool
	needsWorkspace   bool
	forCaller        bool // acts on the caller's account, not in a workspace (its items live in accountSpace)

	act func(*handlers, *call) wire.Reply // what a kindAction does (action.go)
}

// collection is a path that creates items (POST /x) and the item path under it (/x/{name}).
type collection struct {
	path, itemPath string
	parentParams   []string   // the parameters of path
	keyParams      []string   // the parameters itemPath adds
	keyFields      [][]string // for each key parameter, the property of the item that holds it
	keyEnums       [][]string // for each key parameter, the values its schema allows (nil for any)
	parent         *collection
	item           *openapi3.SchemaRef
	lifecycle      *lifecycle
	hasEvents      bool
}

// paging is an operation's x-pagination extension: where the page keeps its items and meta.
type paging struct {
	items, nextCursor, hasMore, total []string
}

// sharedAPI is the API read from the embedded openapi.yaml. The document is a constant of the
// program and the api is never changed once built, so one parse (the slow part of starting a
// server) serves every Server of the process.
var sharedAPI = sync.OnceValues(loadAPI)

// loadAPI parses openapi.yaml and derives the routes, collections and behaviours from it.
func loadAPI() (*api, error) {
	doc, err := apidoc.Load()
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // the server strips its base path itself and routes on the rest
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("blaxeltest: route openapi.yaml: %w", err)
	}
	a := &api{doc: doc, router: router, ops: map[string]*operation{}, byID: map[string]*operation{}}
	a.version = doc.Info.Version
	if v, ok := doc.Info.Extensions["x-blaxel-version"].(string); ok {
		a.version = v
	}
	tokenURL := tokenPath(doc)
	paths := doc.Paths.Map()
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := paths[path]
		for method, op := range item.Operations() {
			o := &operation{id: op.OperationID, method: method, path: path, route: method + " " + path, op: op}
			o.status, o.schema = successOf(op)
			o.needsAuth = needsAuth(doc, op)
			o.hasVersion = hasHeader(item, op, "Blaxel-Version")
			o.forCaller = actsForCaller(op)
			o.needsWorkspace = hasHeader(item, op, "X-Blaxel-Workspace") && !o.forCaller
			if path == tokenURL && method == "POST" {
				o.kind = kindToken
			}
			a.ops[o.route] = o
			a.byID[o.id] = o
		}
	}
	a.findCollections(paths)
	for _, o := range a.ops {
		o.enclosing = a.enclosing(o.path)
		if o.kind == kindOther {
			a.findLookup(o)
		}
		if o.kind == kindOther {
			a.findAction(o)
		}
		if o.kind == kindList {
			var err error
			if o.paging, err = pagingOf(o.op, o.schema); err != nil {
				return nil, fmt.Errorf("blaxeltest: %s: %w", o.id, err)
			}
			o.element = listElement(o)
			o.filters = filtersOf(o.op, o.element)
		}
	}
	return a, nil
}

// findCollections pairs each path that has a POST with the shortest path below it made only of
// parameters that has a GET, PUT or DELETE.
func (a *api) findCollections(paths map[string]*openapi3.PathItem) {
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		if paths[path].Post == nil {
			continue
		}
		var best string
		var bestParams []string
		for itemPath, item := range paths {
			rest, ok := strings.CutPrefix(itemPath, path+"/")
			if !ok || (item.Get == nil && item.Put == nil && item.Delete == nil) {
				continue
			}
			params, ok := onlyParams(rest)
			if ok && (best == "" || len(params) < len(bestParams)) {
				best, bestParams = itemPath, params
			}
		}
		if best == "" {
			continue
		}
		c := &collection{path: path, itemPath: best, keyParams: bestParams, parentParams: templateParams(path)}
		a.collections = append(a.collections, c)
	}
	// Longest first, so that enclosing() finds the nearest collection.
	slices.SortFunc(a.collections, func(x, y *collection) int { return len(y.itemPath) - len(x.itemPath) })
	for _, c := range a.collections {
		c.parent = a.enclosing(c.path)
		a.bindCollection(c, paths)
	}
}

// bindCollection marks the collection's operations and reads the item's shape.
func (a *api) bindCollection(c *collection, paths map[string]*openapi3.PathItem) {
	list := a.ops["GET "+c.path]
	create := a.ops["POST "+c.path]
	create.kind, create.coll = kindCreate, c
	if list != nil && (listItems(list.schema) != nil || list.op.Extensions["x-pagination"] != nil) {
		list.kind, list.coll = kindList, c
	}
	get, put, del := a.ops["GET "+c.itemPath], a.ops["PUT "+c.itemPath], a.ops["DELETE "+c.itemPath]
	for _, o := range []*operation{get, put, del} {
		if o != nil {
			o.coll = c
		}
	}
	if get != nil {
		get.kind = kindGet
	}
	if put != nil {
		put.kind = kindUpdate
	}
	if del != nil {
		del.kind = kindDelete
	}
	// The item's schema: what a read answers, else an element of the listing, else what the
	// other operations answer.
	var candidates []*openapi3.SchemaRef
	if get != nil {
		candidates = append(candidates, get.schema)
	}
	if list != nil && list.kind == kindList {
		candidates = append(candidates, listElement(list))
	}
	if put != nil {
		candidates = append(candidates, put.schema)
	}
	candidates = append(candidates, create.schema)
	if del != nil {
		candidates = append(candidates, del.schema)
	}
	for _, s := range candidates {
		if s != nil && s.Value != nil {
			c.item = s
			break
		}
	}
	for _, p := range c.keyParams {
		c.keyFields = append(c.keyFields, firstField(c.item, keyCandidates(p)))
		c.keyEnums = append(c.keyEnums, pathEnum(paths[c.itemPath], p))
	}
	c.lifecycle = lifecycleOf(field(c.item, []string{"status"}))
	c.hasEvents = field(c.item, []string{"events"}) != nil
}

// pathEnum returns the values a path parameter of an item path allows, nil when any.
func pathEnum(item *openapi3.PathItem, name string) []string {
	if item == nil {
		return nil
	}
	scopes := []openapi3.Parameters{item.Parameters}
	for _, op := range item.Operations() {
		scopes = append(scopes, op.Parameters)
	}
	for _, ps := range scopes {
		p := ps.GetByInAndName(openapi3.ParameterInPath, name)
		if p == nil || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		var out []string
		for _, v := range p.Schema.Value.Enum {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// listElement returns the schema of one element of a listing, plain array or page.
func listElement(o *operation) *openapi3.SchemaRef {
	if items := listItems(o.schema); items != nil {
		return items
	}
	p, err := pagingOf(o.op, o.schema)
	if err != nil || p == nil {
		return nil
	}
	return listItems(field(o.schema, p.items))
}

// enclosing returns the nearest collection whose item path is a proper prefix of path.
func (a *api) enclosing(path string) *collection {
	for _, c := range a.collections { // longest item path first
		if strings.HasPrefix(path, c.itemPath+"/") {
			return c
		}
	}
	return nil
}

// findLookup recognises GET <collection>/by-<field>/{value}: a search of the collection by
// one property of its items.
func (a *api) findLookup(o *operation) {
	if o.method != "GET" {
		return
	}
	for _, c := range a.collections {
		rest, ok := strings.CutPrefix(o.path, c.path+"/by-")
		if !ok {
			continue
		}
		_, param, ok := strings.Cut(rest, "/")
		if !ok || !wire.IsParam(param) {
			continue
		}
		name := strings.Trim(param, "{}")
		if f := firstField(c.item, [][]string{{"metadata", name}, {name}}); f != nil {
			o.kind, o.coll, o.lookupField = kindLookup, c, f
		}
		return
	}
}

// keyCandidates lists where an item may hold the value of its key parameter, most likely
// first: a property named like the parameter, then the usual name and id properties.
func keyCandidates(param string) [][]string {
	names := paramNames(param)
	if strings.HasSuffix(param, "Id") {
		names = append(names, "id", "name")
	} else {
		names = append(names, "name", "id")
	}
	names = append(names, "email")
	return withMetadata(names)
}

// paramNames lists the property names a parameter may go by: as spelled, and in snake case.
func paramNames(param string) []string {
	names := []string{param}
	if s := snakeCase(param); s != param {
		names = append(names, s)
	}
	return names
}

// bodyKeyCandidates lists where a creation body may name the new item when it does not use
// the item's own property: a property named like the parameter, or its last word.
func bodyKeyCandidates(param string) [][]string {
	names := paramNames(param)
	switch {
	case strings.HasSuffix(param, "Name"):
		names = append(names, "name")
	case strings.HasSuffix(param, "Id"):
		names = append(names, "id")
	}
	return withMetadata(names)
}

func withMetadata(names []string) [][]string {
	out := make([][]string, 0, 2*len(names))
	for _, n := range names {
		out = append(out, []string{"metadata", n}, []string{n})
	}
	return out
}

func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// successOf returns the first 2xx status an operation declares and its JSON body schema.
func successOf(op *openapi3.Operation) (int, *openapi3.SchemaRef) {
	for code := 200; code < 300; code++ {
		r := op.Responses.Status(code)
		if r == nil || r.Value == nil {
			continue
		}
		if mt := r.Value.Content.Get("application/json"); mt != nil {
			return code, mt.Schema
		}
		return code, nil
	}
	return 200, nil
}

// needsAuth reports whether the operation requires a credential: its security requirements
// (or the document's) do not include the empty one.
func needsAuth(doc *openapi3.T, op *openapi3.Operation) bool {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return false
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return false
		}
	}
	return true
}

// hasHeader reports whether the operation (or its path) declares a header parameter.
func hasHeader(item *openapi3.PathItem, op *openapi3.Operation, name string) bool {
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		if ps.GetByInAndName(openapi3.ParameterInHeader, name) != nil {
			return true
		}
	}
	return false
}

// actsForCaller reports whether an operation acts on the caller's own account rather than in
// a workspace: those tagged workspaces or invitations list, join and leave workspaces.
func actsForCaller(op *openapi3.Operation) bool {
	return slices.Contains(op.Tags, "workspaces") || slices.Contains(op.Tags, "invitations")
}

// tokenPath returns the path of the OAuth token endpoint the document's security schemes name.
func tokenPath(doc *openapi3.T) string {
	if doc.Components == nil {
		return ""
	}
	for _, s := range doc.Components.SecuritySchemes {
		if s.Value == nil || s.Value.Flows == nil {
			continue
		}
		f := s.Value.Flows
		for _, flow := range []*openapi3.OAuthFlow{f.ClientCredentials, f.AuthorizationCode, f.Password} {
			if flow != nil && strings.HasPrefix(flow.TokenURL, "/") {
				return flow.TokenURL
			}
		}
	}
	return ""
}

// pagingOf reads an operation's x-pagination extension, nil when it has none.
func pagingOf(op *openapi3.Operation, page *openapi3.SchemaRef) (*paging, error) {
	raw, ok := op.Extensions["x-pagination"].(map[string]any)
	if !ok {
		return nil, nil
	}
	get := func(key string) ([]string, error) {
		s, ok := raw[key].(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("x-pagination has no %s", key)
		}
		return strings.Split(s, "."), nil
	}
	p := &paging{}
	var err error
	if p.items, err = get("items"); err != nil {
		return nil, err
	}
	if p.nextCursor, err = get("nextCursor"); err != nil {
		return nil, err
	}
	if p.hasMore, err = get("hasMore"); err != nil {
		return nil, err
	}
	total := append(slices.Clone(p.hasMore[:len(p.hasMore)-1]), "total")
	if field(page, total) != nil {
		p.total = total
	}
	return p, nil
}

// templateParams returns the parameter names of a path template, in order.
func templateParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if wire.IsParam(seg) {
			out = append(out, strings.Trim(seg, "{}"))
		}
	}
	return out
}

// onlyParams returns the parameters of a relative path made of parameters only.
func onlyParams(rest string) ([]string, bool) {
	var out []string
	for _, seg := range strings.Split(rest, "/") {
		if !wire.IsParam(seg) {
			return nil, false
		}
		out = append(out, strings.Trim(seg, "{}"))
	}
	return out, true
}

// fillTemplate substitutes parameter values into a path template, escaping each.
func fillTemplate(path string, values map[string]string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if wire.IsParam(seg) {
			segs[i] = escapeSegment(values[strings.Trim(seg, "{}")])
		}
	}
	return strings.Join(segs, "/")
}
