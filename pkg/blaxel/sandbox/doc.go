// Package sandbox is a handle on the API a Blaxel sandbox serves itself (openapi-sandbox.yaml):
// its processes, their logs, its files and uploads, watches, and through [Sandbox.API] every
// other operation of the document (port monitors, drives, codegen).
//
// [Open] resolves a sandbox's address with a *blaxel.Client and sends the handle's requests
// through that client's pipeline: the same credential, as X-Blaxel-Authorization and for the
// sandbox's address alone, the same workspace, retries and retry budget, logging and
// redaction. [OpenPreview] builds a handle that a preview's token authenticates instead.
//
// [Sandbox.Exec] starts a command and [Sandbox.Run] runs one to its end from its NDJSON
// stream; neither ever sends a command twice: after an ambiguous failure the process is
// looked up by its name. A process started with Command.Stdin reads what the io.WriteCloser
// of [Sandbox.Stdin] writes, each write sent once and never resent. [Sandbox.Logs] and [Sandbox.Watch] are iterators that end with the
// process or the context. [Sandbox.WriteFile] streams (in parts above 2 MiB, sent
// concurrently), [Sandbox.Open], [Sandbox.OpenRange] and [Sandbox.FS] read, the last as an
// io/fs.FS. [Sandbox.Port] reaches what listens on a port of the sandbox: an *http.Client
// that authenticates to the sandbox alone, an http.Handler, and [Port.Forward], a listener on
// 127.0.0.1 that serves the port to local tools until its context ends. [NewSessions] gives
// the [Sessions] of a sandbox, which make the private previews with a token that let a
// browser or another process in, and [OpenSession] opens one. [Sandbox.Terminal] is a shell
// behind a pseudo-terminal, as an io.ReadWriteCloser with Resize.
//
// [Sandbox.MountDrive], [Sandbox.Drives] and [Sandbox.UnmountDrive] mount the workspace's
// drives; [Sandbox.FastApply] and [Sandbox.Rerank] reach the sandbox's code-edit and
// reranking providers; [Sandbox.Health] describes its server, [Sandbox.Upgrade] upgrades it
// and waits for it to come back ([Sandbox.StartUpgrade] only asks).
//
// Its errors are those of package blaxel: *blaxel.APIError for a refusal, *blaxel.DecodeError
// for an answer that is not the one declared, *blaxel.StreamError for a failure the sandbox
// reports inside a stream, none of them holding a credential.
package sandbox
