package reliability

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// audit is what the whole run saw: every debug line the clients wrote, every error they
// returned, every credential that crossed the wire, and the figures the suite reports.
var audit = &recorder{secrets: map[string]bool{}, figures: map[string]int{}}

type recorder struct {
	mu      sync.Mutex
	secrets map[string]bool
	lines   []string
	errs    []string
	panics  []string
	figures map[string]int
}

// secret registers a credential value: from then on, and for everything recorded before, it
// must not appear in any log line or error. Values too short to be told from ordinary words
// are not credentials the suite uses.
func (a *recorder) secret(values ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range values {
		if len(v) >= 8 {
			a.secrets[v] = true
		}
	}
}

// credentialHeader registers the credential in a header value: the part after the scheme
// and, for Basic, the decoded secret.
func (a *recorder) credentialHeader(value string) {
	scheme, cred, ok := strings.Cut(value, " ")
	if !ok {
		a.secret(value)
		return
	}
	a.secret(cred)
	if strings.EqualFold(scheme, "basic") {
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, secret, ok := strings.Cut(string(raw), ":"); ok {
				a.secret(secret)
			}
		}
	}
}

// err records an error the client returned, with every string field of its typed forms.
func (a *recorder) err(err error) {
	if err == nil {
		return
	}
	texts := []string{err.Error(), fmt.Sprintf("%+v", err)}
	var apiErr *blaxel.APIError
	if errors.As(err, &apiErr) {
		texts = append(texts, apiErr.Code, apiErr.Message, apiErr.URL, apiErr.Origin, apiErr.Action, apiErr.DoNot, apiErr.DocsURL, string(apiErr.Body))
	}
	var decErr *blaxel.DecodeError
	if errors.As(err, &decErr) {
		texts = append(texts, decErr.URL, string(decErr.Body))
	}
	a.mu.Lock()
	a.errs = append(a.errs, strings.Join(texts, "\n"))
	a.mu.Unlock()
}

// lineCount is how many debug lines were recorded so far.
func (a *recorder) lineCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.lines)
}

// linesSince counts the lines recorded after the first n, and those of them in which
// something was redacted.
func (a *recorder) linesSince(n int) (lines, redacted int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range a.lines[n:] {
		lines++
		if strings.Contains(l, "REDACTED") {
			redacted++
		}
	}
	return lines, redacted
}

// panicked records a panic a call caused.
func (a *recorder) panicked(v any) {
	a.mu.Lock()
	a.panics = append(a.panics, fmt.Sprint(v))
	a.mu.Unlock()
}

// add counts a figure of the report.
func (a *recorder) add(figure string, n int) {
	a.mu.Lock()
	a.figures[figure] += n
	a.mu.Unlock()
}

// scan looks for every registered credential in every line, error and panic recorded.
func (a *recorder) scan() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var hits []string
	look := func(kind string, texts []string) {
		for _, text := range texts {
			for s := range a.secrets {
				if strings.Contains(text, s) {
					hits = append(hits, fmt.Sprintf("%s holds %q…: %.300s", kind, s[:4], text))
				}
			}
		}
	}
	look("log line", a.lines)
	look("error", a.errs)
	look("panic", a.panics)
	for _, p := range a.panics {
		hits = append(hits, "panic: "+p)
	}
	return hits
}

