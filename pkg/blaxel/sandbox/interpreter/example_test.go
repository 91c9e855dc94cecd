package interpreter_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox/interpreter"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A code interpreter: code run in a context that keeps its state, its outputs read as they
// come and gathered. Here against the fake of package blaxeltest, whose script stands for
// Python.
func ExampleCreate() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.HandleCode(func(ctx context.Context, run *blaxeltest.CodeRun) {
		switch run.Code {
		case "print('hello')":
			run.Stdout("hello\n")
		case "1 / 0":
			run.Error("ZeroDivisionError", "division by zero", "Traceback (most recent call last): ...")
		default:
			run.Result(map[string]any{"text": "42", "is_main_result": true})
		}
	})
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A sandbox from blaxel/jupyter-server, port 8888 open, deleted after 30 idle minutes.
	in, err := interpreter.Create(ctx, client, gen.Sandbox{Metadata: gen.Metadata{Name: "py"}},
		blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}

	for out, err := range in.Run(ctx, "print('hello')") { // as the kernel produces them
		if err != nil {
			log.Fatal(err)
		}
		if out.Type == interpreter.OutputStdout {
			fmt.Print(out.Text)
		}
	}

	work, err := in.CreateContext(ctx, "python", "/app") // a kernel of its own
	if err != nil {
		log.Fatal(err)
	}
	e, err := in.Exec(ctx, "6 * 7", interpreter.InContext(work))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("result:", e.Text(), "run", e.ExecutionCount)

	e, err = in.Exec(ctx, "1 / 0") // raising is not an error of Exec
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Error.Name+":", e.Error.Value)
	if err := in.DeleteContext(ctx, work); err != nil {
		log.Fatal(err)
	}
	// Output:
	// hello
	// result: 42 run 1
	// ZeroDivisionError: division by zero
}
