package main

import (
	"fmt"
	"go/ast"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// operation is what the generator knows of one operation of the document: its facts, read
// from openapi.yaml, and the Go names oapi-codegen chose for it, read from gen/.
type operation struct {
	ID         string // the operationId, as the document spells it
	GoName     string // the name oapi-codegen gave it: GetSandboxByExternalID
	Method     string
	Path       string
	Summary    string
	Tags       []string
	Deprecated bool
	Why        string // for a deprecated operation, what its description says after "Deprecated:"
	Paginated  bool

	PathArgs []pathArg // in the template's order, with gen's Go names
	RawArgs  []string  // the arguments of gen's method after ctx, in its order: path parameters, params, body
	Body     string    // the Go type of the JSON request body; "" for none
	Params   string    // the Go type of the parameters struct, without its pointer; "" for none
	Result   result
}

type pathArg struct {
	Name, Type string // Go
	DocName    string // as in the template
}

// resultKind is how a generated method returns the declared success answer.
type resultKind int

const (
	noResult       resultKind = iota // no body declared: the method returns only an error
	pointerResult                    // a JSON object with a struct type: *T
	valueResult                      // a JSON array or a map type: T, a slice or a map
	severalResults                   // more than one 2xx declares JSON: a <GoName>Result struct
)

type result struct {
	Kind     resultKind
	Type     string         // pointerResult: gen.Sandbox; valueResult: []gen.VPC or gen.PublicIPs
	Fields   []successField // severalResults: one field per status
	Statuses []int          // noResult: the 2xx statuses the document declares
	Shape    byte           // the first byte of the declared JSON: '{', '[', or 0 when it may be any
}

// The kinds, for the template.
func (r result) None() bool    { return r.Kind == noResult }
func (r result) Pointer() bool { return r.Kind == pointerResult }
func (r result) Value() bool   { return r.Kind == valueResult }
func (r result) Several() bool { return r.Kind == severalResults }

// Field is gen's field of the one declared JSON answer.
func (r result) Field() string { return r.Fields[0].Name }

// successField is one declared success answer with a JSON body.
type successField struct {
	Name        string // gen's field, e.g. JSON202
	Type        string // gen.PendingImageShare, without the pointer
	Status      int
	Description string
	elem        ast.Expr // Type as gen declares it, aliases followed
}

// methodLocals are the names a generated method uses itself; a path parameter must not shadow them.
var methodLocals = []string{"c", "ctx", "opts", "resp", "err", "r", "body", "params", "gen"}

// collectOperations reads every operation of the document, sorted by Go name.
func collectOperations(doc *openapi3.T, g *generated) ([]operation, error) {
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("%s %s has no operationId", method, path)
			}
			o, err := describeOperation(g, method, path, op)
			if err != nil {
				return nil, fmt.Errorf("%s (%s %s): %w", op.OperationID, method, path, err)
			}
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.GoName, b.GoName) })
	for i := 1; i < len(ops); i++ {
		if ops[i-1].GoName == ops[i].GoName {
			return nil, fmt.Errorf("%s and %s have the same Go name %s", ops[i-1].ID, ops[i].ID, ops[i].GoName)
		}
	}
	return ops, nil
}

func describeOperation(g *generated, method, path string, op *openapi3.Operation) (operation, error) {
	fn, err := g.interfaceMethod(op.OperationID)
	if err != nil {
		return operation{}, err
	}
	o := operation{
		ID:         op.OperationID,
		GoName:     fn.Names[0].Name,
		Method:     method,
		Path:       path,
		Summary:    strings.TrimSpace(op.Summary),
		Tags:       op.Tags,
		Deprecated: op.Deprecated,
	}
	if op.Deprecated {
		o.Why = deprecationReason(op.Description)
	}
	_, o.Paginated = op.Extensions[paginationExtension]
	if err := o.readArguments(g, fn.Type.(*ast.FuncType), templateParams(path)); err != nil {
		return operation{}, err
	}
	if op.RequestBody != nil && o.Body == "" {
		if _, ok := g.interfaceMethods[o.GoName+"WithBody"]; ok {
			return operation{}, fmt.Errorf("the request body is not JSON: the generator only writes methods for JSON bodies")
		}
	}
	if o.Result, err = describeResult(g, o.GoName, op); err != nil {
		return operation{}, err
	}
	return o, nil
}

