package controlplane_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// names lists the names of the items of a page.
func names(t *testing.T, a faketest.Answer) []string {
	t.Helper()
	data, ok := a.Body["data"].([]any)
	if !ok {
		t.Fatalf("not a page: %s", a.Raw)
	}
	var out []string
	for _, item := range data {
		meta, _ := item.(map[string]any)["metadata"].(map[string]any)
		out = append(out, meta["name"].(string))
	}
	return out
}

func meta(a faketest.Answer) (hasMore bool, next string, total float64) {
	m, _ := a.Body["meta"].(map[string]any)
	hasMore, _ = m["hasMore"].(bool)
	next, _ = m["nextCursor"].(string)
	total, _ = m["total"].(float64)
	return hasMore, next, total
}

// walk reads every page of a listing and returns the names in order and the number of pages.
func walk(t *testing.T, srv *blaxeltest.Server, path string, query url.Values) ([]string, int) {
	t.Helper()
	var all []string
	pages := 0
	for {
		a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: path + "?" + query.Encode()}).MustStatus(t, 200)
		pages++
		all = append(all, names(t, a)...)
		hasMore, next, _ := meta(a)
		if !hasMore {
			if next != "" {
				t.Errorf("last page has a cursor")
			}
			return all, pages
		}
		if pages > 100 {
			t.Fatal("no end")
		}
		query.Set("cursor", next)
	}
}

func TestPaginationWalksEverySort(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	created := []string{"delta", "alpha", "echo", "charlie", "bravo", "golf", "foxtrot"}
	for _, n := range created {
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox(n, nil)}).MustStatus(t, 200)
	}
	byName := slices.Sorted(slices.Values(created))
	reversed := func(s []string) []string { s = slices.Clone(s); slices.Reverse(s); return s }
	for _, tc := range []struct {
		sort string
		want []string
	}{
		{"", reversed(created)},
		{"createdAt:desc", reversed(created)},
		{"createdAt:asc", created},
		{"name:asc", byName},
		{"name:desc", reversed(byName)},
	} {
		t.Run(tc.sort, func(t *testing.T) {
			q := url.Values{"limit": {"3"}}
			if tc.sort != "" {
				q.Set("sort", tc.sort)
			}
			got, pages := walk(t, srv, "/sandboxes", q)
			if !slices.Equal(got, tc.want) || pages != 3 {
				t.Errorf("got %v in %d pages, want %v in 3", got, pages, tc.want)
			}
		})
	}
	first := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=3"}).MustStatus(t, 200)
	if hasMore, next, total := meta(first); !hasMore || next == "" || total != 7 {
		t.Errorf("meta of the first page: %s", first.Raw)
	}
}

func TestPaginationSurvivesDeletions(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for i := range 6 {
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/agents", Body: map[string]any{"metadata": map[string]any{"name": fmt.Sprintf("a%d", i)}, "spec": map[string]any{}}}).MustStatus(t, 200)
	}
	first := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents?limit=2&sort=name:asc"}).MustStatus(t, 200)
	_, next, _ := meta(first)
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/agents/a1"}).MustStatus(t, 200) // the cursor's own item
	faketest.Send(t, srv, faketest.Request{Method: "DELETE", Path: "/agents/a2"}).MustStatus(t, 200)
	second := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/agents?limit=2&sort=name:asc&cursor=" + next}).MustStatus(t, 200)
	if got := names(t, second); !slices.Equal(got, []string{"a3", "a4"}) {
		t.Errorf("second page %v", got)
	}
}

func TestPaginationFilters(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, n := range []string{"web-1", "web-2", "db-1"} {
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox(n, nil)}).MustStatus(t, 200)
	}
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("web-broken", map[string]string{blaxeltest.FailLabel: "true"})}).MustStatus(t, 200)
	// q also searches display names and labels' keys and values, ignoring case.
	cache := faketest.Sandbox("cache", nil)
	cache["metadata"].(map[string]any)["displayName"] = "Web Cache"
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: cache}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("queue", map[string]string{"tier": "web"})}).MustStatus(t, 200)

	got, _ := walk(t, srv, "/sandboxes", url.Values{"q": {" WEB "}, "limit": {"2"}, "sort": {"name:asc"}})
	if want := []string{"cache", "queue", "web-1", "web-2", "web-broken"}; !slices.Equal(got, want) {
		t.Errorf("q=web: %v, want %v", got, want)
	}
	failed := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?status=FAILED"}).MustStatus(t, 200)
	if got := names(t, failed); !slices.Equal(got, []string{"web-broken"}) {
		t.Errorf("status=FAILED: %v", got)
	}
	// Several statuses, comma-separated, in any case; an unknown one is refused.
	either := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?status=failed,Deployed&sort=name:asc"}).MustStatus(t, 200)
	if got := names(t, either); len(got) != 6 {
		t.Errorf("status=failed,Deployed: %v, want all six", got)
	}
	if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?status=SLEEPING"}).MustStatus(t, 400); !strings.Contains(a.Str("message"), "SLEEPING") {
		t.Errorf("an unknown status: %s", a.Raw)
	}
	if _, _, total := meta(failed); total != 6 {
		t.Errorf("total %v: it counts every item, filters aside", total)
	}
	// A search of one character is ignored: the listing is whole.
	if all := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?q=w"}).MustStatus(t, 200); len(names(t, all)) != 6 {
		t.Errorf("q=w: %v, want every sandbox", names(t, all))
	}
}

