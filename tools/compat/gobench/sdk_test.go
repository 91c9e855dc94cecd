package gobench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/blaxel-ai/sdk-go"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

const (
	apiKey    = "bench-key"
	workspace = "bench"
	boxName   = "bench"
)

// sides is the sandbox "bench" in one fake, seen through each client.
type sides struct {
	ours *sandbox.Sandbox
	sdk  *sdk.SandboxInstance

	client    *blaxel.Client // the clients behind them, for more sandboxes
	sdkClient *sdk.Client
}

var seq atomic.Int64

// start starts a fake with its files in dir and the sandbox "bench" in it, and opens it with
// both clients; the SDK reads its settings from the environment, as its users set them.
func start(b *testing.B) *sides {
	b.Helper()
	srv, err := blaxeltest.Start(blaxeltest.WithAPIKey(apiKey), blaxeltest.WithSandboxFileDir(fileDir(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey(apiKey), blaxel.WithWorkspace(workspace))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: boxName}}, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		b.Fatal(err)
	}
	ours, err := sandbox.Open(ctx, c, boxName)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range map[string]string{"BL_API_URL": srv.URL(), "BL_RUN_URL": srv.RunURL(), "BL_WORKSPACE": workspace, "BL_API_KEY": apiKey, "BL_REGION": "us-pdx-1"} {
		b.Setenv(k, v)
	}
	client, err := sdk.NewDefaultClient()
	if err != nil {
		b.Fatal(err)
	}
	theirs, err := client.Sandboxes.GetInstance(ctx, boxName)
	if err != nil {
		b.Fatal(err)
	}
	return &sides{ours: ours, sdk: theirs, client: c, sdkClient: &client}
}

// fileDir keeps the fake's files in memory-backed /dev/shm when the machine has it.
func fileDir(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "gobench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

// sdkFirst runs sdk-go's side first: whichever side runs first is a little slower, so rounds
// alternate.
var sdkFirst = flag.Bool("sdk-first", false, "run sdk-go's side of each pair first")

// compare runs both sides' operation, one warm-up each, then each side as a sub-benchmark:
// "client" is this module's, "baseline" sdk-go's, so that internal/cmd/benchratio prints
// blaxel-go / sdk-go.
func compare(b *testing.B, ours, theirs func(context.Context) error) {
	ctx := context.Background()
	for _, op := range []func(context.Context) error{ours, theirs} {
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
	}
	sides := []struct {
		name string
		op   func(context.Context) error
	}{{"client", ours}, {"baseline", theirs}}
	if *sdkFirst {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, side := range sides {
		b.Run(side.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := side.op(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func content(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(3, 5))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// BenchmarkRunEcho runs "echo hello" to its end: Run, and the SDK's Process.New waiting for
// completion.
func BenchmarkRunEcho(b *testing.B) {
	s := start(b)
	compare(b, func(ctx context.Context) error {
		res, err := s.ours.Run(ctx, "echo hello")
		if err == nil && string(res.Stdout) != "hello\n" {
			err = fmt.Errorf("stdout %q", res.Stdout)
		}
		return err
	}, func(ctx context.Context) error {
		p, err := s.sdk.Process.New(ctx, sdk.ProcessRequestParam{
			Name: sdk.String("sdk-" + strconv.FormatInt(seq.Add(1), 10)), Command: "echo hello", WaitForCompletion: sdk.Bool(true),
		})
		if err == nil && p.Stdout != "hello\n" {
			err = fmt.Errorf("stdout %q", p.Stdout)
		}
		return err
	})
}

func benchmarkWrite(b *testing.B, size int) {
	s := start(b)
	data := content(size)
	b.SetBytes(int64(size))
	compare(b, func(ctx context.Context) error {
		return s.ours.WriteFile(ctx, "/bench/ours.bin", bytes.NewReader(data), 0o644)
	}, func(ctx context.Context) error {
		_, err := s.sdk.FS.WriteBinary(ctx, "/bench/sdk.bin", data, "0644")
		return err
	})
}

func BenchmarkWrite1MiB(b *testing.B)  { benchmarkWrite(b, 1<<20) }
func BenchmarkWrite64MiB(b *testing.B) { benchmarkWrite(b, 64<<20) }

func BenchmarkRead64MiB(b *testing.B) {
	s := start(b)
	const size = 64 << 20
	if err := s.ours.WriteFile(context.Background(), "/bench/file.bin", bytes.NewReader(content(size)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	compare(b, func(ctx context.Context) error {
		body, err := s.ours.Open(ctx, "/bench/file.bin")
		if err != nil {
			return err
		}
		defer body.Close()
		n, err := io.Copy(io.Discard, body)
		if err == nil && n != size {
			err = fmt.Errorf("read %d bytes", n)
		}
		return err
	}, func(ctx context.Context) error {
		data, err := s.sdk.FS.ReadBinary(ctx, "/bench/file.bin")
		if err == nil && len(data) != size {
			err = fmt.Errorf("read %d bytes", len(data))
		}
		return err
	})
}
