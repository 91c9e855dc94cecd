package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/types"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// pathCheckFile writes checkedClient, the gen.ClientInterface that the client's
// ClientWithResponses calls: it refuses a path parameter that is empty, "." or ".." before the
// generated code builds the request. url.PathEscape keeps those values as they are, and the
// generated code then resolves the path against the base URL, which drops a "." segment and
// merges a ".." one with the segment before: LeaveWorkspace(".") would become
// DELETE /workspaces/leave, that is DeleteWorkspace("leave"). Once built, such a request looks
// like a legitimate one, so the check has to happen here, one method per operation that has
// path parameters; the others are promoted from the embedded *gen.Client unchanged.
func pathCheckFile(doc *openapi3.T, g *generated) ([]byte, error) {
	spec, ok := g.types["ClientInterface"]
	if !ok {
		return nil, fmt.Errorf("gen has no ClientInterface")
	}
	iface, ok := spec.Type.(*ast.InterfaceType)
	if !ok {
		return nil, fmt.Errorf("gen's ClientInterface is not an interface")
	}
	type operation struct {
		id     string
		params []string // path parameter names, in order
	}
	ops := map[string]operation{} // by lower-case operationId
	for template, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[strings.ToLower(op.OperationID)] = operation{op.OperationID, templateParams(template)}
		}
	}
	var b bytes.Buffer
	methods := slices.Clone(iface.Methods.List)
	slices.SortFunc(methods, func(a, b *ast.Field) int { return strings.Compare(a.Names[0].Name, b.Names[0].Name) })
	for _, m := range methods {
		name := m.Names[0].Name
		op, ok := ops[strings.ToLower(name)]
		if !ok {
			op, ok = ops[strings.ToLower(strings.TrimSuffix(name, "WithBody"))]
		}
		if !ok {
			return nil, fmt.Errorf("ClientInterface.%s: no operation of the document", name)
		}
		if len(op.params) == 0 {
			continue
		}
		if err := writeCheckedMethod(&b, g, name, op.id, m.Type.(*ast.FuncType), op.params); err != nil {
			return nil, fmt.Errorf("ClientInterface.%s: %w", name, err)
		}
	}
	imports := `"context"
	"net/http"`
	if strings.Contains(b.String(), "io.Reader") {
		imports = `"context"
	"io"
	"net/http"`
	}
	var out bytes.Buffer
	out.WriteString(header)
	// Deprecated operations are still served, and their path parameters checked like the rest.
	out.WriteString("//lint:file-ignore SA1019 deprecated operations are wrapped like the others\n\n")
	fmt.Fprintf(&out, `package blaxel

import (
	%s

	"github.com/blaxel-go/blaxel/gen"
)

// checkedClient is the generated client with every path parameter checked before a request
// is built (see checkPathParams).
type checkedClient struct{ *gen.Client }

var _ gen.ClientInterface = checkedClient{}
`, imports)
	out.Write(b.Bytes())
	return out.Bytes(), nil
}

// templateParams lists the parameters of a path template in order.
func templateParams(template string) []string {
	var out []string
	for _, seg := range strings.Split(template, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.Trim(seg, "{}"))
		}
	}
	return out
}

// writeCheckedMethod writes one method: its path parameters, which oapi-codegen puts right
// after the context in the template's order, are checked, then the call is passed on.
func writeCheckedMethod(b *bytes.Buffer, g *generated, name, operationID string, fn *ast.FuncType, pathNames []string) error {
	var decl, args []string
	var goNames, goTypes []string
	for _, field := range fn.Params.List {
		typ, err := g.paramType(field.Type)
		if err != nil {
			return err
		}
		typ = g.unalias(typ)
		for _, id := range field.Names {
			goNames, goTypes = append(goNames, id.Name), append(goTypes, typ)
			decl = append(decl, id.Name+" "+typ)
			if strings.HasPrefix(typ, "...") {
				args = append(args, id.Name+"...")
			} else {
				args = append(args, id.Name)
			}
		}
	}
	if len(goNames) < 1+len(pathNames) {
		return fmt.Errorf("%d parameters for %d path parameters", len(goNames), len(pathNames))
	}
	var pairs []string
	for i, doc := range pathNames {
		if goTypes[1+i] != "string" {
			return fmt.Errorf("path parameter %s is a %s, not a string", doc, goTypes[1+i])
		}
		pairs = append(pairs, fmt.Sprintf("%q, %s", doc, goNames[1+i]))
	}
	fmt.Fprintf(b, "\nfunc (c checkedClient) %s(%s) (*http.Response, error) {\n", name, strings.Join(decl, ", "))
	fmt.Fprintf(b, "\tif err := checkPathParams(%q, %s); err != nil {\n\t\treturn nil, err\n\t}\n", operationID, strings.Join(pairs, ", "))
	fmt.Fprintf(b, "\treturn c.Client.%s(%s)\n}\n", name, strings.Join(args, ", "))
	return nil
}

// unalias renders a gen alias of a predeclared type as that type: gen declares one for each
// parameter of components/parameters (type SandboxName = string), and a signature outside gen
// reads better with string, which is the same type.
func (g *generated) unalias(typ string) string {
	name, ok := strings.CutPrefix(typ, "gen.")
	spec := g.types[name]
	if !ok || spec == nil || !spec.Assign.IsValid() {
		return typ
	}
	if id, ok := spec.Type.(*ast.Ident); ok && types.Universe.Lookup(id.Name) != nil {
		return id.Name
	}
	return typ
}

// paramType renders a parameter type of a gen method as code outside gen writes it.
func (g *generated) paramType(expr ast.Expr) (string, error) {
	switch e := expr.(type) {
	case *ast.SelectorExpr: // context.Context, io.Reader
		return render(e), nil
	case *ast.Ellipsis:
		inner, err := g.qualified(e.Elt)
		return "..." + inner, err
	}
	return g.qualified(expr)
}
