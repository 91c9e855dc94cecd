package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrRetriesSpent is the cause of a retry refused because the request made as many as its
// policy allows.
var ErrRetriesSpent = errors.New("the retries the policy allows are spent")

// ErrBudgetSpent is the cause of a retry refused because the client's retry budget is empty.
var ErrBudgetSpent = errors.New("the client's retry budget is spent")

// retrier is the one helper every retry of a client goes through, whatever it retries (a
// request in the transport, a token request, an exec's lookup, a log stream's reconnection,
// an upload's completion): the policy bounds the number of retries and draws each wait, and
// each retry is paid from the client's one budget.
type retrier struct {
	policy RetryPolicy
	budget *retryBudget
	jitter func(limit int64) int64
}

// pause decides retry number n (1 for the first) after a failure: it refuses, with
// ErrRetriesSpent or ErrBudgetSpent, one past the policy's number or the budget, and otherwise
// takes the retry's cost from the budget and waits the backoff, or until ctx ends (its error).
// afterError says the failure was a connection error or a timeout, which costs more.
func (r *retrier) pause(ctx context.Context, n int, afterError bool) error {
	if n > r.policy.MaxRetries {
		return ErrRetriesSpent
	}
	cost := retryCost
	if afterError {
		cost = errorRetryCost
	}
	if !r.budget.take(cost) {
		return ErrBudgetSpent
	}
	return Sleep(ctx, Backoff(r.policy, n, r.jitter))
}

// Retry is the one retry helper for the retries made above the transport: it decides retry
// number n (1 for the first) after the failure cause, waits for it, and pays it from the
// client's retry budget. A nil answer means: send again. Otherwise the answer says why not
// and wraps cause; when ctx ended, it matches ctx's error too.
func (p *Pipeline) Retry(ctx context.Context, n int, cause error) error {
	var apiErr *APIError
	afterError := cause != nil && !errors.As(cause, &apiErr)
	if err := p.transport.retrier.pause(ctx, n, afterError); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w (after %w)", context.Cause(ctx), cause)
		}
		return fmt.Errorf("%w, after %d tries: %w", err, n, cause)
	}
	return nil
}

// Settle gives back to the budget what the retries of a request that ended well took.
func (p *Pipeline) Settle(retries int) {
	p.transport.retrier.budget.settleSpent(retries * retryCost)
}

// Backoff is the wait the client's policy draws before retry number n (1 for the first).
func (p *Pipeline) Backoff(n int) time.Duration {
	r := p.transport.retrier
	return Backoff(r.policy, n, r.jitter)
}
