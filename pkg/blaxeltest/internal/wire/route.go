// Package wire holds what every plane of the fake shares: answers before they are written
// (Reply), the request log, and the small rules of addresses and credentials they all follow.
package wire

import "strings"

// BasePath is where the control plane lives on the server, as /v0 does on the real one.
const BasePath = "/v0"

// NormalizeRoute spells a route "METHOD /template" as the operations are keyed: the method in
// capitals, the control plane's base path dropped.
func NormalizeRoute(route string) string {
	method, path, ok := strings.Cut(strings.TrimSpace(route), " ")
	if !ok {
		return route
	}
	path = strings.TrimSpace(path)
	if rest, ok := strings.CutPrefix(path, BasePath+"/"); ok {
		path = "/" + rest
	}
	return strings.ToUpper(method) + " " + path
}

// IsParam reports whether a segment of a path template is a parameter, "{name}".
func IsParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}
