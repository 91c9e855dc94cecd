package sandboxfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// The code interpreter: what port 8888 of every sandbox answers unless a test registers a
// handler of its own for it (HandlePort). It speaks the protocol of Blaxel's jupyter-server
// image (POST /execute with an NDJSON answer, POST, GET and DELETE /contexts), and runs no
// code: a CodeFunc scripts what a run outputs.

// interpreterPort is the port the code interpreter answers on.
const interpreterPort = 8888

// CodeFunc scripts the code interpreter's runs: it gets the run (its code, language,
// context and environment) and writes its outputs with the run's methods, in order; the
// execution ends when it returns. ctx ends when the client goes away or the server closes.
type CodeFunc func(ctx context.Context, run *CodeRun)

// CodeRun is one run of code as a CodeFunc sees it.
type CodeRun struct {
	Workspace, Sandbox string
	Code               string
	Language           string // the context's, "python" by default
	ContextID          string // the context the code runs in (a language's default one unless given)
	Cwd                string // the context's working directory
	Env                map[string]string
	ExecutionCount     int // the context's runs, this one included

	mu   sync.Mutex
	w    http.ResponseWriter
	done bool
}

// Stdout prints text on the run's standard output.
func (r *CodeRun) Stdout(text string) { r.emit(map[string]any{"type": "stdout", "text": text}) }

// Stderr prints text on the run's standard error.
func (r *CodeRun) Stderr(text string) { r.emit(map[string]any{"type": "stderr", "text": text}) }

// Result gives a value the code produced, as its representations ("text", "html", "png"...
// and "is_main_result": true for the value of the last expression).
func (r *CodeRun) Result(representations map[string]any) {
	item := map[string]any{}
	for k, v := range representations {
		item[k] = v
	}
	item["type"] = "result"
	r.emit(item)
}

// Error reports the exception the code raised.
func (r *CodeRun) Error(name, value, traceback string) {
	r.emit(map[string]any{"type": "error", "name": name, "value": value, "traceback": traceback})
}

// emit writes one line of the answer and sends it at once; nothing once the run is over.
func (r *CodeRun) emit(item map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	line, err := json.Marshal(item)
	if err != nil {
		return
	}
	_, _ = r.w.Write(append(line, '\n'))
	if f, ok := r.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *CodeRun) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
}

// DefaultCode is the CodeFunc of a server whose test registered none: it prints the code
// back on stdout and gives one main result, whose text is the code's last non-empty line.
func DefaultCode(_ context.Context, run *CodeRun) {
	run.Stdout(run.Code)
	last := ""
	for line := range strings.Lines(run.Code) {
		if t := strings.TrimSpace(line); t != "" {
			last = t
		}
	}
	run.Result(map[string]any{"text": last, "is_main_result": true})
}

// HandleCode makes fn script the runs of the code interpreter of every sandbox; nil brings
// back DefaultCode.
func (h *Host) HandleCode(fn CodeFunc) {
	h.code.mu.Lock()
	defer h.code.mu.Unlock()
	h.code.fn = fn
}

// codeFunc holds the CodeFunc in force.
type codeFunc struct {
	mu sync.RWMutex
	fn CodeFunc
}

func (c *codeFunc) get() CodeFunc {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.fn == nil {
		return DefaultCode
	}
	return c.fn
}

// codeState is the interpreter's contexts in one sandbox.
type codeState struct {
	mu       sync.Mutex
	contexts map[string]*codeContext
	order    []string // ids in order of creation
}

type codeContext struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	Cwd      string `json:"cwd"`
	runs     int
}

const defaultLanguage = "python"

// context returns the context of a run: the one named, or a language's default one, made
// on first use; nil when the named one does not exist.
func (s *codeState) context(id, language, workDir string) *codeContext {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.contexts == nil {
		s.contexts = map[string]*codeContext{}
	}
	if id != "" {
		return s.contexts[id]
	}
	if language == "" {
		language = defaultLanguage
	}
	id = "default-" + language
	if c := s.contexts[id]; c != nil {
		return c
	}
	return s.addLocked(&codeContext{ID: id, Language: language, Cwd: workDir})
}

