package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"slices"
	"strings"
	"text/template"

	"github.com/getkin/kin-openapi/openapi3"
)

// paginationExtension is the document's mark of a cursor-paginated listing. Its value names,
// by their JSON paths, where the items, the next cursor and the "more pages" flag are in the
// answer and which query parameter takes the cursor.
const paginationExtension = "x-pagination"

// listing is what the template needs to write one iterator.
type listing struct {
	operation
	ItemType string // e.g. gen.Sandbox

	CursorField   string // the params field that takes the cursor
	CursorType    string // its type without the pointer, to convert a string into it
	CursorPointer bool

	Items, Next, More access
}

// access is how to read one value of a page: the nil checks it needs, then the expression.
type access struct {
	Conds []string
	Value string
}

// Cond joins the nil checks for the template.
func (a access) Cond() string { return strings.Join(a.Conds, " && ") }

// reserved are the names the iterator's body uses itself; a path parameter must not shadow them.
var reserved = []string{"c", "ctx", "params", "query", "start", "cursor", "q", "v", "list", "err", "pg"}

func pagesFile(doc *openapi3.T, ops []operation, g *generated) ([]byte, error) {
	byID := map[string]operation{}
	for _, o := range ops {
		byID[o.ID] = o
	}
	var listings []listing
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			raw, ok := op.Extensions[paginationExtension]
			if !ok {
				continue
			}
			l, err := describeListing(g, byID[op.OperationID], raw)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			listings = append(listings, l)
		}
	}
	slices.SortFunc(listings, func(a, b listing) int { return strings.Compare(a.GoName, b.GoName) })

	var b bytes.Buffer
	b.WriteString(header)
	if err := pagesTemplate.Execute(&b, listings); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// paginationSpec is the value of x-pagination.
type paginationSpec struct {
	items, cursor, nextCursor, hasMore string
}

func readPaginationSpec(raw any) (paginationSpec, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return paginationSpec{}, fmt.Errorf("%s is not an object", paginationExtension)
	}
	get := func(key string) (string, error) {
		s, ok := m[key].(string)
		if !ok || s == "" {
			return "", fmt.Errorf("%s.%s is missing or not a string", paginationExtension, key)
		}
		return s, nil
	}
	var spec paginationSpec
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"items", &spec.items}, {"cursor", &spec.cursor}, {"nextCursor", &spec.nextCursor}, {"hasMore", &spec.hasMore}} {
		if *f.dst, err = get(f.key); err != nil {
			return spec, err
		}
	}
	return spec, nil
}

func describeListing(g *generated, op operation, raw any) (listing, error) {
	spec, err := readPaginationSpec(raw)
	if err != nil {
		return listing{}, err
	}
	if op.GoName == "" {
		return listing{}, fmt.Errorf("no generated method")
	}
	l := listing{operation: op}
	for _, a := range op.PathArgs {
		if slices.Contains(reserved, a.Name) {
			return listing{}, fmt.Errorf("path parameter %s shadows a name the iterator uses", a.Name)
		}
	}
	if op.Params == "" {
		return listing{}, fmt.Errorf("%s has no parameters to send the cursor in", op.GoName)
	}
	if !op.Result.Pointer() {
		return listing{}, fmt.Errorf("%s does not answer one JSON object", op.GoName)
	}

	// The query parameter that takes the cursor.
	paramsStruct, err := g.structOf(&ast.Ident{Name: strings.TrimPrefix(op.Params, "gen.")})
	if err != nil {
		return listing{}, err
	}
	cursorField, err := fieldByTag(paramsStruct, "form", spec.cursor)
	if err != nil {
		return listing{}, fmt.Errorf("%s: %w", op.Params, err)
	}
	l.CursorField = cursorField.Names[0].Name
	cursorType := cursorField.Type
	if star, ok := cursorType.(*ast.StarExpr); ok {
		l.CursorPointer, cursorType = true, star.X
	}
	if l.CursorType, err = g.qualified(cursorType); err != nil {
		return listing{}, err
	}

	// The page: the one JSON object the method returns, never nil.
	pageType := op.Result.Fields[0].elem
	itemsType, items, err := g.follow(pageType, "list", spec.items)
	if err != nil {
		return listing{}, fmt.Errorf("items %q: %w", spec.items, err)
	}
	slice, ok := itemsType.(*ast.ArrayType)
	if !ok || slice.Len != nil {
		return listing{}, fmt.Errorf("items %q is %s, not a slice", spec.items, render(itemsType))
	}
	if l.ItemType, err = g.qualified(slice.Elt); err != nil {
		return listing{}, err
	}
	l.Items = items

	_, l.Next, err = g.follow(pageType, "list", spec.nextCursor)
	if err != nil {
		return listing{}, fmt.Errorf("nextCursor %q: %w", spec.nextCursor, err)
	}
	_, l.More, err = g.follow(pageType, "list", spec.hasMore)
	if err != nil {
		return listing{}, fmt.Errorf("hasMore %q: %w", spec.hasMore, err)
	}
	return l, nil
}

