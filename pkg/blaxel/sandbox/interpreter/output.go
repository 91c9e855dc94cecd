package interpreter

import (
	"bytes"
	"encoding/json"
	"strings"
)

// OutputType says what an Output is, as the "type" of its line in the execution's NDJSON
// answer.
type OutputType string

const (
	OutputStdout         OutputType = "stdout"
	OutputStderr         OutputType = "stderr"
	OutputResult         OutputType = "result"               // a value the code produced: its representations
	OutputError          OutputType = "error"                // the exception the code raised
	OutputExecutionCount OutputType = "number_of_executions" // the count of runs in the context, this one included
)

// Output is one item of an execution, as it comes. Which fields are set depends on Type;
// Raw is the item as the server sent it, for the fields of types this package does not know.
type Output struct {
	Type           OutputType
	Text           string          // stdout and stderr: the text printed
	Timestamp      int64           // stdout and stderr: the server's timestamp, 0 when absent
	Result         Result          // result
	Error          *ExecutionError // error
	ExecutionCount int             // number_of_executions
	Raw            json.RawMessage
}

// Result is a value the code produced, as its representations by MIME-like name ("text",
// "html", "png" as base64, "json"...) and flags such as "is_main_result".
type Result map[string]any

// Text is the plain-text representation of the result, "" when it has none.
func (r Result) Text() string {
	s, _ := r["text"].(string)
	return s
}

// IsMain reports whether the result is the value of the code's last expression, rather than
// one displayed along the way.
func (r Result) IsMain() bool {
	b, _ := r["is_main_result"].(bool)
	return b
}

// ExecutionError is the exception the code raised: its name ("ZeroDivisionError"), its value
// ("division by zero") and the traceback, as the kernel rendered them. It is an error, for
// the caller that wants to return it.
type ExecutionError struct {
	Name      string
	Value     string
	Traceback string
}

func (e *ExecutionError) Error() string {
	if e.Value == "" {
		return "blaxel: interpreter: the code raised " + e.Name
	}
	return "blaxel: interpreter: the code raised " + e.Name + ": " + e.Value
}

// parseOutput reads one line of an execution's answer. A line that is not a JSON object is
// text the server printed as it is: stdout, as Blaxel's SDKs take it.
func parseOutput(line []byte) Output {
	var item struct {
		Type           string          `json:"type"`
		Text           json.RawMessage `json:"text"`
		Timestamp      json.Number     `json:"timestamp"`
		Name           json.RawMessage `json:"name"`
		Value          json.RawMessage `json:"value"`
		Traceback      json.RawMessage `json:"traceback"`
		ExecutionCount json.Number     `json:"execution_count"`
	}
	raw := json.RawMessage(bytes.Clone(line))
	if !json.Valid(line) || bytes.TrimSpace(line)[0] != '{' || json.Unmarshal(line, &item) != nil {
		return Output{Type: OutputStdout, Text: string(line), Raw: raw}
	}
	out := Output{Type: OutputType(item.Type), Raw: raw}
	switch out.Type {
	case OutputStdout, OutputStderr:
		out.Text = asText(item.Text)
		out.Timestamp, _ = item.Timestamp.Int64()
	case OutputResult:
		var r Result
		if json.Unmarshal(line, &r) == nil {
			delete(r, "type")
			out.Result = r
		}
	case OutputError:
		out.Error = &ExecutionError{Name: asText(item.Name), Value: asText(item.Value), Traceback: asText(item.Traceback)}
	case OutputExecutionCount:
		n, _ := item.ExecutionCount.Int64()
		out.ExecutionCount = int(n)
	}
	return out
}

// asText is a JSON value as text: a string as it is, a list of strings (a traceback's lines)
// joined by newlines, anything else as its JSON.
func asText(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var lines []string
	if json.Unmarshal(v, &lines) == nil {
		return strings.Join(lines, "\n")
	}
	return string(v)
}

// Execution is every output of a run, gathered.
type Execution struct {
	Results        []Result
	Stdout         []string // the pieces printed, in order
	Stderr         []string
	Error          *ExecutionError // what the code raised; nil when it ran to its end
	ExecutionCount int             // the context's count of runs, this one included; 0 when not said
}

// Text is the plain text of the main result (the value of the code's last expression), ""
// when there is none.
func (e *Execution) Text() string {
	for _, r := range e.Results {
		if r.IsMain() {
			return r.Text()
		}
	}
	return ""
}

// add gathers one output.
func (e *Execution) add(o Output) {
	switch o.Type {
	case OutputStdout:
		e.Stdout = append(e.Stdout, o.Text)
	case OutputStderr:
		e.Stderr = append(e.Stderr, o.Text)
	case OutputResult:
		e.Results = append(e.Results, o.Result)
	case OutputError:
		e.Error = o.Error
	case OutputExecutionCount:
		e.ExecutionCount = o.ExecutionCount
	}
}
