package sandboxfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// getProcessLogs answers a process's output, up to 4 MiB of each stream; logs is stdout
// followed by stderr, not interleaved.
func getProcessLogs(x *sbxCall) {
	id := x.params["identifier"]
	p := x.sb.procs.find(id)
	if p == nil {
		x.fail(http.StatusNotFound, fmt.Sprintf("process with PID %s not found", id))
		return
	}
	stdout, stderr := p.out.tails(logsAnswerBytes)
	x.json(http.StatusOK, map[string]string{"stdout": stdout, "stderr": stderr, "logs": stdout + stderr})
}

// streamProcessLogs streams a process's output as text: first the whole log so far, a line
// each prefixed with its stream ("stdout:", "stderr:"), then live output, prefixed once per
// chunk with QuirkChunkPrefix (else per line), with a "[keepalive]" line every 30 s
// (QuirkKeepaliveText); it ends when the run of the process it joined ends. An unknown
// process answers 200 with a JSON error in the stream, since the real server sends its
// headers before it looks the process up.
func streamProcessLogs(x *sbxCall) {
	id := x.params["identifier"]
	p := x.sb.procs.find(id)
	quirks := x.host.cfg.Quirks
	headers := http.Header{"Connection": {"keep-alive"}, "X-Accel-Buffering": {"no"}}
	if p == nil {
		stream := x.startStream("text/plain; charset=utf-8", headers)
		body, _ := json.Marshal(map[string]string{"error": fmt.Sprintf("process with Identifier %s not found", id)})
		_ = stream.line(body)
		return
	}
	runDone := x.sb.procs.runDone(p)
	sub, backlog, dropped := p.out.attach() // before the headers: what follows them is live
	defer p.out.detach(sub)
	stream := x.startStream("text/plain; charset=utf-8", headers)
	if dropped && stream.line([]byte("stdout:"+truncationMarker)) != nil {
		return
	}
	if replay(stream, backlog) != nil {
		return
	}
	textKeepalive, stop := x.textKeepalive()
	defer stop()
	write := func(ev logEvent) error { return stream.line(logText(ev, quirks.has(QuirkChunkPrefix))) }
	for {
		select {
		case ev := <-sub.events:
			if write(ev) != nil {
				return
			}
		case <-textKeepalive:
			if x.sb.procs.running(p) && stream.line([]byte("[keepalive]\n")) != nil {
				return
			}
		case <-runDone:
			for ev, more := drainOne(sub); more; ev, more = drainOne(sub) {
				if write(ev) != nil {
					return
				}
			}
			return
		case <-x.ctx.Done():
			return
		}
	}
}

// replay writes the combined log a line at a time, as the server replays its log file: each
// line already carries its prefix, and gets its newline back. Lines go out in batches.
func replay(stream *lineStream, backlog []byte) error {
	var batch []byte
	for len(backlog) > 0 {
		line := backlog
		if i := bytes.IndexByte(backlog, '\n'); i >= 0 {
			line, backlog = backlog[:i], backlog[i+1:]
		} else {
			backlog = nil
		}
		if len(line) == 0 {
			continue
		}
		batch = append(append(batch, line...), '\n')
		if len(batch) >= 32<<10 {
			if err := stream.line(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return stream.line(batch)
	}
	return nil
}

// logText is live output as the log stream writes it: a notice raw, a chunk behind its
// stream's prefix, once (perChunk) or before every piece of a line.
func logText(ev logEvent, perChunk bool) []byte {
	if ev.stream == "" {
		return ev.data
	}
	prefix := []byte(ev.stream + ":")
	if perChunk {
		return append(prefix, ev.data...)
	}
	var out []byte
	for rest := ev.data; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		out = append(append(out, prefix...), line...)
	}
	return out
}
