package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/blaxel-go/blaxel/gen"                // the API's types, generated from openapi.yaml
	"github.com/blaxel-go/blaxel/pkg/blaxel"         // the client
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox" // inside one sandbox
)

func main() {
	client, err := blaxel.NewFromEnv() // BL_API_KEY and BL_WORKSPACE, or what `bl login` saved
	if err != nil {
		log.Fatal(err)
	}
	if err := compress(context.Background(), client, "gzip-box", "report.txt", "report.txt.gz", os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// compress gzips the local file src in a new sandbox named box and writes the result to dst.
func compress(ctx context.Context, client *blaxel.Client, box, src, dst string, live io.Writer) error {
	if _, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: box}}); err != nil {
		return err
	}
	defer func() { // delete it however we leave, after a cancelled ctx too
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, err := client.DeleteSandbox(ctx, box); err != nil {
			log.Printf("deleting sandbox %s: %v", box, err)
		}
	}()

	sb, err := sandbox.Open(ctx, client, box) // a handle on the sandbox's own API
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := sb.WriteFile(ctx, "/tmp/data", in, 0o644); err != nil { // streamed, in parts when large
		return err
	}
	res, err := sb.Run(ctx, "gzip --verbose /tmp/data",
		sandbox.WithStdout(live), sandbox.WithStderr(live), // live, as the command prints
		sandbox.WithKillOnCancel()) // if ctx ends first, kill the process rather than leave it running
	if err != nil {
		return err // the run could not be followed
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("gzip exited with %d", res.ExitCode) // a failing command is not an error of Run
	}
	gz, err := sb.Open(ctx, "/tmp/data.gz") // a streamed download
	if err != nil {
		return err
	}
	defer gz.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, gz); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
