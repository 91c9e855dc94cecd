package reliability

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// oddKey is an API key with the characters that JSON, percent-encoding and base64 write
// otherwise (/ + = : !), so that each encoded form differs from the key itself.
const oddKey = "bl_key/R3l+1ab=1l:1ty!Q9xw"

// oddClientID makes "id:secret" 37 bytes long, so that its base64 ends with padding, which a
// server may drop.
const oddClientID = "sa-client-0f3cx"

func init() { audit.secret(oddKey) }

// forms is every way the suite's servers echo a credential: as it is, JSON-escaped, percent-
// encoded in a query and in a path.
func forms(secret string) []string {
	return []string{secret, strings.ReplaceAll(secret, "/", `\/`), url.QueryEscape(secret), url.PathEscape(secret)}
}

// lines collects the debug lines of one client.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) add(line string) {
	l.mu.Lock()
	l.all = append(l.all, line)
	l.mu.Unlock()
}

func (l *lines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

// leaks lists the needles found in the texts, naming where.
func leaks(texts map[string]string, needles ...string) []string {
	var out []string
	for where, text := range texts {
		for _, n := range needles {
			if len(n) >= 6 && strings.Contains(text, n) {
				out = append(out, fmt.Sprintf("%s holds %.6q…", where, n))
			}
		}
	}
	return out
}

// errorTexts is everything an error shows: its text, its %+v, and the fields of its types.
func errorTexts(err error) map[string]string {
	texts := map[string]string{"Error()": fmt.Sprint(err), "%+v": fmt.Sprintf("%+v", err)}
	var apiErr *blaxel.APIError
	if errors.As(err, &apiErr) {
		texts["APIError.Body"], texts["APIError.Message"], texts["APIError.URL"] = string(apiErr.Body), apiErr.Message, apiErr.URL
		texts["APIError.Header"] = fmt.Sprint(apiErr.Header)
	}
	var decErr *blaxel.DecodeError
	if errors.As(err, &decErr) {
		texts["DecodeError.Body"], texts["DecodeError.URL"] = string(decErr.Body), decErr.URL
	}
	return texts
}

// TestCredentialEchoedInBrokenAnswers: servers that echo the request's key where net/http
// quotes what it could not parse (a status line, a header line, a Content-Length, a Location)
// put it in the error wrapped by *url.Error. The client's error text, its %+v and its log hold
// none of it, and errors.Is still sees through the redaction.
func TestCredentialEchoedInBrokenAnswers(t *testing.T) {
	noLeaks(t)
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
			var log lines
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				writeRaw(w, answer(key))
			})
			client, _ := newClient(t, srv.base(), blaxel.WithAPIKey(oddKey), blaxel.WithLogger(newTeeLogger(log.add)))
			_, err := client.GetSandbox(context.Background(), "sb", nil)
			audit.err(err)
			audit.add("echo-cases", 1)
			if err == nil {
				t.Fatal("a broken answer was taken for a success")
			}
			t.Logf("error: %v", err)
			texts := errorTexts(err)
			texts["log"] = log.text()
			if found := leaks(texts, forms(oddKey)...); len(found) > 0 {
				audit.add("echo-leaks", len(found))
				t.Errorf("the echoed key came through: %v", found)
			}
			var urlErr *url.Error
			if !errors.As(err, &urlErr) {
				t.Errorf("want a *url.Error, got %T", err)
			}
		})
	}
}

