package blaxel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/option"
)

// Default pacing of a wait: the first poll is sent at once, the second DefaultPollInterval
// after it, and each pause after that is half as long again, up to DefaultMaxPollInterval.
const (
	DefaultPollInterval    = time.Second
	DefaultMaxPollInterval = 5 * time.Second
)

// ErrStatusFailed matches a *StatusError with errors.Is.
var ErrStatusFailed = errors.New("blaxel: the resource reached a failure status")

// StatusError reports that a waited-for resource reached a status it will not leave for the
// one waited for, FAILED for example.
type StatusError struct {
	Resource string // e.g. `sandbox "my-sandbox"`; empty when the caller did not say
	Status   string // the status reached
	Message  string // the resource's own account, e.g. its last event's message; may be empty
}

func (e *StatusError) Error() string {
	msg := "blaxel: "
	if e.Resource != "" {
		msg += e.Resource + " "
	}
	msg += "is " + e.Status
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes errors.Is(err, ErrStatusFailed) true.
func (e *StatusError) Is(target error) bool { return target == ErrStatusFailed }

// WaitOption tunes a wait. An option with an unusable value makes the wait fail at once.
type WaitOption func(*waitSettings) error

type waitSettings struct {
	interval, maxInterval time.Duration
	targets, failures     []string
	resource              string
	pendingOnNotFound     bool // a 404 means "not visible yet" rather than an error
}

// WithPollInterval sets the pause between the first poll and the second, and so the start of
// the backoff; the first poll is sent at once.
func WithPollInterval(d time.Duration) WaitOption {
	return func(s *waitSettings) error {
		if d <= 0 {
			return fmt.Errorf("blaxel: WithPollInterval: %v is not positive", d)
		}
		s.interval = d
		return nil
	}
}

// WithMaxPollInterval caps the pause between two polls.
func WithMaxPollInterval(d time.Duration) WaitOption {
	return func(s *waitSettings) error {
		if d <= 0 {
			return fmt.Errorf("blaxel: WithMaxPollInterval: %v is not positive", d)
		}
		s.maxInterval = d
		return nil
	}
}

// WithTargetStatuses replaces the statuses that end a wait successfully (DEPLOYED for
// deployments, succeeded for job executions). Statuses compare without regard to case.
func WithTargetStatuses(statuses ...string) WaitOption {
	return func(s *waitSettings) error {
		if len(statuses) == 0 || slices.Contains(statuses, "") {
			return errors.New("blaxel: WithTargetStatuses: give at least one non-empty status")
		}
		s.targets = statuses
		return nil
	}
}

// WithFailureStatuses replaces the statuses that end a wait with a *StatusError (FAILED for
// deployments; failed, cancelled and timeout for job executions). Give none to wait through
// every status until a target one or the end of the context.
func WithFailureStatuses(statuses ...string) WaitOption {
	return func(s *waitSettings) error {
		if slices.Contains(statuses, "") {
			return errors.New("blaxel: WithFailureStatuses: a status is empty")
		}
		s.failures = statuses
		return nil
	}
}

// WithResource names the resource in the errors of a wait: kind and name, as in process "build".
func WithResource(kind, name string) WaitOption {
	return func(s *waitSettings) error {
		s.resource = fmt.Sprintf("%s %q", kind, name)
		return nil
	}
}

// pendingWhileNotFound keeps polling through 404 answers, for a resource whose creation was
// accepted but may not be visible yet.
func pendingWhileNotFound() WaitOption {
	return func(s *waitSettings) error {
		s.pendingOnNotFound = true
		return nil
	}
}

// Wait polls get until state reports a target status (DEPLOYED unless WithTargetStatuses says
// otherwise) and returns the last value read. It stops early with a *StatusError when a
// failure status (FAILED unless WithFailureStatuses says otherwise) is reached, with the
// error of get, or when ctx ends; in every case it also returns the last value it read.
//
// state returns the status of a value and, for the error when that status is a failure, a
// short account of why (the last event's message, say), or "". The first poll is sent at
// once; the pauses between polls then grow from the poll interval to the maximum interval, so
// a caller bounds the whole wait with ctx.
func Wait[T any](ctx context.Context, get func(context.Context) (T, error), state func(T) (status, detail string), opts ...WaitOption) (T, error) {
	return wait(ctx, get, state, deployment, opts)
}

// wait is Wait with the default statuses of the kind of resource waited for.
func wait[T any](ctx context.Context, get func(context.Context) (T, error), state func(T) (status, detail string), defaults func() (targets, failures []string), opts []WaitOption) (T, error) {
	var last T
	s := waitSettings{interval: DefaultPollInterval, maxInterval: DefaultMaxPollInterval}
	s.targets, s.failures = defaults()
	if err := option.Apply(&s, opts); err != nil {
		return last, err
	}
	if get == nil || state == nil {
		return last, errors.New("blaxel: Wait: get and state are required")
	}
	s.maxInterval = max(s.maxInterval, s.interval)

	pause := s.interval
	status := ""
	for {
		value, err := get(ctx)
		switch {
		case err == nil:
			last = value
			var detail string
			status, detail = state(value)
			if containsFold(s.targets, status) {
				return last, nil
			}
			if containsFold(s.failures, status) {
				return last, &StatusError{Resource: s.resource, Status: status, Message: detail}
			}
		case s.pendingOnNotFound && errors.Is(err, ErrNotFound):
			status = "not found yet"
		case ctx.Err() != nil:
			return last, s.stopped(status, ctx)
		default:
			return last, err
		}

		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return last, s.stopped(status, ctx)
		case <-timer.C:
		}
		pause = min(pause+pause/2, s.maxInterval)
	}
}

// stopped is the error of a wait that ran out of time, saying where the resource was.
func (s *waitSettings) stopped(status string, ctx context.Context) error {
	what := "the resource"
	if s.resource != "" {
		what = s.resource
	}
	if status == "" {
		return fmt.Errorf("blaxel: waiting for %s: %w", what, context.Cause(ctx))
	}
	return fmt.Errorf("blaxel: waiting for %s, still %s: %w", what, status, context.Cause(ctx))
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}
