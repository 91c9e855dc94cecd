package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// docIndexFile renders doc_operations.gen.go: a second package comment, which go doc shows
// after the one of doc.go, listing the methods of every tag of the document with the tag's
// description, so that `go doc ./pkg/blaxel` shows where each part of the API is.
func docIndexFile(doc *openapi3.T, ops []operation) ([]byte, error) {
	byTag := map[string][]operation{}
	for _, o := range ops {
		if len(o.Tags) == 0 {
			return nil, fmt.Errorf("%s has no tag", o.ID)
		}
		byTag[o.Tags[0]] = append(byTag[o.Tags[0]], o)
	}
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "// # Operations by tag\n//\n// The %d operations of openapi.yaml, grouped by its tags. Each is a method of [Client]\n// named after its operationId.\n", len(ops))
	for _, tag := range doc.Tags {
		list := byTag[tag.Name]
		if len(list) == 0 {
			continue
		}
		delete(byTag, tag.Name)
		writeTag(&b, tag.Name, tag.Description, list)
	}
	// Tags that the document uses without declaring them, in order of their names.
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for name := range byTag {
			if !yield(name) {
				return
			}
		}
	}) {
		writeTag(&b, name, "", byTag[name])
	}
	b.WriteString("package blaxel\n")
	return b.Bytes(), nil
}

func writeTag(b *bytes.Buffer, name, description string, ops []operation) {
	links := make([]string, len(ops))
	for i, o := range ops {
		links[i] = "[Client." + o.GoName + "]"
	}
	text := "Tag " + name + ": " + strings.Join(links, ", ") + "."
	if d := strings.TrimSpace(description); d != "" {
		text = "Tag " + name + ". " + sentence(d) + " Methods: " + strings.Join(links, ", ") + "."
	}
	b.WriteString("//\n")
	for _, line := range wrap(text, 96) {
		b.WriteString("// " + line + "\n")
	}
}

// wrap breaks text into lines of at most width bytes, between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