// TestCredentialEchoedInEncodedForms: a server echoes the key JSON-escaped, percent-encoded
// and in base64, and the client's "id:secret" in base64 without its padding, in an error body
// and in the address it redirects to. The error, its body, its address and the debug log
// (which logs every attempt's address) hold none of these forms.
func TestCredentialEchoedInEncodedForms(t *testing.T) {
	noLeaks(t)
	basic := base64.RawStdEncoding.EncodeToString([]byte(oddClientID + ":" + clientSecret))
	for _, c := range []struct {
		name    string
		cred    blaxel.Option
		secret  string // what the server echoes, in every form
		secrets []string
	}{
		{"API key", blaxel.WithAPIKey(oddKey), oddKey, forms(oddKey)},
		{"client credentials", blaxel.WithClientCredentials(oddClientID, clientSecret), basic, []string{basic, clientSecret}},
	} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/oauth/token") {
				tokenHandler(w, r)
				return
			}
			if !strings.HasSuffix(r.URL.Path, "/moved") {
				http.Redirect(w, r, "/v0/sandboxes/moved?"+url.Values{"q": {c.secret}}.Encode(), http.StatusFound)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Echo", url.PathEscape(c.secret))
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"error":"bad_request","message":"as it is %s, escaped %s, in a query %s, in a path %s"}`,
				c.secret, strings.ReplaceAll(c.secret, "/", `\/`), url.QueryEscape(c.secret), url.PathEscape(c.secret))
		})
		var log lines
		client, _ := newClient(t, srv.base(), c.cred, blaxel.WithLogger(newTeeLogger(log.add)), blaxel.WithMaxRetries(0))
		_, err := client.GetSandbox(context.Background(), "sb", nil)
		audit.err(err)
		audit.add("echo-cases", 1)
		if !errors.Is(err, blaxel.ErrBadRequest) {
			t.Fatalf("%s: want the 400, got %v", c.name, err)
		}
		texts := errorTexts(err)
		texts["log"] = log.text()
		if found := leaks(texts, c.secrets...); len(found) > 0 {
			audit.add("echo-leaks", len(found))
			t.Errorf("%s: an encoded credential came through: %v", c.name, found)
		}
		if !strings.Contains(texts["APIError.Body"], "REDACTED") || !strings.Contains(log.text(), "REDACTED") {
			t.Errorf("%s: nothing was redacted, so the check proves nothing:\n%s", c.name, texts["APIError.Body"])
		}
	}
}

// straddling is a body of filler whose key starts at offset and runs past it: a body cut
// anywhere in the key's span must keep none of it.
func straddling(key string, start, total int) string {
	return strings.Repeat(" ", start) + key + strings.Repeat(" ", max(total-start-len(key), 0))
}

// partOf reports the longest start of key, of 5 bytes or more, that text holds.
func partOf(text, key string) string {
	for k := len(key) - 1; k >= 5; k-- {
		if strings.Contains(text, key[:k]) {
			return key[:k]
		}
	}
	return ""
}

// writeRaw writes raw on the connection and closes it, as a broken server would.
func writeRaw(w http.ResponseWriter, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_, _ = buf.WriteString(raw)
	_ = buf.Flush()
	_ = conn.Close()
}

// TestCredentialAcrossTheCut: answers whose key straddles the point where the client cuts what
// it keeps: the 1 MiB of APIError.Body and of DecodeError.Body, the 2 KiB of a debug line,
// the 128 bytes a DecodeError keeps of a JSON body of the wrong shape (cut just after the
// key's ":", where a cut back to the start of a word would keep 18 bytes of it). The client
// redacts, then cuts, and drops what could be the start of a secret: no part of the key is kept.
func TestCredentialAcrossTheCut(t *testing.T) {
	noLeaks(t)
	const mib = 1 << 20
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		kept        func(err error, log string) string
	}{
		{"APIError.Body at 1 MiB", 500, "text/plain", straddling(oddKey, mib-10, 2*mib), func(err error, _ string) string {
			var e *blaxel.APIError
			if !errors.As(err, &e) {
				return "no *APIError"
			}
			return string(e.Body)
		}},
		{"a debug line at 2 KiB", 404, "text/plain", straddling(oddKey, 2048-10, 8192), func(_ error, log string) string { return log }},
		{"DecodeError.Body at 1 MiB", 200, "text/html", straddling(oddKey, mib-10, 2*mib), func(err error, _ string) string {
			var e *blaxel.DecodeError
			if !errors.As(err, &e) {
				return "no *DecodeError"
			}
			return string(e.Body)
		}},
		{"DecodeError.Body at 128 bytes", 200, "application/json", "[" + straddling(oddKey, 127-18, 1000) + "]", func(err error, _ string) string {
			var e *blaxel.DecodeError
			if !errors.As(err, &e) {
				return "no *DecodeError"
			}
			return string(e.Body)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			})
			var log lines
			client, _ := newClient(t, srv.base(), blaxel.WithAPIKey(oddKey), blaxel.WithLogger(newTeeLogger(log.add)), blaxel.WithMaxRetries(0))
			_, err := client.GetSandbox(context.Background(), "sb", nil)
			audit.err(err)
			audit.add("echo-cases", 1)
			if err == nil {
				t.Fatal("no error")
			}
			kept := c.kept(err, log.text())
			if kept == "" || strings.HasPrefix(kept, "no *") {
				t.Fatalf("nothing to check: %q (%v)", kept, err)
			}
			if part := partOf(kept, oddKey); part != "" {
				audit.add("echo-leaks", 1)
				t.Errorf("the cut kept %q of the key", part)
			}
		})
	}
}
