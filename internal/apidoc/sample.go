package apidoc

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Sample returns the smallest value that validates against the schema: required properties
// only, the first enum value, a scalar's example (which the document's validation checks
// against its pattern and format), the minimum of a range. It is what a server answers when
// it has to invent a resource.
func Sample(ref *openapi3.SchemaRef) any {
	return sample(ref, 0)
}

func sample(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 12 {
		return nil
	}
	s := ref.Value
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.Default != nil {
		return s.Default
	}
	if s.Example != nil && isScalar(s) {
		return s.Example
	}
	switch {
	case len(s.AllOf) > 0:
		out := map[string]any{}
		for _, part := range s.AllOf {
			v := sample(part, depth+1)
			m, ok := v.(map[string]any)
			if !ok && v != nil && len(s.Properties) == 0 {
				return v // a scalar wrapped in allOf, e.g. to carry a default
			}
			for k, v := range m {
				out[k] = v
			}
		}
		for k, v := range objectSample(s, depth) {
			out[k] = v
		}
		return out
	case len(s.OneOf) > 0:
		return sample(s.OneOf[0], depth+1)
	case len(s.AnyOf) > 0:
		return sample(s.AnyOf[0], depth+1)
	}
	switch {
	case s.Type.Is("string"):
		return stringSample(s)
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 0
	case s.Type.Is("boolean"):
		return false
	case s.Type.Is("array"):
		n := int(s.MinItems)
		out := make([]any, 0, n)
		for range n {
			out = append(out, sample(s.Items, depth+1))
		}
		return out
	case s.Type.Is("object"), len(s.Properties) > 0:
		return objectSample(s, depth)
	}
	return map[string]any{}
}

func isScalar(s *openapi3.Schema) bool {
	return s.Type.Is("string") || s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean")
}

func objectSample(s *openapi3.Schema, depth int) map[string]any {
	out := map[string]any{}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range s.Properties {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		if slices.Contains(s.Required, name) {
			out[name] = sample(s.Properties[name], depth+1)
		}
	}
	return out
}

func stringSample(s *openapi3.Schema) string {
	switch s.Format {
	case "date-time":
		return "2026-01-01T00:00:00Z"
	case "date":
		return "2026-01-01"
	case "uuid":
		return "00000000-0000-4000-8000-000000000000"
	}
	n := int(s.MinLength)
	if n == 0 {
		n = 1
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}
