package pipeline

import "fmt"

// SegmentProblem is the one rule for a value that becomes one segment of a URL path, a path
// parameter of an operation or a name in a workload's address: it says what is wrong with the
// value, or "" when it is usable. Every value is escaped (a slash becomes %2F and stays inside
// its segment), except the ones that would then change the address of the request: "" makes
// an empty segment, and "." and ".." are removed (".." with the segment before it) when the
// path is resolved, so the request would reach another operation, or the same one on another
// resource.
func SegmentProblem(value string) string {
	switch value {
	case "":
		return "is empty"
	case ".", "..":
		return fmt.Sprintf("is %q, which would address another resource", value)
	}
	return ""
}

// CheckPathParams applies SegmentProblem to the path parameters of an operation before its
// request is built. pairs alternates the parameters' names (as in openapi.yaml) and values.
func CheckPathParams(operation string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if problem := SegmentProblem(pairs[i+1]); problem != "" {
			return fmt.Errorf("blaxel: %s: the path parameter %s %s: nothing was sent", operation, pairs[i], problem)
		}
	}
	return nil
}

// CheckName applies SegmentProblem to a name that hand-written code puts in a path.
func CheckName(kind, name string) error {
	if problem := SegmentProblem(name); problem != "" {
		return fmt.Errorf("blaxel: the %s name %s: nothing was sent", kind, problem)
	}
	return nil
}
