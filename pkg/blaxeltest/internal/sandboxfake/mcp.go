package sandboxfake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// A sandbox's own MCP server, at POST {sandbox}/mcp: stateless streamable HTTP answering JSON,
// with the process and file tools of Blaxel's sandbox server (their names, arguments and
// results), acting on the fake's processes and files. GET answers 405. The path is not in the
// Sandbox API's document, so it is routed here rather than from it.

// mcpPath is where a sandbox serves MCP.
const mcpPath = "/mcp"

// mcpWaitCap is the longest a processExecute waits for completion: past it the tool answers
// that the caller must poll, so that the call ends before the edge's 60 s.
const mcpWaitCap = 58

// serveMCP answers a request to the sandbox's MCP server and returns its status.
func (sb *sandbox) serveMCP(w http.ResponseWriter, r *http.Request) int {
	switch r.Method {
	case http.MethodPost:
		sw := &wire.StatusWriter{ResponseWriter: w}
		handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return sb.mcpServer() },
			&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
		handler.ServeHTTP(sw, r)
		if sw.Status == 0 {
			return http.StatusOK
		}
		return sw.Status
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"error":"SSE streaming not supported. Please use POST for MCP communication."}` + "\n"))
		return http.StatusMethodNotAllowed
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 page not found"))
	return http.StatusNotFound
}

// mcpServer is an MCP server of the sandbox's tools. Each request gets its own, as the
// stateless transport keeps nothing between requests.
func (sb *sandbox) mcpServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "Sandbox API Server", Version: "1.0.0"}, nil)
	sb.addProcessTools(s)
	sb.addFileTools(s)
	return s
}

type (
	noInput      struct{}
	identifierIn struct {
		Identifier string `json:"identifier" jsonschema:"the process's PID or name"`
	}
	executeIn struct {
		Command           string            `json:"command" jsonschema:"the command line to run"`
		Name              *string           `json:"name,omitempty" jsonschema:"a name for the process"`
		WorkingDir        *string           `json:"workingDir,omitempty" jsonschema:"the directory to run in (/ by default)"`
		Env               map[string]string `json:"env,omitempty" jsonschema:"environment variables for the command"`
		WaitForCompletion *bool             `json:"waitForCompletion,omitempty" jsonschema:"answer once the command has ended"`
		Timeout           *int              `json:"timeout,omitempty" jsonschema:"seconds before giving up the wait (30 by default; 600 with keepAlive; 0 for none)"`
		WaitForPorts      []int             `json:"waitForPorts,omitempty" jsonschema:"answer once the process listens on these ports"`
		RestartOnFailure  *bool             `json:"restartOnFailure,omitempty" jsonschema:"start the command again when it fails"`
		MaxRestarts       *int              `json:"maxRestarts,omitempty" jsonschema:"how many restarts at most"`
		KeepAlive         *bool             `json:"keepAlive,omitempty" jsonschema:"keep the sandbox awake while the process runs"`
	}
	executeOut struct {
		PID          string `json:"pid"`
		Name         string `json:"name"`
		Status       string `json:"status"`
		ExitCode     int    `json:"exitCode"`
		Logs         string `json:"logs,omitempty"`
		Message      string `json:"message,omitempty"`
		PollRequired bool   `json:"pollRequired,omitempty"`
	}
	processesOut struct {
		Processes []processView `json:"processes"`
	}
	logsOut struct {
		Logs string `json:"logs"`
	}
	statusOut struct {
		Status string `json:"status"`
	}
)

func (sb *sandbox) addProcessTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "processesList", Description: "Lists the sandbox's processes."},
		func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, processesOut, error) {
			out := processesOut{Processes: []processView{}}
			for _, p := range sb.procs.all() {
				out.Processes = append(out.Processes, sb.procs.view(p, true))
			}
			return nil, out, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "processExecute", Description: "Runs a command in the sandbox."}, sb.executeTool)
	mcp.AddTool(s, &mcp.Tool{Name: "processGet", Description: "Describes a process, found by PID or name."},
		func(_ context.Context, _ *mcp.CallToolRequest, in identifierIn) (*mcp.CallToolResult, processView, error) {
			p := sb.procs.find(in.Identifier)
			if p == nil {
				return nil, processView{}, fmt.Errorf("failed to get process: process with identifier '%s' not found", in.Identifier)
			}
			return nil, sb.procs.view(p, false), nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "processGetLogs", Description: "Returns a process's output: stdout, then stderr."},
		func(_ context.Context, _ *mcp.CallToolRequest, in identifierIn) (*mcp.CallToolResult, logsOut, error) {
			p := sb.procs.find(in.Identifier)
			if p == nil {
				return nil, logsOut{}, fmt.Errorf("failed to get process logs: process with PID %s not found", in.Identifier)
			}
			stdout, stderr := p.out.tails(logsAnswerBytes)
			return nil, logsOut{Logs: stdout + stderr}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "processStop", Description: "Stops a process gracefully."},
		func(_ context.Context, _ *mcp.CallToolRequest, in identifierIn) (*mcp.CallToolResult, statusOut, error) {
			if err := sb.procs.stop(in.Identifier); err != nil {
				return nil, statusOut{}, fmt.Errorf("failed to stop process: %w", err)
			}
			return nil, statusOut{Status: statusStopped}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "processKill", Description: "Kills a process."},
		func(_ context.Context, _ *mcp.CallToolRequest, in identifierIn) (*mcp.CallToolResult, statusOut, error) {
			if err := sb.procs.kill(in.Identifier); err != nil {
				return nil, statusOut{}, fmt.Errorf("failed to kill process: %w", err)
			}
			return nil, statusOut{Status: statusKilled}, nil
		})
}

// executeTool is processExecute: a start as POST /process makes, in / unless told otherwise,
// whose wait for completion stops at mcpWaitCap seconds with an answer that says to poll.
func (sb *sandbox) executeTool(ctx context.Context, _ *mcp.CallToolRequest, in executeIn) (*mcp.CallToolResult, executeOut, error) {
	deref := func(b *bool) bool { return b != nil && *b }
	spec := startSpec{command: in.Command, workingDir: "/", env: in.Env, keepAlive: deref(in.KeepAlive), restartOnFailure: deref(in.RestartOnFailure)}
	if in.Name != nil {
		spec.name = *in.Name
	}
	if in.WorkingDir != nil {
		spec.workingDir = *in.WorkingDir
	}
	if in.MaxRestarts != nil {
		spec.maxRestarts = *in.MaxRestarts
	}
	timeout := 30
	if in.Timeout != nil {
		timeout = *in.Timeout
	} else if spec.keepAlive {
		timeout = 600
	}
	if spec.keepAlive {
		spec.timeout = timeout
	}
	if strings.TrimSpace(in.Command) == "" {
		return nil, executeOut{}, errors.New("the command is empty")
	}
	if spec.name != "" {
		if old := sb.procs.find(spec.name); old != nil && sb.procs.running(old) {
			return nil, executeOut{}, errNameRunning(spec.name)
		}
	}
	p, _, err := sb.procs.start(spec, false)
	if err != nil {
		return nil, executeOut{}, err
	}
	wait, capped := timeout, false
	if deref(in.WaitForCompletion) && (timeout == 0 || timeout > mcpWaitCap) {
		wait, capped = mcpWaitCap, true
	}
	result := sb.await(ctx, p, in.WaitForPorts, deref(in.WaitForCompletion), wait)
	v := sb.procs.view(p, false)
	out := executeOut{PID: v.PID, Name: v.Name, Status: v.Status, ExitCode: v.ExitCode}
	switch {
	case result == waitGone:
		return nil, executeOut{}, context.Cause(ctx)
	case result == waitTimedOut && capped:
		out.PollRequired = true
		out.Message = fmt.Sprintf("Process is still running after %d seconds. Poll processGet with identifier '%s' (or PID %s) "+
			"until its status is 'completed', 'failed', 'killed', or 'stopped'; it goes on in the background.", mcpWaitCap+2, v.Name, v.PID)
		if v.Logs != nil {
			out.Logs = *v.Logs
		}
		return nil, out, nil
	case result == waitTimedOut:
		return nil, executeOut{}, fmt.Errorf("process timed out after %d seconds", timeout)
	}
	if deref(in.WaitForCompletion) {
		stdout, stderr := p.out.tails(logsAnswerBytes)
		out.Logs = stdout + stderr
	}
	return nil, out, nil
}

type (
	pathIn struct {
		Path string `json:"path" jsonschema:"the file or directory"`
	}
	workingDirOut struct {
		Path string `json:"path"`
	}
	listOut struct {
		Directory *dirView `json:"directory"`
	}
	readOut struct {
		Path         string `json:"path"`
		Name         string `json:"name"`
		Permissions  string `json:"permissions"`
		Size         int64  `json:"size"`
		LastModified string `json:"lastModified"`
		Owner        string `json:"owner"`
		Group        string `json:"group"`
		Content      string `json:"content"`
	}
	writeIn struct {
		Path        string  `json:"path" jsonschema:"the file or directory"`
		Content     *string `json:"content,omitempty" jsonschema:"what the file holds"`
		Permissions *string `json:"permissions,omitempty" jsonschema:"permission bits in octal, e.g. 644"`
		IsDirectory *bool   `json:"isDirectory,omitempty" jsonschema:"make a directory rather than a file"`
	}
	pathMessageOut struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	}
	editIn struct {
		Path       string `json:"path" jsonschema:"the file to edit"`
		OldString  string `json:"oldString" jsonschema:"the text to replace: not empty, and found once unless replaceAll"`
		NewString  string `json:"newString" jsonschema:"the text to put in its place (empty to delete it)"`
		ReplaceAll *bool  `json:"replaceAll,omitempty" jsonschema:"replace every occurrence (false by default)"`
	}
	editOut struct {
		Path                string `json:"path"`
		OccurrencesReplaced int    `json:"occurrencesReplaced"`
	}
	deleteIn struct {
		Path        string `json:"path" jsonschema:"the file or directory"`
		IsDirectory *bool  `json:"isDirectory,omitempty" jsonschema:"whether the path is a directory (found out when not given)"`
		Recursive   *bool  `json:"recursive,omitempty" jsonschema:"delete a directory with what it holds"`
	}
)

// toolPath is where a tool's path argument points: relative to the sandbox's working
// directory unless absolute.
func (sb *sandbox) toolPath(p string) string { return sb.abs(formatPath(p)) }

func (sb *sandbox) addFileTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "fsGetWorkingDirectory", Description: "Returns the sandbox's working directory."},
		func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, workingDirOut, error) {
			return nil, workingDirOut{Path: sb.workDir}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fsListDirectory", Description: "Lists what a directory holds."},
		func(_ context.Context, _ *mcp.CallToolRequest, in pathIn) (*mcp.CallToolResult, listOut, error) {
			entries, err := sb.fs.list(sb.toolPath(in.Path))
			if err != nil {
				return nil, listOut{}, fmt.Errorf("failed to list directory: %w", err)
			}
			d := sb.dirView(sb.toolPath(in.Path), entries)
			return nil, listOut{Directory: &d}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fsReadFile", Description: "Reads a text file."},
		func(_ context.Context, _ *mcp.CallToolRequest, in pathIn) (*mcp.CallToolResult, readOut, error) {
			abs := sb.toolPath(in.Path)
			info, err := sb.fs.stat(abs)
			var data []byte
			if err == nil {
				data, err = sb.fs.readFile(abs)
			}
			if err != nil {
				return nil, readOut{}, fmt.Errorf("failed to read file: %w", err)
			}
			return nil, readOut{
				Path: abs, Name: abs, Permissions: fmt.Sprintf("%o", info.mode()), Size: info.size,
				LastModified: info.mtime.UTC().Format(time.RFC3339), Owner: owner, Group: owner, Content: string(data),
			}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fsWriteFile", Description: "Creates or replaces a file, or makes a directory."},
		func(_ context.Context, _ *mcp.CallToolRequest, in writeIn) (*mcp.CallToolResult, pathMessageOut, error) {
			perm := fs.FileMode(0o644)
			if in.Permissions != nil && *in.Permissions != "" {
				if n, err := strconv.ParseUint(*in.Permissions, 8, 32); err == nil {
					perm = fs.FileMode(n)
				}
			}
			if in.IsDirectory != nil && *in.IsDirectory {
				if err := sb.fs.mkdirAll(sb.toolPath(in.Path), perm); err != nil {
					return nil, pathMessageOut{}, fmt.Errorf("failed to create directory: %w", err)
				}
				return nil, pathMessageOut{Path: in.Path, Message: "Directory created successfully"}, nil
			}
			content := ""
			if in.Content != nil {
				content = *in.Content
			}
			if err := sb.fs.writeFile(sb.toolPath(in.Path), strings.NewReader(content), perm); err != nil {
				return nil, pathMessageOut{}, fmt.Errorf("failed to write file: %w", err)
			}
			return nil, pathMessageOut{Path: in.Path, Message: "File created/updated successfully"}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fsEditFile", Description: "Replaces a piece of text in an existing file: " +
		"oldString must be found exactly once unless replaceAll is set."}, sb.editTool)
	mcp.AddTool(s, &mcp.Tool{Name: "fsDeleteFileOrDirectory", Description: "Deletes a file or a directory."},
		func(_ context.Context, _ *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, pathMessageOut, error) {
			abs := sb.toolPath(in.Path)
			dir := false
			if in.IsDirectory != nil {
				dir = *in.IsDirectory
			} else if info, err := sb.fs.stat(abs); err == nil {
				dir = info.dir
			}
			if dir {
				if err := sb.fs.remove(abs, in.Recursive != nil && *in.Recursive); err != nil {
					return nil, pathMessageOut{}, fmt.Errorf("failed to delete directory: %w", err)
				}
				return nil, pathMessageOut{Path: in.Path, Message: "Directory deleted successfully"}, nil
			}
			if err := sb.fs.remove(abs, false); err != nil {
				return nil, pathMessageOut{}, fmt.Errorf("failed to delete file: %w", err)
			}
			return nil, pathMessageOut{Path: in.Path, Message: "File deleted successfully"}, nil
		})
}

// editTool is fsEditFile: a search and replace in one file, refused when it would be
// ambiguous or change nothing.
func (sb *sandbox) editTool(_ context.Context, _ *mcp.CallToolRequest, in editIn) (*mcp.CallToolResult, editOut, error) {
	switch {
	case in.OldString == "":
		return nil, editOut{}, errors.New("oldString must be non-empty")
	case in.OldString == in.NewString:
		return nil, editOut{}, errors.New("oldString and newString are identical")
	}
	abs := sb.toolPath(in.Path)
	info, err := sb.fs.stat(abs)
	var data []byte
	if err == nil {
		data, err = sb.fs.readFile(abs)
	}
	if err != nil {
		return nil, editOut{}, fmt.Errorf("failed to read %s: %w", in.Path, err)
	}
	content := string(data)
	n := strings.Count(content, in.OldString)
	all := in.ReplaceAll != nil && *in.ReplaceAll
	switch {
	case n == 0:
		return nil, editOut{}, fmt.Errorf("oldString not found in %s: read the file again, it may have changed", in.Path)
	case n > 1 && !all:
		return nil, editOut{}, fmt.Errorf("oldString matches %d locations in %s: give more context to make it unique, or set replaceAll", n, in.Path)
	}
	if all {
		content = strings.ReplaceAll(content, in.OldString, in.NewString)
	} else {
		content = strings.Replace(content, in.OldString, in.NewString, 1)
	}
	if err := sb.fs.writeFile(abs, strings.NewReader(content), info.perm); err != nil {
		return nil, editOut{}, fmt.Errorf("failed to write %s: %w", in.Path, err)
	}
	return nil, editOut{Path: abs, OccurrencesReplaced: n}, nil
}
