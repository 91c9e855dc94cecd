package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// fakeClient is a client of the fake with the sandbox "box" created.
func fakeClient(t *testing.T) (*blaxeltest.Server, *blaxel.Client) {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key"),
		blaxel.WithWorkspace("ws"), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSandboxAndWait(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestASessionOpensTheSandboxWithItsTokenAlone(t *testing.T) {
	_, c := fakeClient(t)
	ctx := t.Context()
	sessions, err := sandbox.NewSessions(c, "box")
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	s, err := sessions.Create(ctx, sandbox.WithSessionExpiry(expiry),
		sandbox.WithSessionHeaders(nil, map[string]string{"Access-Control-Allow-Origin": "*"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Name, "session-") || s.URL == "" || s.Token == "" || !s.ExpiresAt.Equal(expiry) {
		t.Fatalf("session %+v", s)
	}
	preview, err := c.GetSandboxPreview(ctx, "box", s.Name)
	if err != nil {
		t.Fatal(err)
	}
	if *preview.Spec.Port != 443 || *preview.Spec.Public || !preview.Spec.Expires.Equal(expiry) ||
		preview.Spec.ResponseHeaders["Access-Control-Allow-Origin"] != "*" {
		t.Errorf("preview spec %+v", preview.Spec)
	}

	// Another process, with the session and nothing else.
	sb, err := sandbox.OpenSession(*s)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := sb.Run(ctx, "echo through a session"); err != nil || string(res.Stdout) != "through a session\n" {
		t.Fatalf("run: %+v %v", res, err)
	}
	// The token is what opens it.
	wrong := *s
	wrong.Token = "not-the-token"
	sb, err = sandbox.OpenSession(wrong)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Run(ctx, "echo no"); !errors.Is(err, blaxel.ErrUnauthorized) {
		t.Errorf("with a wrong token: %v", err)
	}
	if _, err := sandbox.OpenSession(sandbox.Session{Token: "x"}); err == nil {
		t.Error("a session without an address opened")
	}
}

func TestSessionsAreListedAndDeleted(t *testing.T) {
	_, c := fakeClient(t)
	ctx := t.Context()
	sessions, _ := sandbox.NewSessions(c, "box")
	a, err := sessions.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sessions.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A preview that is not a session is left out.
	port, public := 3000, true
	if _, err := c.CreateSandboxPreview(ctx, "box", gen.Preview{Metadata: gen.PreviewMetadata{Name: "web"},
		Spec: gen.PreviewSpec{Port: &port, Public: &public}}, nil); err != nil {
		t.Fatal(err)
	}
	list, err := sessions.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || !hasSession(list, *a) || !hasSession(list, *b) {
		t.Fatalf("listed %+v", list)
	}
	if d := time.Until(list[0].ExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("default expiry in %v", d)
	}
	if err := sessions.Delete(ctx, a.Name); err != nil {
		t.Fatal(err)
	}
	if err := sessions.Delete(ctx, a.Name); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
	if err := sessions.Delete(ctx, "web"); err == nil {
		t.Error("Delete removed a preview that is not a session")
	}
	if list, err := sessions.List(ctx); err != nil || len(list) != 1 || list[0] != *b {
		t.Errorf("after Delete: %+v %v", list, err)
	}
	// Its token no longer opens anything.
	sb, _ := sandbox.OpenSession(*a)
	if _, err := sb.Run(ctx, "echo no"); err == nil {
		t.Error("a deleted session still opens the sandbox")
	}
}

func hasSession(list []sandbox.Session, s sandbox.Session) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestReuseKeepsAValidSessionAndReplacesAnExpiringOne(t *testing.T) {
	_, c := fakeClient(t)
	ctx := t.Context()
	sessions, _ := sandbox.NewSessions(c, "box")

	fresh, err := sessions.Reuse(ctx, time.Hour) // none yet: made
	if err != nil {
		t.Fatal(err)
	}
	again, err := sessions.Reuse(ctx, time.Hour) // valid for a day: kept
	if err != nil || *again != *fresh {
		t.Fatalf("reused %+v %v, want %+v", again, err, fresh)
	}
	// Valid for 30 minutes only: replaced, and the old one deleted.
	if err := sessions.Delete(ctx, fresh.Name); err != nil {
		t.Fatal(err)
	}
	short, err := sessions.Create(ctx, sandbox.WithSessionExpiry(time.Now().Add(30*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	replaced, err := sessions.Reuse(ctx, time.Hour, sandbox.WithSessionExpiry(time.Now().Add(3*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if replaced.Name == short.Name || time.Until(replaced.ExpiresAt) < 2*time.Hour {
		t.Errorf("replaced by %+v", replaced)
	}
	if list, err := sessions.List(ctx); err != nil || len(list) != 1 || list[0].Name != replaced.Name {
		t.Errorf("left %+v %v", list, err)
	}
}

func TestSessionCreateRefusesBadInput(t *testing.T) {
	srv, c := fakeClient(t)
	sessions, _ := sandbox.NewSessions(c, "box")
	before := srv.Attempts("CreateSandboxPreview")
	if _, err := sessions.Create(t.Context(), sandbox.WithSessionExpiry(time.Now().Add(-time.Minute))); err == nil {
		t.Error("an expiry in the past was accepted")
	}
	if _, err := sessions.Create(t.Context(), sandbox.WithSessionExpiry(time.Time{})); err == nil {
		t.Error("a zero expiry was accepted")
	}
	if n := srv.Attempts("CreateSandboxPreview") - before; n != 0 {
		t.Errorf("%d previews sent", n)
	}
	if _, err := sandbox.NewSessions(nil, "box"); err == nil {
		t.Error("a nil client was accepted")
	}
	if _, err := sandbox.NewSessions(c, " "); err == nil {
		t.Error("an empty sandbox name was accepted")
	}
}

func TestSessionCreateLeavesNoPreviewWhenTheTokenFails(t *testing.T) {
	srv, c := fakeClient(t)
	srv.Inject("CreateSandboxPreviewToken", 1, blaxeltest.Status(http.StatusBadRequest))
	sessions, _ := sandbox.NewSessions(c, "box")
	if _, err := sessions.Create(context.Background()); err == nil {
		t.Fatal("no error when the token could not be made")
	}
	previews, err := c.ListSandboxPreviews(t.Context(), "box")
	if err != nil || len(previews) != 0 {
		t.Errorf("left behind: %+v %v", previews, err)
	}
}

// A session printed or logged never shows its token.
func TestSessionPrintsNoToken(t *testing.T) {
	s := sandbox.Session{Name: "session-1", URL: "https://preview.example/box", Token: "bl-preview-secret-token-value", ExpiresAt: time.Unix(1e9, 0)}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("made", "session", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v", []sandbox.Session{s}), logged.String()} {
		if strings.Contains(out, s.Token) {
			t.Errorf("the token shows in %q", out)
		}
		if !strings.Contains(out, "session-1") {
			t.Errorf("the session is not named in %q", out)
		}
	}
}
