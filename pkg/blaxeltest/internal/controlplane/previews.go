package controlplane

import (
	"strconv"
)

// previewsPath is the collection of a sandbox's previews.
const previewsPath = "/" + sandboxKind + "/{sandboxName}/previews"

// stampPreview sets what the platform fills in on a sandbox's new preview: metadata.resourceName
// and resourceType (the sandbox it exposes) and spec.url, where the run plane answers it: the
// sandbox's own address for port 443 (its API, as a session's preview exposes it), else
// {sandbox}/port/{port}, which the sandbox forwards to that port. A preview token of the
// sandbox opens both. The caller holds the store's lock.
func (h *handlers) stampPreview(coll *collection, doc map[string]any, params map[string]string, workspace string) {
	if coll.path != previewsPath || workspace == "" {
		return
	}
	sandbox := params["sandboxName"]
	setPath(doc, []string{"metadata", "resourceName"}, sandbox)
	setPath(doc, []string{"metadata", "resourceType"}, "sandbox")
	if h.runURL == "" {
		return
	}
	u := h.runURL + "/" + escapeSegment(workspace) + "/" + sandboxKind + "/" + escapeSegment(sandbox)
	spec, _ := doc["spec"].(map[string]any)
	if port, ok := scalarString(spec["port"]); ok && port != "443" {
		if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 65536 {
			u += "/port/" + port
		}
	}
	setPath(doc, []string{"spec", "url"}, u)
}
