package wire

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidationMessage says in one line why the document rejects a request: where (a parameter,
// the body and the property in it) and why, without kin-openapi's schema dump.
func ValidationMessage(err error) string {
	where := ""
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		switch {
		case re.Parameter != nil:
			where = re.Parameter.In + " parameter " + re.Parameter.Name
		case re.RequestBody != nil:
			where = "body"
		}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		// allOf and the like wrap the error of the part that failed: report the innermost.
		ptr := se.JSONPointer()
		for inner := (*openapi3.SchemaError)(nil); se.Origin != nil && errors.As(se.Origin, &inner); {
			se = inner
			if p := se.JSONPointer(); len(p) >= len(ptr) {
				ptr = p
			}
		}
		if len(ptr) > 0 {
			where = strings.TrimSpace(where + " at /" + strings.Join(ptr, "/"))
		}
		return join(where, se.Reason)
	}
	if re != nil && re.Reason != "" {
		return join(where, re.Reason)
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

func join(where, why string) string {
	if where == "" {
		return why
	}
	return where + ": " + why
}
