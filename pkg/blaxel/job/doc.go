// Package job reads, from inside a task of a Blaxel job execution, the task it must do.
//
// When an execution runs (CreateJobExecution, with one free-form input per task), the
// platform starts one container per task and tells each which it is by two environment
// variables: BL_EXECUTION_DATA_URL, an address that answers the execution's data as JSON
// ({"tasks": [input, ...]}, no credential needed), and the task's index in that list, in the
// variable that BL_TASK_KEY names (TASK_INDEX unless set; index 0 when that variable is
// unset, as Blaxel's other SDKs read it). A Go job's main calls [Current] (or [Input] for
// the input decoded into a type of its own) and does the work:
//
//	func main() {
//		in, err := job.Input[Batch](context.Background())
//		if err != nil {
//			log.Fatal(err) // the task fails, the execution says so
//		}
//		...
//	}
//
// The data is fetched with GET, retried on a network error, 429 or 5xx (3 retries, waiting
// 1, 2, then 4 seconds unless told), and read up to a limit (16 MiB unless told). Outside an
// execution, or with an index that is not a number, the error says so. [WithLookupEnv] reads
// the variables from elsewhere than the process's environment: the fake's JobTask.LookupEnv
// in tests (package blaxeltest runs a job's tasks with HandleJob).
package job
