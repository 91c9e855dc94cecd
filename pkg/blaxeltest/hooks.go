package blaxeltest

import (
	"net/http"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/controlplane"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/sandboxfake"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// What a test scripts the server with, and what it reads back from it.

// CommandFunc scripts a command of the sandboxes: it runs when a process whose first word is
// the command's name starts, writes the process's output to p.Stdout and p.Stderr, and
// returns its exit code. ctx ends when the process is stopped, killed, or the server closes.
// Nothing runs on the host: the function is all there is to the command.
type CommandFunc = sandboxfake.CommandFunc

// Process is a process of a sandbox as the function scripting its command sees it (see
// HandleCommand): Workspace, Sandbox, Name, PID, Command, Args, Env and WorkingDir are what
// the request to start it said, Stdout and Stderr take its output. Its methods ReadFile,
// WriteFile, Listen (open a port) and Sleep (in sandbox seconds) act on the sandbox.
type Process = sandboxfake.Process

// Seed is a resource to create when the server starts: the body is POSTed to the path (e.g.
// "/sandboxes", or "/sandboxes/my-box/previews"), relative to the base URL, in Workspace (the
// X-Blaxel-Workspace it is created in; "" for every workspace).
type Seed = controlplane.Seed

// ParseSeeds reads a list of seeds, in YAML or JSON:
//
//   - path: /sandboxes
//     body: {metadata: {name: my-box}, spec: {runtime: {image: blaxel/base:latest}}}
func ParseSeeds(data []byte) ([]Seed, error) { return controlplane.ParseSeeds(data) }

// FailLabel is the label that makes a new resource's deployment fail: create it with
// metadata.labels[FailLabel] = "true" and it goes DEPLOYING, then FAILED.
const FailLabel = controlplane.FailLabel

// Seed creates a resource directly, without credentials, faults or request log: the body is
// validated and stored as a POST to seed.Path would be. The resource is already deployed. It
// is created in seed.Workspace, or, when that is empty, in every workspace (each has its own
// copy, so that a change in one is not seen in another).
func (s *Server) Seed(seed Seed) error { return s.cp.Seed(seed) }

// HandleCommand makes fn the command name of every sandbox. Each command of a command line
// (a list joined by &&, || and ;, or the list of sh -c) is looked up by its first word among
// the functions given here first, then among the built-ins, so fn replaces a built-in of that
// name; a name found in neither exits 127 with "command not found". The built-ins are echo,
// cat (of sandbox files), sleep N (in sandbox seconds, see WithSandboxSecond), exit N, pwd,
// true, false, cd, sh -c, and cp [-r], mv, rm [-rf], mkdir [-p], touch, ls, head [-n N] and
// wc [-lwc], which act on the sandbox's own files only.
func (s *Server) HandleCommand(name string, fn CommandFunc) { s.sbx.HandleCommand(name, fn) }

// ProcessStarts returns how many times a process named name was started (by POST /process,
// restarts after a failure not counted) in the sandbox of that workspace, since the sandbox
// was made.
func (s *Server) ProcessStarts(workspace, sandbox, name string) int {
	return s.sbx.ProcessStarts(workspace, sandbox, name)
}

// CommandStarts returns how many processes were started with exactly this command line in
// the sandbox of that workspace, whatever their names, since the sandbox was made.
func (s *Server) CommandStarts(workspace, sandbox, command string) int {
	return s.sbx.CommandStarts(workspace, sandbox, command)
}

// HandleAgent makes h answer the calls of the agent named name, once it is deployed: the
// request is the caller's, checked by the gateway first, with its path, query and headers.
// A nil h brings back the default, an echo: a JSON object with the request's method, query,
// thread id (X-Blaxel-Thread-Id) and body, or, when the request accepts text/event-stream or
// application/x-ndjson, the same as a stream of events (see the package documentation).
func (s *Server) HandleAgent(name string, h http.Handler) { s.run.HandleAgent(name, h) }

// AddFunctionTool adds a tool to the MCP server of the function named function (or replaces
// the one of the same name), beside the default "echo" tool, whose input is
// {"message": string} and whose answer is that message as text. tool.InputSchema must be a
// JSON Schema object of type "object"; handler gets the call, its arguments as JSON in
// req.Params.Arguments. The tools of a name serve every function created with that name,
// before or after the call; sessions already open are told that the list changed.
func (s *Server) AddFunctionTool(function string, tool *mcp.Tool, handler mcp.ToolHandler) error {
	return s.run.AddFunctionTool(function, tool, handler)
}

// Request is one request as the server received and answered it (see Requests): Time,
// Method, Path (with its query, preview tokens redacted), OperationID and Route ("" when the
// path matches no operation), Header (credentials redacted), Status (0 when the client went
// away first) and Fault (the kind of the injected fault, "" when none).
type Request = wire.Request
