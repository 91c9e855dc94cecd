package reliability

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

// tokenAPI is a control plane that issues tokens living ttl seconds (as the client sees
// them) and answers every other request with a sandbox once the token checks out. refuse,
// when set, says which tokens to answer 401.
type tokenAPI struct {
	*server
	ttl    int
	mu     sync.Mutex
	issued []string
	grants map[string]int // token requests by grant_type
	refuse func(token string) bool
}

func newTokenAPI(t *testing.T, ttl int) *tokenAPI {
	a := &tokenAPI{ttl: ttl, grants: map[string]int{}}
	a.server = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			var grant struct {
				GrantType string `json:"grant_type"`
			}
			_ = json.NewDecoder(r.Body).Decode(&grant)
			tok := randomToken("at_")
			a.mu.Lock()
			a.issued = append(a.issued, tok)
			a.grants[grant.GrantType]++
			a.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "refresh_token": randomToken("rt_"), "expires_in": a.ttl, "token_type": "Bearer"})
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		refuse := a.refuse
		a.mu.Unlock()
		if refuse != nil && refuse(tok) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ok(w)
	})
	return a
}

func (a *tokenAPI) tokenRequests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.issued)
}

// fleet runs n goroutines that each make one GET, all released at once, and returns the
// errors they got.
func fleet(client *blaxel.Client, n int) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = client.GetSandbox(context.Background(), "sb", nil)
		})
	}
	close(start)
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			audit.err(err)
			failed = append(failed, err)
		}
	}
	return failed
}

// limitedClient keeps a thousand goroutines from opening a thousand connections.
func limitedClient(w *wire) *http.Client {
	w.next.MaxConnsPerHost = 64
	return w.client()
}

const goroutines = 1000

// fleetClient is a client of api authenticated by client credentials, logging at debug level,
// with connections limited as limitedClient does.
func fleetClient(t *testing.T, api *tokenAPI, opts ...blaxel.Option) *blaxel.Client {
	t.Helper()
	all := []blaxel.Option{withClientCredentials(), blaxel.WithBaseURL(api.base()), blaxel.WithWorkspace(workspace),
		blaxel.WithLogger(debugLogger), blaxel.WithHTTPClient(limitedClient(newWire(t))), fastRetries()}
	client, err := blaxel.New(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// TestThousandGoroutinesOneTokenPerExpiry: 1,000 goroutines call at once with client
// credentials and get one token between them; once it expires (as the client reckons it, a
// minute early), 1,000 more get one new token between them. No call fails. The client's clock
// is a fake one, moved past the expiry: how fast the machine runs changes nothing.
func TestThousandGoroutinesOneTokenPerExpiry(t *testing.T) {
	noLeaks(t)
	api := newTokenAPI(t, 7200)
	clock := newFakeClock()
	client := fleetClient(t, api, blaxel.WithClock(clock.now))
	if errs := fleet(client, goroutines); len(errs) > 0 {
		t.Fatalf("%d of %d calls failed, the first: %v", len(errs), goroutines, errs[0])
	}
	if n := api.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for %d concurrent calls, want 1", n, goroutines)
	}
	clock.advance(7200*time.Second - time.Minute - time.Second)
	if errs := fleet(client, goroutines); len(errs) > 0 || api.tokenRequests() != 1 {
		t.Fatalf("a second before the renewal: %d failed calls, %d token requests, want 0 and 1", len(errs), api.tokenRequests())
	}
	clock.advance(2 * time.Second)
	if errs := fleet(client, goroutines); len(errs) > 0 {
		t.Fatalf("%d of %d calls failed after the expiry, the first: %v", len(errs), goroutines, errs[0])
	}
	if n := api.tokenRequests(); n != 2 {
		t.Errorf("%d token requests for 3 × %d calls across one expiry, want 2", n, goroutines)
	}
	audit.add("expiry-calls", 3*goroutines)
	audit.add("expiry-tokens", api.tokenRequests())
}

// TestThousandGoroutinesOneRenewalAfter401: the server revokes the client's token while 1,000
// goroutines are calling. Every call that meets the 401 is sent again with a new token, and
// the renewal happens once for all of them.
func TestThousandGoroutinesOneRenewalAfter401(t *testing.T) {
	noLeaks(t)
	api := newTokenAPI(t, 7200)
	var served atomic.Int64
	api.refuse = func(tok string) bool {
		api.mu.Lock()
		first := len(api.issued) > 0 && tok == api.issued[0]
		api.mu.Unlock()
		return first && served.Add(1) > goroutines/4 // the first token dies a quarter of the way in
	}
	client := fleetClient(t, api)
	if errs := fleet(client, goroutines); len(errs) > 0 {
		t.Fatalf("%d of %d calls failed, the first: %v", len(errs), goroutines, errs[0])
	}
	if n := api.tokenRequests(); n != 2 {
		t.Errorf("%d token requests, want 2 (the first, and one renewal after the 401s)", n)
	}
	audit.add("revoked-calls", goroutines)
	audit.add("revoked-tokens", api.tokenRequests())
}

// fakeJWT is an unsigned JWT whose exp claim is exp: the client reads the claim to know when
// to renew, and never verifies the signature.
func fakeJWT(exp time.Time) string {
	enc := base64.RawURLEncoding
	claims := fmt.Sprintf(`{"sub":"user","exp":%d,"n":%q}`, exp.Unix(), randomToken(""))
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(claims)) + ".c2ln"
}

