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
// # MCP, streaming, models
//
// [Client.MCP] opens a session with a function's MCP server (the go-sdk's
// mcp.ClientSession) over the client's pipeline. [Client.RunAgentEvents] reads a streamed
// answer, server-sent events or NDJSON, as an iterator of [Event]; [ReadEvents] reads any
// such body. [Client.Model] gives the base URL and the HTTP client with which an
// OpenAI-compatible SDK calls a model. The credential goes to the control plane, the run URL
// and the address resolved for the workload, never elsewhere.
//
// For tests, package blaxeltest serves a fake control plane driven by the same document.
//
// [gen.ClientWithResponses]: https://pkg.go.dev/github.com/blaxel-go/blaxel/gen#ClientWithResponses
package blaxel
