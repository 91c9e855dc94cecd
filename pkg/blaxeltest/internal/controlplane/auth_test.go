package controlplane_test

import (
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestCredentialsAreRequired(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no credential", map[string]string{"Authorization": ""}, 401},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, 401},
		{"basic", map[string]string{"Authorization": "Basic " + faketest.Basic("id", "secret")}, 401},
		{"any key", map[string]string{"Authorization": "Bearer whatever"}, 200},
		{"X-Blaxel-Authorization", map[string]string{"Authorization": "", "X-Blaxel-Authorization": "Bearer whatever"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: tc.header}).MustStatus(t, tc.want)
			if tc.want == 401 && a.ErrorCode() != "unauthorized" {
				t.Errorf("answer %s", a.Raw)
			}
		})
	}
}

func TestConfiguredAPIKey(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_right"))
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: map[string]string{"Authorization": "Bearer bl_wrong"}}).MustStatus(t, 401)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: map[string]string{"Authorization": "Bearer bl_right"}}).MustStatus(t, 200)
}

func TestWorkspaceIsRequired(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: map[string]string{"X-Blaxel-Workspace": ""}}).MustStatus(t, 403)
	if a.ErrorCode() != "forbidden" {
		t.Errorf("answer %s", a.Raw)
	}
	// The message names the header and the client's option, for whoever reads the error.
	if msg, _ := a.Body["message"].(string); !strings.Contains(msg, "X-Blaxel-Workspace") || !strings.Contains(msg, "blaxel.WithWorkspace") {
		t.Errorf("message %q names neither the header nor blaxel.WithWorkspace", msg)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?workspace=ws", Header: map[string]string{"X-Blaxel-Workspace": ""}}).MustStatus(t, 200)
	// Listing one's workspaces needs none.
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/workspaces", Header: map[string]string{"X-Blaxel-Workspace": ""}}).MustStatus(t, 200)
}

func TestServiceAccountCredentials(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_admin"))
	admin := map[string]string{"Authorization": "Bearer bl_admin"}
	sa := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/service_accounts", Body: map[string]any{"name": "ci"}, Header: admin}).MustStatus(t, 200)
	id, secret := sa.Str("client_id"), sa.Str("client_secret")
	if id == "" || secret == "" {
		t.Fatalf("created %s", sa.Raw)
	}
	list := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/service_accounts", Header: admin}).MustStatus(t, 200)
	if len(list.List) != 1 || list.List[0].(map[string]any)["client_secret"] != nil {
		t.Errorf("the listing shows %s", list.Raw)
	}

	// The client credentials buy a token, which works in the account's workspace only.
	tok := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/oauth/token", Body: map[string]any{"grant_type": "client_credentials"},
		Header: map[string]string{"Authorization": "Basic " + faketest.Basic(id, secret)}}).MustStatus(t, 200)
	access := tok.Str("access_token")
	if access == "" || tok.Str("refresh_token") == "" || tok.Body["expires_in"] != float64(7200) || tok.Str("token_type") != "Bearer" {
		t.Fatalf("token %s", tok.Raw)
	}
	bearer := map[string]string{"Authorization": "Bearer " + access}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: bearer}).MustStatus(t, 200)
	other := map[string]string{"Authorization": "Bearer " + access, "X-Blaxel-Workspace": "elsewhere"}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: other}).MustStatus(t, 403)

	// A wrong secret, no Basic header: 400.
	for _, h := range []map[string]string{
		{"Authorization": "Basic " + faketest.Basic(id, "wrong")},
		{"Authorization": ""},
	} {
		a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/oauth/token", Body: map[string]any{"grant_type": "client_credentials"}, Header: h}).MustStatus(t, 400)
		if a.ErrorCode() != "invalid_client" {
			t.Errorf("answer %s", a.Raw)
		}
	}
	if n := srv.TokenRequests(); n != 3 {
		t.Errorf("%d token requests counted, want 3", n)
	}

	// Deleting the account revokes its credentials and tokens.
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/service_accounts/" + id, Header: admin}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: bearer}).MustStatus(t, 401)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/oauth/token", Body: map[string]any{"grant_type": "client_credentials"},
		Header: map[string]string{"Authorization": "Basic " + faketest.Basic(id, secret)}}).MustStatus(t, 400)
}

func TestAPIKeySecretIsShownOnce(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_admin"))
	admin := map[string]string{"Authorization": "Bearer bl_admin"}
	id := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/service_accounts", Body: map[string]any{"name": "ci"}, Header: admin}).MustStatus(t, 200).Str("client_id")
	key := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/service_accounts/" + id + "/api_keys", Body: map[string]any{"name": "deploy"}, Header: admin}).MustStatus(t, 200)
	secret, keyID := key.Str("apiKey"), key.Str("id")
	if secret == "" || keyID == "" || key.Str("name") != "deploy" {
		t.Fatalf("created %s", key.Raw)
	}
	list := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/service_accounts/" + id + "/api_keys", Header: admin}).MustStatus(t, 200)
	if len(list.List) != 1 || list.List[0].(map[string]any)["apiKey"] != nil || list.List[0].(map[string]any)["id"] != keyID {
		t.Errorf("the listing shows %s", list.Raw)
	}
	// The key is a credential, bound to the workspace it was made in, until it is deleted.
	own := map[string]string{"Authorization": "Bearer " + secret}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: own}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: map[string]string{"Authorization": "Bearer " + secret, "X-Blaxel-Workspace": "elsewhere"}}).MustStatus(t, 403)
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/service_accounts/" + id + "/api_keys/" + keyID, Header: admin}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: own}).MustStatus(t, 401)
}

func TestTokensExpireAndRefresh(t *testing.T) {
	clk := faketest.NewClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithTokenTTL(time.Minute),
		blaxeltest.WithClientCredentials("client", "secret"))
	token := func(h map[string]string, body map[string]any, want int) faketest.Answer {
		t.Helper()
		return faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/oauth/token", Body: body, Header: h}).MustStatus(t, want)
	}
	grant := map[string]any{"grant_type": "client_credentials"}
	token(map[string]string{"Authorization": "Basic " + faketest.Basic("client", "wrong")}, grant, 400)
	tok := token(map[string]string{"Authorization": "Basic " + faketest.Basic("client", "secret")}, grant, 200)
	if tok.Body["expires_in"] != float64(60) {
		t.Errorf("expires_in %v", tok.Body["expires_in"])
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok.Str("access_token")}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: bearer}).MustStatus(t, 200)
	clk.Advance(time.Minute)
	expired := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: bearer}).MustStatus(t, 401)
	if expired.Str("message") != "the access token expired" {
		t.Errorf("answer %s", expired.Raw)
	}
	token(map[string]string{"Authorization": "Basic " + faketest.Basic("client", "secret")}, grant, 200)       // forgets the expired token
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: bearer}).MustStatus(t, 401) // yet still refuses it

	refresh := map[string]any{"grant_type": "refresh_token", "refresh_token": tok.Str("refresh_token"), "client_id": "blaxel"}
	next := token(map[string]string{"Authorization": ""}, refresh, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents", Header: map[string]string{"Authorization": "Bearer " + next.Str("access_token")}}).MustStatus(t, 200)
	if a := token(map[string]string{"Authorization": ""}, refresh, 400); a.ErrorCode() != "invalid_grant" {
		t.Errorf("a refresh token used twice: %s", a.Raw)
	}
	token(map[string]string{"Authorization": ""}, map[string]any{"grant_type": "password"}, 400)
	if n := srv.TokenRequests(); n != 6 {
		t.Errorf("%d token requests, want 6", n)
	}
}
