package pipeline

import (
	"net/http"
	"sync/atomic"
)

// DefaultRetryBudget is the capacity of a client's retry budget unless WithRetryBudget says
// otherwise: enough for 100 retries after answers (50 after connection errors) in a row.
const DefaultRetryBudget = 500

// What retries cost, and what a healthy answer gives back, in tokens of the budget.
const (
	retryCost      = 5  // a retry after an answer (503, 429...)
	errorRetryCost = 10 // a retry after a connection error or a timeout, which cost the server more
	healthyRefund  = 1  // a request answered at its first attempt
)

// retryBudget is a client's bucket of retry tokens. A nil budget never refuses a retry. It is
// an atomic counter: every request that succeeds settles with it, and most find it full.
type retryBudget struct {
	tokens   atomic.Int64
	capacity int64
}

// newRetryBudget makes the bucket of a client configured with tokens (see settings.retryBudget).
func newRetryBudget(tokens int) *retryBudget {
	switch {
	case tokens < 0:
		return nil
	case tokens == 0:
		tokens = DefaultRetryBudget
	}
	b := &retryBudget{capacity: int64(tokens)}
	b.tokens.Store(int64(tokens))
	return b
}

// take spends cost tokens, and reports false, spending nothing, when the bucket holds fewer.
func (b *retryBudget) take(cost int) bool {
	if b == nil {
		return true
	}
	for {
		have := b.tokens.Load()
		if have < int64(cost) {
			return false
		}
		if b.tokens.CompareAndSwap(have, have-int64(cost)) {
			return true
		}
	}
}

// settle gives tokens back once a request has ended, if it ended with a healthy answer: what
// its retries spent, or healthyRefund when it made none.
func (b *retryBudget) settle(resp *http.Response, err error, spent int) {
	if err != nil || resp == nil || RetryableStatus(resp.StatusCode) {
		return
	}
	b.settleSpent(spent)
}

// retryCostOf is what retrying after o takes from the budget.
func retryCostOf(o Outcome) int {
	if o.Err != nil {
		return errorRetryCost
	}
	return retryCost
}

// settleSpent gives back what the retries of a request that ended well took, or
// healthyRefund when it made none.
func (b *retryBudget) settleSpent(spent int) {
	if b == nil {
		return
	}
	for {
		have := b.tokens.Load()
		if have >= b.capacity {
			return
		}
		if b.tokens.CompareAndSwap(have, min(b.capacity, have+int64(max(spent, healthyRefund)))) {
			return
		}
	}
}
