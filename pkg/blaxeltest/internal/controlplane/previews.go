package controlplane

import "strconv"

// previewAddress is where the run plane answers a sandbox's preview, given the sandbox's
// address: that address for port 443 (the sandbox's own API, as a session's preview exposes
// it) or no port, else {sandbox}/port/{port}, which the sandbox forwards to that port. A
// preview token of the sandbox opens both.
func previewAddress(sandbox string, doc map[string]any) string {
	spec, _ := doc["spec"].(map[string]any)
	port, ok := scalarString(spec["port"])
	if !ok || port == "443" {
		return sandbox
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return sandbox
	}
	return sandbox + "/port/" + port
}
