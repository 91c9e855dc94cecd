package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A process started with a standard input reads what is written to it: cat echoes it back,
// and ends once the input is closed. Here against the fake of package blaxeltest.
func ExampleSandbox_Stdin() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// No name: the server chooses one.
	box, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{}, blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, client, box.Metadata.Name)
	if err != nil {
		log.Fatal(err)
	}

	proc, err := sb.Exec(ctx, sandbox.Command{Command: "cat", Stdin: true})
	if err != nil {
		log.Fatal(err)
	}
	stdin, err := sb.Stdin(ctx, proc.Name)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.WriteString(stdin, "hello through stdin\n"); err != nil {
		log.Fatal(err)
	}
	if err := stdin.Close(); err != nil { // cat reads end of file, and exits
		log.Fatal(err)
	}
	for chunk, err := range sb.Logs(ctx, proc.Name) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s", chunk.Data)
	}
	// Output:
	// hello through stdin
}
