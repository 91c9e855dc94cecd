package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A session hands a sandbox to a party without the workspace's credential: a browser, or
// another process, which needs only the session's address and token. Here against the fake
// of package blaxeltest.
func ExampleSessions_Reuse() {
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

	sessions, err := sandbox.NewSessions(client, "box")
	if err != nil {
		log.Fatal(err)
	}
	// The session already there if it lasts another hour, else a new one (a day by default).
	session, err := sessions.Reuse(ctx, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	again, err := sessions.Reuse(ctx, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("reused:", again.Name == session.Name)

	// Elsewhere, with session.URL and session.Token alone:
	sb, err := sandbox.OpenSession(*session)
	if err != nil {
		log.Fatal(err)
	}
	res, err := sb.Run(ctx, "echo opened by a session")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(res.Stdout))
	// Output:
	// reused: true
	// opened by a session
}
