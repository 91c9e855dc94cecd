package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A sandbox's own API through its handle: a command run to its end, a file written and read
// back, a process's logs followed. Here against the fake of package blaxeltest.
func ExampleOpen() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := blaxel.New(srv.ClientOptions()...) // both addresses of the fake; srv.Client(t) in a test
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(10*time.Millisecond)); err != nil {
		log.Fatal(err)
	}

	sb, err := sandbox.Open(ctx, client, "box") // resolved once: its metadata.url here
	if err != nil {
		log.Fatal(err)
	}
	res, err := sb.Run(ctx, "echo hello from the sandbox")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exit %d: %s", res.ExitCode, res.Stdout)

	if err := sb.WriteFile(ctx, "/app/notes.txt", strings.NewReader("written by Go\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	data, err := sb.ReadFile(ctx, "/app/notes.txt")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(data))

	proc, err := sb.Exec(ctx, sandbox.Command{Command: "echo one two three"})
	if err != nil {
		log.Fatal(err)
	}
	for chunk, err := range sb.Logs(ctx, proc.Name) {
		if err != nil {
			log.Fatal(err)
		}
		os.Stdout.Write(chunk.Data)
	}
	// Output:
	// exit 0: hello from the sandbox
	// written by Go
	// one two three
}
