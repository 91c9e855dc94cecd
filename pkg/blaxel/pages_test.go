package blaxel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// listingServer pages through total numbered items. A cursor is "at-<offset>"; the page size
// is the limit sent, 50 unless given. Hooks let a test change an answer.
type listingServer struct {
	t     *testing.T
	total int

	mu       sync.Mutex
	requests []*http.Request

	// answer, when set, replaces the normal answer of the n-th request (from 1).
	answer func(n int, w http.ResponseWriter, r *http.Request) bool
	// name builds the name of item i; a long name makes pages heavy.
	name func(i int) string
}

func (s *listingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	n := len(s.requests)
	s.mu.Unlock()
	if s.answer != nil && s.answer(n, w, r) {
		return
	}
	offset := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(c, "at-"))
		if err != nil {
			http.Error(w, `{"error":"invalid_cursor","code":400,"message":"bad cursor"}`, http.StatusBadRequest)
			return
		}
		offset = v
	}
	limit := 50
	if l := r.URL.Query().Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	end := min(offset+limit, s.total)
	items := make([]gen.Sandbox, 0, end-offset)
	for i := offset; i < end; i++ {
		name := fmt.Sprintf("sb-%d", i)
		if s.name != nil {
			name = s.name(i)
		}
		items = append(items, gen.Sandbox{Metadata: gen.Metadata{Name: name}})
	}
	more := end < s.total
	next := ""
	if more {
		next = fmt.Sprintf("at-%d", end)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(gen.SandboxList{Data: items, Meta: gen.PaginationMeta{HasMore: &more, NextCursor: &next}})
}

func (s *listingServer) sent() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

func newListing(t *testing.T, total int) (*listingServer, *blaxel.Client) {
	t.Helper()
	s := &listingServer{t: t, total: total}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := blaxel.New(blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("ws"), blaxel.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func names(t *testing.T, seq func(func(gen.Sandbox, error) bool)) ([]string, []error) {
	t.Helper()
	var got []string
	var errs []error
	for sb, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, sb.Metadata.Name)
	}
	return got, errs
}

func TestListAllWalksEveryPage(t *testing.T) {
	s, c := newListing(t, 7)
	limit := 3
	terminated := true
	params := &gen.ListSandboxesParams{Limit: &limit, ShowTerminated: &terminated}
	before := *params

	got, errs := names(t, c.ListSandboxesAll(context.Background(), params))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	want := []string{"sb-0", "sb-1", "sb-2", "sb-3", "sb-4", "sb-5", "sb-6"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	if !reflect.DeepEqual(*params, before) || params.Cursor != nil {
		t.Fatalf("params changed: %+v", *params)
	}
	reqs := s.sent()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		q := r.URL.Query()
		wantCursor := ""
		if i > 0 {
			wantCursor = fmt.Sprintf("at-%d", 3*i)
		}
		if q.Get("cursor") != wantCursor || q.Get("limit") != "3" || q.Get("showTerminated") != "true" {
			t.Errorf("request %d: query %s", i, r.URL.RawQuery)
		}
		if r.Header.Get("Authorization") != "Bearer test-key" || r.Header.Get("X-Blaxel-Workspace") != "ws" {
			t.Errorf("request %d: missing credential or workspace", i)
		}
	}
}

func TestListAllFetchesNoPageAfterBreak(t *testing.T) {
	for _, stopAfter := range []int{1, 3, 4} {
		s, c := newListing(t, 20)
		limit := 3
		taken := 0
		for _, err := range c.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Limit: &limit}) {
			if err != nil {
				t.Fatal(err)
			}
			taken++
			if taken == stopAfter {
				break
			}
		}
		// Taking item k (1-based) needs page ceil(k/3) and nothing after it.
		if want := (stopAfter + 2) / 3; len(s.sent()) != want {
			t.Errorf("break after %d items: %d requests, want %d", stopAfter, len(s.sent()), want)
		}
	}
}

