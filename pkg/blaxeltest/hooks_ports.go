package blaxeltest

import (
	"context"
	"net/http"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/sandboxfake"
)

// HandlePort makes h answer what the edge forwards to port number of every sandbox
// ({sandbox}/port/{number}/{path}): h sees the request as the program listening on the port
// would, its path the part after /port/{number} ("/" at least), its query and headers as
// sent, once the platform's gate has checked the sandbox and the credential. SandboxOf tells
// which sandbox it is for. Nothing listens on the host: h is all there is to the port. A nil
// h brings back the port's default: the code interpreter on 8888 (see HandleCode), and the
// edge's 502 page, as when nothing listens, on any other port. The
// requests to ports are logged (Requests) and counted: Attempts("ANY /port/{port}").
func (s *Server) HandlePort(number int, h http.Handler) { s.sbx.HandlePort(number, h) }

// SandboxOf returns the workspace and name of the sandbox a request given to a HandlePort
// handler is for; ok is false for any other request.
func SandboxOf(r *http.Request) (workspace, name string, ok bool) { return sandboxfake.SandboxOf(r) }

// CodeFunc scripts the runs of the code interpreter that port 8888 of every sandbox serves
// (as Blaxel's blaxel/jupyter-server image does): it gets the run and writes its outputs, in
// order, with run.Stdout, run.Stderr, run.Result and run.Error; the execution ends when it
// returns. ctx ends when the client goes away or the server closes. No code runs anywhere.
type CodeFunc = sandboxfake.CodeFunc

// CodeRun is one run of the code interpreter as a CodeFunc sees it: Workspace, Sandbox,
// Code, Language, ContextID, Cwd and Env as the request and its context say, and
// ExecutionCount, the context's runs with this one.
type CodeRun = sandboxfake.CodeRun

// HandleCode makes fn script the code interpreter of every sandbox. The interpreter
// answers POST /execute (JSON {code, context_id, language, env_vars}) with NDJSON: first
// {"type": "number_of_executions", "execution_count": n}, then what fn writes; POST
// /contexts ({language, cwd}) makes a context and answers {id, language, cwd}, GET /contexts
// lists them, DELETE /contexts/{id} deletes one (404 when unknown, as is a run in an unknown
// context). A run without a context uses its language's default one ("python" unless said).
// Contexts live as long as the sandbox.
//
// A nil fn brings back the default, DefaultCode: it prints the code back on stdout and gives
// one main result whose text is the code's last non-empty line. A handler of HandlePort for
// port 8888 replaces the whole interpreter.
func (s *Server) HandleCode(fn CodeFunc) { s.sbx.HandleCode(fn) }

// DefaultCode is the code interpreter's CodeFunc unless HandleCode says otherwise.
func DefaultCode(ctx context.Context, run *CodeRun) { sandboxfake.DefaultCode(ctx, run) }
