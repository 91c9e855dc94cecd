package blaxeltest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// The client and the fake meet only through openapi.yaml: these tests check that each
// understands the other.

func TestClientCredentialsNeedOneTokenRequest(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("bl_admin"))
	admin, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithAPIKey("bl_admin"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sa, err := admin.CreateWorkspaceServiceAccount(ctx, gen.ServiceAccountCreateRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithWorkspace("ws"),
		blaxel.WithClientCredentials(*sa.ClientID, *sa.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := client.ListAgents(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestClientWalksEveryPage(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for i := range 120 {
		if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: faketest.Sandbox(fmt.Sprintf("box-%03d", i), nil)}); err != nil {
			t.Fatal(err)
		}
	}
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	sort := gen.SortOrderNameAsc
	n := 0
	for box, err := range client.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Sort: &sort}) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("box-%03d", n); box.Metadata.Name != want {
			t.Fatalf("item %d is %s, want %s", n, box.Metadata.Name, want)
		}
		n++
	}
	if n != 120 || srv.Attempts("ListSandboxes") != 3 {
		t.Errorf("%d sandboxes in %d pages, want 120 in 3", n, srv.Attempts("ListSandboxes"))
	}
}
