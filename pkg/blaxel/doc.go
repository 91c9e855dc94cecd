// Package blaxel is a Go client for the Blaxel v0 control-plane API.
//
// A [Client] exposes every operation of the API through the generated
// [gen.ClientWithResponses] it embeds (client.GetSandboxWithResponse,
// client.CreateAgentWithResponse, ...), and adds what a generator cannot: credentials, the
// workspace and API-version headers, retries, typed errors, pagination, waiting and calls to
// deployed workloads, all through one HTTP pipeline.
//
// # Building a client
//
// [New] uses its options alone; [NewFromEnv] also reads the BL_* environment variables and
// ~/.blaxel/config.yaml, as Blaxel's own tools do (options first, then the environment, then
// the file). Either way one credential is used: an API key, service-account client credentials
// exchanged at the control plane's /oauth/token, or tokens from the config file.
//
//	client, err := blaxel.NewFromEnv(blaxel.WithWorkspace("my-workspace"))
//	if err != nil { ... }
//	resp, err := client.GetSandboxWithResponse(ctx, "my-sandbox", nil)
//
// # Errors
//
// Every non-2xx answer is an [*APIError] (match it with errors.Is against [ErrNotFound],
// [ErrConflict], ... or errors.As), and a 2xx body that is not the JSON the document declares
// is a [*DecodeError], so err == nil means success. Neither ever holds a credential.
//
// # Listings, waiting, workloads
//
// Each paginated listing has a generated iterator over all its pages, named after the
// operation with an All suffix ([Client.ListSandboxesAll]). [Client.WaitForSandbox] and its
// siblings wait for a deployment, [Client.CreateSandboxAndWait] creates a sandbox without ever
// sending the creation twice, and [Client.RunAgent], [Client.RunFunction], [Client.RunModel]
// and [Client.RunPreview] call deployed workloads.
//
// For tests, package blaxeltest serves a fake control plane driven by the same document.
//
// [gen.ClientWithResponses]: https://pkg.go.dev/github.com/blaxel-go/blaxel/gen#ClientWithResponses
package blaxel
