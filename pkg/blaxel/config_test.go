package blaxel_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// configYAML has one workspace per case of the file's own precedence.
var configYAML = `context:
  workspace: main
workspaces:
  - name: main
    credentials:
      apiKey: file-key-main
      access_token: file-access-main
      refresh_token: file-refresh-main
      client_credentials: ` + b64("file-id:file-secret") + `
  - name: tokens
    credentials:
      access_token: file-access-tokens
      client_credentials: ` + b64("file-id:file-secret") + `
  - name: service
    credentials:
      client_credentials: ` + b64("svc-id:svc-secret") + `
  - name: empty
  - name: devws
    env: dev
    credentials:
      apiKey: dev-key
`

// envOf makes a getenv from a map: no test reads the process environment.
func envOf(vars map[string]string) blaxel.Option {
	return blaxel.WithEnv(func(name string) string { return vars[name] })
}

// writeConfig puts content at HOME/.blaxel/config.yaml, where NewFromEnv looks by default.
func writeConfig(t *testing.T, content string) (home, path string) {
	t.Helper()
	home = t.TempDir()
	path = filepath.Join(home, ".blaxel", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return home, path
}

// TestCredentialPrecedence: options beat the environment, which beats the file; BL_API_KEY
// beats BL_CLIENT_CREDENTIALS; in the file apiKey beats access_token beats client_credentials;
// and exactly one credential header is sent.
func TestCredentialPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name          string
		env           map[string]string
		opts          []blaxel.Option
		wantAuth      string // the API request's Authorization
		wantBasic     string // the token request's client id:secret, when one is expected
		wantWorkspace string
		wantErr       string
	}{
		{name: "option key beats environment and file", env: map[string]string{"BL_API_KEY": "env-key"},
			opts: []blaxel.Option{blaxel.WithAPIKey("opt-key")}, wantAuth: "Bearer opt-key", wantWorkspace: "main"},
		{name: "option client credentials beat environment key",
			env:  map[string]string{"BL_API_KEY": "env-key"},
			opts: []blaxel.Option{blaxel.WithClientCredentials("opt-id", "opt-secret")}, wantAuth: "Bearer token-1", wantBasic: "opt-id:opt-secret", wantWorkspace: "main"},
		{name: "environment key beats environment client credentials and file",
			env:      map[string]string{"BL_API_KEY": "env-key", "BL_CLIENT_CREDENTIALS": b64("env-id:env-secret")},
			wantAuth: "Bearer env-key", wantWorkspace: "main"},
		{name: "environment client credentials in base64 beat the file",
			env:      map[string]string{"BL_CLIENT_CREDENTIALS": b64("env-id:env-secret")},
			wantAuth: "Bearer token-1", wantBasic: "env-id:env-secret", wantWorkspace: "main"},
		{name: "environment client credentials in plain form",
			env:      map[string]string{"BL_CLIENT_CREDENTIALS": "env-id:env-secret"},
			wantAuth: "Bearer token-1", wantBasic: "env-id:env-secret", wantWorkspace: "main"},
		{name: "file apiKey beats access_token and client_credentials", wantAuth: "Bearer file-key-main", wantWorkspace: "main"},
		{name: "file access_token beats client_credentials", env: map[string]string{"BL_WORKSPACE": "tokens"},
			wantAuth: "Bearer file-access-tokens", wantWorkspace: "tokens"},
		{name: "file client_credentials", env: map[string]string{"BL_WORKSPACE": "service"},
			wantAuth: "Bearer token-1", wantBasic: "svc-id:svc-secret", wantWorkspace: "service"},
		{name: "WithWorkspace beats BL_WORKSPACE and picks the file entry", env: map[string]string{"BL_WORKSPACE": "main"},
			opts: []blaxel.Option{blaxel.WithWorkspace("tokens")}, wantAuth: "Bearer file-access-tokens", wantWorkspace: "tokens"},
		{name: "environment key with environment workspace", env: map[string]string{"BL_API_KEY": "env-key", "BL_WORKSPACE": "elsewhere"},
			wantAuth: "Bearer env-key", wantWorkspace: "elsewhere"},
		{name: "an entry without credentials gives none", env: map[string]string{"BL_WORKSPACE": "empty"}, wantErr: "no credential"},
		{name: "another workspace's credentials are not borrowed", env: map[string]string{"BL_WORKSPACE": "ghost"}, wantErr: "no credential"},
		{name: "two credential options are refused", opts: []blaxel.Option{blaxel.WithAPIKey("a-key-1"), blaxel.WithClientCredentials("id", "secret")},
			wantErr: "give one credential"},
		{name: "malformed client credentials are refused", env: map[string]string{"BL_CLIENT_CREDENTIALS": "not base64!"},
			wantErr: "BL_CLIENT_CREDENTIALS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux, srv := setup(t)
			tokens := tokenServer(mux, 3600)
			api := okSandbox(mux)
			home, _ := writeConfig(t, configYAML)
			env := map[string]string{"HOME": home, "BL_API_URL": baseURL(srv)}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := blaxel.NewFromEnv(append([]blaxel.Option{envOf(env), fastRetries()}, tc.opts...)...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := getSandbox(c); err != nil {
				t.Fatal(err)
			}
			h := api.all()[0].Header
			if got := h.Values("Authorization"); len(got) != 1 || got[0] != tc.wantAuth {
				t.Errorf("Authorization %q, want %q", got, tc.wantAuth)
			}
			if _, ok := h["X-Blaxel-Authorization"]; ok {
				t.Error("X-Blaxel-Authorization sent too")
			}
			if got := h.Get("X-Blaxel-Workspace"); got != tc.wantWorkspace {
				t.Errorf("workspace %q, want %q", got, tc.wantWorkspace)
			}
			wantTokens := 0
			if tc.wantBasic != "" {
				wantTokens = 1
			}
			if tokens.count() != wantTokens {
				t.Fatalf("%d token requests, want %d", tokens.count(), wantTokens)
			}
			if wantTokens == 1 {
				if got := tokens.all()[0].Header.Get("Authorization"); got != "Basic "+b64(tc.wantBasic) {
					t.Errorf("token request Authorization %q, want Basic of %q", got, tc.wantBasic)
				}
			}
		})
	}
}

