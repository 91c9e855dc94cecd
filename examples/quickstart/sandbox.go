package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// glimpse runs one command inside the sandbox, through the API the sandbox serves itself,
// and says what it printed: go run ./examples/sandbox shows files, logs and watches too.
func (t *tour) glimpse(ctx context.Context, name string) (string, error) {
	sb, err := sandbox.Open(ctx, t.client, name)
	if err != nil {
		return "", fmt.Errorf("reach sandbox %s: %w", name, err)
	}
	res, err := sb.Run(ctx, "echo hello from the sandbox")
	if err != nil {
		return "", fmt.Errorf("run echo in sandbox %s: %w", name, err)
	}
	return fmt.Sprintf("echo inside it printed %q (exit code %d)", strings.TrimSpace(string(res.Stdout)), res.ExitCode), nil
}
