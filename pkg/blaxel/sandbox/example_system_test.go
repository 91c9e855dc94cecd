package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A drive of the workspace mounted in a sandbox, listed and unmounted; then the sandbox's
// server upgraded, waiting for it to come back. Here against the fake of package blaxeltest.
func ExampleSandbox_MountDrive() {
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

	readOnly := true
	if _, err := sb.MountDrive(ctx, sandboxapi.DriveMountRequest{DriveName: "datasets", MountPath: "/mnt/datasets", ReadOnly: &readOnly}); err != nil {
		log.Fatal(err)
	}
	mounts, err := sb.Drives(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range mounts {
		fmt.Println(*m.DriveName, "at", *m.MountPath, "read-only:", *m.ReadOnly)
	}
	if err := sb.UnmountDrive(ctx, "/mnt/datasets"); err != nil {
		log.Fatal(err)
	}

	health, err := sb.Upgrade(ctx, nil, blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("upgrades:", health.UpgradeCount, health.LastUpgrade.Status)
	// Output:
	// datasets at /mnt/datasets read-only: true
	// upgrades: 1 completed
}