// TestAddressPrecedence: WithBaseURL/WithRunURL or WithEnvironment, then BL_API_URL/BL_RUN_URL
// or BL_ENV, then the workspace entry's env, then production.
func TestAddressPrecedence(t *testing.T) {
	const (
		prodAPI, prodRun = "https://api.blaxel.ai/v0", "https://run.blaxel.ai"
		devAPI, devRun   = "https://api.blaxel.dev/v0", "https://run.blaxel.dev"
		local            = "http://localhost:8080/v0"
	)
	for _, tc := range []struct {
		name             string
		env              map[string]string
		opts             []blaxel.Option
		wantAPI, wantRun string
		wantErr          string
	}{
		{name: "production by default", wantAPI: prodAPI, wantRun: prodRun},
		{name: "BL_ENV=dev", env: map[string]string{"BL_ENV": "dev"}, wantAPI: devAPI, wantRun: devRun},
		{name: "the workspace entry's env", env: map[string]string{"BL_WORKSPACE": "devws"}, wantAPI: devAPI, wantRun: devRun},
		{name: "BL_ENV beats the entry's env", env: map[string]string{"BL_WORKSPACE": "devws", "BL_ENV": "prod"}, wantAPI: prodAPI, wantRun: prodRun},
		{name: "BL_API_URL beats BL_ENV for the control plane only", env: map[string]string{"BL_ENV": "dev", "BL_API_URL": local},
			wantAPI: local, wantRun: devRun},
		{name: "BL_RUN_URL", env: map[string]string{"BL_RUN_URL": "http://127.0.0.1:9000/"}, wantAPI: prodAPI, wantRun: "http://127.0.0.1:9000"},
		{name: "WithEnvironment beats BL_API_URL", env: map[string]string{"BL_API_URL": local},
			opts: []blaxel.Option{blaxel.WithEnvironment("dev")}, wantAPI: devAPI, wantRun: devRun},
		{name: "WithBaseURL beats WithEnvironment", opts: []blaxel.Option{blaxel.WithEnvironment("dev"), blaxel.WithBaseURL(local)},
			wantAPI: local, wantRun: devRun},
		{name: "unknown BL_ENV", env: map[string]string{"BL_ENV": "staging"}, wantErr: "BL_ENV"},
		{name: "remote plain http refused", env: map[string]string{"BL_API_URL": "http://api.internal.example/v0"}, wantErr: "WithInsecureHTTP"},
		{name: "remote plain http allowed when asked", env: map[string]string{"BL_API_URL": "http://api.internal.example/v0"},
			opts: []blaxel.Option{blaxel.WithInsecureHTTP()}, wantAPI: "http://api.internal.example/v0", wantRun: prodRun},
		{name: "not an address", env: map[string]string{"BL_RUN_URL": "run.blaxel.ai"}, wantErr: "BL_RUN_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, _ := writeConfig(t, configYAML)
			env := map[string]string{"HOME": home, "BL_API_KEY": "env-key"}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := blaxel.NewFromEnv(append([]blaxel.Option{envOf(env)}, tc.opts...)...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tc.wantAPI || blaxel.CoreRunURL(c) != tc.wantRun {
				t.Fatalf("addresses %s and %s, want %s and %s", c.BaseURL(), blaxel.CoreRunURL(c), tc.wantAPI, tc.wantRun)
			}
		})
	}
}

