package job_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel/job"
)

// env is a task's environment for WithLookupEnv.
type env map[string]string

func (e env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// dataServer serves an execution's data at /data/secret-token.
func dataServer(t *testing.T, data string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/data/secret-token" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(data))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const threeTasks = `{"tasks":[{"file":"a.csv"},{"file":"b.csv"},{"file":"c.csv"}]}`

type input struct {
	File string `json:"file"`
}

func TestCurrentReadsTheTaskOfItsIndex(t *testing.T) {
	srv := dataServer(t, threeTasks)
	for _, tt := range []struct {
		name string
		env  env
		want string
		idx  int
	}{
		{"TASK_INDEX", env{"TASK_INDEX": "1"}, "b.csv", 1},
		{"no index is the first", env{}, "a.csv", 0},
		{"BL_TASK_KEY names the variable", env{"BL_TASK_KEY": "JOB_COMPLETION_INDEX", "JOB_COMPLETION_INDEX": "2", "TASK_INDEX": "0"}, "c.csv", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.env[job.EnvExecutionDataURL] = srv.URL + "/data/secret-token"
			task, err := job.Current(t.Context(), job.WithLookupEnv(tt.env.lookup))
			if err != nil {
				t.Fatal(err)
			}
			var in input
			if err := task.Decode(&in); err != nil {
				t.Fatal(err)
			}
			if in.File != tt.want || task.Index != tt.idx || task.Count != 3 {
				t.Errorf("task %+v input %+v, want %s at %d", task, in, tt.want, tt.idx)
			}
			typed, err := job.Input[input](t.Context(), job.WithLookupEnv(tt.env.lookup))
			if err != nil || typed.File != tt.want {
				t.Errorf("Input = %+v, %v", typed, err)
			}
		})
	}
}

func TestCurrentWithoutTasksGivesAnEmptyInput(t *testing.T) {
	for _, data := range []string{`{"tasks":[]}`, `{}`, `{"tasks":[null]}`} {
		srv := dataServer(t, data)
		task, err := job.Current(t.Context(), job.WithLookupEnv(env{job.EnvExecutionDataURL: srv.URL + "/data/secret-token"}.lookup))
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if string(task.Input) != "{}" {
			t.Errorf("%s: input %s", data, task.Input)
		}
	}
}

func TestCurrentRefuses(t *testing.T) {
	srv := dataServer(t, threeTasks)
	url := srv.URL + "/data/secret-token"
	for _, tt := range []struct {
		name  string
		env   env
		opts  []job.Option
		check func(error) bool
	}{
		{"outside an execution", env{}, nil, func(err error) bool { return errors.Is(err, job.ErrNotInExecution) }},
		{"an address that is not http", env{job.EnvExecutionDataURL: "file:///etc/passwd"}, nil, nil},
		{"an index not a number", env{job.EnvExecutionDataURL: url, "TASK_INDEX": "one"}, nil, nil},
		{"a negative index", env{job.EnvExecutionDataURL: url, "TASK_INDEX": "-1"}, nil, nil},
		{"an index past the tasks", env{job.EnvExecutionDataURL: url, "TASK_INDEX": "3"}, nil, nil},
		{"data past the limit", env{job.EnvExecutionDataURL: url}, []job.Option{job.WithMaxData(16)}, nil},
		{"data not JSON", env{job.EnvExecutionDataURL: dataServer(t, "<html>").URL + "/data/secret-token"}, nil, nil},
		{"no data at the address", env{job.EnvExecutionDataURL: srv.URL + "/gone/secret-token"}, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := job.Current(t.Context(), append([]job.Option{job.WithLookupEnv(tt.env.lookup)}, tt.opts...)...)
			if err == nil || (tt.check != nil && !tt.check(err)) {
				t.Fatalf("Current = %v", err)
			}
			if strings.Contains(err.Error(), "secret-token") {
				t.Errorf("the error shows the data address: %v", err)
			}
		})
	}
}

func TestCurrentRetriesWhatMayPass(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(threeTasks))
	}))
	defer srv.Close()
	e := env{job.EnvExecutionDataURL: srv.URL}
	if _, err := job.Current(t.Context(), job.WithLookupEnv(e.lookup), job.WithRetries(3, 0)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d fetches, want 3", calls.Load())
	}

	calls.Store(-10) // every fetch fails from now on
	if _, err := job.Current(t.Context(), job.WithLookupEnv(e.lookup), job.WithRetries(2, 0)); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Current = %v, want the last status", err)
	}
	if calls.Load() != -7 {
		t.Errorf("%d fetches, want 3", calls.Load()+10)
	}
}

func TestCurrentDoesNotRetryANotFound(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	e := env{job.EnvExecutionDataURL: srv.URL}
	if _, err := job.Current(t.Context(), job.WithLookupEnv(e.lookup), job.WithRetries(3, 0)); err == nil {
		t.Fatal("no error")
	}
	if calls.Load() != 1 {
		t.Errorf("%d fetches, want 1", calls.Load())
	}
}

func TestCurrentEndsWithItsContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := job.Current(ctx, job.WithLookupEnv(env{job.EnvExecutionDataURL: srv.URL}.lookup))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Current = %v, want context.Canceled", err)
	}
}

func TestOptionsRefuseUnusableValues(t *testing.T) {
	for name, opt := range map[string]job.Option{
		"nil lookup": job.WithLookupEnv(nil), "nil client": job.WithHTTPClient(nil),
		"zero limit": job.WithMaxData(0), "negative retries": job.WithRetries(-1, 0),
	} {
		if _, err := job.Current(t.Context(), opt); err == nil || errors.Is(err, job.ErrNotInExecution) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
