package job_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/job"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// Batch is the input of one task of the job.
type Batch struct {
	File string `json:"file"`
}

// work is what a job's main does: read its task, then work on it. main calls it with
// os.LookupEnv; a test, with the fake's task environment.
func work(ctx context.Context, lookupEnv func(string) (string, bool)) error {
	batch, err := job.Input[Batch](ctx, job.WithLookupEnv(lookupEnv))
	if err != nil {
		return err
	}
	fmt.Println("processing", batch.File)
	return nil
}

// A job's code reads its task with Input; the fake runs it for each task of an execution.
func ExampleInput() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.HandleJob("etl", func(ctx context.Context, task blaxeltest.JobTask) error {
		return work(ctx, task.LookupEnv)
	})

	ctx := context.Background()
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithAPIKey("my-api-key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.CreateJob(ctx, gen.Job{Metadata: gen.Metadata{Name: "etl"}}); err != nil {
		log.Fatal(err)
	}
	out, err := client.CreateJobExecution(ctx, "etl", gen.CreateJobExecutionRequest{
		Tasks: []map[string]any{{"file": "2026-09-01.csv"}, {"file": "2026-09-02.csv"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	exec, err := client.WaitForJobExecution(ctx, "etl", *out.ExecutionID, blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*exec.Status, *exec.Stats.Success, "tasks")
	// Output:
	// processing 2026-09-01.csv
	// processing 2026-09-02.csv
	// succeeded 2 tasks
}
