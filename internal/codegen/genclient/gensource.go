package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"
)

// generated is what oapi-codegen wrote into the gen package: its type declarations and the
// methods of ClientInterface, looked up by name.
type generated struct {
	types            map[string]*ast.TypeSpec
	interfaceMethods map[string]*ast.Field // of ClientInterface, by Go name
}

func parseGenerated(filename string, src []byte) (*generated, error) {
	file, err := parser.ParseFile(token.NewFileSet(), filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &generated{types: map[string]*ast.TypeSpec{}, interfaceMethods: map[string]*ast.Field{}}
	for _, decl := range file.Decls {
		if d, ok := decl.(*ast.GenDecl); ok {
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok {
					g.types[ts.Name.Name] = ts
				}
			}
		}
	}
	spec, ok := g.types["ClientInterface"]
	if !ok {
		return nil, fmt.Errorf("%s: no ClientInterface", filename)
	}
	iface, ok := spec.Type.(*ast.InterfaceType)
	if !ok {
		return nil, fmt.Errorf("%s: ClientInterface is not an interface", filename)
	}
	for _, m := range iface.Methods.List {
		if len(m.Names) == 1 {
			g.interfaceMethods[m.Names[0].Name] = m
		}
	}
	if len(g.interfaceMethods) == 0 {
		return nil, fmt.Errorf("%s: ClientInterface has no methods", filename)
	}
	return g, nil
}

// interfaceMethod finds the method of ClientInterface that oapi-codegen made for an
// operationId, the one that takes the JSON body if there is a body. Its name is the
// operationId with initialisms in capitals (ListVpcs became ListVPCs), so the match ignores
// case, and more than one candidate is an error rather than a guess.
func (g *generated) interfaceMethod(operationID string) (*ast.Field, error) {
	var found *ast.Field
	for name, m := range g.interfaceMethods {
		if !strings.EqualFold(name, operationID) {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%s: both %s and %s match", operationID, found.Names[0].Name, name)
		}
		found = m
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no method of ClientInterface in gen", operationID)
	}
	return found, nil
}

// unalias follows type aliases of gen (type CreateSandboxJSONRequestBody = Sandbox) to the
// type they name.
func (g *generated) unalias(expr ast.Expr) ast.Expr {
	for range 16 {
		id, ok := expr.(*ast.Ident)
		if !ok {
			return expr
		}
		ts, ok := g.types[id.Name]
		if !ok || !ts.Assign.IsValid() {
			return expr
		}
		expr = ts.Type
	}
	return expr
}

// underlying is the type expression a gen type is declared with, aliases followed.
func (g *generated) underlying(expr ast.Expr) ast.Expr {
	expr = g.unalias(expr)
	if id, ok := expr.(*ast.Ident); ok {
		if ts, ok := g.types[id.Name]; ok {
			return g.unalias(ts.Type)
		}
	}
	return expr
}

// isMap reports whether a gen type is a map.
func (g *generated) isMap(expr ast.Expr) bool {
	_, ok := g.underlying(expr).(*ast.MapType)
	return ok
}

// jsonShape is the first byte of the JSON a Go type of gen decodes from: '{' for a struct or
// a map, '[' for a slice, 0 when it may be any value (a union, a scalar, an interface).
func (g *generated) jsonShape(expr ast.Expr) (byte, error) {
	switch t := g.underlying(expr).(type) {
	case *ast.ArrayType:
		return '[', nil
	case *ast.MapType:
		return '{', nil
	case *ast.StructType:
		for _, f := range t.Fields.List {
			for _, n := range f.Names {
				if n.Name == "union" { // oapi-codegen's oneOf/anyOf: its own UnmarshalJSON decides
					return 0, nil
				}
			}
		}
		return '{', nil
	case *ast.Ident, *ast.InterfaceType, *ast.SelectorExpr:
		return 0, nil
	}
	return 0, fmt.Errorf("type %s: unknown JSON shape", render(expr))
}

func receiverName(expr ast.Expr) string {
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	if id, ok := expr.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// structOf follows pointers, named types and aliases down to a struct type.
func (g *generated) structOf(expr ast.Expr) (*ast.StructType, error) {
	for range 16 { // a chain of names longer than this is a cycle
		switch e := expr.(type) {
		case *ast.StarExpr:
			expr = e.X
		case *ast.Ident:
			ts, ok := g.types[e.Name]
			if !ok {
				return nil, fmt.Errorf("type %s is not declared in gen", e.Name)
			}
			expr = ts.Type
		case *ast.StructType:
			return e, nil
		default:
			return nil, fmt.Errorf("%s is not a struct", render(expr))
		}
	}
	return nil, fmt.Errorf("%s: type names loop", render(expr))
}

// fieldByTag finds the field whose struct tag key (json, form) names the given document name.
func fieldByTag(st *ast.StructType, key, name string) (*ast.Field, error) {
	for _, f := range st.Fields.List {
		if f.Tag == nil || len(f.Names) != 1 {
			continue
		}
		raw, err := strconv.Unquote(f.Tag.Value)
		if err != nil {
			return nil, err
		}
		tagName, _, _ := strings.Cut(reflect.StructTag(raw).Get(key), ",")
		if tagName == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("no field tagged %s:%q", key, name)
}

// qualified renders a type of the gen package as code outside it writes it: gen.Sandbox,
// []gen.Sandbox, string.
func (g *generated) qualified(expr ast.Expr) (string, error) {
	switch e := expr.(type) {
	case *ast.Ident:
		if _, ok := g.types[e.Name]; ok {
			return "gen." + e.Name, nil
		}
		if obj := types.Universe.Lookup(e.Name); obj != nil {
			if _, isType := obj.(*types.TypeName); isType {
				return e.Name, nil
			}
		}
		return "", fmt.Errorf("unknown type %s", e.Name)
	case *ast.StarExpr:
		inner, err := g.qualified(e.X)
		return "*" + inner, err
	case *ast.ArrayType:
		if e.Len != nil {
			return "", fmt.Errorf("array type %s", render(e))
		}
		inner, err := g.qualified(e.Elt)
		return "[]" + inner, err
	case *ast.MapType:
		k, err := g.qualified(e.Key)
		if err != nil {
			return "", err
		}
		v, err := g.qualified(e.Value)
		return "map[" + k + "]" + v, err
	}
	return "", fmt.Errorf("type %s cannot be named outside gen", render(expr))
}

// render prints an expression for error messages.
func render(expr ast.Expr) string {
	return types.ExprString(expr)
}
