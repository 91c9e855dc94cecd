package sandboxfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestTheInterpreterSpeaksJupyterServersProtocol(t *testing.T) {
	b := newBox(t)
	read := func(resp *http.Response) string {
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	resp := b.do(sbxRequest{method: "POST", path: "/port/8888/execute", json: map[string]any{"code": "a\nb\n", "context_id": nil, "language": nil, "env_vars": nil}})
	if got, want := read(resp), `{"execution_count":1,"type":"number_of_executions"}`+"\n"+`{"text":"a\nb\n","type":"stdout"}`+"\n"+
		`{"is_main_result":true,"text":"b","type":"result"}`+"\n"; resp.StatusCode != 200 || got != want ||
		resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("execute: %d %s\n%q\nwant %q", resp.StatusCode, resp.Header.Get("Content-Type"), got, want)
	}
	for _, bad := range []map[string]any{{}, {"code": 3}} {
		if resp := b.do(sbxRequest{method: "POST", path: "/port/8888/execute", json: bad}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d %s", bad, resp.StatusCode, read(resp))
		} else {
			resp.Body.Close()
		}
	}
	if resp := b.do(sbxRequest{method: "POST", path: "/port/8888/execute", json: map[string]any{"code": "1", "context_id": "nope"}}); resp.StatusCode != 404 {
		t.Errorf("unknown context: %d", resp.StatusCode)
	} else if body := read(resp); !strings.Contains(body, "nope not found") {
		t.Errorf("unknown context: %q", body)
	}

	resp = b.do(sbxRequest{method: "POST", path: "/port/8888/contexts", json: map[string]any{"language": "r"}})
	var c struct{ ID, Language, Cwd string }
	if err := json.Unmarshal([]byte(read(resp)), &c); err != nil || c.ID == "" || c.Language != "r" || c.Cwd != "/blaxel" {
		t.Errorf("new context: %+v %v", c, err)
	}
	var list []struct{ ID string }
	if err := json.Unmarshal([]byte(read(b.do(sbxRequest{path: "/port/8888/contexts"}))), &list); err != nil || len(list) != 2 ||
		list[0].ID != "default-python" || list[1].ID != c.ID {
		t.Errorf("contexts: %+v %v", list, err)
	}
	if resp := b.do(sbxRequest{method: "DELETE", path: "/port/8888/contexts/" + c.ID}); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	if resp := b.do(sbxRequest{method: "DELETE", path: "/port/8888/contexts/" + c.ID}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("delete again: %d", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
}