func (s *codeState) addLocked(c *codeContext) *codeContext {
	if s.contexts == nil {
		s.contexts = map[string]*codeContext{}
	}
	s.contexts[c.ID] = c
	s.order = append(s.order, c.ID)
	return c
}

// interpreterHandler answers port 8888 by default.
type interpreterHandler struct{ host *Host }

func (ih interpreterHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ps, _ := r.Context().Value(sandboxKey{}).(*PortSandbox)
	if ps == nil {
		http.NotFound(w, r)
		return
	}
	state := ps.box.code
	switch {
	case r.URL.Path == "/execute" && r.Method == http.MethodPost:
		ih.execute(w, r, ps, state)
	case r.URL.Path == "/contexts" && r.Method == http.MethodPost:
		createContext(w, r, ps, state)
	case r.URL.Path == "/contexts" && r.Method == http.MethodGet:
		state.mu.Lock()
		list := []*codeContext{}
		for _, id := range state.order {
			list = append(list, state.contexts[id])
		}
		writeJSON(w, http.StatusOK, list)
		state.mu.Unlock()
	case strings.HasPrefix(r.URL.Path, "/contexts/") && r.Method == http.MethodDelete:
		id := strings.TrimPrefix(r.URL.Path, "/contexts/")
		state.mu.Lock()
		_, ok := state.contexts[id]
		delete(state.contexts, id)
		state.order = slices.DeleteFunc(state.order, func(s string) bool { return s == id })
		state.mu.Unlock()
		if !ok {
			http.Error(w, "Context "+id+" not found", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"})
	}
}

// execute runs code: the answer is NDJSON, the execution count first, then what the
// CodeFunc outputs.
func (ih interpreterHandler) execute(w http.ResponseWriter, r *http.Request, ps *PortSandbox, state *codeState) {
	var req struct {
		Code      *string           `json:"code"`
		ContextID *string           `json:"context_id"`
		Language  *string           `json:"language"`
		EnvVars   map[string]string `json:"env_vars"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxSandboxJSON))
	if err != nil || json.Unmarshal(data, &req) != nil || req.Code == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "the body must be a JSON object with a string \"code\""})
		return
	}
	id, language := deref(req.ContextID), deref(req.Language)
	c := state.context(id, language, ps.box.workDir)
	if c == nil {
		http.Error(w, "Context "+id+" not found", http.StatusNotFound)
		return
	}
	state.mu.Lock()
	c.runs++
	run := &CodeRun{Workspace: ps.Workspace, Sandbox: ps.Name, Code: *req.Code, Language: c.Language, ContextID: c.ID,
		Cwd: c.Cwd, Env: req.EnvVars, ExecutionCount: c.runs, w: w}
	state.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	run.emit(map[string]any{"type": "number_of_executions", "execution_count": run.ExecutionCount})
	defer run.finish()
	ih.host.code.get()(r.Context(), run)
}

func createContext(w http.ResponseWriter, r *http.Request, ps *PortSandbox, state *codeState) {
	var req struct {
		Language string `json:"language"`
		Cwd      string `json:"cwd"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxSandboxJSON))
	if err != nil || len(strings.TrimSpace(string(data))) > 0 && json.Unmarshal(data, &req) != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "the body must be a JSON object"})
		return
	}
	c := &codeContext{ID: newContextID(), Language: req.Language, Cwd: req.Cwd}
	if c.Language == "" {
		c.Language = defaultLanguage
	}
	if c.Cwd == "" {
		c.Cwd = ps.box.workDir
	}
	state.mu.Lock()
	state.addLocked(c)
	state.mu.Unlock()
	writeJSON(w, http.StatusOK, c)
}

func newContextID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
