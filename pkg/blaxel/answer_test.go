package blaxel_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// answerWith serves every request with one status, content type and body.
func answerWith(t *testing.T, status int, contentType, body string) *blaxel.Client {
	t.Helper()
	mux, srv := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	return newClient(t, srv, apiKey(), blaxel.WithMaxRetries(0))
}

// One rule for a 2xx answer, whoever asks: it is the declared success, or it is a
// *DecodeError naming the operation. An empty body is refused where JSON is declared, with
// or without a JSON content type, and the operation methods, the iterators and the waits all
// return that same error.
func TestAnAnswerThatIsNotTheDeclaredSuccessIsADecodeError(t *testing.T) {
	calls := map[string]func(c *blaxel.Client) error{
		"GetSandbox": func(c *blaxel.Client) error { _, err := c.GetSandbox(context.Background(), "sb", nil); return err },
		"ListSandboxes": func(c *blaxel.Client) error {
			for _, err := range c.ListSandboxesAll(context.Background(), nil) {
				return err
			}
			return nil
		},
		"ListVPCs": func(c *blaxel.Client) error { _, err := c.ListVPCs(context.Background()); return err },
		"GetSandbox (wait)": func(c *blaxel.Client) error {
			_, err := c.WaitForSandbox(context.Background(), "sb")
			return err
		},
	}
	for _, tc := range []struct {
		name              string
		status            int
		contentType, body string
		calls             []string
	}{
		{"empty, no content type", 200, "", "", []string{"GetSandbox", "ListSandboxes", "ListVPCs", "GetSandbox (wait)"}},
		{"empty, announced as JSON", 200, "application/json", "", []string{"GetSandbox", "ListSandboxes", "ListVPCs", "GetSandbox (wait)"}},
		{"another 2xx", 201, "application/json", `{"metadata":{"name":"sb"},"spec":{}}`, []string{"GetSandbox", "GetSandbox (wait)"}},
		{"204", 204, "", "", []string{"GetSandbox", "ListVPCs"}},
		{"null for an object", 200, "application/json", "null", []string{"GetSandbox", "ListSandboxes"}},
		{"an object for an array", 200, "application/json", `{"data":[]}`, []string{"ListVPCs"}},
		{"a field of another type", 200, "application/json", `{"metadata":{"name":5},"spec":{}}`, []string{"GetSandbox", "GetSandbox (wait)"}},
		{"JSON broken inside", 200, "application/json", `{"metadata":{"name":"sb",},"spec":{}}`, []string{"GetSandbox"}},
	} {
		for _, name := range tc.calls {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				err := calls[name](answerWith(t, tc.status, tc.contentType, tc.body))
				var decodeErr *blaxel.DecodeError
				if !errors.As(err, &decodeErr) {
					t.Fatalf("error %T %v, want a *DecodeError", err, err)
				}
				op, _, _ := strings.Cut(name, " ")
				if decodeErr.Operation != op || decodeErr.StatusCode != tc.status || !strings.Contains(err.Error(), op) {
					t.Fatalf("error %v (operation %q, status %d)", err, decodeErr.Operation, decodeErr.StatusCode)
				}
			})
		}
	}
}

// Where no body is declared, the declared status is the success, with or without a body and
// whatever its content type; another 2xx is refused like everywhere else.
func TestAnOperationWithoutABodySucceedsOnItsDeclaredStatus(t *testing.T) {
	for _, tc := range []struct {
		status            int
		contentType, body string
		ok                bool
	}{
		{200, "", "", true},
		{200, "application/json", "", true},
		{200, "application/json", `{"deleted":true}`, true},
		{204, "", "", false},
		{202, "application/json", `{}`, false},
	} {
		c := answerWith(t, tc.status, tc.contentType, tc.body)
		err := c.DeleteAPIKeyForServiceAccount(context.Background(), "client", "key")
		var decodeErr *blaxel.DecodeError
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &decodeErr) {
			t.Errorf("%d %q %q: error %v", tc.status, tc.contentType, tc.body, err)
		}
	}
}