func TestListAllStopsOnRepeatedCursor(t *testing.T) {
	s, c := newListing(t, 0)
	s.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
		// A broken server: pages 1 and 2 point to "x", then "y" points back to "x".
		next := map[int]string{1: "x", 2: "y", 3: "x"}[n]
		more := true
		w.Header().Set("Content-Type", "application/json")
		name := fmt.Sprintf("p%d", n)
		_ = json.NewEncoder(w).Encode(gen.SandboxList{
			Data: []gen.Sandbox{{Metadata: gen.Metadata{Name: name}}},
			Meta: gen.PaginationMeta{HasMore: &more, NextCursor: &next},
		})
		return true
	}
	got, errs := names(t, c.ListSandboxesAll(context.Background(), nil))
	if !reflect.DeepEqual(got, []string{"p1", "p2", "p3"}) {
		t.Fatalf("items %v", got)
	}
	if len(errs) != 1 || !errors.Is(errs[0], blaxel.ErrRepeatedCursor) {
		t.Fatalf("errors %v, want one ErrRepeatedCursor", errs)
	}
	if n := len(s.sent()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	if !strings.Contains(errs[0].Error(), "after 3 pages") {
		t.Errorf("the error does not count the 3 pages fetched: %v", errs[0])
	}
}

// Empty pages that claim more end the walk after a few in a row; an empty page now and then,
// between pages with items, does not.
func TestListAllEmptyPages(t *testing.T) {
	for _, tc := range []struct {
		name     string
		items    func(n int) int // the items of page n
		pages    int             // the last page says there is no more
		wantErr  bool
		wantSent int
	}{
		{"every page empty", func(int) int { return 0 }, 1000, true, 5},
		{"four empty pages, then one with an item, again and again", func(n int) int { return map[bool]int{true: 1}[n%5 == 0] }, 20, false, 20},
	} {
		s, c := newListing(t, 0)
		s.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
			more, next := n < tc.pages, fmt.Sprintf("c%d", n)
			data := []gen.Sandbox{}
			for i := range tc.items(n) {
				data = append(data, gen.Sandbox{Metadata: gen.Metadata{Name: fmt.Sprintf("p%d-%d", n, i)}})
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(gen.SandboxList{Data: data, Meta: gen.PaginationMeta{HasMore: &more, NextCursor: &next}})
			return true
		}
		_, errs := names(t, c.ListSandboxesAll(context.Background(), nil))
		if got := len(errs) == 1 && errors.Is(errs[0], blaxel.ErrEmptyPages); got != tc.wantErr || !tc.wantErr && len(errs) > 0 {
			t.Errorf("%s: errors %v, want ErrEmptyPages: %v", tc.name, errs, tc.wantErr)
		}
		if n := len(s.sent()); n != tc.wantSent {
			t.Errorf("%s: %d requests, want %d", tc.name, n, tc.wantSent)
		}
	}
}

func TestListAllYieldsPageErrorOnce(t *testing.T) {
	s, c := newListing(t, 10)
	s.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n != 2 {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":"forbidden","code":403,"message":"no access to this workspace"}`))
		return true
	}
	limit := 4
	got, errs := names(t, c.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Limit: &limit}))
	if len(got) != 4 {
		t.Fatalf("items %v, want the 4 of page 1", got)
	}
	var apiErr *blaxel.APIError
	if len(errs) != 1 || !errors.As(errs[0], &apiErr) || apiErr.StatusCode != http.StatusForbidden {
		t.Fatalf("errors %v, want one 403 *APIError", errs)
	}
	if !errors.Is(errs[0], blaxel.ErrForbidden) {
		t.Fatalf("%v is not ErrForbidden", errs[0])
	}
	if n := len(s.sent()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

func TestListAllEndsWithoutCursorOrMore(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta string
	}{
		{"hasMore without cursor", `{"hasMore":true,"nextCursor":""}`},
		{"cursor without hasMore", `{"hasMore":false,"nextCursor":"at-1"}`},
		{"no meta", `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newListing(t, 0)
			s.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"data":[{"metadata":{"name":"only"},"spec":{}}],"meta":%s}`, tc.meta)
				return true
			}
			got, errs := names(t, c.ListSandboxesAll(context.Background(), nil))
			if len(errs) != 0 || !reflect.DeepEqual(got, []string{"only"}) || len(s.sent()) != 1 {
				t.Fatalf("items %v, errors %v, %d requests", got, errs, len(s.sent()))
			}
		})
	}
}

