package controlplane

import (
	"maps"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxSchemaDepth stops the walks below on recursive schemas.
const maxSchemaDepth = 16

// properties returns the properties an object schema declares, those of its allOf parts
// included.
func properties(s *openapi3.Schema) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	collectProperties(s, out, 0)
	return out
}

func collectProperties(s *openapi3.Schema, out map[string]*openapi3.SchemaRef, depth int) {
	if s == nil || depth > maxSchemaDepth {
		return
	}
	for _, part := range s.AllOf {
		collectProperties(part.Value, out, depth+1)
	}
	maps.Copy(out, s.Properties)
}

// field returns the schema of the property at path (e.g. metadata, name), or nil when the
// schema declares no such property.
func field(ref *openapi3.SchemaRef, path []string) *openapi3.SchemaRef {
	for _, name := range path {
		if ref == nil || ref.Value == nil {
			return nil
		}
		ref = properties(ref.Value)[name]
	}
	return ref
}

// readOnlyAt reports whether the property at path, or an object above it, is read-only.
func readOnlyAt(ref *openapi3.SchemaRef, path []string) bool {
	for _, name := range path {
		if ref == nil || ref.Value == nil {
			return false
		}
		ref = properties(ref.Value)[name]
		if ref != nil && ref.Value != nil && ref.Value.ReadOnly {
			return true
		}
	}
	return false
}

// firstField returns the first of the candidate paths that the schema declares.
func firstField(ref *openapi3.SchemaRef, candidates [][]string) []string {
	for _, c := range candidates {
		if field(ref, c) != nil {
			return c
		}
	}
	return nil
}

// listItems returns the schema of one element of an array schema.
func listItems(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref == nil || ref.Value == nil || !ref.Value.Type.Is("array") {
		return nil
	}
	return ref.Value.Items
}

// shape keeps of v what the schema declares, recursively: an answer built from a stored item
// then holds only what its schema describes, and never a write-only property (a secret the
// caller sent). With forRequest, read-only properties are dropped instead, as the server
// ignores them in a request body.
func shape(ref *openapi3.SchemaRef, v any, forRequest bool) any {
	return shapeAt(ref, v, forRequest, 0)
}

func shapeAt(ref *openapi3.SchemaRef, v any, forRequest bool, depth int) any {
	if ref == nil || ref.Value == nil || depth > maxSchemaDepth {
		return v
	}
	s := ref.Value
	switch x := v.(type) {
	case map[string]any:
		props := properties(s)
		extra := s.AdditionalProperties
		if len(props) == 0 && extra.Schema == nil {
			return x // a free-form object
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			if p, ok := props[k]; ok {
				if p.Value != nil && (forRequest && p.Value.ReadOnly || !forRequest && p.Value.WriteOnly) {
					continue
				}
				out[k] = shapeAt(p, val, forRequest, depth+1)
				continue
			}
			switch {
			case extra.Schema != nil:
				out[k] = shapeAt(extra.Schema, val, forRequest, depth+1)
			case extra.Has != nil && *extra.Has:
				out[k] = val
			}
		}
		return out
	case []any:
		if s.Items == nil {
			return x
		}
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = shapeAt(s.Items, val, forRequest, depth+1)
		}
		return out
	}
	return v
}

// keepReadOnly copies into next the read-only properties of prev that the schema declares:
// what the server set (status, events, timestamps) survives a replacement by the client.
func keepReadOnly(ref *openapi3.SchemaRef, prev, next map[string]any) {
	keepReadOnlyAt(ref, prev, next, 0)
}

func keepReadOnlyAt(ref *openapi3.SchemaRef, prev, next map[string]any, depth int) {
	if ref == nil || ref.Value == nil || depth > maxSchemaDepth {
		return
	}
	for name, p := range properties(ref.Value) {
		old, ok := prev[name]
		if !ok || p.Value == nil {
			continue
		}
		if p.Value.ReadOnly {
			next[name] = deepCopy(old)
			continue
		}
		oldMap, ok1 := old.(map[string]any)
		newMap, ok2 := next[name].(map[string]any)
		if ok1 && ok2 {
			keepReadOnlyAt(p, oldMap, newMap, depth+1)
		}
	}
}

// getPath returns the value at path in a decoded JSON object.
func getPath(v map[string]any, path []string) (any, bool) {
	var cur any = v
	for _, name := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[name]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// getString returns the string at path, or "".
func getString(v map[string]any, path []string) string {
	x, _ := getPath(v, path)
	s, _ := x.(string)
	return s
}

// setPath sets the value at path, creating the objects on the way.
func setPath(v map[string]any, path []string, x any) {
	if len(path) == 0 {
		return
	}
	cur := v
	for _, name := range path[:len(path)-1] {
		next, ok := cur[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[name] = next
		}
		cur = next
	}
	cur[path[len(path)-1]] = x
}

// deepMerge returns base overlaid with over: objects merge key by key, anything else in over
// wins. Neither argument is modified.
func deepMerge(base, over any) any {
	b, ok1 := base.(map[string]any)
	o, ok2 := over.(map[string]any)
	if !ok1 || !ok2 {
		if over == nil {
			return deepCopy(base)
		}
		return deepCopy(over)
	}
	out := make(map[string]any, len(b)+len(o))
	for k, v := range b {
		out[k] = deepCopy(v)
	}
	for k, v := range o {
		out[k] = deepMerge(out[k], v)
	}
	return out
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = deepCopy(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = deepCopy(val)
		}
		return out
	}
	return v
}

// defaultOf returns the default a property schema declares, itself or in the one part of an
// allOf (where the document puts defaults, so that openapi-typescript keeps them optional).
func defaultOf(ref *openapi3.SchemaRef) (any, bool) {
	for depth := 0; ref != nil && ref.Value != nil && depth < maxSchemaDepth; depth++ {
		if ref.Value.Default != nil {
			return ref.Value.Default, true
		}
		if len(ref.Value.AllOf) != 1 {
			break
		}
		ref = ref.Value.AllOf[0]
	}
	return nil, false
}

// fillDefaults sets, in every object of v that the schema describes, the properties it lacks
// that have a default: what the server stores and answers holds them, as the real one does.
// Objects that v does not hold are not created for their defaults' sake.
func fillDefaults(ref *openapi3.SchemaRef, v any) {
	fillDefaultsAt(ref, v, 0)
}

func fillDefaultsAt(ref *openapi3.SchemaRef, v any, depth int) {
	if ref == nil || ref.Value == nil || depth > maxSchemaDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for name, p := range properties(ref.Value) {
			if val, ok := x[name]; ok {
				fillDefaultsAt(p, val, depth+1)
				continue
			}
			if d, ok := defaultOf(p); ok && p.Value != nil && !p.Value.ReadOnly {
				x[name] = deepCopy(d)
			}
		}
		if extra := ref.Value.AdditionalProperties.Schema; extra != nil {
			for name, val := range x {
				if _, declared := properties(ref.Value)[name]; !declared {
					fillDefaultsAt(extra, val, depth+1)
				}
			}
		}
	case []any:
		for _, val := range x {
			fillDefaultsAt(ref.Value.Items, val, depth+1)
		}
	}
}
