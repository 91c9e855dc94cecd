package controlplane

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3"
)

const (
	defaultLimit = 50
	maxLimit     = 200
	cursorTTL    = 24 * time.Hour
)

// list answers a collection: one page with a paged operation from pagedVersion on, else a
// bare array of every item in creation order. The items are those that q and the filters
// select.
func (h *handlers) list(c *call) wire.Reply {
	coll := c.op.coll
	b := c.sp.bucket(coll, valuesOf(coll.parentParams, c.params), false)
	all := b.entries(c.now)
	q := searchTerm(c.query.Get("q"))
	selected := url.Values{}
	for _, f := range c.op.filters {
		if v := c.query.Get(f.param); v != "" {
			if _, problem := f.wanted(v); problem != "" {
				return wire.Error(http.StatusBadRequest, "bad_request", problem)
			}
			selected.Set(f.param, v)
		}
	}
	matching := make([]*entry, 0, len(all))
	for _, e := range all {
		if q != "" && !matches(e, q) {
			continue
		}
		if selects(c.op.filters, selected, e.doc) {
			matching = append(matching, e)
		}
	}
	if c.op.paging == nil || c.version < pagedVersion {
		out := make([]any, len(matching))
		for i, e := range matching {
			out[i] = shape(c.op.element, deepCopy(e.doc), false)
		}
		r := wire.JSON(c.op.status, out)
		r.Validate = c.op.paging == nil // a bare array is not what the document says a page is
		return r
	}
	return h.page(c, matching, len(all), q, selected.Encode())
}

// minQuery is the shortest search a listing applies: a shorter q is ignored, not refused.
const minQuery = 2

// searchTerm is q as a listing searches with it: trimmed, lowercased, "" when too short.
func searchTerm(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	if len([]rune(q)) < minQuery {
		return ""
	}
	return q
}

// matches reports whether an item's name, display name, or one of its labels' keys or values
// holds the search term.
func matches(e *entry, q string) bool {
	texts := []string{e.key, getString(e.doc, []string{"metadata", "name"}), getString(e.doc, []string{"metadata", "displayName"})}
	labels, _ := getPath(e.doc, []string{"metadata", "labels"})
	if m, ok := labels.(map[string]any); ok {
		for k, v := range m {
			s, _ := v.(string)
			texts = append(texts, k, s)
		}
	}
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// clampLimit rewrites a listing's limit above the maximum its parameter declares to that
// maximum, before the request is validated: the server takes a larger page size as its
// largest rather than refusing it.
func clampLimit(op *operation, r *http.Request) {
	p := op.op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "limit")
	if p == nil || p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Max == nil {
		return
	}
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("limit"))
	if max := int(*p.Schema.Value.Max); err == nil && n > max {
		q.Set("limit", strconv.Itoa(max))
		r.URL.RawQuery = q.Encode()
	}
}

// filter is a query parameter of a listing named like a property of its items (or of their
// metadata): ?status=DEPLOYED, ?externalId=x for metadata.externalId. A property that allows
// only some values is filtered as the API filters statuses: by any of several values,
// comma-separated and in any case, each of which must be one the property allows.
type filter struct {
	param string
	field []string
	enum  []string // the values the property allows, nil for any
}

// wanted returns the values a filter was sent, as the property spells them, or why one of
// them is refused.
func (f filter) wanted(sent string) ([]string, string) {
	if f.enum == nil {
		return []string{sent}, ""
	}
	var out []string
	for _, v := range strings.Split(sent, ",") {
		i := slices.IndexFunc(f.enum, func(e string) bool { return strings.EqualFold(e, strings.TrimSpace(v)) })
		if i < 0 {
			return nil, f.param + " " + strings.TrimSpace(v) + " is none of " + strings.Join(f.enum, ", ")
		}
		out = append(out, f.enum[i])
	}
	return out, ""
}

// listControls are the query parameters a listing reads itself: they select no property.
func listControls() []string { return []string{"cursor", "limit", "sort", "anchor", "q"} }

// filtersOf finds the filters of a listing: each query parameter, other than the controls,
// whose name is that of a scalar property of the item or of its metadata.
func filtersOf(op *openapi3.Operation, elem *openapi3.SchemaRef) []filter {
	var out []filter
	for _, p := range op.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInQuery || slices.Contains(listControls(), p.Value.Name) {
			continue
		}
		path := firstField(elem, [][]string{{p.Value.Name}, {"metadata", p.Value.Name}})
		if f := field(elem, path); f != nil && f.Value != nil && slices.ContainsFunc([]string{"string", "integer", "number", "boolean"}, f.Value.Type.Is) {
			flt := filter{param: p.Value.Name, field: path}
			for _, v := range f.Value.Enum {
				if s, ok := v.(string); ok {
					flt.enum = append(flt.enum, s)
				}
			}
			out = append(out, flt)
		}
	}
	return out
}