// follow walks a dotted JSON path (meta.nextCursor) from a page of type root, reached in code
// by base, to the Go expression for its value, with the nil checks each pointer on the way
// needs. It returns the type of the value with its pointer, if any, removed.
func (g *generated) follow(root ast.Expr, base, jsonPath string) (ast.Expr, access, error) {
	var acc access
	expr, typ := base, root
	for name := range strings.SplitSeq(jsonPath, ".") {
		st, err := g.structOf(typ)
		if err != nil {
			return nil, acc, err
		}
		f, err := fieldByTag(st, "json", name)
		if err != nil {
			return nil, acc, err
		}
		expr += "." + f.Names[0].Name
		typ = f.Type
		if _, ok := typ.(*ast.StarExpr); ok {
			acc.Conds = append(acc.Conds, expr+" != nil")
		}
	}
	acc.Value = expr
	if star, ok := typ.(*ast.StarExpr); ok {
		acc.Value, typ = "*"+expr, star.X
	}
	return typ, acc, nil
}

var pagesTemplate = template.Must(template.New("pages").Parse(`package blaxel

import (
	"context"
	"iter"

	"github.com/blaxel-go/blaxel/gen"
)
{{range .}}
// {{.GoName}}All yields every item of [Client.{{.GoName}}] ({{.Method}} {{.Path}}), page after page.
// params is copied, never changed; each next page is asked for with the last cursor the
// server sent, only once the loop has taken every item before it. An error is yielded once
// and ends the walk.
func (c *Client) {{.GoName}}All(ctx context.Context, {{range .PathArgs}}{{.Name}} {{.Type}}, {{end}}params *{{.Params}}) iter.Seq2[{{.ItemType}}, error] {
	var query {{.Params}}
	if params != nil {
		query = *params
	}
	start := ""
	{{- if .CursorPointer}}
	if query.{{.CursorField}} != nil {
		start = string(*query.{{.CursorField}})
	}
	{{- else}}
	start = string(query.{{.CursorField}})
	{{- end}}
	return walkPages(ctx, "{{.ID}}", start, func(ctx context.Context, cursor string) (page[{{.ItemType}}], error) {
		q := query
		if cursor != "" {
			{{- if .CursorPointer}}
			v := {{.CursorType}}(cursor)
			q.{{.CursorField}} = &v
			{{- else}}
			q.{{.CursorField}} = {{.CursorType}}(cursor)
			{{- end}}
		}
		list, err := c.{{.GoName}}(ctx, {{range .PathArgs}}{{.Name}}, {{end}}&q)
		if err != nil {
			return page[{{.ItemType}}]{}, err
		}
		pg := page[{{.ItemType}}]{more: true}
		{{- with .Items}}
		{{if .Conds}}if {{.Cond}} { {{end}}pg.items = {{.Value}}{{if .Conds}} }{{end}}
		{{- end}}
		{{- with .Next}}
		{{if .Conds}}if {{.Cond}} { {{end}}pg.next = string({{.Value}}){{if .Conds}} }{{end}}
		{{- end}}
		{{- with .More}}
		{{if .Conds}}if {{.Cond}} { {{end}}pg.more = bool({{.Value}}){{if .Conds}} }{{end}}
		{{- end}}
		return pg, nil
	})
}
{{end}}`))
