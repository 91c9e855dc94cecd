package interpreter

import "testing"

func TestParseOutputTakesWhatTheServerSends(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Output
	}{
		{`{"type":"stdout","text":"hi\n","timestamp":1700000000123}`, Output{Type: OutputStdout, Text: "hi\n", Timestamp: 1700000000123}},
		{`{"type":"stderr","text":"warn"}`, Output{Type: OutputStderr, Text: "warn"}},
		{`{"type":"number_of_executions","execution_count":7}`, Output{Type: OutputExecutionCount, ExecutionCount: 7}},
		{`plain text from the server`, Output{Type: OutputStdout, Text: "plain text from the server"}},
		{`[1, 2]`, Output{Type: OutputStdout, Text: "[1, 2]"}},
		{`{"type":"end_of_execution"}`, Output{Type: "end_of_execution"}},
	} {
		got := parseOutput([]byte(tc.line))
		if string(got.Raw) != tc.line {
			t.Errorf("%s: raw %q", tc.line, got.Raw)
		}
		got.Raw = nil
		if got.Type != tc.want.Type || got.Text != tc.want.Text || got.Timestamp != tc.want.Timestamp || got.ExecutionCount != tc.want.ExecutionCount {
			t.Errorf("%s: %+v, want %+v", tc.line, got, tc.want)
		}
	}
	// A traceback as a list of lines, a value that is not a string.
	got := parseOutput([]byte(`{"type":"error","name":"E","value":3,"traceback":["a","b"]}`))
	if got.Error == nil || got.Error.Name != "E" || got.Error.Value != "3" || got.Error.Traceback != "a\nb" {
		t.Errorf("error %+v", got.Error)
	}
}
