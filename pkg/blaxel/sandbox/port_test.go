package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// echoPort answers with what the program on a port would see of a request.
func echoPort(w http.ResponseWriter, r *http.Request) {
	ws, name, _ := blaxeltest.SandboxOf(r)
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%s %s?%s in %s/%s body=%q auth=%t", r.Method, r.URL.Path, r.URL.RawQuery, ws, name, body,
		r.Header.Get("X-Blaxel-Authorization") != "")
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestPortHTTPClientReachesTheProgramOnThePort(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.HandlePort(3000, http.HandlerFunc(echoPort))
	port, err := sb.Port(3000)
	if err != nil {
		t.Fatal(err)
	}
	if want := sb.URL() + "/port/3000"; port.URL() != want || port.Number() != 3000 {
		t.Fatalf("URL %q, number %d; want %q", port.URL(), port.Number(), want)
	}
	status, body := get(t, port.HTTPClient(), port.URL()+"/api/items?x=1")
	if want := `GET /api/items?x=1 in ws/box body="" auth=true`; status != 200 || body != want {
		t.Errorf("got %d %q, want %q", status, body, want)
	}

	// Every status comes back as it is: the client is the program's, not Blaxel's.
	srv.HandlePort(3000, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "teapot", http.StatusTeapot)
	}))
	if status, body := get(t, port.HTTPClient(), port.URL()+"/"); status != http.StatusTeapot || body != "teapot\n" {
		t.Errorf("got %d %q", status, body)
	}

	// A port nothing listens on: the edge's 502.
	other, _ := sb.Port(4000)
	if status, _ := get(t, other.HTTPClient(), other.URL()+"/"); status != http.StatusBadGateway {
		t.Errorf("a port without a program answered %d", status)
	}
}

func TestPortNeedsTheCredential(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.HandlePort(3000, http.HandlerFunc(echoPort))
	port, _ := sb.Port(3000)
	if status, body := get(t, http.DefaultClient, port.URL()+"/"); status != http.StatusUnauthorized {
		t.Errorf("without a credential: %d %q", status, body)
	}
}

func TestPortHTTPClientKeepsTheCredentialToTheSandbox(t *testing.T) {
	var leaked atomic.Value
	leaked.Store("")
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Blaxel-Authorization") + r.Header.Get("Authorization"))
		fmt.Fprint(w, "elsewhere")
	}))
	defer elsewhere.Close()
	srv, sb := fakeSandbox(t)
	srv.HandlePort(3000, http.RedirectHandler(elsewhere.URL+"/landing", http.StatusFound))
	port, _ := sb.Port(3000)
	if status, body := get(t, port.HTTPClient(), port.URL()+"/go"); status != 200 || body != "elsewhere" {
		t.Fatalf("got %d %q", status, body)
	}
	if v := leaked.Load().(string); v != "" {
		t.Errorf("the redirect's target got a credential: %q", v)
	}
}

func TestPortRefusesNumbersOutOfRange(t *testing.T) {
	_, sb := fakeSandbox(t)
	for _, n := range []int{0, -1, 65536} {
		if _, err := sb.Port(n); err == nil || !strings.Contains(err.Error(), "not a port number") {
			t.Errorf("Port(%d): %v", n, err)
		}
	}
}

func TestForwardServesThePortLocally(t *testing.T) {
	srv, sb := fakeSandbox(t)
	var posts atomic.Int32
	var portURL string // set before any request
	srv.HandlePort(8080, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			// An absolute redirect into the port, as a program behind a proxy may write it.
			http.Redirect(w, r, portURL+"/new?k=v", http.StatusFound)
		case "/post":
			posts.Add(1)
			echoPort(w, r)
		default:
			echoPort(w, r)
		}
	}))
	port, _ := sb.Port(8080)
	portURL = port.URL()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fwd, err := port.Forward(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fwd.URL(), "http://127.0.0.1:") {
		t.Errorf("listening on %s", fwd.URL())
	}
	// A local tool, with no credential of its own.
	local := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if status, body := get(t, local, fwd.URL()+"/a/b?q=1"); status != 200 || body != `GET /a/b?q=1 in ws/box body="" auth=true` {
		t.Errorf("got %d %q", status, body)
	}
	// A request whose Host is another name (a page rebinding its name to 127.0.0.1) is refused.
	rebound, err := http.NewRequest(http.MethodGet, fwd.URL()+"/a", nil)
	if err != nil {
		t.Fatal(err)
	}
	rebound.Host = "attacker.example:80"
	if resp, err := local.Do(rebound); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request for another host: %v, %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := local.Post(fwd.URL()+"/post", "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != `POST /post? in ws/box body="payload" auth=true` || posts.Load() != 1 {
		t.Errorf("POST: %q, sent %d times", body, posts.Load())
	}
	resp, err = local.Get(fwd.URL() + "/old")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/new?k=v" {
		t.Errorf("redirect: %d to %q", resp.StatusCode, loc)
	}
	cancel()
	<-fwd.Done()
	if fwd.Err() != nil {
		t.Errorf("Err after the context ended: %v", fwd.Err())
	}
	if _, err := local.Get(fwd.URL() + "/"); err == nil {
		t.Error("the listener still answers once the context ended")
	}
	if err := fwd.Close(); err != nil {
		t.Errorf("Close after the end: %v", err)
	}
}

func TestForwardListensOnLoopbackOnly(t *testing.T) {
	_, sb := fakeSandbox(t)
	port, _ := sb.Port(8080)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:80", "example.com:80", "nonsense"} {
		if _, err := port.Forward(context.Background(), sandbox.WithLocalAddress(addr)); err == nil {
			t.Errorf("WithLocalAddress(%q) was accepted", addr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fwd, err := port.Forward(ctx, sandbox.WithLocalAddress("localhost:0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fwd.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fwd.Done():
	default:
		t.Error("Done is open after Close")
	}
}

func TestForwardCarriesWebSockets(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.HandlePort(5173, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		for { // an echo, as a dev server's live-reload socket would answer
			typ, msg, err := conn.Read(r.Context())
			if err != nil {
				return
			}
			if err := conn.Write(r.Context(), typ, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}))
	port, _ := sb.Port(5173)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	fwd, err := port.Forward(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.Dial(ctx, strings.Replace(fwd.URL(), "http://", "ws://", 1)+"/hmr", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	for _, msg := range []string{"one", "two"} {
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := conn.Read(ctx); err != nil || string(got) != "echo: "+msg {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	// The forward's context ends the WebSocket too, not only the listener.
	cancel()
	guard, stop := context.WithTimeout(context.Background(), 30*time.Second) // only against a hang
	defer stop()
	if _, _, err := conn.Read(guard); err == nil || guard.Err() != nil {
		t.Errorf("the WebSocket outlived the forward: %v", err)
	}
}
