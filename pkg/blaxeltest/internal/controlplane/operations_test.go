package controlplane_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// docOp is one operation of the document.
type docOp struct {
	method, path string
	op           *openapi3.Operation
	item         *openapi3.PathItem
}

// enumParams returns the first value a path parameter allows, for those that allow only some.
func (o docOp) enumParams() map[string]string {
	out := map[string]string{}
	for _, ps := range []openapi3.Parameters{o.item.Parameters, o.op.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInPath && p.Value.Schema != nil && len(p.Value.Schema.Value.Enum) > 0 {
				out[p.Value.Name] = fmt.Sprint(p.Value.Schema.Value.Enum[0])
			}
		}
	}
	return out
}

// TestEveryOperationAnswers calls every operation of openapi.yaml with plain HTTP requests built
// from the document (sample bodies, parameters named "x" or after what a creation answered)
// and checks that each answers a success that the document allows. Creations run first,
// parents before children; deletions run last, children first.
func TestEveryOperationAnswers(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	srv := blaxeltest.NewServer(t)
	ops := documentOperations(doc)
	params := map[string]string{}
	answered := 0
	for _, o := range ops {
		path := fillParams(o.path, params)
		req := faketest.Request{Method: o.method, Path: path}
		if o.op.RequestBody != nil {
			req.Body = richSample(o.op.RequestBody.Value.Content.Get("application/json").Schema)
		}
		if usesBasicAuth(doc, o.op) {
			req.Header = map[string]string{"Authorization": "Basic " + faketest.Basic("client", "secret")}
		}
		a := faketest.Send(t, srv, req)
		if a.Status/100 != 2 {
			t.Errorf("%s (%s %s): status %d: %s", o.op.OperationID, o.method, path, a.Status, a.Raw)
			continue
		}
		answered++
		checkAnswer(t, router, o, req, a)
		if loc := a.Header.Get("Location"); o.method == http.MethodPost && loc != "" {
			learnParams(t, doc, o.path, loc, params)
		}
	}
	t.Logf("%d of %d operations answered a success that openapi.yaml allows", answered, len(ops))
	if answered != len(ops) {
		t.Errorf("%d operations did not answer a success", len(ops)-answered)
	}
}

// documentOperations lists the operations in the order the test calls them: POST first by
// depth, then reads and updates, then DELETE deepest first.
func documentOperations(doc *openapi3.T) []docOp {
	var ops []docOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, docOp{method, path, op, item})
		}
	}
	phase := func(m string) int {
		switch m {
		case http.MethodPost:
			return 0
		case http.MethodDelete:
			return 2
		}
		return 1
	}
	depth := func(o docOp) int { return strings.Count(o.path, "/") }
	slices.SortFunc(ops, func(x, y docOp) int {
		if c := cmp.Compare(phase(x.method), phase(y.method)); c != 0 {
			return c
		}
		if phase(x.method) == 2 {
			return cmp.Or(cmp.Compare(depth(y), depth(x)), cmp.Compare(x.path, y.path))
		}
		return cmp.Or(cmp.Compare(depth(x), depth(y)), cmp.Compare(x.path, y.path), cmp.Compare(x.method, y.method))
	})
	return ops
}

// fillParams puts the known value of each path parameter, "x" by default, in a template.
func fillParams(path string, params map[string]string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = url.PathEscape(cmp.Or(params[strings.Trim(s, "{}")], "x"))
		}
	}
	return strings.Join(segs, "/")
}

// learnParams reads the names of a new item from its Location, by the item path of the
// collection it was created in.
func learnParams(t *testing.T, doc *openapi3.T, collection, location string, params map[string]string) {
	t.Helper()
	rest := strings.TrimPrefix(location, "/v0")
	got := strings.Split(rest, "/")
	for path := range doc.Paths.Map() {
		tmpl := strings.Split(path, "/")
		if !strings.HasPrefix(path, collection+"/") || len(tmpl) != len(got) {
			continue
		}
		for i, s := range tmpl {
			if strings.HasPrefix(s, "{") {
				v, err := url.PathUnescape(got[i])
				if err != nil {
					t.Fatal(err)
				}
				params[strings.Trim(s, "{}")] = v
			}
		}
		return
	}
	t.Errorf("Location %s matches no item path under %s", location, collection)
}

// richSample is a sample body that also names things: every plain string property at the top
// level and in metadata is "x", so that creations have a name and lookups a value.
func richSample(ref *openapi3.SchemaRef) any {
	v := apidoc.Sample(ref)
	m, ok := v.(map[string]any)
	if !ok || ref.Value == nil {
		return v
	}
	fillStrings(ref.Value, m)
	if meta := property(ref.Value, "metadata"); meta != nil {
		mm, _ := m["metadata"].(map[string]any)
		if mm == nil {
			mm = map[string]any{}
			m["metadata"] = mm
		}
		fillStrings(meta, mm)
	}
	return m
}

