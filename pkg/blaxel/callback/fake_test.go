package callback_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/callback"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// deployAsyncAgent deploys an agent whose http-async trigger reports to callbackURL.
func deployAsyncAgent(t *testing.T, c *blaxel.Client, name, callbackURL string) {
	t.Helper()
	typ := gen.TriggerTypeHTTPAsync
	triggers := gen.Triggers{{Type: &typ, Configuration: &gen.TriggerConfiguration{CallbackURL: &callbackURL}}}
	agent := gen.Agent{Metadata: gen.Metadata{Name: name}, Spec: gen.AgentSpec{Triggers: &triggers}}
	if _, err := c.CreateAgent(t.Context(), agent); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForAgent(t.Context(), name, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

func TestTheFakesCallbackPassesTheVerifier(t *testing.T) {
	const key = "trigger-secret"
	srv := blaxeltest.NewServer(t, blaxeltest.WithCallbackSecret(key))
	srv.HandleAgent("worker", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("done: " + string(in)))
	}))

	good, _ := callback.NewVerifier(key)
	wrong, _ := callback.NewVerifier("not-the-secret")
	got := make(chan blaxel.AsyncCallback, 1)
	refused := make(chan int, 1)
	receiver := http.NewServeMux()
	receiver.Handle("/good", good.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cb blaxel.AsyncCallback
		if err := json.NewDecoder(r.Body).Decode(&cb); err != nil {
			t.Errorf("the callback's body: %v", err)
		}
		got <- cb
	})))
	receiver.HandleFunc("/wrong", func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		wrong.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, r)
		refused <- rec.Code
	})
	hook := httptest.NewServer(receiver)
	defer hook.Close()

	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	deployAsyncAgent(t, c, "worker", hook.URL+"/good")
	deployAsyncAgent(t, c, "other", hook.URL+"/wrong")
	srv.HandleAgent("other", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	if err := c.RunAgentAsync(t.Context(), "worker", strings.NewReader(`{"inputs":"later"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case cb := <-got:
		want := `done: {"inputs":"later"}`
		if cb.StatusCode != http.StatusAccepted || cb.ResponseBody != want || cb.ResponseLength != int64(len(want)) || cb.Timestamp == 0 {
			t.Errorf("callback %+v", cb)
		}
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("no verified callback arrived")
	}

	if err := c.RunAgentAsync(t.Context(), "other", strings.NewReader(`{}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-refused:
		if code != http.StatusUnauthorized {
			t.Errorf("a verifier with another secret answered %d", code)
		}
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("no callback arrived")
	}
}