func TestConfigFileThatDoesNotParseIsNamed(t *testing.T) {
	home, path := writeConfig(t, "workspaces: [unclosed\n")
	_, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_KEY": "env-key"}))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
}

func TestMissingConfigFileIsFine(t *testing.T) {
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": t.TempDir(), "BL_API_KEY": "env-key", "BL_WORKSPACE": "w"}))
	if err != nil || blaxel.CoreWorkspace(c) != "w" {
		t.Fatalf("client %v, error %v", c, err)
	}
}

func TestWithConfigFileReplacesTheDefaultPath(t *testing.T) {
	_, path := writeConfig(t, configYAML)
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": t.TempDir()}), blaxel.WithConfigFile(path), blaxel.WithBaseURL("http://127.0.0.1:1/v0"))
	if err != nil || blaxel.CoreWorkspace(c) != "main" {
		t.Fatalf("client %v, error %v", c, err)
	}
}

// New reads nothing but its options.
func TestNewIgnoresEnvironmentAndRefusesEnvOptions(t *testing.T) {
	if _, err := blaxel.New(); err == nil || !strings.Contains(err.Error(), "no credential") {
		t.Fatalf("error %v", err)
	}
	for _, opt := range []blaxel.Option{envOf(nil), blaxel.WithConfigFile("x.yaml"), blaxel.WithConfigWriteBack()} {
		if _, err := blaxel.New(apiKey(), opt); err == nil || !strings.Contains(err.Error(), "NewFromEnv") {
			t.Errorf("error %v", err)
		}
	}
}

func TestOptionsRefuseUnusableValues(t *testing.T) {
	for name, opt := range map[string]blaxel.Option{
		"empty key":          blaxel.WithAPIKey(" "),
		"empty secret":       blaxel.WithClientCredentials("id", ""),
		"nil token source":   blaxel.WithTokenSource(nil),
		"empty workspace":    blaxel.WithWorkspace(""),
		"unknown env":        blaxel.WithEnvironment("staging"),
		"relative base":      blaxel.WithBaseURL("/v0"),
		"ftp run":            blaxel.WithRunURL("ftp://run.example"),
		"credentials in it":  blaxel.WithBaseURL("https://user:pw@api.example/v0"),
		"empty version":      blaxel.WithAPIVersion(""),
		"version not a date": blaxel.WithAPIVersion("latest"),
		"version with junk":  blaxel.WithAPIVersion("2026-04-28\r\nX: y"),
		"nil client":         blaxel.WithHTTPClient(nil),
		"nil logger":         blaxel.WithLogger(nil),
		"header line break":  blaxel.WithHeader("X-A", "a\r\nB: c"),
	} {
		if _, err := blaxel.New(apiKey(), opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
