package sandbox

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// byteRange is a range of a file, both ends included; end is -1 for "to the end".
type byteRange struct{ start, end int64 }

func (r byteRange) header() string {
	spec := "bytes=" + strconv.FormatInt(r.start, 10) + "-"
	if r.end >= 0 {
		spec += strconv.FormatInt(r.end, 10)
	}
	return spec
}

// checkContentRange reads the Content-Range of a 206 answer to the range asked and returns
// how many bytes its body must hold. It must start where asked and end where asked, or
// earlier only at the end of the file: any other part of the file is refused, since its
// bytes would be taken for the ones asked for.
func checkContentRange(asked byteRange, header string) (int64, error) {
	if header == "" {
		return 0, errors.New("the sandbox answered 206 without a Content-Range")
	}
	unit, spec, _ := strings.Cut(header, " ")
	span, size, ok := strings.Cut(spec, "/")
	first, last, ok2 := strings.Cut(span, "-")
	start, err1 := strconv.ParseInt(first, 10, 64)
	end, err2 := strconv.ParseInt(last, 10, 64)
	total, err3 := int64(-1), error(nil)
	if size != "*" {
		total, err3 = strconv.ParseInt(size, 10, 64)
	}
	if unit != "bytes" || !ok || !ok2 || err1 != nil || err2 != nil || err3 != nil || start < 0 || end < start || total >= 0 && end >= total {
		return 0, fmt.Errorf("the sandbox answered 206 with the unreadable Content-Range %q", header)
	}
	short := total >= 0 && end == total-1 // the file ends first
	if start != asked.start || asked.end >= 0 && end > asked.end || asked.end < 0 && !short && total >= 0 || asked.end >= 0 && end < asked.end && !short {
		return 0, fmt.Errorf("the sandbox answered the range %q where %s was asked", header, strings.TrimPrefix(asked.header(), "bytes="))
	}
	return end - start + 1, nil
}

// exactBody reads a body that must hold exactly n bytes: fewer is io.ErrUnexpectedEOF, more
// an error too, since which of them are the ones asked for is unknown.
type exactBody struct {
	r    io.Reader
	left int64
}

func (b *exactBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		var one [1]byte
		if n, _ := io.ReadFull(b.r, one[:]); n > 0 {
			return 0, errors.New("the sandbox sent more bytes than its Content-Range holds")
		}
		return 0, io.EOF
	}
	n, err := b.r.Read(p[:min(int64(len(p)), b.left)])
	b.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if b.left > 0 {
			return n, fmt.Errorf("the sandbox sent %d bytes fewer than its Content-Range holds: %w", b.left, io.ErrUnexpectedEOF)
		}
		err = nil
	}
	return n, err
}
