package pipeline

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// fuzzSecret stands for a credential of the client. Its alphabet (lower case, digits, dashes)
// shares no letter with the word that replaces secrets, so a redaction can never rebuild it.
const fuzzSecret = "fuzz-s3cret-7q2k9x"

// FuzzErrorBody feeds arbitrary error answers to the parser of Blaxel's two error shapes. It
// must never panic, must keep the status, and must never let the client's own secret, or a
// bearer credential, reach the error's text or fields, whatever the body says.
func FuzzErrorBody(f *testing.F) {
	f.Add(404, "application/json", "", []byte(`{"error":"not_found","code":404,"message":"sandbox x not found"}`))
	f.Add(503, "application/json", "WORKLOAD_UNAVAILABLE", []byte(`{"error":{"code":"WORKLOAD_UNAVAILABLE","message":"starting","retryable":true,"origin":"gateway"}}`))
	f.Add(502, "text/html", "", []byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	f.Add(401, "application/json", "", []byte(`{"error":"unauthorized","message":"bad key `+fuzzSecret+`"}`))
	f.Add(400, "application/json", "", []byte(`{"error":"`+fuzzSecret+`","message":{"nested":true}}`))
	f.Add(500, "", "", []byte(`{"error":{"code":"X","action":"`+fuzzSecret+`","docs_url":"`+fuzzSecret+`"}}`))
	f.Add(429, "application/json", fuzzSecret, []byte(`[1,2,3]`))
	f.Add(418, "application/problem+json", "", []byte(`{"error":null,"message":"Authorization: Bearer abcdefghijkl"}`))
	f.Fuzz(func(t *testing.T, status int, contentType, errorCode string, body []byte) {
		if status < 100 || status > 999 {
			status = 500
		}
		req := (&http.Request{Method: http.MethodGet, URL: &url.URL{Scheme: "https", Host: "api.test", Path: "/v0/sandboxes/sb"}}).
			WithContext(WithOperation(context.Background(), "GetSandbox"))
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
		resp.Header.Set("Content-Type", contentType)
		resp.Header.Set("X-Blaxel-Error-Code", errorCode)
		resp.Body = readCloser{strings.NewReader(string(body))}

		e := NewAPIError(req, resp, redact.New(fuzzSecret))

		if e.StatusCode != status {
			t.Fatalf("status %d became %d", status, e.StatusCode)
		}
		if e.Operation != "GetSandbox" {
			t.Fatalf("operation %q, want GetSandbox", e.Operation)
		}
		text := e.Error()
		if text == "" {
			t.Fatal("empty error text")
		}
		for name, v := range map[string]string{
			"Error()": text, "Code": e.Code, "Message": e.Message, "Body": string(e.Body), "URL": e.URL,
			"Origin": e.Origin, "Action": e.Action, "DoNot": e.DoNot, "DocsURL": e.DocsURL,
		} {
			if strings.Contains(v, fuzzSecret) {
				t.Fatalf("%s holds the client's secret: %q", name, v)
			}
		}
	})
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