// TestThousandGoroutinesOneRefresh: a client configured from ~/.blaxel/config.yaml with an
// access token about to expire and a refresh token. 1,000 goroutines call after the expiry:
// one refresh between them, no error, and the new tokens written back to the file once,
// atomically, with mode 0600.
func TestThousandGoroutinesOneRefresh(t *testing.T) {
	noLeaks(t)
	api := newTokenAPI(t, 7200)
	home := t.TempDir()
	config := filepath.Join(home, ".blaxel", "config.yaml")
	access, refresh := fakeJWT(time.Now().Add(61*time.Second)), randomToken("rt_file_")
	audit.secret(access, refresh)
	writeFile(t, config, "context:\n  workspace: "+workspace+"\nworkspaces:\n  - name: "+workspace+
		"\n    env: prod\n    credentials:\n      access_token: "+access+"\n      refresh_token: "+refresh+"\n      expires_in: 7200\n")
	w := newWire(t)
	env := map[string]string{"HOME": home, "BL_API_URL": api.base()}
	clock := newFakeClock()
	client, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return env[k] }), blaxel.WithConfigWriteBack(),
		blaxel.WithLogger(debugLogger), blaxel.WithHTTPClient(limitedClient(w)), fastRetries(), blaxel.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Second) // the file's token is now within a minute of its expiry
	if errs := fleet(client, goroutines); len(errs) > 0 {
		t.Fatalf("%d of %d calls failed, the first: %v", len(errs), goroutines, errs[0])
	}
	api.mu.Lock()
	grants := api.grants["refresh_token"]
	issued := append([]string(nil), api.issued...)
	api.mu.Unlock()
	if grants != 1 || len(issued) != 1 {
		t.Fatalf("%d refresh requests, %d token requests in all, want 1 and 1", grants, len(issued))
	}
	info, err := os.Stat(config)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("the config file has mode %v after the write-back, want 0600", mode)
	}
	var file struct {
		Workspaces []struct {
			Name        string `yaml:"name"`
			Env         string `yaml:"env"`
			Credentials struct {
				AccessToken string `yaml:"access_token"`
			} `yaml:"credentials"`
		} `yaml:"workspaces"`
	}
	data, _ := os.ReadFile(config)
	if err := yaml.Unmarshal(data, &file); err != nil || len(file.Workspaces) != 1 {
		t.Fatalf("the written file: %v\n%s", err, data)
	}
	if got := file.Workspaces[0].Credentials.AccessToken; got != issued[0] || file.Workspaces[0].Env != "prod" {
		t.Errorf("the file was not updated as expected:\n%s", data)
	}
	audit.add("refresh-calls", goroutines)
	audit.add("refresh-requests", grants)
}
