package sandboxfake

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
)

// stores returns a blob store of each kind, and a count of the blobs each holds.
func stores(t *testing.T) map[string]struct {
	b     blobs
	count func() int
} {
	t.Helper()
	mem := newMemBlobs()
	dir, err := newDirBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dir.close() })
	return map[string]struct {
		b     blobs
		count func() int
	}{
		"memory": {mem, func() int {
			mem.mu.Lock()
			defer mem.mu.Unlock()
			return len(mem.items)
		}},
		"directory": {dir, func() int {
			entries, err := os.ReadDir(dir.dir)
			if err != nil {
				t.Fatal(err)
			}
			return len(entries)
		}},
	}
}

// pattern returns n bytes that differ from one offset to the next within a part, and from
// one part (seed) to the next.
func pattern(n int, seed byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i*7) ^ seed
	}
	return out
}

func TestConcatJoinsPartsOfAnySizes(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			// Parts shorter than a chunk, spanning several, exactly one, and empty.
			sizes := []int{memChunk + 1, 3, 2 * memChunk, 0, memChunk, 5}
			var ids []string
			var want []byte
			for i, n := range sizes {
				data := pattern(n, byte(i))
				id, size, err := s.b.put(bytes.NewReader(data))
				if err != nil || size != int64(n) {
					t.Fatalf("put %d bytes: %d, %v", n, size, err)
				}
				ids = append(ids, id)
				want = append(want, data...)
			}
			joined, size, err := s.b.concat(ids)
			if err != nil || size != int64(len(want)) {
				t.Fatalf("concat: %d bytes, %v; want %d", size, err, len(want))
			}
			for _, id := range ids { // the joined blob does not depend on its parts
				s.b.remove(id)
			}
			if n := s.count(); n != 1 {
				t.Errorf("%d blobs kept, want the joined one alone", n)
			}
			r, err := s.b.open(joined)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes (%v), want the %d bytes of the parts in order", len(got), err, len(want))
			}
			// Seeks land inside a short chunk, on a chunk's start, and near the end.
			for _, off := range []int64{memChunk, memChunk + 2, memChunk + 4, 3*memChunk + 4, int64(len(want)) - 1} {
				if _, err := r.Seek(off, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, 3)
				n, err := io.ReadFull(r, got)
				if end := min(off+3, int64(len(want))); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(got[:n], want[off:end]) {
					t.Errorf("at %d read %v (%v), want %v", off, got[:n], err, want[off:end])
				}
			}
			if end, err := r.Seek(0, io.SeekEnd); err != nil || end != int64(len(want)) {
				t.Errorf("the end is at %d (%v), want %d", end, err, len(want))
			}
		})
	}
}

func TestConcatOfAMissingPartKeepsNothing(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			id, _, err := s.b.put(bytes.NewReader(pattern(memChunk+10, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.b.concat([]string{id, "0123456789abcdef0123456789abcdef"}); !errors.Is(err, errNoBlob) {
				t.Errorf("concat with a missing part: %v, want errNoBlob", err)
			}
			if n := s.count(); n != 1 {
				t.Errorf("%d blobs kept, want the part alone", n)
			}
		})
	}
}

// In memory, the joined blob shares its parts' chunks: joining 16 MiB allocates next to
// nothing, where reading the parts into a new blob would allocate the 16 MiB again.
func TestConcatInMemoryCopiesNoBytes(t *testing.T) {
	m := newMemBlobs()
	var ids []string
	for i := range 16 {
		id, _, err := m.put(bytes.NewReader(pattern(1<<20, byte(i))))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, _, err := m.concat(ids); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("joining 16 MiB allocated %d bytes", grew)
	}
}
