package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README shows this program and its test: what it shows must be what compiles and
// passes here.
func TestTheREADMEShowsThisCode(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 2 {
		t.Fatalf("the README has %d Go blocks, want the program and its test", len(blocks))
	}
	for i, file := range []string{"main.go", "main_test.go"} {
		code, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(code), blocks[i][1]) {
			t.Errorf("the README's Go block %d is not in %s: copy it there (or the code back)", i+1, file)
		}
	}
}
