// Package blaxel is a Go client for the Blaxel v0 control-plane API.
//
// Every operation of the API is a method of [Client] named after its operationId, listed by
// tag under "Operations by tag" below. A method takes the context, the path parameters in the
// order of the path, the JSON body if there is one, the parameters struct if there is one (nil
// for none), then options for the call ([CallOption]), and returns the declared success answer:
//
//	sandbox, err := client.GetSandbox(ctx, "my-sandbox", nil)        // (*gen.Sandbox, error)
//	page, err := client.ListSandboxes(ctx, &gen.ListSandboxesParams{}) // (*gen.SandboxList, error)
//	keys, err := client.ListAPIKeysForServiceAccount(ctx, clientID)   // ([]gen.APIKey, error)
//	err := client.DeleteAPIKeyForServiceAccount(ctx, clientID, keyID) // no body declared: error alone
//
// err == nil means the success that openapi.yaml declares came, and the value is then never
// nil. The client adds what a generator cannot: credentials, the workspace and API-version
// headers, retries, typed errors, pagination, waiting and calls to deployed workloads, all
// through one HTTP pipeline. [Client.API] gives the generated client underneath, for what the
// methods do not offer; its calls go through the same pipeline.
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
//	sandbox, err := client.GetSandbox(ctx, "my-sandbox", nil)
//
// Optional fields of gen's types are pointers: [Ptr] makes one from a value.
//
// # Errors
//
// Every non-2xx answer is an [*APIError] (match it with errors.Is against [ErrNotFound],
// [ErrConflict], ... or errors.As; its Header holds the answer's headers), and a 2xx answer
// that is not the declared success (another status, or a body that is not the declared JSON)
// is a [*DecodeError]. Neither ever holds a credential.
//
// # One call
//
// [WithCallHeader] adds a header to one call; [WithResponseInto] gives the status and headers
// of its answer (a request id, a rate limit).
//
// # Listings, waiting, workloads
//
// Each paginated listing has a generated iterator over all its pages, named after the
// operation with an All suffix ([Client.ListSandboxesAll]). [Client.WaitForSandbox] and its
// siblings wait for a deployment; [Client.CreateSandboxAndWait], [Client.CreateAgentAndWait],
// [Client.CreateFunctionAndWait] and [Client.CreateModelAndWait] create and wait without ever
// sending the creation twice; [Client.RunAgent], [Client.RunFunction], [Client.RunModel] and
// [Client.RunPreview] call deployed workloads.
//
// # Streaming, models, MCP
//
// [Client.RunAgentEvents] reads a streamed answer, server-sent events or NDJSON, as an
// iterator of [Event]; [ReadEvents] reads any such body. [Client.Model] gives the base URL
// and the HTTP client with which an OpenAI-compatible SDK calls a model. The credential goes
// to the control plane, the run URL and the address resolved for the workload, never
// elsewhere. Package blaxelmcp opens MCP sessions with functions and sandboxes over the
// client's pipeline; it is a package of its own so that a program without MCP does not link
// the MCP SDK.
//
// # Logs and traces
//
// [WithLogger] logs each attempt and retry at the debug level, naming its operation, every
// credential redacted. Each call is an OpenTelemetry span named by its operation, holding an
// HTTP client span per attempt, and each attempt sends the trace on in its traceparent
// header, so that an agent or function called continues the caller's trace: see
// [WithTracerProvider] (the global provider by default) and [WithTextMapPropagator] (W3C
// Trace Context by default). Only the OpenTelemetry API is linked, never its SDK.
//
// # Inside a sandbox
//
// Package sandbox (pkg/blaxel/sandbox) is the handle on the API a sandbox serves itself
// (openapi-sandbox.yaml): sandbox.Open(ctx, client, name) resolves its address and sends its
// requests through the client's pipeline. A program that only calls the control plane links
// neither it nor the sandbox API's generated code.
//
// Beside it: package interpreter (pkg/blaxel/sandbox/interpreter) runs code in a code
// interpreter sandbox, package sandboxtools serves a sandbox as MCP tools, package callback
// checks the signed callbacks of background calls, and package job reads, inside a job's
// task, the task's input.
//
// For tests, package blaxeltest serves a fake control plane, sandboxes and workloads, driven by
// the same documents.
package blaxel
