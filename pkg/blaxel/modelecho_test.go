package blaxel

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The model's HTTP client is the pipeline's: what a server echoes of the key where net/http
// quotes an answer it cannot parse never reaches the error.
func TestModelHTTPClientErrorsNeverHoldTheKey(t *testing.T) {
	const key = "bl_key/M0d3l+1ab=1l:1ty!Q9xw"
	answers := map[string]func(key string) string{
		"status line":    func(key string) string { return "HTTP/1.1 " + key + " OK\r\n\r\n" },
		"header line":    func(key string) string { return "HTTP/1.1 200 OK\r\n" + key + "\r\n\r\n" },
		"Content-Length": func(key string) string { return "HTTP/1.1 200 OK\r\nContent-Length: " + key + "\r\n\r\n" },
		"Location": func(key string) string {
			return "HTTP/1.1 302 Found\r\nLocation: %zz" + key + "\r\nContent-Length: 0\r\n\r\n"
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				defer conn.Close()
				_, _ = buf.WriteString(answer(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
				_ = buf.Flush()
			}))
			defer srv.Close()
			c, err := New(WithAPIKey(key), WithWorkspace("ws"), WithBaseURL("https://control.invalid/v0"), WithRunURL(srv.URL),
				WithRetryPolicy(RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Second}))
			if err != nil {
				t.Fatal(err)
			}
			m := &ModelEndpoint{BaseURL: srv.URL + "/ws/models/m/v1", HTTPClient: c.p.WorkloadHTTPClient(mustParse(t, srv.URL+"/ws/models/m"))}
			resp, err := m.HTTPClient.Get(m.BaseURL + "/models")
			if err == nil {
				resp.Body.Close()
				t.Fatal("a broken answer was taken")
			}
			for _, form := range []string{key, url.QueryEscape(key), url.PathEscape(key)} {
				if strings.Contains(err.Error(), form) {
					t.Fatalf("the error holds the key: %v", err)
				}
			}
		})
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
