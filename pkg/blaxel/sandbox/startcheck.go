package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// Clocks, when a process found after an ambiguous start is told apart from an earlier one of
// the same name. The sandbox states a start time to the second, in its own clock; the Date
// of its answer to the lookup, also to the second, gives that clock's offset from this
// machine's (network delay only makes the check more lenient). startSlack covers the two
// truncations to the second; unmeasuredSkew is the offset assumed possible when the answer
// has no Date.
const (
	startSlack     = 2 * time.Second
	unmeasuredSkew = 30 * time.Second
)

// lookupStart looks a process up by name after a start whose answer was lost (sent being
// when the first attempt went out, by this machine's clock). The process counts as this
// start's only if it runs the same command and started no earlier than the request was
// sent, by the sandbox's clock: otherwise it is an earlier process of the name, and the
// error is ErrOutcomeUnknown. A lookup that fails is returned as it is (blaxel.ErrNotFound
// when the sandbox knows no such name). A zero sent skips the check: the name was made up for
// this start.
func (s *Sandbox) lookupStart(ctx context.Context, req sandboxapi.ProcessRequest, sent time.Time) (*sandboxapi.ProcessResponse, error) {
	name := *req.Name
	resp, err := s.api.GetProcessWithResponse(ctx, name)
	if err != nil {
		return nil, err
	}
	received := time.Now()
	proc, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, err
	}
	if sent.IsZero() {
		return proc, nil
	}
	if proc.Command != req.Command {
		return nil, fmt.Errorf("%w: %s: the process of that name runs another command (%q), an earlier one's", ErrOutcomeUnknown, s.subject("process", name), proc.Command)
	}
	started, err := http.ParseTime(proc.StartedAt)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: the process of that name has the start time %q, which does not tell whether it is this start's", ErrOutcomeUnknown, s.subject("process", name), proc.StartedAt)
	}
	slack := startSlack
	offset := time.Duration(0) // the sandbox's clock minus this machine's
	if date, err := http.ParseTime(resp.HTTPResponse.Header.Get("Date")); err == nil {
		offset = date.Sub(received)
	} else {
		slack += unmeasuredSkew
	}
	if earliest := sent.Add(offset - slack); started.Before(earliest) {
		return nil, fmt.Errorf("%w: %s: the process of that name started at %s, before this start was sent: an earlier one's", ErrOutcomeUnknown, s.subject("process", name), proc.StartedAt)
	}
	return proc, nil
}
