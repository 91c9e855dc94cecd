package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"slices"
	"strings"
)

// checkedClientFile writes checkedClient, the gen.ClientInterface that every request of the
// client goes through, one method for each of gen's: it names the request after its
// operation (the *APIError and *DecodeError of the answer carry that name) and refuses a
// path parameter that would change the request's address (see checkPathParams) before the
// generated code builds the request. Once built, a request for LeaveWorkspace(".") would be
// DELETE /workspaces/leave, that is DeleteWorkspace("leave"): it looks legitimate, so the
// check has to happen here.
func checkedClientFile(ops []operation, g *generated) ([]byte, error) {
	byName := map[string]operation{}
	for _, o := range ops {
		byName[o.GoName] = o
	}
	names := make([]string, 0, len(g.interfaceMethods))
	for name := range g.interfaceMethods {
		names = append(names, name)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, name := range names {
		op, ok := byName[name]
		if !ok {
			op, ok = byName[strings.TrimSuffix(name, "WithBody")]
		}
		if !ok {
			return nil, fmt.Errorf("ClientInterface.%s: no operation of the document", name)
		}
		fn := g.interfaceMethods[name].Type.(*ast.FuncType)
		if err := writeCheckedMethod(&b, g, name, op, fn); err != nil {
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
	// Deprecated operations are still served, and their requests checked like the rest.
	out.WriteString("//lint:file-ignore SA1019 deprecated operations are wrapped like the others\n\n")
	fmt.Fprintf(&out, `package blaxel

import (
	%s

	"github.com/blaxel-go/blaxel/gen"
)

// checkedClient is the generated client with each request named after its operation and
// every path parameter checked before the request is built. It holds gen's client rather than
// embedding it, so that a method of gen that this file lacks is a compile error, not a hole.
type checkedClient struct{ raw *gen.Client }

var _ gen.ClientInterface = checkedClient{}
`, imports)
	out.Write(b.Bytes())
	return out.Bytes(), nil
}

// writeCheckedMethod writes one method: its path parameters, which oapi-codegen puts right
// after the context in the template's order, are checked, then the call is passed on with
// the operation's name in its context.
func writeCheckedMethod(b *bytes.Buffer, g *generated, name string, op operation, fn *ast.FuncType) error {
	var decl, args, goNames, goTypes []string
	for _, field := range fn.Params.List {
		typ, err := g.paramType(field.Type)
		if err != nil {
			return err
		}
		for _, id := range field.Names {
			goNames, goTypes = append(goNames, id.Name), append(goTypes, typ)
			decl = append(decl, id.Name+" "+typ)
			switch {
			case strings.HasPrefix(typ, "..."):
				args = append(args, id.Name+"...")
			case len(args) == 0: // the context
				args = append(args, fmt.Sprintf("withOperation(%s, %q)", id.Name, op.ID))
			default:
				args = append(args, id.Name)
			}
		}
	}
	if len(goNames) < 1+len(op.PathArgs) {
		return fmt.Errorf("%d parameters for %d path parameters", len(goNames), len(op.PathArgs))
	}
	var pairs []string
	for i, p := range op.PathArgs {
		if goTypes[1+i] != "string" || goNames[1+i] != p.Name {
			return fmt.Errorf("path parameter %s is %s %s here", p.DocName, goNames[1+i], goTypes[1+i])
		}
		pairs = append(pairs, fmt.Sprintf("%q, %s", p.DocName, p.Name))
	}
	fmt.Fprintf(b, "\nfunc (c checkedClient) %s(%s) (*http.Response, error) {\n", name, strings.Join(decl, ", "))
	if len(pairs) > 0 {
		fmt.Fprintf(b, "\tif err := checkPathParams(%q, %s); err != nil {\n\t\treturn nil, err\n\t}\n", op.ID, strings.Join(pairs, ", "))
	}
	fmt.Fprintf(b, "\treturn c.raw.%s(%s)\n}\n", name, strings.Join(args, ", "))
	return nil
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