func fillStrings(s *openapi3.Schema, m map[string]any) {
	for _, part := range append([]*openapi3.SchemaRef{{Value: s}}, s.AllOf...) {
		for name, p := range part.Value.Properties {
			v := p.Value
			if _, set := m[name]; set || !v.Type.Is("string") || len(v.Enum) > 0 || v.ReadOnly ||
				v.Pattern != "" && !regexp.MustCompile(v.Pattern).MatchString("x") {
				continue
			}
			switch v.Format {
			case "":
				m[name] = "x"
			case "email":
				m[name] = "x@example.com"
			}
		}
	}
}

func property(s *openapi3.Schema, name string) *openapi3.Schema {
	if p := s.Properties[name]; p != nil {
		return p.Value
	}
	for _, part := range s.AllOf {
		if p := property(part.Value, name); p != nil {
			return p
		}
	}
	return nil
}

// usesBasicAuth reports whether an operation takes a Basic credential (the token endpoint).
func usesBasicAuth(doc *openapi3.T, op *openapi3.Operation) bool {
	if op.Security == nil {
		return false
	}
	for _, req := range *op.Security {
		for name := range req {
			if s := doc.Components.SecuritySchemes[name]; s != nil && s.Value.Scheme == "basic" {
				return true
			}
		}
	}
	return false
}

// checkAnswer validates an answer against the document, independently of the server's own
// check.
func checkAnswer(t *testing.T, router routers.Router, o docOp, req faketest.Request, a faketest.Answer) {
	t.Helper()
	r, err := http.NewRequest(req.Method, "http://fake"+fillParamsFromRequest(req.Path), nil)
	if err != nil {
		t.Fatal(err)
	}
	route, pathParams, err := router.FindRoute(r)
	if err != nil {
		t.Fatalf("%s: %v", o.op.OperationID, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: a.Status, Header: a.Header,
		Body: io.NopCloser(bytes.NewReader(a.Raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the answer does not match openapi.yaml: %v", o.op.OperationID, err)
	}
}

// fillParamsFromRequest turns a request path into the routed path (no query).
func fillParamsFromRequest(path string) string {
	path, _, _ = strings.Cut(path, "?")
	return path
}

// TestEveryOperationRefusesAMissingCredential calls every operation without a credential: each
// answers 401 in the error shape it declares (the server checks its own answers), except the
// token endpoint, which takes client credentials in its body's stead and answers 400.
func TestEveryOperationRefusesAMissingCredential(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv := blaxeltest.NewServer(t)
	n := 0
	for _, o := range documentOperations(doc) {
		req := faketest.Request{Method: o.method, Path: fillParams(o.path, nil), Header: map[string]string{"Authorization": ""}}
		if o.op.RequestBody != nil {
			req.Body = richSample(o.op.RequestBody.Value.Content.Get("application/json").Schema)
		}
		want := http.StatusUnauthorized
		if usesBasicAuth(doc, o.op) {
			want = http.StatusBadRequest
		}
		if a := faketest.Send(t, srv, req); a.Status != want || a.ErrorCode() == "" {
			t.Errorf("%s: %d %s, want %d", o.op.OperationID, a.Status, a.Raw, want)
			continue
		}
		n++
	}
	t.Logf("%d operations refused a request without a credential", n)
}

// TestEveryOperationOnAMissingItemAnswers404 calls every operation whose path names an item of
// a collection (a path with a POST, then a parameter) when there is no such item: each answers
// 404.
func TestEveryOperationOnAMissingItemAnswers404(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	var collections []string
	for path, item := range doc.Paths.Map() {
		if item.Post != nil {
			collections = append(collections, path)
		}
	}
	srv := blaxeltest.NewServer(t)
	n := 0
	for _, o := range documentOperations(doc) {
		if !underAnItem(o.path, collections) {
			continue
		}
		req := faketest.Request{Method: o.method, Path: fillParams(o.path, o.enumParams())}
		if o.op.RequestBody != nil {
			req.Body = richSample(o.op.RequestBody.Value.Content.Get("application/json").Schema)
		}
		if a := faketest.Send(t, srv, req); a.Status != http.StatusNotFound {
			t.Errorf("%s (%s %s): %d %s, want 404", o.op.OperationID, o.method, req.Path, a.Status, a.Raw)
			continue
		}
		n++
	}
	t.Logf("%d operations answered 404 for a missing item", n)
	if n < 100 {
		t.Errorf("only %d operations are under an item", n)
	}
}

// underAnItem reports whether path is, or is below, C/{param} for a collection path C.
func underAnItem(path string, collections []string) bool {
	for _, c := range collections {
		rest, ok := strings.CutPrefix(path, c+"/")
		if ok && strings.HasPrefix(rest, "{") {
			return true
		}
	}
	return false
}
