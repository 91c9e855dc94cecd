package sandboxtools

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// maxLineText bounds the text of one matching line in search_text's answer: a minified file
// has lines of megabytes.
const maxLineText = 500

type searchTextIn struct {
	Path          string `json:"path,omitempty" jsonschema:"the directory to search, absolute or relative to the root (the root by default)"`
	Query         string `json:"query" jsonschema:"the text to find"`
	CaseSensitive bool   `json:"case_sensitive,omitempty" jsonschema:"match case exactly"`
	FilePattern   string `json:"file_pattern,omitempty" jsonschema:"a glob the names of searched files must match, such as *.go"`
	MaxResults    int    `json:"max_results,omitempty" jsonschema:"how many matching lines to answer at most"`
}

type textMatch struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Text   string `json:"text"`
}

type searchTextOut struct {
	Matches []textMatch `json:"matches"`
	Total   int         `json:"total" jsonschema:"how many lines matched"`
}

func (t *tools) searchText(ctx context.Context, _ *mcp.CallToolRequest, in searchTextIn) (*mcp.CallToolResult, searchTextOut, error) {
	p, err := t.path(in.Path)
	if err != nil {
		return nil, searchTextOut{}, err
	}
	if in.Query == "" {
		return nil, searchTextOut{}, errors.New("the query is empty")
	}
	params := sandboxapi.GrepFilesParams{Query: in.Query, MaxResults: t.limit(in.MaxResults)}
	if in.CaseSensitive {
		params.CaseSensitive = &in.CaseSensitive
	}
	if in.FilePattern != "" {
		params.FilePattern = &in.FilePattern
	}
	res, err := t.sb.Grep(ctx, p, params)
	if err != nil {
		return nil, searchTextOut{}, err
	}
	out := searchTextOut{Matches: []textMatch{}, Total: res.Total}
	for _, m := range res.Matches[:min(len(res.Matches), *params.MaxResults)] {
		out.Matches = append(out.Matches, textMatch{Path: m.Path, Line: m.Line, Column: m.Column, Text: shorten(m.Text)})
	}
	return nil, out, nil
}

type findFilesIn struct {
	Path       string   `json:"path,omitempty" jsonschema:"the directory to search, absolute or relative to the root (the root by default)"`
	Patterns   []string `json:"patterns" jsonschema:"glob patterns that names must match, such as *.go"`
	Type       string   `json:"type,omitempty" jsonschema:"file or directory: only entries of that kind"`
	MaxResults int      `json:"max_results,omitempty" jsonschema:"how many paths to answer at most"`
}

type foundPath struct {
	Path string `json:"path" jsonschema:"relative to the directory searched"`
	Type string `json:"type"`
}

type findFilesOut struct {
	Matches []foundPath `json:"matches"`
	Total   int         `json:"total"`
}

func (t *tools) findFiles(ctx context.Context, _ *mcp.CallToolRequest, in findFilesIn) (*mcp.CallToolResult, findFilesOut, error) {
	p, err := t.path(in.Path)
	if err != nil {
		return nil, findFilesOut{}, err
	}
	if len(in.Patterns) == 0 {
		return nil, findFilesOut{}, errors.New("no pattern was given")
	}
	for _, pattern := range in.Patterns {
		if pattern == "" || strings.Contains(pattern, ",") {
			return nil, findFilesOut{}, errors.New("a pattern is empty or holds a comma")
		}
	}
	patterns := strings.Join(in.Patterns, ",")
	params := &sandboxapi.FindFilesParams{Patterns: &patterns, MaxResults: t.limit(in.MaxResults)}
	switch in.Type {
	case "":
	case "file", "directory":
		params.Type = &in.Type
	default:
		return nil, findFilesOut{}, errors.New("the type is neither file nor directory")
	}
	res, err := t.sb.Find(ctx, p, params)
	if err != nil {
		return nil, findFilesOut{}, err
	}
	out := findFilesOut{Matches: []foundPath{}, Total: res.Total}
	for _, m := range res.Matches[:min(len(res.Matches), *params.MaxResults)] {
		out.Matches = append(out.Matches, foundPath{Path: m.Path, Type: m.Type})
	}
	return nil, out, nil
}

// limit is how many results to ask for: what the call asked, within the tools' bound.
func (t *tools) limit(asked int) *int {
	n := t.maxEntries
	if asked > 0 {
		n = min(n, asked)
	}
	return &n
}

// shorten cuts a line of text to maxLineText bytes, on a character's boundary.
func shorten(s string) string {
	if len(s) <= maxLineText {
		return s
	}
	end := maxLineText
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}
