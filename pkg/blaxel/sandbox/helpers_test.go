package sandbox_test

import "github.com/blaxel-go/blaxel/internal/apitest"

// The helpers every test of the package uses (see internal/apitest).
var (
	setup       = apitest.Setup
	baseURL     = apitest.BaseURL
	fastRetries = apitest.FastRetries
	newClient   = apitest.NewClient
	apiKey      = apitest.APIKey
	writeJSON   = apitest.WriteJSON
	sandboxJSON = apitest.SandboxJSON
)
