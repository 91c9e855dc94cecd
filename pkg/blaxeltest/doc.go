// Package blaxeltest is a fake Blaxel for tests and local runs: an HTTP server that serves
// every operation of openapi.yaml (the control plane) and, for each sandbox it holds, every
// operation of openapi-sandbox.yaml (the API a sandbox serves), keeps what it is sent in
// memory, and checks every request and every answer against the documents. At its root it
// also serves the agents, functions and models deployed on it.
//
// It knows the API only through the document: routes, collections (a path that creates items
// and the path of one item below it, nested ones included), item names, timestamps, statuses
// and pagination are all read from openapi.yaml, so an operation added to the document is
// served without a change here.
//
// # Use in a test
//
//	srv := blaxeltest.NewServer(t)
//	client := srv.Client(t) // *blaxel.Client of workspace "test", its retries instant
//	box, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, nil)
//	sb, err := sandbox.Open(ctx, client, "box") // its address is on the fake too
//
// Server.Client sets the control plane (URL, http://127.0.0.1:port/v0) and the run URL
// (RunURL, where sandboxes and deployed workloads answer), a key the server accepts, the
// workspace and a retry policy without backoff; options given to it come after those.
// Where no testing.TB is at hand, blaxel.New(srv.ClientOptions()...) builds the same client.
// A client built by hand needs both addresses: given only blaxel.WithBaseURL, its calls to
// sandboxes and workloads fail with blaxel.ErrNoRunURL rather than reach Blaxel.
//
// # Behaviour
//
//   - Collections: create answers 200 (409 when the name is taken; the name comes from the body,
//     or is generated for id-like keys such as a service account's client id); get, update and
//     delete answer 404 for a missing item; deleting an item deletes what is stored below it.
//     A Location header names a new item's path. Names may hold any character: the server
//     routes on the escaped path, so "a%2Fb" names the item "a/b".
//   - Listings: from Blaxel-Version 2026-04-28 on, operations marked x-pagination answer pages
//     ({data, meta: {hasMore, nextCursor, total}}) with limit (50; above the maximum the
//     parameter declares, that maximum), cursor, sort (createdAt:desc, createdAt:asc, name:asc,
//     name:desc), q (a substring of the name, display name or a label, in any case; shorter
//     than two characters, ignored) and anchor=end (the last page). Earlier versions, and listings
//     without x-pagination, answer a bare array in creation order. Any other query parameter
//     a listing declares that is named like a property of its items, or of their metadata,
//     keeps the items whose property equals it: status=FAILED, externalId=x. A property with an
//     enum takes several values, comma-separated and in any case, and refuses others (400). showTerminated
//     is accepted and changes nothing, since no item of the server is ever terminated.
//   - Deployments: a new item whose status can be DEPLOYING (sandboxes, agents, functions,
//     models, jobs...) is DEPLOYING, then DEPLOYED after WithDeployDelay, with events; job
//     executions go running, then succeeded. The label FailLabel makes them fail instead.
//   - Secrets: a new service account's answer holds its client_secret, and a new API key's its
//     apiKey, once; later reads omit them. Both work as credentials until their owner is
//     deleted, bound to the workspace they were created in (another one answers 403).
//   - Credentials: a bearer key in Authorization or X-Blaxel-Authorization; any non-empty key
//     unless WithAPIKey names the accepted ones; tokens from /oauth/token (client credentials in
//     a Basic header, or a refresh token) that expire after WithTokenTTL: JSON Web Tokens
//     signed with a key of the server, whose exp claim says when. Otherwise 401.
//   - Workspace: operations in a workspace need X-Blaxel-Workspace (or ?workspace=), else 403.
//     Those tagged workspaces or invitations act for the caller and need none. Each workspace
//     has its own items: listings, totals, lookups and cursors never cross workspaces. A seed
//     given no workspace is copied into every workspace.
//   - Versions: no Blaxel-Version means 2026-04-16; YYYY-MM-DD is accepted from 2026-04-16 to
//     the document's version, YYYY-MM-DD.preview from 2026-04-16 on; anything else answers 400
//     {"error": "invalid_api_version"}.
//   - Validation: a request the document rejects answers 400 with the reason (read-only
//     properties sent back are ignored, not refused): names, lengths, formats and durations are
//     checked as the document constrains them. A missing Blaxel-Version, which the document
//     requires, is taken as 2026-04-16, as the real server does. An update whose body names
//     another item than its path is refused: names cannot change.
//   - Defaults: what the document gives a default is filled in what the server stores and
//     answers, in the objects the request holds. Write-only properties are stored, never answered. An answer the document rejects fails the
//     test (NewServer) or is logged (Start).
//   - Other operations answer the item they are under when they answer its schema (verifying a
//     domain answers the domain), else a minimal valid instance of their schema.
//   - Deployed workloads answer at the server's root, its RunURL, as the platform's gateway
//     does: {RunURL}/{workspace}/agents/{name}, .../functions/{name}/mcp and
//     .../models/{name}/v1/..., and a workload has that address as its metadata.url in its
//     workspace (a seed given no workspace, in each workspace). A preview of a sandbox has
//     metadata.resourceName (the sandbox) and spec.url (the sandbox's address, which its
//     preview tokens open). The gateway's checks come first, in its error shape: no credential
//     (AUTHENTICATION_REQUIRED), a refused one (AUTHENTICATION_FAILED), X-Blaxel-Workspace
//     missing or not the path's (FORBIDDEN), an unknown workload (WORKLOAD_NOT_FOUND), one not
//     DEPLOYED (WORKLOAD_UNAVAILABLE). An agent echoes the request as JSON, or streams the
//     words of its "inputs" as server-sent events (delta..., done) or NDJSON when the request
//     accepts text/event-stream or application/x-ndjson; ?async=true answers
//     {"success": true} and runs the call in the background, then posts its answer, signed
//     (WithCallbackSecret), to the callbackUrl of the agent's http-async trigger if it has
//     one; HandleAgent replaces the echo.
//     A function is an MCP server of the go-sdk (streamable HTTP, with sessions) with an
//     "echo" tool; AddFunctionTool adds others. One deployed with spec.runtime.transport
//     "websocket" serves the same over a WebSocket at the same address (a GET handshake, one
//     JSON-RPC message per text frame). A model answers GET v1/models and
//     POST v1/chat/completions (with "stream": true too) with the last user message.
//   - Job executions settle as succeeded after the deploy delay, unless HandleJob gave the
//     job a Go handler: then each task of an execution created from then on runs it, in index
//     order, with the environment the platform gives a task (BL_EXECUTION_DATA_URL served by
//     the server, TASK_INDEX, the job's and the execution's variables), and the execution,
//     its tasks and its stats follow (running, then succeeded or failed).
//
// Faults (Server.Inject) make chosen requests fail; Server.Requests and Server.Attempts tell
// what the server received.
//
// # Sandboxes
//
// Every sandbox of the control plane answers the Sandbox API at
// {server}/{workspace}/sandboxes/{name}, e.g. http://127.0.0.1:port/test/sandboxes/box/process:
//
//   - The gate: an unknown sandbox answers the gateway's 404 WORKLOAD_NOT_FOUND, a request
//     without a credential (as on the control plane, or a preview token of the sandbox in
//     X-Blaxel-Preview-Token or bl_preview_token) 401. A new sandbox answers at once, as
//     Blaxel's do, even while DEPLOYING; with WithSlowSandboxStart it answers the edge's 503
//     until DEPLOYED.
//   - Files live in memory, or with WithSandboxFileDir in a directory the server makes and
//     removes, under random names no path can choose. Paths follow the real server's rule:
//     relative to the working directory (WithSandboxWorkDir, /blaxel by default) unless the raw
//     address holds %2F or the path starts with //. Downloads serve Range and If-Modified-Since;
//     uploads stream, as JSON, as multipart/form-data, or in numbered parts with MD5 etags.
//     Watch streams carry the events of the fake's own writes.
//   - Processes are scripted: nothing runs on the host. The command line is read as a shell
//     would read a list of simple commands joined by &&, || and ; (quotes, no pipes,
//     redirections or expansion); each command's first word picks a CommandFunc registered
//     with Server.HandleCommand, else a built-in, else exits 127. The built-ins are echo, cat,
//     sleep, exit, pwd, true, false, cd, sh -c (and bash -c) and the file tools cp [-r], mv,
//     rm [-rf], mkdir [-p], touch, ls [-la], head [-n N] and wc [-lwc], which act on the
//     sandbox's own files with coreutils' messages and exit codes.
//     Process gives the function what the request said, Stdout and Stderr, and the sandbox's
//     files. Timeouts, sleep and keepalives count in sandbox seconds (WithSandboxSecond).
//     Server.ProcessStarts and Server.CommandStarts count starts.
//   - POST {sandbox}/mcp is the sandbox's own MCP server, as Blaxel's: stateless streamable
//     HTTP answering JSON (GET answers 405), with the tools processExecute, processGet,
//     processGetLogs, processStop, processKill, processesList, fsReadFile, fsWriteFile,
//     fsEditFile, fsListDirectory, fsDeleteFileOrDirectory and fsGetWorkingDirectory, acting on
//     the sandbox's processes and files (blaxelmcp.ConnectSandbox reaches it).
//   - The edge: an answer that has not started after WithSandboxEdgeTimeout (60 s) becomes the
//     HTML 504 while the request goes on, and a stream that stays silent that long is cut.
//     Faults apply to sandbox operations by operationId ("StartProcess") or route, with
//     EdgeError, DropAfter and StreamError for the data plane's own failures. POST /upgrade
//     drops every open stream of the sandbox; processes and files survive it.
//   - The oddities of the real server are reproduced, each a Quirk that WithSandboxQuirks can
//     turn off.
package blaxeltest