func TestListAllStartsFromCallerCursor(t *testing.T) {
	s, c := newListing(t, 6)
	cursor, limit := "at-4", 1
	got, errs := names(t, c.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Cursor: &cursor, Limit: &limit}))
	if len(errs) != 0 || !reflect.DeepEqual(got, []string{"sb-4", "sb-5"}) {
		t.Fatalf("items %v, errors %v", got, errs)
	}
	if first := s.sent()[0].URL.Query().Get("cursor"); first != "at-4" {
		t.Fatalf("first cursor %q", first)
	}
}

func TestListAllRefusesAnswerThatIsNotAPage(t *testing.T) {
	s, c := newListing(t, 0)
	s.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("hello"))
		return true
	}
	_, errs := names(t, c.ListSandboxesAll(context.Background(), nil))
	var decodeErr *blaxel.DecodeError
	if len(errs) != 1 || !errors.As(errs[0], &decodeErr) || decodeErr.Operation != "ListSandboxes" {
		t.Fatalf("errors %v", errs)
	}
}

func TestListAllStopsWhenContextEnds(t *testing.T) {
	s, c := newListing(t, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	limit := 2
	var errs []error
	items := 0
	for _, err := range c.ListSandboxesAll(ctx, &gen.ListSandboxesParams{Limit: &limit}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items++
		if items == 2 {
			cancel()
		}
	}
	if items != 2 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Fatalf("%d items, errors %v", items, errs)
	}
	if n := len(s.sent()); n != 1 {
		t.Fatalf("%d requests reached the server, want 1", n)
	}
}

func TestListAllSendsPathParameters(t *testing.T) {
	s, c := newListing(t, 0)
	s.answer = func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[],"meta":{"hasMore":false}}`))
		return true
	}
	for _, err := range c.ListJobExecutionTasksAll(context.Background(), "job 1", "ex/2", nil) {
		t.Fatal(err)
	}
	if got := s.sent()[0].URL.EscapedPath(); got != "/jobs/job%201/executions/ex%2F2/tasks" {
		t.Fatalf("path %s", got)
	}
}

// TestEveryPaginatedListingHasAnIterator checks the generated file against the document: each
// operation with x-pagination has a Client method named after it with the All suffix.
func TestEveryPaginatedListingHasAnIterator(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	typ := reflect.TypeFor[*blaxel.Client]()
	for i := range typ.NumMethod() {
		methods[strings.ToLower(typ.Method(i).Name)] = true
	}
	count := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if _, ok := op.Extensions["x-pagination"]; !ok {
				continue
			}
			count++
			if !methods[strings.ToLower(op.OperationID+"All")] {
				t.Errorf("no iterator for %s", op.OperationID)
			}
		}
	}
	if count == 0 {
		t.Fatal("no paginated listing in the document")
	}
}

// TestListAllHoldsOnePageAtATime walks 200 pages of 100 items of about 1 KiB each (20 MB of
// items in all) and checks that the live heap, sampled at every page, stays far below that:
// a walk keeps one page, not the listing.
func TestListAllHoldsOnePageAtATime(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 200 pages")
	}
	const pages, perPage = 200, 100
	s, c := newListing(t, pages*perPage)
	padding := strings.Repeat("x", 1024)
	s.name = func(i int) string { return fmt.Sprintf("%s-%d", padding, i) }

	var m runtime.MemStats
	heapNow := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heapNow()
	var peak uint64
	limit, n := perPage, 0
	for _, err := range c.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Limit: &limit}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%perPage == 0 {
			peak = max(peak, heapNow())
		}
	}
	if n != pages*perPage {
		t.Fatalf("%d items, want %d", n, pages*perPage)
	}
	growth := int64(peak) - int64(base)
	listing := int64(pages * perPage * len(padding))
	t.Logf("listing of %d KiB: live heap grew by at most %d KiB over %d pages", listing>>10, growth>>10, pages)
	if growth > listing/20 {
		t.Fatalf("heap grew by %d bytes, more than a twentieth of the listing (%d)", growth, listing)
	}
}
