package blaxel_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
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
func envOf(vars map[string]string) blaxel.EnvOption {
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
		opts          []blaxel.EnvOption
		wantAuth      string // the API request's Authorization
		wantBasic     string // the token request's client id:secret, when one is expected
		wantWorkspace string
		wantErr       string
	}{
		{name: "option key beats environment and file", env: map[string]string{"BL_API_KEY": "env-key"},
			opts: []blaxel.EnvOption{blaxel.WithAPIKey("opt-key")}, wantAuth: "Bearer opt-key", wantWorkspace: "main"},
		{name: "option client credentials beat environment key",
			env:  map[string]string{"BL_API_KEY": "env-key"},
			opts: []blaxel.EnvOption{blaxel.WithClientCredentials("opt-id", "opt-secret")}, wantAuth: "Bearer token-1", wantBasic: "opt-id:opt-secret", wantWorkspace: "main"},
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
			opts: []blaxel.EnvOption{blaxel.WithWorkspace("tokens")}, wantAuth: "Bearer file-access-tokens", wantWorkspace: "tokens"},
		{name: "environment key with environment workspace", env: map[string]string{"BL_API_KEY": "env-key", "BL_WORKSPACE": "elsewhere"},
			wantAuth: "Bearer env-key", wantWorkspace: "elsewhere"},
		{name: "an entry without credentials gives none", env: map[string]string{"BL_WORKSPACE": "empty"}, wantErr: "no credential"},
		{name: "another workspace's credentials are not borrowed", env: map[string]string{"BL_WORKSPACE": "ghost"}, wantErr: "no credential"},
		{name: "two credential options are refused", opts: []blaxel.EnvOption{blaxel.WithAPIKey("a-key-1"), blaxel.WithClientCredentials("id", "secret")},
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
			c, err := blaxel.NewFromEnv(append([]blaxel.EnvOption{envOf(env), fastRetries()}, tc.opts...)...)
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
		opts             []blaxel.EnvOption
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
			opts: []blaxel.EnvOption{blaxel.WithEnvironment("dev")}, wantAPI: devAPI, wantRun: devRun},
		{name: "WithBaseURL beats WithEnvironment", opts: []blaxel.EnvOption{blaxel.WithEnvironment("dev"), blaxel.WithBaseURL(local)},
			wantAPI: local, wantRun: devRun},
		{name: "unknown BL_ENV", env: map[string]string{"BL_ENV": "staging"}, wantErr: "BL_ENV"},
		{name: "remote plain http refused", env: map[string]string{"BL_API_URL": "http://api.internal.example/v0"}, wantErr: "WithInsecureHTTP"},
		{name: "remote plain http allowed when asked", env: map[string]string{"BL_API_URL": "http://api.internal.example/v0"},
			opts: []blaxel.EnvOption{blaxel.WithInsecureHTTP()}, wantAPI: "http://api.internal.example/v0", wantRun: ""},
		{name: "the dev control plane brings its run URL", env: map[string]string{"BL_API_URL": devAPI}, wantAPI: devAPI, wantRun: devRun},
		{name: "another control plane brings none", env: map[string]string{"BL_API_URL": local}, wantAPI: local, wantRun: ""},
		{name: "not an address", env: map[string]string{"BL_RUN_URL": "run.blaxel.ai"}, wantErr: "BL_RUN_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, _ := writeConfig(t, configYAML)
			env := map[string]string{"HOME": home, "BL_API_KEY": "env-key"}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := blaxel.NewFromEnv(append([]blaxel.EnvOption{envOf(env)}, tc.opts...)...)
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
func TestNewIgnoresEnvironment(t *testing.T) {
	t.Setenv("BL_API_KEY", "from-the-environment")
	if _, err := blaxel.New(); err == nil || !strings.Contains(err.Error(), "no credential") {
		t.Fatalf("error %v", err)
	}
}

// The options of NewFromEnv alone are EnvOptions, not Options: New(blaxel.WithEnv(f)) does not
// compile, and no conversion or type assertion makes one an Option.
func TestEnvOptionsAreNotOptions(t *testing.T) {
	option := reflect.TypeFor[blaxel.Option]()
	for name, f := range map[string]any{"WithEnv": blaxel.WithEnv, "WithConfigFile": blaxel.WithConfigFile, "WithConfigWriteBack": blaxel.WithConfigWriteBack} {
		if out := reflect.TypeOf(f).Out(0); out.AssignableTo(option) || out.ConvertibleTo(option) {
			t.Errorf("%s returns %s, which New accepts", name, out)
		}
	}
	for _, opt := range []blaxel.EnvOption{envOf(nil), blaxel.WithConfigFile("x.yaml"), blaxel.WithConfigWriteBack()} {
		if _, ok := opt.(blaxel.Option); ok {
			t.Errorf("%T is an Option", opt)
		}
	}
	var _ blaxel.EnvOption = blaxel.WithAPIKey("k") // and every Option is an EnvOption
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

// Options beat the environment, which beats the file, and a value that is not used cannot
// fail the build, however unusable it is; the same values fail it once they are the ones used.
func TestUnusedSourcesCannotFailTheBuild(t *testing.T) {
	badFile := `context:
  workspace: broken
workspaces:
  - name: broken
    env: staging
    credentials:
      client_credentials: "not base64!"
`
	home, path := writeConfig(t, badFile)
	unparsable, _ := writeConfig(t, "workspaces: [unclosed\n")
	everything := []blaxel.EnvOption{blaxel.WithAPIKey("opt-key"), blaxel.WithWorkspace("w"),
		blaxel.WithBaseURL("https://api.example/v0"), blaxel.WithRunURL("https://run.example")}
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts []blaxel.EnvOption
		want string // "" for a client, else a piece of the error
	}{
		{"unused BL_CLIENT_CREDENTIALS", map[string]string{"BL_CLIENT_CREDENTIALS": "not base64!", "BL_WORKSPACE": "w"},
			[]blaxel.EnvOption{blaxel.WithAPIKey("opt-key")}, ""},
		{"unused client_credentials of the file", map[string]string{"HOME": home},
			[]blaxel.EnvOption{blaxel.WithAPIKey("opt-key"), blaxel.WithEnvironment("prod")}, ""},
		{"unused BL_ENV and BL_API_URL", map[string]string{"BL_ENV": "staging", "BL_API_URL": "ftp://api.example"},
			everything, ""},
		{"unused file that does not parse", map[string]string{"HOME": unparsable}, everything, ""},

		{"used BL_CLIENT_CREDENTIALS", map[string]string{"BL_CLIENT_CREDENTIALS": "not base64!"}, nil, "BL_CLIENT_CREDENTIALS"},
		{"used client_credentials of the file", map[string]string{"HOME": home}, []blaxel.EnvOption{blaxel.WithEnvironment("prod")}, path},
		{"used env of the file", map[string]string{"HOME": home}, []blaxel.EnvOption{blaxel.WithAPIKey("opt-key")}, path},
		{"used BL_ENV", map[string]string{"BL_ENV": "staging"}, []blaxel.EnvOption{blaxel.WithAPIKey("opt-key")}, "BL_ENV"},
		{"used file that does not parse", map[string]string{"HOME": unparsable}, []blaxel.EnvOption{blaxel.WithAPIKey("opt-key")}, "config.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HOME": t.TempDir()}
			for k, v := range tc.env {
				env[k] = v
			}
			_, err := blaxel.NewFromEnv(append([]blaxel.EnvOption{envOf(env)}, tc.opts...)...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// Of two unusable variables, the same one is reported every time.
func TestTheSameBadVariableIsReportedEveryTime(t *testing.T) {
	env := map[string]string{"BL_API_KEY": "k", "BL_API_URL": "ftp://api.example", "BL_RUN_URL": "ftp://run.example", "HOME": t.TempDir()}
	for range 50 {
		_, err := blaxel.NewFromEnv(envOf(env))
		if err == nil || !strings.Contains(err.Error(), "BL_API_URL") {
			t.Fatalf("error %v, want the one of BL_API_URL", err)
		}
	}
}
