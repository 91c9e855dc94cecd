// Package blaxeltest is a fake Blaxel control plane for tests and local runs: an HTTP server
// that serves every operation of openapi.yaml, keeps what it is sent in memory, and checks
// every request and every answer against the document.
//
// It knows the API only through the document: routes, collections (a path that creates items
// and the path of one item below it, nested ones included), item names, timestamps, statuses
// and pagination are all read from openapi.yaml, so an operation added to the document is
// served without a change here.
//
// # Use in a test
//
//	srv := blaxeltest.NewServer(t)
//	client, err := blaxel.New(
//		blaxel.WithBaseURL(srv.URL()), // http://127.0.0.1:port/v0
//		blaxel.WithAPIKey("any-key"),
//		blaxel.WithWorkspace("test"),
//	)
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
//     a Basic header, or a refresh token) that expire after WithTokenTTL. Otherwise 401.
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
//
// Faults (Server.Inject) make chosen requests fail; Server.Requests and Server.Attempts tell
// what the server received.
package blaxeltest
