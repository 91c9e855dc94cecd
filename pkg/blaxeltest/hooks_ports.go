package blaxeltest

import (
	"net/http"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/sandboxfake"
)

// HandlePort makes h answer what the edge forwards to port number of every sandbox
// ({sandbox}/port/{number}/{path}): h sees the request as the program listening on the port
// would, its path the part after /port/{number} ("/" at least), its query and headers as
// sent, once the platform's gate has checked the sandbox and the credential. SandboxOf tells
// which sandbox it is for. Nothing listens on the host: h is all there is to the port. A nil
// h brings back the port's default, the edge's 502 page as when nothing listens. The
// requests to ports are logged (Requests) and counted: Attempts("ANY /port/{port}").
func (s *Server) HandlePort(number int, h http.Handler) { s.sbx.HandlePort(number, h) }

// SandboxOf returns the workspace and name of the sandbox a request given to a HandlePort
// handler is for; ok is false for any other request.
func SandboxOf(r *http.Request) (workspace, name string, ok bool) { return sandboxfake.SandboxOf(r) }
