package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A terminal in a sandbox, as an io.ReadWriteCloser: keys typed in, what it prints read
// back. Here against the fake of package blaxeltest, whose terminal runs its scripted
// commands behind the prompt "$ ".
func ExampleSandbox_Terminal() {
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
	if _, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(10*time.Millisecond)); err != nil {
		log.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, client, "box")
	if err != nil {
		log.Fatal(err)
	}

	term, err := sb.Terminal(ctx, sandbox.WithTerminalSize(120, 40))
	if err != nil {
		log.Fatal(err)
	}
	defer term.Close() // the session's shell goes on in the sandbox
	if _, err := io.WriteString(term, "echo hello from a terminal\r"); err != nil {
		log.Fatal(err)
	}
	var screen strings.Builder
	buf := make([]byte, 1024)
	for !strings.HasSuffix(screen.String(), "terminal\r\n$ ") { // the prompt after the output
		n, err := term.Read(buf)
		if err != nil {
			log.Fatal(err)
		}
		screen.Write(buf[:n])
	}
	fmt.Printf("%q\n", screen.String())
	if err := term.Resize(80, 24); err != nil { // a window resized
		log.Fatal(err)
	}
	// Output:
	// "$ echo hello from a terminal\r\nhello from a terminal\r\n$ "
}
