package blaxeltest_test

import (
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
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
		{"basic", map[string]string{"Authorization": "Basic " + basic("id", "secret")}, 401},
		{"any key", map[string]string{"Authorization": "Bearer whatever"}, 200},
		{"X-Blaxel-Authorization", map[string]string{"Authorization": "", "X-Blaxel-Authorization": "Bearer whatever"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, srv, request{method: "GET", path: "/sandboxes", header: tc.header}).mustStatus(t, tc.want)
			if tc.want == 401 && a.errorCode() != "unauthorized" {
				t.Errorf("answer %s", a.raw)
			}
		})
	}
}

func TestConfiguredAPIKey(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_right"))
	send(t, srv, request{method: "GET", path: "/agents", header: map[string]string{"Authorization": "Bearer bl_wrong"}}).mustStatus(t, 401)
	send(t, srv, request{method: "GET", path: "/agents", header: map[string]string{"Authorization": "Bearer bl_right"}}).mustStatus(t, 200)
}

func TestWorkspaceIsRequired(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	a := send(t, srv, request{method: "GET", path: "/sandboxes", header: map[string]string{"X-Blaxel-Workspace": ""}}).mustStatus(t, 403)
	if a.errorCode() != "forbidden" {
		t.Errorf("answer %s", a.raw)
	}
	send(t, srv, request{method: "GET", path: "/sandboxes?workspace=ws", header: map[string]string{"X-Blaxel-Workspace": ""}}).mustStatus(t, 200)
	// Listing one's workspaces needs none.
	send(t, srv, request{method: "GET", path: "/workspaces", header: map[string]string{"X-Blaxel-Workspace": ""}}).mustStatus(t, 200)
}

func TestServiceAccountCredentials(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_admin"))
	admin := map[string]string{"Authorization": "Bearer bl_admin"}
	sa := send(t, srv, request{method: "POST", path: "/service_accounts", body: map[string]any{"name": "ci"}, header: admin}).mustStatus(t, 200)
	id, secret := sa.str("client_id"), sa.str("client_secret")
	if id == "" || secret == "" {
		t.Fatalf("created %s", sa.raw)
	}
	list := send(t, srv, request{method: "GET", path: "/service_accounts", header: admin}).mustStatus(t, 200)
	if len(list.list) != 1 || list.list[0].(map[string]any)["client_secret"] != nil {
		t.Errorf("the listing shows %s", list.raw)
	}

	// The client credentials buy a token, which works in the account's workspace only.
	tok := send(t, srv, request{method: "POST", path: "/oauth/token", body: map[string]any{"grant_type": "client_credentials"},
		header: map[string]string{"Authorization": "Basic " + basic(id, secret)}}).mustStatus(t, 200)
	access := tok.str("access_token")
	if access == "" || tok.str("refresh_token") == "" || tok.body["expires_in"] != float64(7200) || tok.str("token_type") != "Bearer" {
		t.Fatalf("token %s", tok.raw)
	}
	bearer := map[string]string{"Authorization": "Bearer " + access}
	send(t, srv, request{method: "GET", path: "/agents", header: bearer}).mustStatus(t, 200)
	other := map[string]string{"Authorization": "Bearer " + access, "X-Blaxel-Workspace": "elsewhere"}
	send(t, srv, request{method: "GET", path: "/agents", header: other}).mustStatus(t, 403)

	// A wrong secret, no Basic header: 400.
	for _, h := range []map[string]string{
		{"Authorization": "Basic " + basic(id, "wrong")},
		{"Authorization": ""},
	} {
		a := send(t, srv, request{method: "POST", path: "/oauth/token", body: map[string]any{"grant_type": "client_credentials"}, header: h}).mustStatus(t, 400)
		if a.errorCode() != "invalid_client" {
			t.Errorf("answer %s", a.raw)
		}
	}
	if n := srv.TokenRequests(); n != 3 {
		t.Errorf("%d token requests counted, want 3", n)
	}

	// Deleting the account revokes its credentials and tokens.
	send(t, srv, request{method: "DELETE", path: "/service_accounts/" + id, header: admin}).mustStatus(t, 200)
	send(t, srv, request{method: "GET", path: "/agents", header: bearer}).mustStatus(t, 401)
	send(t, srv, request{method: "POST", path: "/oauth/token", body: map[string]any{"grant_type": "client_credentials"},
		header: map[string]string{"Authorization": "Basic " + basic(id, secret)}}).mustStatus(t, 400)
}

