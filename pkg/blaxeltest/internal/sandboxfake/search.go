package sandboxfake

import (
	"cmp"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// defaultExcludedDirs are the directories the search routes skip unless told otherwise.
func defaultExcludedDirs() []string {
	return []string{"node_modules", "vendor", ".git", "dist", "build", "target", "__pycache__", ".venv", ".next", "coverage"}
}

// searchOptions are the query parameters the three search routes share.
type searchOptions struct {
	max           int // -1 for all
	patterns      []string
	exclude       map[string]bool
	excludeHidden bool
}

// readSearchOptions reads maxResults (def by default, 0 for all, at most 1000), patterns,
// excludeDirs and excludeHidden (true by default); false when it answered a bad request.
func readSearchOptions(x *sbxCall, def int) (searchOptions, bool) {
	o := searchOptions{max: def, exclude: map[string]bool{}, excludeHidden: true}
	if raw := x.query("maxResults"); raw != "" {
		n, err := strconv.Atoi(raw)
		switch {
		case err == nil && n > 0:
			o.max = min(n, 1000)
		case err == nil && n == 0:
			o.max = -1
		default:
			x.fail(http.StatusBadRequest, "invalid maxResults: "+raw)
			return o, false
		}
	}
	if raw := x.query("patterns"); raw != "" {
		for _, p := range strings.Split(raw, ",") {
			o.patterns = append(o.patterns, strings.TrimSpace(p))
		}
	}
	dirs := defaultExcludedDirs()
	if raw := x.query("excludeDirs"); raw != "" {
		dirs = strings.Split(raw, ",")
	}
	for _, d := range dirs {
		if d = strings.TrimSpace(d); d != "" {
			o.exclude[d] = true
		}
	}
	if raw := x.query("excludeHidden"); raw != "" {
		o.excludeHidden = raw == "true"
	}
	return o, true
}

func (o searchOptions) matchesPattern(name string) bool {
	if len(o.patterns) == 0 {
		return true
	}
	for _, p := range o.patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

type findMatch struct {
	Path string `json:"path"`
	Type string `json:"type"` // file or directory
}

func kindOf(info fileInfo) string {
	if info.dir {
		return "directory"
	}
	return "file"
}

// rel returns p relative to dir.
func rel(dir, p string) string {
	if p == dir {
		return "."
	}
	return strings.TrimPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// findFiles lists the files (or directories, type=directory) below a path whose names match
// the glob patterns, paths relative to it.
func findFiles(x *sbxCall) {
	o, ok := readSearchOptions(x, 20)
	if !ok {
		return
	}
	kind := "file"
	if t := x.query("type"); t != "" {
		if t != "file" && t != "directory" {
			x.fail(http.StatusBadRequest, "invalid search type: "+t)
			return
		}
		kind = t
	}
	root := x.sb.abs(x.fsParam())
	var found []findMatch
	err := x.sb.fs.walk(root, func(info fileInfo, err error) error {
		if err != nil {
			return err
		}
		base := path.Base(info.path)
		if info.dir && o.exclude[base] {
			return fs.SkipDir
		}
		if o.excludeHidden && strings.HasPrefix(base, ".") {
			if info.dir {
				return fs.SkipDir
			}
			return nil
		}
		if kindOf(info) != kind || (!info.dir && !o.matchesPattern(base)) {
			return nil
		}
		found = append(found, findMatch{Path: rel(root, info.path), Type: kind})
		return nil
	})
	if err != nil {
		x.fail(http.StatusInternalServerError, "error walking directory: "+err.Error())
		return
	}
	if o.max >= 0 && len(found) > o.max {
		found = found[:o.max]
	}
	x.json(http.StatusOK, map[string]any{"matches": nonNil(found), "total": len(found)})
}

type fuzzyMatch struct {
	Path  string `json:"path"`
	Score int    `json:"score"`
	Type  string `json:"type"`
}

// fuzzySearch matches the entries below a path against a query, as the real server does
// with the same path for both: the characters of the query must appear in order in the
// entry's relative path, case aside. The scores are the fake's own (higher is better: runs
// of consecutive characters and matches at word starts count more); the real server uses
// fzf's.
func fuzzySearch(x *sbxCall) {
	o, ok := readSearchOptions(x, 20)
	if !ok {
		return
	}
	p := x.fsParam()
	if p == "" || p == "/" || p == "." {
		x.fail(http.StatusBadRequest, "query parameter is required in path")
		return
	}
	root := x.sb.abs(p)
	var found []fuzzyMatch
	_ = x.sb.fs.walk(root, func(info fileInfo, err error) error {
		if err != nil {
			return nil // an unreadable root finds nothing
		}
		base := path.Base(info.path)
		if o.excludeHidden && strings.HasPrefix(base, ".") {
			if info.dir {
				return fs.SkipDir
			}
			return nil
		}
		if info.dir && o.exclude[base] {
			return fs.SkipDir
		}
		if info.path == root {
			return nil
		}
		r := rel(root, info.path)
		if score, ok := fuzzyScore(r, p); ok {
			found = append(found, fuzzyMatch{Path: r, Score: score, Type: kindOf(info)})
		}
		return nil
	})
	slices.SortStableFunc(found, func(a, b fuzzyMatch) int { return cmp.Compare(b.Score, a.Score) })
	if o.max > 0 && len(found) > o.max {
		found = found[:o.max]
	}
	x.json(http.StatusOK, map[string]any{"matches": nonNil(found), "total": len(found)})
}

// fuzzyScore matches the runes of query, in order, in candidate (case aside).
func fuzzyScore(candidate, query string) (int, bool) {
	c, q := []rune(strings.ToLower(candidate)), []rune(strings.ToLower(query))
	score, run, j := 0, 0, 0
	for i := 0; i < len(c) && j < len(q); i++ {
		if c[i] != q[j] {
			run = 0
			continue
		}
		score += 16 + 8*run
		if i == 0 || !unicode.IsLetter(c[i-1]) && !unicode.IsDigit(c[i-1]) {
			score += 8
		}
		run++
		j++
	}
	return score, j == len(q)
}

type contentMatch struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Text   string `json:"text"`
}

// contentSearch finds the lines that hold the query in the files below a path (case aside
// unless caseSensitive=true), 100 by default.
func contentSearch(x *sbxCall) {
	query := x.query("query")
	if query == "" {
		x.fail(http.StatusBadRequest, "query parameter is required")
		return
	}
	dir := x.fsParam()
	if dir != "" && dir != "/" && dir != "." {
		if info, err := x.sb.fs.stat(x.sb.abs(dir)); err != nil || !info.dir {
			x.fail(http.StatusBadRequest, "specified directory does not exist: "+dir)
			return
		}
	} else {
		dir = "."
	}
	caseSensitive := x.query("caseSensitive") == "true"
	o, ok := readSearchOptions(x, 100)
	if !ok {
		return
	}
	pattern := x.query("filePattern")
	if !caseSensitive {
		query = strings.ToLower(query)
	}
	root := x.sb.abs(dir)
	matches := []contentMatch{}
	_ = x.sb.fs.walk(root, func(info fileInfo, err error) error {
		if err != nil {
			return nil
		}
		base := path.Base(info.path)
		if info.dir {
			if o.exclude[base] {
				return fs.SkipDir
			}
			return nil
		}
		if pattern != "" {
			if ok, _ := path.Match(pattern, base); !ok {
				return nil
			}
		}
		data, err := x.sb.fs.readFile(info.path)
		if err != nil {
			return nil
		}
		for i, line := range strings.Split(string(data), "\n") {
			n := i + 1
			hay := line
			if !caseSensitive {
				hay = strings.ToLower(line)
			}
			if col := strings.Index(hay, query); col >= 0 {
				matches = append(matches, contentMatch{Path: rel(root, info.path), Line: n, Column: col + 1, Text: line})
				if o.max >= 0 && len(matches) >= o.max {
					return fs.SkipAll
				}
			}
		}
		return nil
	})
	x.json(http.StatusOK, map[string]any{"query": x.query("query"), "matches": matches, "total": len(matches)})
}

// nonNil makes an empty listing [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
