package wire

import "net/http"

// StatusWriter remembers the status a handler answered, for the request log (0 until it
// answered), and keeps what the writer beneath can do: flushing for event streams, and
// through Unwrap the connection for http.ResponseController (a WebSocket's hijack).
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what was written so far; the status is 200 if none was written.
func (w *StatusWriter) Flush() {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer beneath.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
