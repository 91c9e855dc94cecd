package job_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/job"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func fakeClient(t testing.TB, srv *blaxeltest.Server) *blaxel.Client {
	t.Helper()
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func createJob(t *testing.T, c *blaxel.Client, name string, envs ...gen.Env) {
	t.Helper()
	if _, err := c.CreateJob(t.Context(), gen.Job{Metadata: gen.Metadata{Name: name}, Spec: gen.JobSpec{Runtime: &gen.JobRuntime{Envs: envs}}}); err != nil {
		t.Fatal(err)
	}
}

// run starts an execution and waits for its end; it returns the execution's id too.
func run(t *testing.T, c *blaxel.Client, jobName string, req gen.CreateJobExecutionRequest) (*gen.JobExecution, string, error) {
	t.Helper()
	out, err := c.CreateJobExecution(t.Context(), jobName, req)
	if err != nil {
		t.Fatal(err)
	}
	if out.ExecutionID == nil {
		t.Fatal("no execution id")
	}
	exec, err := c.WaitForJobExecution(t.Context(), jobName, *out.ExecutionID, blaxel.WithPollInterval(time.Millisecond))
	return exec, *out.ExecutionID, err
}

func TestTheFakeRunsEachTaskWithThePlatformsEnvironment(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c := fakeClient(t, srv)
	name, value := "REGION", "eu"
	createJob(t, c, "etl", gen.Env{Name: &name, Value: &value})

	var mu sync.Mutex
	var seen []string
	srv.HandleJob("etl", func(ctx context.Context, task blaxeltest.JobTask) error {
		in, err := job.Input[input](ctx, job.WithLookupEnv(task.LookupEnv))
		if err != nil {
			return err
		}
		region, _ := task.LookupEnv("REGION")
		mode, _ := task.LookupEnv("MODE")
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%d %s %s %s", task.Index, in.File, region, mode))
		mu.Unlock()
		return nil
	})
	exec, _, err := run(t, c, "etl", gen.CreateJobExecutionRequest{
		Tasks: []map[string]any{{"file": "a.csv"}, {"file": "b.csv"}},
		Env:   map[string]string{"MODE": "full"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0 a.csv eu full", "1 b.csv eu full"}; !slices.Equal(seen, want) {
		t.Errorf("the tasks saw %q, want %q", seen, want)
	}
	if *exec.Status != gen.JobExecutionStatusSucceeded || *exec.Stats.Success != 2 || *exec.Stats.Total != 2 || len(exec.Tasks) != 2 {
		t.Errorf("execution %+v stats %+v", exec, exec.Stats)
	}
	for _, task := range exec.Tasks {
		if *task.Status != gen.JobExecutionTaskStatusSucceeded {
			t.Errorf("task %+v", task)
		}
	}
}

func TestAFailedTaskFailsTheExecution(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c := fakeClient(t, srv)
	createJob(t, c, "etl")
	srv.HandleJob("etl", func(ctx context.Context, task blaxeltest.JobTask) error {
		in, err := job.Input[input](ctx, job.WithLookupEnv(task.LookupEnv))
		if err != nil {
			return err
		}
		if in.File == "bad.csv" {
			return errors.New("bad.csv: no header row")
		}
		if in.File == "worse.csv" {
			panic("a bug")
		}
		return nil
	})
	_, id, err := run(t, c, "etl", gen.CreateJobExecutionRequest{Tasks: []map[string]any{{"file": "a.csv"}, {"file": "bad.csv"}, {"file": "worse.csv"}}})
	var se *blaxel.StatusError
	if !errors.As(err, &se) || se.Status != "failed" || se.Message == "" {
		t.Fatalf("WaitForJobExecution = %v, want a *StatusError with the task's message", err)
	}
	exec, err := c.GetJobExecution(t.Context(), "etl", id)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, task := range exec.Tasks {
		statuses = append(statuses, string(*task.Status))
	}
	if *exec.Status != gen.JobExecutionStatusFailed || *exec.Stats.Failure != 2 || !slices.Equal(statuses, []string{"succeeded", "failed", "failed"}) {
		t.Errorf("execution status %s, tasks %q, stats %+v", *exec.Status, statuses, exec.Stats)
	}
	if msg := *exec.Tasks[1].Conditions[0].Message; msg != "bad.csv: no header row" {
		t.Errorf("the failed task says %q", msg)
	}
}

func TestAJobWithoutHandlerSettlesAsBefore(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c := fakeClient(t, srv)
	createJob(t, c, "idle")
	srv.HandleJob("idle", func(context.Context, blaxeltest.JobTask) error { return errors.New("never") })
	srv.HandleJob("idle", nil)
	if _, _, err := run(t, c, "idle", gen.CreateJobExecutionRequest{Tasks: []map[string]any{{}}}); err != nil {
		t.Fatal(err)
	}
}
