package blaxeltest

import "github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/jobplane"

// JobFunc runs one task of an execution of a job (see HandleJob); an error fails the task.
type JobFunc = jobplane.Func

// JobTask is a task as its JobFunc gets it: the job, the execution's id, the task's index and
// input, and the environment variables the platform gives the task: the job's
// spec.runtime.envs, the execution's env overrides, BL_EXECUTION_DATA_URL (an address of the
// server that serves {"tasks": [...]}, the inputs of the execution, while it runs) and
// TASK_INDEX. Its LookupEnv reads them, for code that reads its task as a job's main does
// (package job of the client).
type JobTask = jobplane.Task

// HandleJob makes fn run the tasks of the executions of the job named name, created from now
// on (CreateJobExecution): the tasks run one after the other in index order, in the
// background, each with its own environment (see JobTask), and the context ends when the
// server closes. The execution is running until its last task ends, then succeeded when every
// task returned nil and failed otherwise; each task's status, the stats and the times follow.
// An execution created without tasks runs one, of input {}. A panic fails its task. A nil
// fn brings back the default: an execution settles as succeeded after the deploy delay,
// running nothing.
func (s *Server) HandleJob(name string, fn JobFunc) { s.jobs.Handle(name, fn) }
