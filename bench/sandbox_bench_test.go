package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// transferSize is the file the upload and download benchmarks move: 256 MiB.
const transferSize = 256 << 20

// pattern is a reader of n bytes cycled from a random block: as cheap as a copy, so that both
// sides measure the transfer, not the making of the content.
type pattern struct {
	block []byte
	off   int
	left  int64
}

var patternBlock = func() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(7, 11))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

func newPattern(n int64) *pattern { return &pattern{block: patternBlock, left: n} }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.left)]
	n := 0
	for n < len(b) {
		c := copy(b[n:], p.block[p.off:])
		n += c
		p.off = (p.off + c) % len(p.block)
	}
	p.left -= int64(n)
	return n, nil
}

// bigPair measures the two sides of a benchmark whose operation moves size bytes: one
// operation each to warm up, then each side alone, reporting its throughput (b.SetBytes),
// its CPU time and the peak of this process's heap while it ran ("peak-heap-MiB": the
// fake's heap is in its own process).
func bigPair(b *testing.B, size int64, client, baseline op) {
	ctx := context.Background()
	if err := client(ctx); err != nil {
		b.Fatal(err)
	}
	if err := baseline(ctx); err != nil {
		b.Fatal(err)
	}
	sides := []struct {
		name string
		op   op
	}{{"client", client}, {"baseline", baseline}}
	if *baselineFirst {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, side := range sides {
		b.Run(side.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(size)
			runtime.GC()
			heap := watchHeap()
			cpu := startCPU()
			for b.Loop() {
				if err := side.op(ctx); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
			b.ReportMetric(float64(heap.stop())/(1<<20), "peak-heap-MiB")
		})
	}
}

// heapWatch samples the heap's size (its objects, live or not yet swept) until stopped.
type heapWatch struct {
	done chan struct{}
	peak chan uint64
}

func watchHeap() *heapWatch {
	w := &heapWatch{done: make(chan struct{}), peak: make(chan uint64)}
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-w.done:
				w.peak <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *heapWatch) stop() uint64 {
	close(w.done)
	return <-w.peak
}

func BenchmarkSandboxUpload(b *testing.B) {
	f := startSandboxFake(b)
	bigPair(b, transferSize, func(ctx context.Context) error {
		return f.sb.WriteFile(ctx, "/bench/client.bin", newPattern(transferSize), 0o644)
	}, func(ctx context.Context) error {
		return f.base.put(ctx, "/bench/baseline.bin", newPattern(transferSize), transferSize)
	})
}

func BenchmarkSandboxDownload(b *testing.B) {
	f := startSandboxFake(b)
	if err := f.sb.WriteFile(context.Background(), "/bench/file.bin", newPattern(transferSize), 0o644); err != nil {
		b.Fatal(err)
	}
	whole := func(n int64, err error) error {
		if err == nil && n != transferSize {
			err = fmt.Errorf("read %d bytes, want %d", n, transferSize)
		}
		return err
	}
	bigPair(b, transferSize, func(ctx context.Context) error {
		body, err := f.sb.Open(ctx, "/bench/file.bin")
		if err != nil {
			return err
		}
		defer body.Close()
		return whole(io.Copy(io.Discard, body))
	}, func(ctx context.Context) error {
		return whole(f.base.get(ctx, "/bench/file.bin", io.Discard))
	})
}

func BenchmarkSandboxRunEcho(b *testing.B) {
	f := startSandboxFake(b)
	var seq atomic.Int64
	pair(b, func(ctx context.Context) error {
		res, err := f.sb.Run(ctx, "echo hello")
		if err == nil && string(res.Stdout) != "hello\n" {
			err = fmt.Errorf("stdout %q", res.Stdout)
		}
		return err
	}, func(ctx context.Context) error {
		p, err := f.base.run(ctx, "echo hello", "baseline-"+strconv.FormatInt(seq.Add(1), 10))
		if err == nil && (p.Stdout == nil || *p.Stdout != "hello\n") {
			err = fmt.Errorf("result %+v", p)
		}
		return err
	})
}

// BenchmarkSandboxRunEchoWait is Run("echo hello") against the hand-written call that
// waits for completion in one JSON answer: what streaming costs a short command.
func BenchmarkSandboxRunEchoWait(b *testing.B) {
	f := startSandboxFake(b)
	var seq atomic.Int64
	pair(b, func(ctx context.Context) error {
		res, err := f.sb.Run(ctx, "echo hello")
		if err == nil && string(res.Stdout) != "hello\n" {
			err = fmt.Errorf("stdout %q", res.Stdout)
		}
		return err
	}, func(ctx context.Context) error {
		p, err := f.base.runWait(ctx, "echo hello", "baseline-"+strconv.FormatInt(seq.Add(1), 10))
		if err == nil && (p.Stdout == nil || *p.Stdout != "hello\n") {
			err = fmt.Errorf("result %+v", p)
		}
		return err
	})
}

// BenchmarkSandboxWriteSmall writes 1 MiB from a bytes.Reader, in one request on both sides.
func BenchmarkSandboxWriteSmall(b *testing.B) {
	f := startSandboxFake(b)
	content := patternBlock // 1 MiB
	pair(b, func(ctx context.Context) error {
		return f.sb.WriteFile(ctx, "/bench/small-client.bin", bytes.NewReader(content), 0o644)
	}, func(ctx context.Context) error {
		return f.base.put(ctx, "/bench/small-baseline.bin", bytes.NewReader(content), int64(len(content)))
	})
}

// BenchmarkSandboxLogs reads the log of a process that printed 96 MiB in lines of 8 MiB, as a
// reconnection replays it, to its end.
func BenchmarkSandboxLogs(b *testing.B) {
	f := startSandboxFake(b)
	ctx := context.Background()
	proc, err := f.sb.Exec(ctx, sandbox.Command{Command: "bigline"})
	if err != nil {
		b.Fatal(err)
	}
	if p, err := f.sb.Wait(ctx, proc.Name, blaxel.WithPollInterval(10*time.Millisecond)); err != nil || p.ExitCode != 0 {
		b.Fatalf("bigline: %+v, %v", p, err)
	}
	const payload = bigLogLines * (bigLogLine - 1) // without the newlines
	bigPair(b, bigLogLines*bigLogLine, func(ctx context.Context) error {
		var n int64
		for chunk, err := range f.sb.Logs(ctx, proc.Name) {
			if err != nil {
				return err
			}
			n += int64(len(chunk.Data))
		}
		if n != bigLogLines*bigLogLine {
			return fmt.Errorf("read %d bytes of log, want %d", n, bigLogLines*bigLogLine)
		}
		return nil
	}, func(ctx context.Context) error {
		n, err := f.base.logs(ctx, proc.Name)
		if err == nil && n != payload {
			err = fmt.Errorf("read %d bytes of log, want %d", n, payload)
		}
		return err
	})
}
