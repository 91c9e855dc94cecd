package blaxel

import "github.com/blaxel-go/blaxel/internal/pipeline"

// The errors of every request the client makes, on the control plane, a sandbox or a
// workload: the same types wherever they come from.
type (
	// APIError is a non-2xx answer. Every operation returns one, as its error, for any status
	// outside 2xx, so err == nil always means success. Use errors.As to read it, errors.Is with
	// the sentinels (ErrNotFound, ...) to test its status. Nothing in it holds a credential.
	APIError = pipeline.APIError

	// DecodeError is a 2xx answer that is not the success the document declares for the
	// operation: a body that is not the declared JSON, no body where one is due, or another
	// 2xx status. The operation may or may not have been carried out.
	DecodeError = pipeline.DecodeError

	// StreamError is a failure a sandbox reported inside a successful answer: a stream whose
	// status line and headers were already sent (200) when the failure happened.
	StreamError = pipeline.StreamError
)

// Sentinel errors to test an *APIError against with errors.Is. ErrUnauthorized also matches
// the token endpoint's 400 (a wrong client secret or refresh token), which ErrBadRequest
// matches too.
var (
	ErrBadRequest   = pipeline.ErrBadRequest
	ErrUnauthorized = pipeline.ErrUnauthorized
	ErrForbidden    = pipeline.ErrForbidden
	ErrNotFound     = pipeline.ErrNotFound
	ErrConflict     = pipeline.ErrConflict
	ErrGone         = pipeline.ErrGone
	ErrRateLimited  = pipeline.ErrRateLimited
)

// ErrResponseTooLarge is the cause of the *DecodeError that refuses a successful answer larger
// than the client's limit (DefaultMaxResponseBytes, or WithMaxResponseBytes). The answer is
// refused before it is decoded: its Content-Length is checked first, and a body without one is
// counted as it is read.
var ErrResponseTooLarge = pipeline.ErrResponseTooLarge

// ErrNoRunURL is the cause of the error of a call that needs the run URL (RunAgent, a
// sandbox without metadata.url...) when the client has none: a client whose control plane is
// not Blaxel's (WithBaseURL or BL_API_URL naming another server) gets no run URL by default,
// so that its calls never reach Blaxel's production run host. Give it WithRunURL.
var ErrNoRunURL = pipeline.ErrNoRunURL

// DefaultMaxResponseBytes is the largest successful answer a client decodes unless
// WithMaxResponseBytes says otherwise: 64 MiB, far above any answer of the API.
const DefaultMaxResponseBytes = pipeline.DefaultMaxResponseBytes

// DefaultRetryBudget is the capacity of a client's retry budget unless WithRetryBudget says
// otherwise: enough for 100 retries after answers (50 after connection errors) in a row.
const DefaultRetryBudget = pipeline.DefaultRetryBudget

// The retry decision, as small pieces: see RetryPolicy.
type (
	// RetryPolicy says how often and how patiently a failed request is sent again; see
	// DefaultCheckRetry for what is retried.
	RetryPolicy = pipeline.RetryPolicy
	// Outcome is what one attempt of a request gave, as the retry decision sees it.
	Outcome = pipeline.Outcome
	// CheckRetry decides whether an attempt's outcome is worth sending the request again.
	CheckRetry = pipeline.CheckRetry
)

// DefaultRetryPolicy is the policy of a client built without WithRetryPolicy: 3 retries, waits
// drawn below 250 ms, 500 ms, 1 s (at most 20 s), Retry-After honoured up to a minute.
func DefaultRetryPolicy() RetryPolicy { return pipeline.DefaultRetryPolicy() }

// DefaultCheckRetry is the decision of a client built without WithCheckRetry: the rules the
// documentation of RetryPolicy gives.
func DefaultCheckRetry(o Outcome) bool { return pipeline.DefaultCheckRetry(o) }
