package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func loadDoc(t *testing.T, yaml string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func parseGen(t *testing.T, src string) *generated {
	t.Helper()
	g, err := parseGenerated("gen.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGeneratedFilesAreCurrent runs the generator on the module's document into a temporary
// directory, twice, and compares with pkg/blaxel: the output must be stable and committed.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	pkg := filepath.Join(root, "pkg", "blaxel")
	var runs [2]string
	for i := range runs {
		runs[i] = t.TempDir()
		if err := run(filepath.Join(root, "openapi.yaml"), filepath.Join(root, "gen", "blaxel.gen.go"), pkg, runs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"operations.gen.go", "checkedclient.gen.go", "pages.gen.go", "doc_operations.gen.go"} {
		first, _ := os.ReadFile(filepath.Join(runs[0], name))
		second, _ := os.ReadFile(filepath.Join(runs[1], name))
		committed, err := os.ReadFile(filepath.Join(pkg, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Errorf("%s differs between two runs", name)
		}
		if !bytes.Equal(first, committed) {
			t.Errorf("pkg/blaxel/%s is not what the generator writes: run go generate ./...", name)
		}
		if !bytes.HasPrefix(first, []byte("// Code generated ")) || !bytes.Contains(first, []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the generated-code header", name)
		}
	}
}

// contains fails the test for every piece missing from src.
func contains(t *testing.T, src []byte, pieces ...string) {
	t.Helper()
	for _, want := range pieces {
		if !strings.Contains(string(src), want) {
			t.Errorf("missing %s in\n%s", want, src)
		}
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The files that the oapi-codegen configurations and the overlay name exist.
func TestCodegenConfigNamesFilesThatExist(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	goFile := regexp.MustCompile(`[\w./-]+\.(go|yaml)\b`)
	configs, err := filepath.Glob(filepath.Join(root, "oapi-codegen*.yaml"))
	if err != nil || len(configs) == 0 {
		t.Fatalf("no oapi-codegen configuration: %v", err)
	}
	for i := range configs {
		configs[i], _ = filepath.Rel(root, configs[i])
	}
	for _, config := range append(configs, "internal/codegen/overlay.yaml") {
		data, err := os.ReadFile(filepath.Join(root, config))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range goFile.FindAllString(string(data), -1) {
			if _, err := os.Stat(filepath.Join(root, name)); err != nil {
				t.Errorf("%s names %s: %v", config, name, err)
			}
		}
	}
}
