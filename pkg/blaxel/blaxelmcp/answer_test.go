package blaxelmcp

import (
	"encoding/json"
	"testing"
)

// An event ends a call's stream when the go-sdk would take it as that call's answer, however
// the server orders its members, and only then.
func TestAnswersCall(t *testing.T) {
	for _, tc := range []struct {
		name  string
		call  string // the call's id, as the request wrote it
		event string
		want  bool
	}{
		{"id before result", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n", true},
		{"result before id", `1`, "data: {\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"3\"}]},\"jsonrpc\":\"2.0\",\"id\":1}\n\n", true},
		{"id before error", `7`, "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32602,\"message\":\"no\"}}\n\n", true},
		{"error before id", `7`, "data: {\"error\":{\"code\":-32602,\"message\":\"no\"},\"jsonrpc\":\"2.0\",\"id\":7}\n\n", true},
		{"null result", `1`, "data: {\"result\":null,\"jsonrpc\":\"2.0\",\"id\":1}\n\n", true},
		{"another call's answer", `1`, "data: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":2}\n\n", false},
		{"string id", `"a-1"`, "data: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":\"a-1\"}\n\n", true},
		{"string id escaped", `"a-1"`, "data: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":\"a\\u002d1\"}\n\n", true},
		{"string id of another case", `"a-1"`, "data: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":\"A-1\"}\n\n", false},
		{"string id for a number", `1`, "data: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":\"1\"}\n\n", false},
		{"number id for a string", `"1"`, "data: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n", false},
		{"1.0 for 1", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1.0,\"result\":{}}\n\n", true},
		{"1e0 for 1", `1`, "data: {\"result\":{},\"id\":1e0}\n\n", true},
		{"1.5 for 1", `1`, "data: {\"result\":{},\"id\":1.5}\n\n", false},
		{"null id", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse\"}}\n\n", false},
		{"no result nor error", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1}\n\n", false},
		{"server's request with the same id", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sampling/createMessage\",\"params\":{}}\n\n", false},
		{"method after the result", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"method\":\"ping\"}\n\n", false},
		{"notification", `1`, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n", false},
		{"members of another case", `1`, "data: {\"jsonrpc\":\"2.0\",\"ID\":1,\"Result\":{}}\n\n", false},
		{"event: message", `1`, "event: message\nid: 4\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n", true},
		{"event:message", `1`, "event:message\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n", true},
		{"event of another name", `1`, "event: endpoint\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n", false},
		{"named after its data", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\nevent: progress\n\n", false},
		{"data on several lines", `1`, "data: {\"result\":{},\ndata: \"jsonrpc\":\"2.0\",\ndata: \"id\":1}\n\n", true},
		{"CRLF lines and a comment", `1`, ": keep-alive\r\nevent: message\r\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\r\n\r\n", true},
		{"no data", `1`, "event: message\nid: 3\n\n", false},
		{"empty data", `1`, "data:\n\n", false},
		{"array", `1`, "data: [{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]\n\n", false},
		{"number", `1`, "data: 1\n\n", false},
		{"string", `1`, "data: \"{\\\"id\\\":1,\\\"result\\\":{}}\"\n\n", false},
		{"cut short", `1`, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[\n\n", false},
		{"not JSON", `1`, "data: {id: 1, result: {}}\n\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := answersCall([]byte(tc.event), json.RawMessage(tc.call)); got != tc.want {
				t.Errorf("answersCall(%q, %s) = %v; want %v", tc.event, tc.call, got, tc.want)
			}
		})
	}
}