func TestAPIKeySecretIsShownOnce(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_admin"))
	admin := map[string]string{"Authorization": "Bearer bl_admin"}
	id := send(t, srv, request{method: "POST", path: "/service_accounts", body: map[string]any{"name": "ci"}, header: admin}).mustStatus(t, 200).str("client_id")
	key := send(t, srv, request{method: "POST", path: "/service_accounts/" + id + "/api_keys", body: map[string]any{"name": "deploy"}, header: admin}).mustStatus(t, 200)
	secret, keyID := key.str("apiKey"), key.str("id")
	if secret == "" || keyID == "" || key.str("name") != "deploy" {
		t.Fatalf("created %s", key.raw)
	}
	list := send(t, srv, request{method: "GET", path: "/service_accounts/" + id + "/api_keys", header: admin}).mustStatus(t, 200)
	if len(list.list) != 1 || list.list[0].(map[string]any)["apiKey"] != nil || list.list[0].(map[string]any)["id"] != keyID {
		t.Errorf("the listing shows %s", list.raw)
	}
	// The key is a credential, bound to the workspace it was made in, until it is deleted.
	own := map[string]string{"Authorization": "Bearer " + secret}
	send(t, srv, request{method: "GET", path: "/agents", header: own}).mustStatus(t, 200)
	send(t, srv, request{method: "GET", path: "/agents", header: map[string]string{"Authorization": "Bearer " + secret, "X-Blaxel-Workspace": "elsewhere"}}).mustStatus(t, 403)
	send(t, srv, request{method: "DELETE", path: "/service_accounts/" + id + "/api_keys/" + keyID, header: admin}).mustStatus(t, 200)
	send(t, srv, request{method: "GET", path: "/agents", header: own}).mustStatus(t, 401)
}

func TestTokensExpireAndRefresh(t *testing.T) {
	clk := newClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithTokenTTL(time.Minute),
		blaxeltest.WithClientCredentials("client", "secret"))
	token := func(h map[string]string, body map[string]any, want int) answer {
		t.Helper()
		return send(t, srv, request{method: "POST", path: "/oauth/token", body: body, header: h}).mustStatus(t, want)
	}
	grant := map[string]any{"grant_type": "client_credentials"}
	token(map[string]string{"Authorization": "Basic " + basic("client", "wrong")}, grant, 400)
	tok := token(map[string]string{"Authorization": "Basic " + basic("client", "secret")}, grant, 200)
	if tok.body["expires_in"] != float64(60) {
		t.Errorf("expires_in %v", tok.body["expires_in"])
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok.str("access_token")}
	send(t, srv, request{method: "GET", path: "/agents", header: bearer}).mustStatus(t, 200)
	clk.Advance(time.Minute)
	expired := send(t, srv, request{method: "GET", path: "/agents", header: bearer}).mustStatus(t, 401)
	if expired.str("message") != "the access token expired" {
		t.Errorf("answer %s", expired.raw)
	}
	token(map[string]string{"Authorization": "Basic " + basic("client", "secret")}, grant, 200) // forgets the expired token
	send(t, srv, request{method: "GET", path: "/agents", header: bearer}).mustStatus(t, 401)    // yet still refuses it

	refresh := map[string]any{"grant_type": "refresh_token", "refresh_token": tok.str("refresh_token"), "client_id": "blaxel"}
	next := token(map[string]string{"Authorization": ""}, refresh, 200)
	send(t, srv, request{method: "GET", path: "/agents", header: map[string]string{"Authorization": "Bearer " + next.str("access_token")}}).mustStatus(t, 200)
	if a := token(map[string]string{"Authorization": ""}, refresh, 400); a.errorCode() != "invalid_grant" {
		t.Errorf("a refresh token used twice: %s", a.raw)
	}
	token(map[string]string{"Authorization": ""}, map[string]any{"grant_type": "password"}, 400)
	if n := srv.TokenRequests(); n != 6 {
		t.Errorf("%d token requests, want 6", n)
	}
}
