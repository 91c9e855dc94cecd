package controlplane

import (
	"path"
	"slices"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3"
)

// Creations without a name. A collection's creation names its item from the body, and a body
// without the name is refused, unless the document says otherwise: when the creation's body
// is a schema of its own that leaves optional the name the item requires (CreateSandbox's
// SandboxCreate and metadata.name), the server names the item itself. The name it makes is
// the item's kind in lower case, a hyphen and 8 random hexadecimal digits: sandbox-1f2e3d4c.

// serverNames reports whether a creation may leave the item's key at path f out of its body
// for the server to choose.
func serverNames(op *operation, f []string) bool {
	body := requestSchema(op)
	item := op.coll.item
	if f == nil || body == nil || item == nil || body.Value == item.Value {
		return false
	}
	return field(body, f) != nil && !requiredAt(body, f) && requiredAt(item, f)
}

// requestSchema returns the JSON schema of an operation's request body, nil when none.
func requestSchema(op *operation) *openapi3.SchemaRef {
	rb := op.op.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	if mt := rb.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	return nil
}

// requiredAt reports whether every property along path is required by the object holding it,
// the requirements of allOf parts included.
func requiredAt(ref *openapi3.SchemaRef, path []string) bool {
	for _, name := range path {
		if ref == nil || ref.Value == nil || !slices.Contains(requiredOf(ref.Value, 0), name) {
			return false
		}
		ref = properties(ref.Value)[name]
	}
	return true
}

func requiredOf(s *openapi3.Schema, depth int) []string {
	if s == nil || depth > maxSchemaDepth {
		return nil
	}
	out := slices.Clone(s.Required)
	for _, part := range s.AllOf {
		out = append(out, requiredOf(part.Value, depth+1)...)
	}
	return out
}

// generatedName makes a name for an item of the collection that the bucket does not hold.
func generatedName(coll *collection, b *bucket) string {
	kind := "item"
	if coll.item != nil && coll.item.Ref != "" {
		kind = strings.ToLower(path.Base(coll.item.Ref))
	}
	for {
		name := kind + "-" + wire.RandomHex(4)
		if b.items[name] == nil {
			return name
		}
	}
}

// stampMade fills what the server makes for a new item when the body leaves it out and the
// item's schema requires it: a top-level id (8 random bytes in hex), a top-level name (as
// generatedName makes it); and a top-level workspace property gets the call's workspace.
// Keys that the path carries are set elsewhere.
func stampMade(coll *collection, doc, body map[string]any, b *bucket, workspace string) {
	isKey := func(name string) bool {
		return slices.ContainsFunc(coll.keyFields, func(f []string) bool { return len(f) == 1 && f[0] == name })
	}
	required := requiredOf(coll.item.Value, 0)
	if slices.Contains(required, "id") && !isKey("id") && getString(body, []string{"id"}) == "" {
		doc["id"] = wire.RandomHex(8)
	}
	if slices.Contains(required, "name") && !isKey("name") && getString(body, []string{"name"}) == "" {
		doc["name"] = generatedName(coll, b)
	}
	if workspace != "" && field(coll.item, []string{"workspace"}) != nil && !isKey("workspace") {
		doc["workspace"] = workspace
	}
}
