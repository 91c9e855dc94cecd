package blaxeltest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

const (
	defaultLimit = 50
	maxLimit     = 200
	cursorTTL    = 24 * time.Hour
)

// list answers a collection: one page with a paged operation from pagedVersion on, else a
// bare array of every item in creation order.
func (h *handlers) list(c *call) reply {
	coll := c.op.coll
	b := h.st.bucket(coll, valuesOf(coll.parentParams, c.params), false)
	all := b.entries(c.now)
	q, status := c.query.Get("q"), ""
	if c.op.op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "status") != nil {
		status = c.query.Get("status")
	}
	if q != "" && len([]rune(q)) < 2 {
		return errorReply(http.StatusBadRequest, "bad_request", "q must have two characters or more")
	}
	matching := make([]*entry, 0, len(all))
	for _, e := range all {
		if q != "" && !strings.Contains(strings.ToLower(e.key), strings.ToLower(q)) {
			continue
		}
		if status != "" && getString(e.doc, []string{"status"}) != status {
			continue
		}
		matching = append(matching, e)
	}
	elem := listElement(c.op)
	if c.op.paging == nil || c.version < pagedVersion {
		out := make([]any, len(matching))
		for i, e := range matching {
			out[i] = shape(elem, deepCopy(e.doc), false)
		}
		r := jsonReply(c.op.status, out)
		r.validate = c.op.paging == nil // a bare array is not what the document says a page is
		return r
	}
	return h.page(c, matching, len(all), q, status)
}

// cursor is what a page's nextCursor holds: the query it belongs to and the last item given.
type cursor struct {
	Scope  string `json:"b"`
	Sort   string `json:"s"`
	Query  string `json:"q,omitempty"`
	Status string `json:"st,omitempty"`
	Seq    int64  `json:"i"`
	Key    string `json:"k"`
	Issued int64  `json:"t"`
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
func (h *handlers) page(c *call, items []*entry, total int, q, status string) reply {
	limit := defaultLimit
	if s := c.query.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return errorReply(http.StatusBadRequest, "bad_request", "limit must be between 1 and 200")
		}
		limit = n
	}
	sortBy := cmp.Or(c.query.Get("sort"), "createdAt:desc")
	order, ok := orders()[sortBy]
	if !ok {
		return errorReply(http.StatusBadRequest, "bad_request", "sort must be createdAt:desc, createdAt:asc, name:asc or name:desc")
	}
	slices.SortFunc(items, order)
	scope := scopeOf(c.op.coll, c.params)
	if raw := c.query.Get("cursor"); raw != "" {
		cur, ok := decodeCursor(raw)
		switch {
		case !ok:
			return errorReply(http.StatusBadRequest, "invalid_cursor", "the cursor is not one this server made")
		case cur.Scope != scope || cur.Sort != sortBy || cur.Query != q || cur.Status != status:
			return errorReply(http.StatusBadRequest, "invalid_cursor", "the cursor belongs to another query: send the same sort, q and status")
		case c.now.Sub(time.Unix(cur.Issued, 0)) > cursorTTL:
			return errorReply(http.StatusBadRequest, "invalid_cursor", "the cursor expired")
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
	elem := listElement(c.op)
	data := make([]any, len(items))
	for i, e := range items {
		data[i] = shape(elem, deepCopy(e.doc), false)
	}
	p := c.op.paging
	page := map[string]any{}
	setPath(page, p.items, data)
	setPath(page, p.hasMore, hasMore)
	if hasMore {
		last := items[len(items)-1]
		setPath(page, p.nextCursor, cursor{Scope: scope, Sort: sortBy, Query: q, Status: status, Seq: last.seq, Key: last.key, Issued: c.now.Unix()}.encode())
	}
	if p.total != nil {
		setPath(page, p.total, total)
	}
	return jsonReply(c.op.status, page)
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

// scopeOf names the listing a cursor belongs to: the collection under its parent.
func scopeOf(coll *collection, params map[string]string) string {
	h := fnv.New64a()
	h.Write([]byte(bucketKey(coll, valuesOf(coll.parentParams, params))))
	return strconv.FormatUint(h.Sum64(), 36)
}
