package pipeline

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// endless is a line that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestReadLineRefusesALineThatNeverEnds(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := NewLines(endless{}).ReadLine()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("err = %v, want ErrLineTooLong", err)
	}
	// The line grows to the bound, by steps: what it allocates stays a small multiple of it.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*MaxLine {
		t.Errorf("allocated %d MiB for a line bounded at %d MiB", alloc>>20, MaxLine>>20)
	}
}

func TestReadLineTakesLongLines(t *testing.T) {
	long := strings.Repeat("y", 8<<20)
	lines := NewLines(strings.NewReader(long + "\r\nshort\n" + long))
	for i, want := range []string{long, "short", long} {
		got, err := lines.ReadLine()
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Fatalf("line %d: %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
	}
	if _, err := lines.ReadLine(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last line: %v, want EOF", err)
	}
}
