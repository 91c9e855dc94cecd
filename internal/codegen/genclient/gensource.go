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
// methods of ClientWithResponses, looked up by name.
type generated struct {
	types   map[string]*ast.TypeSpec
	methods map[string]*ast.FuncDecl // of *ClientWithResponses, by Go name
}

func parseGenerated(filename string, src []byte) (*generated, error) {
	file, err := parser.ParseFile(token.NewFileSet(), filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &generated{types: map[string]*ast.TypeSpec{}, methods: map[string]*ast.FuncDecl{}}
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok {
					g.types[ts.Name.Name] = ts
				}
			}
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) == 1 && receiverName(d.Recv.List[0].Type) == "ClientWithResponses" {
				g.methods[d.Name.Name] = d
			}
		}
	}
	if len(g.methods) == 0 {
		return nil, fmt.Errorf("%s: no methods of ClientWithResponses", filename)
	}
	return g, nil
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

// withResponseMethod finds the method oapi-codegen made for an operationId. Its name is the
// operationId with initialisms in capitals (ListVpcs became ListVPCs), so the match ignores
// case, and more than one candidate is an error rather than a guess.
func (g *generated) withResponseMethod(operationID string) (*ast.FuncDecl, error) {
	var found *ast.FuncDecl
	for name, fn := range g.methods {
		base, ok := strings.CutSuffix(name, "WithResponse")
		if !ok || !strings.EqualFold(base, operationID) {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%s: both %s and %s match", operationID, found.Name.Name, name)
		}
		found = fn
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no <Op>WithResponse method in gen", operationID)
	}
	return found, nil
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
