package blaxel

import "fmt"

// checkPathParams refuses the path parameter values that url.PathEscape leaves as they are and
// that would then change the address of the request: "" makes an empty segment, and "." and
// ".." are removed (".." with the segment before it) when the generated client resolves the
// path against the base URL, so the request would reach another operation, or the same one
// on another resource. Every other value is escaped and arrives intact. pairs alternates the
// parameters' names (as in openapi.yaml) and values.
func checkPathParams(operation string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		name, value := pairs[i], pairs[i+1]
		switch value {
		case "":
			return fmt.Errorf("blaxel: %s: the path parameter %s is empty: nothing was sent", operation, name)
		case ".", "..":
			return fmt.Errorf("blaxel: %s: the path parameter %s is %q, which would address another resource: nothing was sent", operation, name, value)
		}
	}
	return nil
}
