package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// pageSize is small on purpose: the listings then take several pages.
const pageSize = 2

// tour runs the steps, printing one line each.
type tour struct {
	client *blaxel.Client
	out    io.Writer
	image  string
	poll   []blaxel.WaitOption
	step   int
	steps  int
	undo   []cleanup // what to delete at the end, last created first
}

// errAbsent tells cleanUp that there was nothing to delete.
var errAbsent = errors.New("nothing to delete")

// cleanup deletes one resource the tour created.
type cleanup struct {
	what string
	do   func(context.Context) error
}

func (t *tour) say(format string, args ...any) {
	t.step++
	fmt.Fprintf(t.out, "[%d/%d] %s\n", t.step, t.steps, fmt.Sprintf(format, args...))
}

// full creates a service account and its API key, a sandbox, a preview and its token, lists
// them, then deletes everything it created, also when a step fails.
func (t *tour) full(ctx context.Context) (err error) {
	t.steps = 7
	defer func() {
		// A failed clean-up is reported too when the tour failed (or was interrupted), since
		// it leaves resources behind.
		err = errors.Join(err, t.cleanUp())
	}()
	name := "quickstart-" + suffix()

	account, err := t.client.CreateWorkspaceServiceAccount(ctx, gen.ServiceAccountCreateRequest{Name: name})
	if err != nil {
		return fmt.Errorf("create a service account: %w", err)
	}
	if account.ClientID == nil {
		return errors.New("create a service account: the answer has no client_id")
	}
	clientID := *account.ClientID
	t.later("service account", func(ctx context.Context) error {
		_, err := t.client.DeleteWorkspaceServiceAccount(ctx, clientID)
		return err
	})
	t.say("Created service account %s (client id %s; its secret is shown once, and not printed)", name, clientID)

	keyName := "deploy"
	key, err := t.client.CreateAPIKeyForServiceAccount(ctx, clientID, gen.APIKeyCreateRequest{Name: &keyName})
	if err != nil {
		return fmt.Errorf("create an API key: %w", err)
	}
	if key.ID == nil {
		return errors.New("create an API key: the answer has no id")
	}
	keyID := *key.ID
	t.later("API key", func(ctx context.Context) error {
		return t.client.DeleteAPIKeyForServiceAccount(ctx, clientID, keyID)
	})
	t.say("Created API key %q (id %s) for it; its secret is shown once, and not printed", keyName, keyID)

	start := time.Now()
	memory := 4096
	box, err := t.client.CreateSandboxAndWait(ctx, gen.Sandbox{
		Metadata: gen.Metadata{Name: name},
		Spec:     gen.SandboxSpec{Runtime: &gen.SandboxRuntime{Image: &t.image, Memory: &memory}},
	}, t.poll...)
	t.later("sandbox", func(ctx context.Context) error {
		_, err := t.client.DeleteSandbox(ctx, name)
		if errors.Is(err, blaxel.ErrNotFound) {
			return errAbsent // its creation failed
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create sandbox %s: %w", name, err)
	}
	t.say("Created sandbox %s and waited until it was %s (%s)", name, *box.Status, time.Since(start).Round(10*time.Millisecond))

	port, public := 3000, false
	web, err := t.client.CreateSandboxPreview(ctx, name, gen.Preview{
		Metadata: gen.PreviewMetadata{Name: "web"},
		Spec:     gen.PreviewSpec{Port: &port, Public: &public},
	}, nil)
	if err != nil {
		return fmt.Errorf("create a preview: %w", err)
	}
	t.later("preview", func(ctx context.Context) error {
		_, err := t.client.DeleteSandboxPreview(ctx, name, "web")
		return err
	})
	t.say("Created private preview %s of port %d", web.Metadata.Name, port)

	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	visitor, err := t.client.CreateSandboxPreviewToken(ctx, name, "web", gen.PreviewToken{
		Metadata: gen.PreviewTokenMetadata{Name: "visitor"},
		Spec:     gen.PreviewTokenSpec{ExpiresAt: &expires},
	})
	if err != nil {
		return fmt.Errorf("create a preview token: %w", err)
	}
	t.later("preview token", func(ctx context.Context) error {
		_, err := t.client.DeleteSandboxPreviewToken(ctx, name, "web", "visitor")
		return err
	})
	t.say("Created preview token %s, valid until %s (its value is not printed)", visitor.Metadata.Name, expires)

	return t.list(ctx, name, clientID)
}

// list walks the listings: sandboxes page by page with the generated iterator, and the plain
// listings of service accounts, API keys and previews.
func (t *tour) list(ctx context.Context, sandbox, clientID string) error {
	names, err := t.sandboxNames(ctx)
	if err != nil {
		return err
	}
	accounts, err := t.client.GetWorkspaceServiceAccounts(ctx)
	if err != nil {
		return fmt.Errorf("list service accounts: %w", err)
	}
	keys, err := t.client.ListAPIKeysForServiceAccount(ctx, clientID)
	if err != nil {
		return fmt.Errorf("list API keys: %w", err)
	}
	previews, err := t.client.ListSandboxPreviews(ctx, sandbox)
	if err != nil {
		return fmt.Errorf("list previews: %w", err)
	}
	t.say("Listed %s, %d per page (%s), %s, %s, %s", count(len(names), "sandbox"), pageSize, strings.Join(names, ", "),
		count(len(accounts), "service account"), count(len(keys), "API key"), count(len(previews), "preview"))
	return nil
}

func (t *tour) sandboxNames(ctx context.Context) ([]string, error) {
	limit := pageSize
	var names []string
	for box, err := range t.client.ListSandboxesAll(ctx, &gen.ListSandboxesParams{Limit: &limit}) {
		if err != nil {
			return nil, fmt.Errorf("list sandboxes: %w", err)
		}
		names = append(names, box.Metadata.Name)
	}
	return names, nil
}

// readOnly lists what the workspace holds, changing nothing.
func (t *tour) readOnly(ctx context.Context) error {
	t.steps = 3
	names, err := t.sandboxNames(ctx)
	if err != nil {
		return err
	}
	t.say("%s, read %d per page%s", count(len(names), "sandbox"), pageSize, sample(names))
	var agents []string
	for agent, err := range t.client.ListAgentsAll(ctx, nil) {
		if err != nil {
			return fmt.Errorf("list agents: %w", err)
		}
		agents = append(agents, agent.Metadata.Name)
	}
	t.say("%s%s", count(len(agents), "agent"), sample(agents))
	accounts, err := t.client.GetWorkspaceServiceAccounts(ctx)
	if err != nil {
		return fmt.Errorf("list service accounts: %w", err)
	}
	t.say("%s", count(len(accounts), "service account"))
	return nil
}

// later registers a clean-up step.
func (t *tour) later(what string, do func(context.Context) error) {
	t.undo = append(t.undo, cleanup{what, do})
}

// cleanUp deletes what the tour created, last first, with its own deadline so that it runs
// even when the tour's context has ended.
func (t *tour) cleanUp() error {
	if len(t.undo) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var done []string
	var errs []error
	for i := len(t.undo) - 1; i >= 0; i-- {
		c := t.undo[i]
		if err := c.do(ctx); errors.Is(err, errAbsent) {
			continue
		} else if err != nil {
			errs = append(errs, fmt.Errorf("delete the %s: %w", c.what, err))
			continue
		}
		done = append(done, c.what)
	}
	t.undo = nil
	if len(done) > 0 {
		t.step = t.steps - 1
		t.say("Cleaned up: deleted the %s", strings.Join(done, ", the "))
	}
	return errors.Join(errs...)
}

// sample shows the first few names of a list.
func sample(names []string) string {
	if len(names) == 0 {
		return ""
	}
	if len(names) > 5 {
		return ": " + strings.Join(names[:5], ", ") + ", ..."
	}
	return ": " + strings.Join(names, ", ")
}

// count says "1 sandbox", "2 sandboxes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "x") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func suffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
