package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// declared is what the package's hand-written files declare at the level generated names
// live at: the methods of *Client and the package's types, each with its file.
type declared struct {
	methods map[string]string
	types   map[string]string
}

// readDeclared parses the hand-written Go files of dir: not the generated ones, not tests.
func readDeclared(dir string) (declared, error) {
	d := declared{methods: map[string]string{}, types: map[string]string{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return d, err
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".gen.go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return d, err
		}
		for _, decl := range file.Decls {
			switch x := decl.(type) {
			case *ast.FuncDecl:
				if x.Recv != nil && len(x.Recv.List) == 1 && receiverName(x.Recv.List[0].Type) == "Client" {
					d.methods[x.Name.Name] = name
				}
			case *ast.GenDecl:
				for _, spec := range x.Specs {
					if ts, ok := spec.(*ast.TypeSpec); ok {
						d.types[ts.Name.Name] = name
					}
				}
			}
		}
	}
	return d, nil
}

// checkCollisions fails when a generated method or type would take a name that a
// hand-written one has, or that another generated one takes: the compiler's complaint
// would point at generated code, and the fix is in the document or in the hand-written file.
func checkCollisions(ops []operation, listings []string, hand declared) error {
	methods := map[string]string{} // generated name -> what makes it
	types := map[string]string{}
	var problems []string
	claim := func(table map[string]string, handWritten map[string]string, name, what string) {
		if file, ok := handWritten[name]; ok {
			problems = append(problems, fmt.Sprintf("%s would be named %s, which %s already declares", what, name, file))
		}
		if other, ok := table[name]; ok {
			problems = append(problems, fmt.Sprintf("%s and %s would both be named %s", other, what, name))
		}
		table[name] = what
	}
	for _, o := range ops {
		claim(methods, hand.methods, o.GoName, "the method of operation "+o.ID)
		if o.Result.Several() {
			claim(types, hand.types, o.GoName+"Result", "the result type of operation "+o.ID)
		}
	}
	for _, goName := range listings {
		claim(methods, hand.methods, goName+"All", "the iterator of "+goName)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("name collisions on *Client:\n\t%s", strings.Join(problems, "\n\t"))
	}
	return nil
}
