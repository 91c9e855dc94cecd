package gobench

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	sdk "github.com/blaxel-ai/sdk-go"
	"golang.org/x/sync/errgroup"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// manySandboxes is how many sandboxes BenchmarkRunEchoConcurrent runs a command in at once.
const manySandboxes = 1000

// BenchmarkRunEchoConcurrent runs "echo hello" in 1,000 sandboxes at once, each from a
// goroutine of its own, through one client per side: one operation is the whole wave.
func BenchmarkRunEchoConcurrent(b *testing.B) {
	s := start(b)
	ctx := context.Background()
	ours := make([]*sandbox.Sandbox, manySandboxes)
	theirs := make([]*sdk.SandboxInstance, manySandboxes)
	for i := range manySandboxes {
		name := "many-" + strconv.Itoa(i)
		if _, err := s.client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: name}}, nil); err != nil {
			b.Fatal(err)
		}
		var err error
		if ours[i], err = sandbox.Open(ctx, s.client, name); err != nil {
			b.Fatal(err)
		}
		if theirs[i], err = s.sdkClient.Sandboxes.GetInstance(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
	wave := func(run func(ctx context.Context, i int) (string, error)) func(context.Context) error {
		return func(ctx context.Context) error {
			var g errgroup.Group
			for i := range manySandboxes {
				g.Go(func() error {
					out, err := run(ctx, i)
					if err == nil && out != "hello\n" {
						err = fmt.Errorf("sandbox %d: stdout %q", i, out)
					}
					return err
				})
			}
			return g.Wait()
		}
	}
	compare(b, wave(func(ctx context.Context, i int) (string, error) {
		res, err := ours[i].Run(ctx, "echo hello")
		if err != nil {
			return "", err
		}
		return string(res.Stdout), nil
	}), wave(func(ctx context.Context, i int) (string, error) {
		p, err := theirs[i].Process.New(ctx, sdk.ProcessRequestParam{
			Name: sdk.String("sdk-" + strconv.FormatInt(seq.Add(1), 10)), Command: "echo hello", WaitForCompletion: sdk.Bool(true),
		})
		if err != nil {
			return "", err
		}
		return p.Stdout, nil
	}))
}