func TestPaginationClampsALimitAboveTheMaximum(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for i := range 205 {
		if err := srv.Seed(blaxeltest.Seed{Path: "/sandboxes", Body: faketest.Sandbox(fmt.Sprintf("box-%03d", i), nil)}); err != nil {
			t.Fatal(err)
		}
	}
	page := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=500"}).MustStatus(t, 200)
	if n := len(names(t, page)); n != 200 {
		t.Errorf("limit=500 answered %d sandboxes, want 200", n)
	}
	if hasMore, next, _ := meta(page); !hasMore || next == "" {
		t.Errorf("limit=500: more follow, and the page says %s", page.Raw[len(page.Raw)-80:])
	}
}

func TestListingFiltersByAPropertyItsParameterNames(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for i, n := range []string{"a", "b", "c", "d", "e"} {
		box := faketest.Sandbox(n, nil)
		if i%2 == 0 {
			box["metadata"].(map[string]any)["externalId"] = "ticket-42"
		}
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: box}).MustStatus(t, 200)
	}
	got, pages := walk(t, srv, "/sandboxes", url.Values{"externalId": {"ticket-42"}, "limit": {"2"}, "sort": {"name:asc"}})
	if want := []string{"a", "c", "e"}; !slices.Equal(got, want) || pages != 2 {
		t.Errorf("externalId=ticket-42: %v in %d pages, want %v in 2", got, pages, want)
	}
	none := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?externalId=ticket-43&status=DEPLOYED"}).MustStatus(t, 200)
	if got := names(t, none); len(got) != 0 {
		t.Errorf("externalId=ticket-43: %v", got)
	}
	first := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?externalId=ticket-42&limit=1"}).MustStatus(t, 200)
	_, next, _ := meta(first)
	a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=1&cursor=" + next}).MustStatus(t, 400)
	if a.ErrorCode() != "invalid_cursor" {
		t.Errorf("a cursor used without its filter: %s", a.Raw)
	}
}

func TestPaginationLimitAndAnchor(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for i := range 55 {
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/functions", Body: map[string]any{"metadata": map[string]any{"name": fmt.Sprintf("f%02d", i)}, "spec": map[string]any{}}}).MustStatus(t, 200)
	}
	page := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/functions"}).MustStatus(t, 200)
	if n := len(names(t, page)); n != 50 {
		t.Errorf("default page size %d, want 50", n)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/functions?limit=200"}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/functions?limit=0"}).MustStatus(t, 400)
	end := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/functions?limit=10&sort=name:asc&anchor=end"}).MustStatus(t, 200)
	got := names(t, end)
	if len(got) != 10 || got[0] != "f45" || got[9] != "f54" {
		t.Errorf("anchor=end: %v", got)
	}
	if hasMore, _, _ := meta(end); hasMore {
		t.Error("the last page says it has more")
	}
}

func TestCursorsBelongToTheirQuery(t *testing.T) {
	clk := faketest.NewClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now))
	for _, n := range []string{"a1", "a2", "a3"} {
		faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox(n, nil)}).MustStatus(t, 200)
	}
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/agents", Body: map[string]any{"metadata": map[string]any{"name": "a1"}, "spec": map[string]any{}}}).MustStatus(t, 200)
	_, next, _ := meta(faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=1&sort=name:asc"}).MustStatus(t, 200))
	for _, path := range []string{
		"/sandboxes?limit=1&sort=name:desc&cursor=" + next, // another sort
		"/sandboxes?limit=1&sort=name:asc&q=a1&cursor=" + next,
		"/agents?limit=1&sort=name:asc&cursor=" + next, // another listing
		"/sandboxes?cursor=not-a-cursor",
	} {
		if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: path}).MustStatus(t, 400); a.ErrorCode() != "invalid_cursor" {
			t.Errorf("%s: %s", path, a.Raw)
		}
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=2&sort=name:asc&cursor=" + next}).MustStatus(t, 200) // another limit is fine
	clk.Advance(25 * time.Hour)
	if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=1&sort=name:asc&cursor=" + next}).MustStatus(t, 400); a.ErrorCode() != "invalid_cursor" {
		t.Errorf("expired cursor: %s", a.Raw)
	}
}

func TestVersionsBeforePaginationGetBareArrays(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("one", nil)}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("two", nil)}).MustStatus(t, 200)
	for _, version := range []string{"", "2026-04-16", "2026-04-20.preview"} {
		a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: map[string]string{"Blaxel-Version": version}}).MustStatus(t, 200)
		if len(a.List) != 2 {
			t.Errorf("version %q: %s", version, a.Raw)
		}
	}
	for _, version := range []string{"2026-04-28", "2026-06-01.preview"} {
		a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: map[string]string{"Blaxel-Version": version}}).MustStatus(t, 200)
		if a.Body["data"] == nil {
			t.Errorf("version %q: %s", version, a.Raw)
		}
	}
	// A listing the document never pages is an array whatever the version.
	if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/one/previews"}).MustStatus(t, 200); a.List == nil {
		t.Errorf("previews: %s", a.Raw)
	}
}
