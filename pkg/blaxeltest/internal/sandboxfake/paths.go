package sandboxfake

import (
	"path"
	"strings"
)

// The sandbox server's rule for the paths of its filesystem routes, which a client must get
// right and the fake therefore applies exactly:
//
//   - /filesystem/src/a.go names src/a.go relative to the working directory, and
//     /filesystem/ alone the working directory itself;
//   - the path is absolute when the raw address holds an escaped slash (%2F) anywhere, or
//     when it starts with a doubled slash: /filesystem/%2Fopt%2Fx and /filesystem//opt/x both
//     name /opt/x, and so does /filesystem/opt%2Fx;
//   - ~ stands for the home directory and doubled slashes collapse;
//   - tree routes (/filesystem/tree/...) always take their path as absolute.

// homeDir is the home directory of the user the sandbox server runs as.
const homeDir = "/root"

// requestPath is the path a filesystem route names, as the server's handlers see it:
// param is the route's last parameter, which takes the rest of the decoded address with its
// leading slash ("/src/a.go"), and raw is the escaped address.
func requestPath(param, raw string) string {
	if strings.Contains(raw, "%2F") {
		return formatPath(param)
	}
	switch {
	case param == "/" || param == "":
		return "."
	case strings.HasPrefix(param, "/"):
		return formatPath(param[1:])
	}
	return formatPath(param)
}

// treePath is the path of a tree route: the rest of the address after /filesystem/tree,
// always absolute.
func treePath(rest string) string {
	if rest == "" || rest == "/" {
		return "/"
	}
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return formatPath(rest)
}

// formatPath expands ~ and collapses doubled slashes, as the server does before it uses a
// path.
func formatPath(p string) string {
	if p == "" {
		p = "."
	}
	if strings.HasPrefix(p, "~") {
		p = homeDir + p[1:]
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// abs resolves a path the way the server does: an absolute path as it is, a relative one
// from the working directory, both cleaned. No path can leave the sandbox's root: there is
// nothing above it.
func (sb *sandbox) abs(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(sb.workDir, p)
}

// display is the path the server shows in its answers: as given, except "." which it shows
// as the working directory.
func (sb *sandbox) display(p string) string {
	if p == "." || p == "./" {
		return sb.workDir
	}
	return p
}
