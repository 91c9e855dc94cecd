package blaxel

import (
	"errors"
	"fmt"

	"github.com/blaxel-go/blaxel/internal/config"
)

// WithCheckRetry replaces the retry decision (DefaultCheckRetry by default). Wrap
// DefaultCheckRetry to narrow it, or to widen it only for what is known to be safe: a POST
// sent again after the server may have acted on it can act twice.
func WithCheckRetry(check CheckRetry) Option {
	return func(s *config.Settings) error {
		if check == nil {
			return errors.New("blaxel: WithCheckRetry: the function is nil")
		}
		s.Pipeline.CheckRetry = check
		return nil
	}
}

// WithRetryBudget sets the capacity of the client's retry budget (DefaultRetryBudget by
// default), a bucket of tokens shared by all its requests, in the manner of aws-sdk-go-v2's
// retry.RateLimiter. Every retry takes 5 tokens, 10 after a connection error or a timeout;
// when the bucket lacks them, the request is not retried and its last answer or error is
// returned. A request that ends with an answer other than an outage gives back what its
// retries took, or 1 token when it needed none, up to the capacity. So a thousand calls that
// meet the same outage make a thousand requests and a hundred retries, not four thousand.
// WithRetryBudget(0) removes the budget: each request is then bounded by the policy alone.
func WithRetryBudget(tokens int) Option {
	return func(s *config.Settings) error {
		if tokens < 0 {
			return fmt.Errorf("blaxel: WithRetryBudget: %d is negative", tokens)
		}
		s.Pipeline.RetryBudget = tokens
		if tokens == 0 {
			s.Pipeline.RetryBudget = -1
		}
		return nil
	}
}

// WithMaxResponseBytes sets the largest successful answer of an operation that the client
// decodes (DefaultMaxResponseBytes by default); a larger one is a *DecodeError whose cause is
// ErrResponseTooLarge. It bounds what a broken or hostile server can make the client allocate.
// A JSON answer of RunAgent and friends is bounded as it is read (the error comes from its
// body's Read); their streams and other bodies come whole. MCP sessions (blaxelmcp) bound each
// JSON answer and each event of a stream by the same limit.
func WithMaxResponseBytes(n int64) Option {
	return func(s *config.Settings) error {
		if n <= 0 {
			return fmt.Errorf("blaxel: WithMaxResponseBytes: %d is not a positive size", n)
		}
		s.Pipeline.MaxResponseBytes = n
		return nil
	}
}
