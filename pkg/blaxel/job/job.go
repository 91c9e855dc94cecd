package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/option"
)

// The variables the platform sets in a task's environment.
const (
	EnvExecutionDataURL = "BL_EXECUTION_DATA_URL" // where the execution's data is
	EnvTaskKey          = "BL_TASK_KEY"           // names the variable that holds the task's index
	DefaultTaskKey      = "TASK_INDEX"            // that variable, when BL_TASK_KEY is unset
)

// DefaultMaxData is the largest execution data read, in bytes.
const DefaultMaxData = 16 << 20

// ErrNotInExecution is returned outside a job execution: BL_EXECUTION_DATA_URL is not set.
var ErrNotInExecution = errors.New("job: " + EnvExecutionDataURL + " is not set: not running as a task of a job execution")

// Task is the task of a job execution this process runs.
type Task struct {
	Index int             // its index among the execution's tasks
	Count int             // how many tasks the execution has
	Input json.RawMessage // its input as the execution was created with it, {} when it has none
}

// Decode decodes the task's input into v.
func (t *Task) Decode(v any) error {
	if err := json.Unmarshal(t.Input, v); err != nil {
		return fmt.Errorf("job: decoding the input of task %d: %w", t.Index, err)
	}
	return nil
}

// Option configures how the task is read.
type Option func(*settings) error

type settings struct {
	lookup  func(string) (string, bool)
	client  *http.Client
	maxData int64
	retries int
	backoff time.Duration
}

// WithLookupEnv reads the environment variables with lookup instead of os.LookupEnv.
func WithLookupEnv(lookup func(name string) (string, bool)) Option {
	return func(s *settings) error {
		if lookup == nil {
			return errors.New("job: WithLookupEnv: the lookup is nil")
		}
		s.lookup = lookup
		return nil
	}
}

// DefaultFetchTimeout bounds each attempt to fetch the execution data, unless WithHTTPClient
// gives a client of the caller's: a stalled data server must not hold a job forever.
const DefaultFetchTimeout = 30 * time.Second

// WithHTTPClient fetches the execution data with c instead of a plain client whose attempts
// end after DefaultFetchTimeout.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("job: WithHTTPClient: the client is nil")
		}
		s.client = c
		return nil
	}
}

// WithMaxData sets the largest execution data read, in bytes (DefaultMaxData unless given).
func WithMaxData(n int64) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("job: WithMaxData: %d is not a positive size", n)
		}
		s.maxData = n
		return nil
	}
}

// WithRetries sets how many times a failed fetch of the data is tried again (3 unless
// given), and the first wait, doubled at each retry (1 second unless given).
func WithRetries(retries int, firstWait time.Duration) Option {
	return func(s *settings) error {
		if retries < 0 || firstWait < 0 {
			return fmt.Errorf("job: WithRetries: %d retries after %v is not usable", retries, firstWait)
		}
		s.retries, s.backoff = retries, firstWait
		return nil
	}
}

// Current returns the task this process runs in the current job execution: its index, read
// from the environment, and its input, fetched from the execution data.
func Current(ctx context.Context, opts ...Option) (*Task, error) {
	s := settings{lookup: os.LookupEnv, client: &http.Client{Timeout: DefaultFetchTimeout}, maxData: DefaultMaxData, retries: 3, backoff: time.Second}
	if err := option.Apply(&s, opts); err != nil {
		return nil, err
	}
	dataURL, ok := s.lookup(EnvExecutionDataURL)
	if !ok || strings.TrimSpace(dataURL) == "" {
		return nil, ErrNotInExecution
	}
	if u, err := url.Parse(dataURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("job: %s is not an http(s) address", EnvExecutionDataURL)
	}
	index, err := taskIndex(s.lookup)
	if err != nil {
		return nil, err
	}
	raw, err := fetch(ctx, &s, dataURL)
	if err != nil {
		return nil, err
	}
	var data struct {
		Tasks []json.RawMessage `json:"tasks"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("job: the execution data is not a JSON object with tasks: %w", err)
	}
	t := &Task{Index: index, Count: len(data.Tasks), Input: json.RawMessage(`{}`)}
	switch {
	case index < len(data.Tasks):
		if in := data.Tasks[index]; len(in) > 0 && string(in) != "null" {
			t.Input = in
		}
	case len(data.Tasks) > 0:
		return nil, fmt.Errorf("job: task %d of an execution of %d tasks", index, len(data.Tasks))
	}
	return t, nil
}

// Input returns the input of the task this process runs, decoded into a T.
func Input[T any](ctx context.Context, opts ...Option) (T, error) {
	var v T
	t, err := Current(ctx, opts...)
	if err != nil {
		return v, err
	}
	err = t.Decode(&v)
	return v, err
}

// taskIndex reads the task's index from the variable BL_TASK_KEY names: 0 when unset.
func taskIndex(lookup func(string) (string, bool)) (int, error) {
	key := DefaultTaskKey
	if k, ok := lookup(EnvTaskKey); ok && strings.TrimSpace(k) != "" {
		key = strings.TrimSpace(k)
	}
	v, ok := lookup(key)
	if !ok || strings.TrimSpace(v) == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("job: the task index %s=%q is not a number from 0", key, v)
	}
	return n, nil
}