// readArguments reads the signature oapi-codegen wrote, (ctx, path parameters..., params,
// body, reqEditors...), checking it against the document's path parameters.
func (o *operation) readArguments(g *generated, fn *ast.FuncType, pathNames []string) error {
	type arg struct {
		name string
		typ  ast.Expr
	}
	var args []arg
	for _, f := range fn.Params.List {
		for _, n := range f.Names {
			args = append(args, arg{n.Name, f.Type})
		}
	}
	if len(args) < 2+len(pathNames) {
		return fmt.Errorf("%d arguments for %d path parameters", len(args), len(pathNames))
	}
	if _, ok := args[len(args)-1].typ.(*ast.Ellipsis); !ok {
		return fmt.Errorf("the last argument is not reqEditors")
	}
	for i, docName := range pathNames {
		a := args[1+i]
		typ, err := g.qualified(g.unalias(a.typ)) // gen.SandboxName = string reads as string
		if err != nil {
			return err
		}
		if typ != "string" {
			return fmt.Errorf("path parameter %s is a %s, not a string", docName, typ)
		}
		if slices.Contains(methodLocals, a.name) {
			return fmt.Errorf("path parameter %s shadows a name the generated method uses", a.name)
		}
		if !strings.EqualFold(a.name, docName) {
			return fmt.Errorf("path parameter %s is %s in gen: the order differs", docName, a.name)
		}
		o.PathArgs = append(o.PathArgs, pathArg{Name: a.name, Type: typ, DocName: docName})
	}
	for _, a := range args[1 : len(args)-1] {
		o.RawArgs = append(o.RawArgs, a.name)
	}
	for _, a := range args[1+len(pathNames) : len(args)-1] {
		switch {
		case a.name == "params":
			star, ok := a.typ.(*ast.StarExpr)
			if !ok {
				return fmt.Errorf("params is not a pointer")
			}
			typ, err := g.qualified(star.X)
			if err != nil {
				return err
			}
			o.Params = typ
		case a.name == "body":
			typ, err := g.qualified(g.unalias(a.typ))
			if err != nil {
				return err
			}
			o.Body = typ
		default:
			return fmt.Errorf("argument %s is neither a path parameter, params nor body", a.name)
		}
	}
	return nil
}

// describeResult reads the document's success answers and the fields gen decodes them into.
func describeResult(g *generated, goName string, op *openapi3.Operation) (result, error) {
	var r result
	var fields []successField
	var bodiless []int
	for code, ref := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") || ref == nil || ref.Value == nil {
			continue
		}
		status, err := strconv.Atoi(code)
		if err != nil {
			return r, fmt.Errorf("answer %q: only exact statuses are supported", code)
		}
		if !declaresJSON(ref.Value) {
			bodiless = append(bodiless, status)
			continue
		}
		desc := ""
		if ref.Value.Description != nil {
			desc = strings.TrimSpace(*ref.Value.Description)
		}
		fields = append(fields, successField{Name: "JSON" + code, Status: status, Description: desc})
	}
	slices.Sort(bodiless)
	slices.SortFunc(fields, func(a, b successField) int { return a.Status - b.Status })
	switch {
	case len(fields) == 0 && len(bodiless) == 0:
		return r, fmt.Errorf("no success answer is declared")
	case len(fields) == 0:
		return result{Kind: noResult, Statuses: bodiless}, nil
	case len(bodiless) > 0:
		return r, fmt.Errorf("answers %v declare no body and %s one: a result cannot be both", bodiless, fields[0].Name)
	}

	respStruct, err := g.structOf(&ast.Ident{Name: goName + "Response"})
	if err != nil {
		return r, err
	}
	shapes := map[byte]bool{}
	for i, f := range fields {
		var typ ast.Expr
		for _, rf := range respStruct.Fields.List {
			if len(rf.Names) == 1 && rf.Names[0].Name == f.Name {
				typ = rf.Type
			}
		}
		star, ok := typ.(*ast.StarExpr)
		if !ok {
			return r, fmt.Errorf("%sResponse has no pointer field %s", goName, f.Name)
		}
		elem := g.unalias(star.X)
		fields[i].elem = elem
		if fields[i].Type, err = g.qualified(elem); err != nil {
			return r, err
		}
		shape, err := g.jsonShape(elem)
		if err != nil {
			return r, fmt.Errorf("%s: %w", f.Name, err)
		}
		shapes[shape] = true
		if len(fields) == 1 {
			r.Kind, r.Type = pointerResult, fields[i].Type
			if shape == '[' || g.isMap(elem) {
				r.Kind = valueResult
			}
		}
	}
	r.Fields = fields
	if len(fields) > 1 {
		r.Kind = severalResults
	}
	if len(shapes) == 1 {
		for s := range shapes {
			r.Shape = s
		}
	}
	return r, nil
}

// declaresJSON reports whether an answer declares a JSON body.
func declaresJSON(r *openapi3.Response) bool {
	for ct := range r.Content {
		if mt, _, _ := strings.Cut(ct, ";"); mt == "application/json" || strings.HasSuffix(mt, "+json") {
			return true
		}
	}
	return false
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

// deprecationReason is what a description says after "Deprecated:", as comment lines of
// about 100 columns, so that a method's Deprecated paragraph tells linters' users why; "" when
// the description gives no reason.
func deprecationReason(description string) string {
	_, why, ok := strings.Cut(description, "Deprecated:")
	if !ok {
		return ""
	}
	var b strings.Builder
	width := len("// Deprecated:")
	for _, word := range strings.Fields(why) {
		if width+1+len(word) > 100 {
			b.WriteString("\n//")
			width = 2
		}
		b.WriteString(" " + word)
		width += 1 + len(word)
	}
	return strings.TrimPrefix(b.String(), " ")
}
