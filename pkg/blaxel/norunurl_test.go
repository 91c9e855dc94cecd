package blaxel_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A client pointed at another control plane than Blaxel's, with no run URL, never calls
// Blaxel's production run host: a call that needs the run URL fails, naming the option.
func TestAnotherControlPlaneBringsNoRunURL(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateAgent(ctx, gen.Agent{Metadata: gen.Metadata{Name: "helper"}}, nil); err != nil {
		t.Fatal(err) // the control plane is reached as before
	}
	before := len(srv.Requests())
	for name, call := range map[string]func() error{
		"RunAgent":    func() error { _, err := c.RunAgent(ctx, "helper", strings.NewReader(`{}`)); return err },
		"RunFunction": func() error { _, err := c.RunFunction(ctx, "tools", strings.NewReader(`{}`)); return err },
		"RunModel":    func() error { _, err := c.RunModel(ctx, "m", "v1/models", nil); return err },
	} {
		err := call()
		if !errors.Is(err, blaxel.ErrNoRunURL) || !strings.Contains(err.Error(), "WithRunURL") {
			t.Errorf("%s: %v, want ErrNoRunURL naming WithRunURL", name, err)
		}
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent without a run URL", n)
	}
	// Blaxel's own control planes bring their run URL.
	for _, tc := range []struct{ base, run string }{
		{blaxel.DefaultBaseURL, blaxel.DefaultRunURL},
		{"https://api.blaxel.dev/v0", "https://run.blaxel.dev"},
	} {
		c, err := blaxel.New(blaxel.WithBaseURL(tc.base), blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("test"))
		if err != nil {
			t.Fatal(err)
		}
		if got := blaxel.CoreRunURL(c); got != tc.run {
			t.Errorf("%s: run URL %q, want %q", tc.base, got, tc.run)
		}
	}
}
