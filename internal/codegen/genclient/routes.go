package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// route is one operation of the document, with its path template split into segments; a
// parameter segment is the empty string.
type route struct {
	method   string
	segments []string
	id       string
	template string
}

// collectRoutes lists every operation of the document, sorted by method, then by the number of
// segments, then so that at the first segment where two templates differ the literal one comes
// first. Matching a path against that order and keeping the first hit therefore picks the most
// specific template: /sandboxes/by-external-id/{externalId} before /sandboxes/{sandboxName}/{x}.
func collectRoutes(doc *openapi3.T) ([]route, error) {
	var routes []route
	for template, item := range doc.Paths.Map() {
		segments, err := splitTemplate(template)
		if err != nil {
			return nil, err
		}
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("%s %s has no operationId", method, template)
			}
			routes = append(routes, route{method: method, segments: segments, id: op.OperationID, template: template})
		}
	}
	slices.SortFunc(routes, compareRoutes)
	for i := 1; i < len(routes); i++ {
		if compareRoutes(routes[i-1], routes[i]) == 0 {
			return nil, fmt.Errorf("%s %s and %s %s match the same requests",
				routes[i-1].method, routes[i-1].template, routes[i].method, routes[i].template)
		}
	}
	return routes, nil
}

func compareRoutes(a, b route) int {
	if c := strings.Compare(a.method, b.method); c != 0 {
		return c
	}
	if c := len(a.segments) - len(b.segments); c != 0 {
		return c
	}
	for i := range a.segments {
		aParam, bParam := a.segments[i] == "", b.segments[i] == ""
		switch {
		case aParam != bParam && bParam:
			return -1
		case aParam != bParam:
			return 1
		}
		if c := strings.Compare(a.segments[i], b.segments[i]); c != 0 {
			return c
		}
	}
	return 0
}

// splitTemplate turns "/a/{b}/c" into ["a", "", "c"]. A segment that mixes text and a parameter
// is refused: the generated matcher only knows whole-segment parameters.
func splitTemplate(template string) ([]string, error) {
	rest, ok := strings.CutPrefix(template, "/")
	if !ok {
		return nil, fmt.Errorf("path %q does not start with /", template)
	}
	segments := strings.Split(rest, "/")
	for i, s := range segments {
		open, close := strings.Count(s, "{"), strings.Count(s, "}")
		switch {
		case open == 0 && close == 0 && s != "":
			// a literal segment
		case open == 1 && close == 1 && strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) > 2:
			segments[i] = ""
		default:
			return nil, fmt.Errorf("path %q: segment %q is neither literal nor a whole parameter", template, s)
		}
	}
	return segments, nil
}

// operationsFile renders operations.gen.go: one table per method and the function that walks it.
func operationsFile(doc *openapi3.T) ([]byte, error) {
	routes, err := collectRoutes(doc)
	if err != nil {
		return nil, err
	}
	byMethod := map[string][]route{}
	var methods []string
	for _, r := range routes {
		if _, ok := byMethod[r.method]; !ok {
			methods = append(methods, r.method)
		}
		byMethod[r.method] = append(byMethod[r.method], r)
	}

	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package blaxel\n\nimport \"strings\"\n\n")
	b.WriteString(`// operationID names the operation of openapi.yaml that a request is for, from its method and
// its escaped URL path relative to the control plane's base path (e.g. "/sandboxes/abc"). It
// returns "" for a request the document does not describe. Where several templates match, the
// one with a literal segment at the first place they differ wins.
func operationID(method, path string) string {
	var routes []operationRoute
	switch method {
`)
	for _, m := range methods {
		fmt.Fprintf(&b, "\tcase %q:\n\t\troutes = routes%s[:]\n", m, methodName(m))
	}
	b.WriteString(`	default:
		return ""
	}
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return ""
	}
	count := strings.Count(rest, "/") + 1
	for _, r := range routes {
		if len(r.segments) == count && r.matches(rest) {
			return r.id
		}
	}
	return ""
}

// operationRoute is a path template split at its slashes; a parameter is the empty string.
type operationRoute struct {
	segments []string
	id       string
}

// matches reports whether every segment of path (without its leading slash) fits the template:
// literals are equal, parameters are non-empty. The caller has checked the number of segments.
func (r operationRoute) matches(path string) bool {
	for _, want := range r.segments {
		var got string
		got, path, _ = strings.Cut(path, "/")
		if want == "" && got == "" || want != "" && got != want {
			return false
		}
	}
	return true
}
`)
	for _, m := range methods {
		fmt.Fprintf(&b, "\n// routes%s holds the %s operations, most specific template first.\n", methodName(m), m)
		fmt.Fprintf(&b, "var routes%s = [...]operationRoute{\n", methodName(m))
		for _, r := range byMethod[m] {
			quoted := make([]string, len(r.segments))
			for i, s := range r.segments {
				quoted[i] = strconv.Quote(s)
			}
			fmt.Fprintf(&b, "\t{[]string{%s}, %q}, // %s\n", strings.Join(quoted, ", "), r.id, r.template)
		}
		b.WriteString("}\n")
	}
	writeBodiless(&b, doc)
	return b.Bytes(), nil
}

// writeBodiless renders declaresNoBody: the operations whose success answers, in the document,
// carry no JSON body. For every other operation an empty answer announced as JSON is an error.
func writeBodiless(b *bytes.Buffer, doc *openapi3.T) {
	var ids []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !answersJSON(op) {
				ids = append(ids, strconv.Quote(op.OperationID))
			}
		}
	}
	slices.Sort(ids)
	b.WriteString(`
// declaresNoBody reports whether openapi.yaml declares no JSON body for any success answer of
// the operation, so that an empty answer is the one expected.
func declaresNoBody(operationID string) bool {
`)
	if len(ids) == 0 {
		b.WriteString("\treturn false\n}\n")
		return
	}
	fmt.Fprintf(b, "\tswitch operationID {\n\tcase %s:\n\t\treturn true\n\t}\n\treturn false\n}\n", strings.Join(ids, ", "))
}

// answersJSON reports whether a 2xx answer of the operation declares a JSON body.
func answersJSON(op *openapi3.Operation) bool {
	if op.Responses == nil {
		return false
	}
	for code, r := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") || r == nil || r.Value == nil {
			continue
		}
		for ct := range r.Value.Content {
			if mt, _, _ := strings.Cut(ct, ";"); mt == "application/json" || strings.HasSuffix(mt, "+json") {
				return true
			}
		}
	}
	return false
}

// methodName turns "GET" into "Get" for the table's name.
func methodName(method string) string {
	return method[:1] + strings.ToLower(method[1:])
}
