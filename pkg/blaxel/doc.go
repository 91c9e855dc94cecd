// Package blaxel is a Go client for the Blaxel v0 control-plane API.
//
// A [Client] exposes every operation of the API through the generated
// [gen.ClientWithResponses] it embeds, and adds what a generator cannot:
// credentials, the workspace and API-version headers, and one HTTP pipeline
// that every call goes through.
//
//	client, err := blaxel.New(
//		blaxel.WithAPIKey(os.Getenv("BL_API_KEY")),
//		blaxel.WithWorkspace("my-workspace"),
//	)
//	if err != nil { ... }
//	resp, err := client.GetSandboxWithResponse(ctx, "my-sandbox", nil)
//
// [gen.ClientWithResponses]: https://pkg.go.dev/github.com/blaxel-go/blaxel/gen#ClientWithResponses
package blaxel
