// A program that only calls the control plane, for the test that lists what it links.
package main

import (
	"context"
	"fmt"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

func main() {
	c, err := blaxel.New(blaxel.WithAPIKey("an-api-key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		panic(err)
	}
	sb, err := c.GetSandbox(context.Background(), "sb", nil)
	fmt.Println(sb, err)
}