// selects reports whether an item has, for every filter sent, one of the values sent.
func selects(filters []filter, sent url.Values, doc map[string]any) bool {
	for _, f := range filters {
		want, _ := f.wanted(sent.Get(f.param))
		if sent.Get(f.param) == "" {
			continue
		}
		v, _ := getPath(doc, f.field)
		if got, ok := scalarString(v); !ok || !slices.Contains(want, got) {
			return false
		}
	}
	return true
}

// scalarString is a JSON scalar as a query parameter spells it.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// cursor is what a page's nextCursor holds: the query it belongs to and the last item given.
type cursor struct {
	Scope   string `json:"b"`
	Sort    string `json:"s"`
	Query   string `json:"q,omitempty"`
	Filters string `json:"f,omitempty"` // the filters sent, query-encoded
	Seq     int64  `json:"i"`
	Key     string `json:"k"`
	Issued  int64  `json:"t"`
}

func (cur cursor) encode() string {
	data, _ := json.Marshal(cur) // a struct of strings and integers always encodes
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeCursor(s string) (cursor, bool) {
	var cur cursor
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(data, &cur) != nil {
		return cursor{}, false
	}
	return cur, true
}

// page answers one page of items: sorted, after the cursor, at most limit of them.
func (h *handlers) page(c *call, items []*entry, total int, q, filters string) wire.Reply {
	limit := defaultLimit
	if s := c.query.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return wire.Error(http.StatusBadRequest, "bad_request", "limit must be a whole number, 1 or more")
		}
		limit = min(n, maxLimit)
	}
	sortBy := cmp.Or(c.query.Get("sort"), "createdAt:desc")
	order, ok := orders()[sortBy]
	if !ok {
		return wire.Error(http.StatusBadRequest, "bad_request", "sort must be createdAt:desc, createdAt:asc, name:asc or name:desc")
	}
	slices.SortFunc(items, order)
	scope := scopeOf(c.space, c.op.coll, c.params)
	if raw := c.query.Get("cursor"); raw != "" {
		cur, ok := decodeCursor(raw)
		switch {
		case !ok:
			return wire.Error(http.StatusBadRequest, "invalid_cursor", "the cursor is not one this server made")
		case cur.Scope != scope || cur.Sort != sortBy || cur.Query != q || cur.Filters != filters:
			return wire.Error(http.StatusBadRequest, "invalid_cursor", "the cursor belongs to another query: send the same sort, q and filters")
		case c.now.Sub(time.Unix(cur.Issued, 0)) > cursorTTL:
			return wire.Error(http.StatusBadRequest, "invalid_cursor", "the cursor expired")
		}
		last := &entry{seq: cur.Seq, key: cur.Key}
		i, _ := slices.BinarySearchFunc(items, last, order)
		for i < len(items) && order(items[i], last) <= 0 {
			i++
		}
		items = items[i:]
	} else if c.query.Get("anchor") == "end" && len(items) > limit {
		items = items[len(items)-limit:]
	}
	hasMore := len(items) > limit
	if hasMore {
		items = items[:limit]
	}
	data := make([]any, len(items))
	for i, e := range items {
		data[i] = shape(c.op.element, deepCopy(e.doc), false)
	}
	p := c.op.paging
	page := map[string]any{}
	setPath(page, p.items, data)
	setPath(page, p.hasMore, hasMore)
	if hasMore {
		last := items[len(items)-1]
		setPath(page, p.nextCursor, cursor{Scope: scope, Sort: sortBy, Query: q, Filters: filters, Seq: last.seq, Key: last.key, Issued: c.now.Unix()}.encode())
	}
	if p.total != nil {
		setPath(page, p.total, total)
	}
	return wire.JSON(c.op.status, page)
}

// orders are the sorts a listing accepts.
func orders() map[string]func(x, y *entry) int {
	return map[string]func(x, y *entry) int{
		"createdAt:desc": func(x, y *entry) int { return cmp.Compare(y.seq, x.seq) },
		"createdAt:asc":  func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) },
		"name:asc":       func(x, y *entry) int { return cmp.Compare(x.key, y.key) },
		"name:desc":      func(x, y *entry) int { return cmp.Compare(y.key, x.key) },
	}
}

// scopeOf names the listing a cursor belongs to: the collection under its parent, in one
// workspace.
func scopeOf(space string, coll *collection, params map[string]string) string {
	h := fnv.New64a()
	h.Write([]byte(space + "\x00" + bucketKey(coll, valuesOf(coll.parentParams, params))))
	return strconv.FormatUint(h.Sum64(), 36)
}