// figures lists what the summary prints, in order; a title starts each section. The counts
// come from the tests (audit.add), except those computed from the audit itself.
var figures = []struct{ key, label string }{
	{"", "faults"},
	{"fault-cells", "fault × method cells, dedicated servers"},
	{"fault-cells-ok", "  with the expected outcome"},
	{"fake-cells", "fault × method cells, pkg/blaxeltest"},
	{"fake-cells-ok", "  with the expected outcome"},
	{"post-twice", "POSTs sent again: after a 401, or a gateway refusal"},
	{"edge-504", "creations answered 504 by the edge, POSTed once"},
	{"", "sandbox"},
	{"sandbox-exec-cells", "StartProcess fault × Exec/Run cells, dedicated servers"},
	{"sandbox-exec-cells-ok", "  with the expected outcome"},
	{"sandbox-fake-cells", "StartProcess fault × Exec/Run cells, pkg/blaxeltest's edge"},
	{"sandbox-fake-cells-ok", "  with the expected outcome"},
	{"sandbox-exec-twice", "commands that started twice"},
	{"sandbox-uploads-killed", "uploads killed halfway"},
	{"sandbox-uploads-left", "  multipart uploads they left in the sandbox"},
	{"sandbox-hostile-paths", "hostile paths written"},
	{"sandbox-hostile-misplaced", "  that landed elsewhere than meant"},
	{"sandbox-stream-errors", "200 answers whose stream carried an error"},
	{"sandbox-stream-errors-ok", "  that the caller got as an error"},
	{"sandbox-range-lies", "206 answers to OpenRange of other bytes than asked"},
	{"sandbox-range-lies-refused", "  refused with an error"},
	{"sandbox-dir-names", "listings of entries no directory can hold (., .., /, NUL...)"},
	{"sandbox-dir-names-refused", "  refused with an error"},
	{"sandbox-reused-names", "lost starts under the name of an earlier process"},
	{"sandbox-reused-names-misread", "  that reported the earlier process"},
	{"sandbox-notice-streams", "streams with labels in mid-line and stop/kill notices"},
	{"sandbox-notice-streams-wrong", "  whose output was not the process's"},
	{"", "MCP, after the session opened"},
	{"mcp-echo-cases", "calls answered echoing the key: broken, JSON-RPC errors, quoted"},
	{"mcp-echo-leaks", "  that left any part of it in the call's error"},
	{"mcp-huge-mb", "MB of answers above the limit: result, error, event"},
	{"mcp-huge-read-kb", "  KB the client read of them"},
	{"mcp-huge-kb", "  KB allocated meanwhile"},
	{"mcp-huge-refused", "  calls that failed with a clear error"},
	{"mcp-huge-sessions", "  sessions kept after a result or an event refused"},
	{"mcp-huge-session-on", "    that served the next call"},
	{"mcp-deadline-calls", "calls past their deadline: headers or body never came"},
	{"mcp-deadline-ok", "  matching the deadline, the session serving the next call"},
	{"", "hostile input"},
	{"hostile-ops", "operations with path parameters"},
	{"hostile-refused", "path parameters refused before sending"},
	{"hostile-sent", "path parameters sent escaped, reaching their route intact"},
	{"hostile-misrouted", "path parameters that reached another route or value"},
	{"workload-refused", "workload names refused before sending"},
	{"workload-sent", "workload names sent escaped, intact"},
	{"empty-pages", "pages asked for of a listing of endless empty pages"},
	{"panics", "panics"},
	{"", "credentials"},
	{"secrets", "credential values watched"},
	{"log-lines", "debug log lines scanned"},
	{"errors", "errors scanned"},
	{"hits", "credentials found in them"},
	{"redirected", "requests redirected to another host"},
	{"redirect-leaks", "  that carried a credential"},
	{"workload-requests", "requests to workload hosts"},
	{"workload-token-traffic", "  that carried a token request or Basic credentials"},
	{"several-sources", "requests made with several credential sources set"},
	{"double-credential", "  that carried more than one credential header"},
	{"echo-cases", "answers echoing a credential: broken, encoded, across a cut"},
	{"echo-leaks", "  that left any part of it in an error or a log line"},
	{"proxy-calls", "plain-http calls with a proxy configured"},
	{"proxy-leaks", "  requests the proxy received"},
	{"", "concurrency"},
	{"expiry-calls", "concurrent calls across a token expiry"},
	{"expiry-tokens", "  token requests they made"},
	{"revoked-calls", "concurrent calls across a revoked token"},
	{"revoked-tokens", "  token requests they made"},
	{"refresh-calls", "concurrent calls across a refresh from the config file"},
	{"refresh-requests", "  refresh requests they made"},
	{"outage-calls", "concurrent calls meeting an outage (503 to all)"},
	{"outage-requests", "  requests they made, retries drawn from the budget"},
	{"short-token-calls", "calls with tokens that live 30 s"},
	{"short-token-requests", "  token requests they made"},
	{"token-abandoned", "token requests abandoned by every caller, then made afresh"},
	{"non-bearer-refused", "token answers of another type than bearer, refused"},
	{"", "resources"},
	{"huge-mb", "MB of error bodies met by one GET (4 attempts)"},
	{"huge-kb", "  KB allocated meanwhile"},
	{"huge-success-mb", "MB of success answers above the limit, refused undecoded"},
	{"huge-success-kb", "  KB allocated meanwhile"},
	{"reuse-calls", "sequential calls: successes, 404, retried 503, 409"},
	{"reuse-conns", "  connections they opened"},
	{"bodies", "answer bodies opened"},
	{"bodies-unclosed", "  left unclosed"},
	{"leak-checks", "tests checked for leaked goroutines"},
	{"leaks", "  that leaked one"},
	{"", "config file"},
	{"config-refused", "unusable files refused, naming the file, left unchanged"},
	{"config-kinds-refused", "FIFO, /dev/zero and 1 GB sparse file refused unread"},
	{"writebacks", "token write-backs while another reader read the file"},
	{"torn-reads", "  reads that saw half a file"},
}

// print writes the figures of the run.
func (a *recorder) print(w io.Writer, hits int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	computed := map[string]int{
		"panics": len(a.panics), "secrets": len(a.secrets), "log-lines": len(a.lines), "errors": len(a.errs), "hits": hits,
	}
	fmt.Fprintln(w, "reliability summary")
	for _, f := range figures {
		if f.key == "" {
			fmt.Fprintf(w, "%s\n", f.label)
			continue
		}
		n, ok := computed[f.key]
		if !ok {
			n = a.figures[f.key]
		}
		fmt.Fprintf(w, "  %-62s %7d\n", f.label, n)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// logHandler renders every record, at every level, as a JSON line kept by the audit.
type logHandler struct {
	attrs  []slog.Attr
	groups []string
}

func (h logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	var buf bytes.Buffer
	var inner slog.Handler = slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	inner = inner.WithAttrs(h.attrs)
	for _, g := range h.groups {
		inner = inner.WithGroup(g)
	}
	if err := inner.Handle(ctx, r); err != nil {
		return err
	}
	audit.mu.Lock()
	audit.lines = append(audit.lines, buf.String())
	audit.mu.Unlock()
	return nil
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.attrs = append(slices.Clone(h.attrs), attrs...)
	return h
}

func (h logHandler) WithGroup(name string) slog.Handler {
	h.groups = append(slices.Clone(h.groups), name)
	return h
}

// debugLogger is the logger every client of the suite writes to.
var debugLogger = slog.New(logHandler{})

// newTeeLogger logs into the audit, like debugLogger, and also hands every line to also.
func newTeeLogger(also func(line string)) *slog.Logger {
	return slog.New(teeHandler{also: also})
}

type teeHandler struct {
	logHandler
	also func(string)
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var buf bytes.Buffer
	if err := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}).Handle(ctx, r); err != nil {
		return err
	}
	h.also(buf.String())
	return h.logHandler.Handle(ctx, r)
}
