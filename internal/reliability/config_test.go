package reliability

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"go.yaml.in/yaml/v3"
)

// TestUnparsableConfigFile: NewFromEnv refuses a ~/.blaxel/config.yaml it cannot use, with an
// error that names the file, and leaves the file exactly as it was.
func TestUnparsableConfigFile(t *testing.T) {
	noLeaks(t)
	for name, content := range map[string]string{
		"not YAML":              "workspaces: [\n  - name: x\n",
		"tab indentation":       "context:\n\tworkspace: ws\n",
		"wrong type":            "workspaces:\n  - name: " + workspace + "\n    credentials:\n      apiKey: [1, 2]\n",
		"list where a map goes": "context: [1, 2]\n",
		"binary":                "\x00\x01\x02\xff\xfe",
		"unknown env":           "context:\n  workspace: " + workspace + "\nworkspaces:\n  - name: " + workspace + "\n    env: staging\n",
		"bad client_credentials": "context:\n  workspace: " + workspace + "\nworkspaces:\n  - name: " + workspace +
			"\n    credentials:\n      client_credentials: '%%%'\n",
	} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			path := filepath.Join(home, ".blaxel", "config.yaml")
			writeFile(t, path, content)
			before, _ := os.Stat(path)
			env := map[string]string{"HOME": home}
			_, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return env[k] }), blaxel.WithConfigWriteBack())
			audit.err(err)
			audit.add("config-refused", 1)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("want an error naming %s, got %v", path, err)
			}
			after, _ := os.Stat(path)
			data, _ := os.ReadFile(path)
			if string(data) != content || !after.ModTime().Equal(before.ModTime()) || after.Mode() != before.Mode() {
				t.Errorf("the file was changed")
			}
		})
	}
	// A directory where the file should be is an error too, naming the path.
	home := t.TempDir()
	path := filepath.Join(home, ".blaxel", "config.yaml")
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return map[string]string{"HOME": home}[k] }))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a directory as config file: want an error naming it, got %v", err)
	}
}

// TestConfigWriteBackIsAtomic: a client renews its token many times (the server refuses each
// token after a few uses) and writes each pair back to the config file, while a reader reads
// the file in a loop. Every read sees a whole file, old or new, that parses and holds a token;
// the comments and other entries stay; the file ends with mode 0600.
func TestConfigWriteBackIsAtomic(t *testing.T) {
	noLeaks(t)
	api := newTokenAPI(t, 7200)
	uses := map[string]int{}
	api.refuse = func(tok string) bool {
		api.mu.Lock()
		defer api.mu.Unlock()
		uses[tok]++
		return uses[tok] > 3
	}
	home := t.TempDir()
	path := filepath.Join(home, ".blaxel", "config.yaml")
	access, refresh := randomToken("at_file_"), randomToken("rt_file_")
	audit.secret(access, refresh)
	original := "# written by hand: keep me\ncontext:\n  workspace: " + workspace + "\nworkspaces:\n" +
		"  - name: other # another workspace\n    credentials:\n      apiKey: " + apiKey + "\n" +
		"  - name: " + workspace + "\n    env: prod\n    credentials:\n      access_token: " + access + "\n      refresh_token: " + refresh + "\n"
	writeFile(t, path, original)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "BL_API_URL": api.base()}
	w := newWire(t)
	client, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return env[k] }), blaxel.WithConfigWriteBack(),
		blaxel.WithLogger(debugLogger), blaxel.WithHTTPClient(w.client()), fastRetries())
	if err != nil {
		t.Fatal(err)
	}

	var stop atomic.Bool
	var reads, torn atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
			data, err := os.ReadFile(path)
			reads.Add(1)
			var f struct {
				Workspaces []struct {
					Credentials struct {
						AccessToken string `yaml:"access_token"`
					} `yaml:"credentials"`
				} `yaml:"workspaces"`
			}
			if err != nil || yaml.Unmarshal(data, &f) != nil || len(f.Workspaces) != 2 || f.Workspaces[1].Credentials.AccessToken == "" {
				torn.Add(1)
			}
		}
	})
	for range 60 {
		if _, err := client.GetSandbox(context.Background(), "sb", nil); err != nil {
			audit.err(err)
			t.Errorf("call: %v", err)
			break
		}
	}
	time.Sleep(10 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	renewals := api.tokenRequests()
	t.Logf("%d renewals written back; %d reads of the file meanwhile, %d torn", renewals, reads.Load(), torn.Load())
	audit.add("writebacks", renewals)
	audit.add("torn-reads", int(torn.Load()))
	if renewals < 10 {
		t.Errorf("only %d renewals", renewals)
	}
	if torn.Load() > 0 {
		t.Errorf("%d of %d reads saw a file that does not parse or lacks the token", torn.Load(), reads.Load())
	}
	data, _ := os.ReadFile(path)
	for _, kept := range []string{"# written by hand: keep me", "# another workspace", "name: other", "env: prod"} {
		if !bytes.Contains(data, []byte(kept)) {
			t.Errorf("the write-back lost %q:\n%s", kept, data)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d files beside the config file after the write-backs, want none", len(entries)-1)
	}
}

// TestConfigBrokenAfterStartIsNotOverwritten: the file stops parsing after the client has read
// it (another program is halfway through rewriting it, say). The client still renews its token
// and goes on working, but leaves the file alone and says so in its log.
func TestConfigBrokenAfterStartIsNotOverwritten(t *testing.T) {
	noLeaks(t)
	api := newTokenAPI(t, 7200)
	api.refuse = func(tok string) bool { return !strings.HasPrefix(tok, "at_") }
	home := t.TempDir()
	path := filepath.Join(home, ".blaxel", "config.yaml")
	access, refresh := randomToken("old_"), randomToken("rt_file_")
	audit.secret(access, refresh)
	writeFile(t, path, "context:\n  workspace: "+workspace+"\nworkspaces:\n  - name: "+workspace+
		"\n    credentials:\n      access_token: "+access+"\n      refresh_token: "+refresh+"\n")
	env := map[string]string{"HOME": home, "BL_API_URL": api.base()}
	var logs strings.Builder
	var mu sync.Mutex
	logger := newTeeLogger(func(line string) { mu.Lock(); logs.WriteString(line); mu.Unlock() })
	w := newWire(t)
	client, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return env[k] }), blaxel.WithConfigWriteBack(),
		blaxel.WithLogger(logger), blaxel.WithHTTPClient(w.client()), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	broken := "workspaces:\n  - name: " + workspace + "\n    credentials: {access_token: [\n"
	writeFile(t, path, broken)
	if _, err := client.GetSandbox(context.Background(), "sb", nil); err != nil {
		t.Fatalf("the call failed: %v", err)
	}
	if api.tokenRequests() != 1 {
		t.Errorf("%d token requests, want 1 refresh", api.tokenRequests())
	}
	if data, _ := os.ReadFile(path); string(data) != broken {
		t.Errorf("the broken file was overwritten:\n%s", data)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), path) {
		t.Errorf("nothing logged about the file that was not written:\n%s", logs.String())
	}
}
