package blaxeltest

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// store holds every item the server keeps, by collection and parent. One store serves all
// workspaces: the workspace header is checked, not used to partition the data.
type store struct {
	mu      sync.Mutex
	seq     int64
	buckets map[string]*bucket
}

// bucket is the items of one collection under one parent, e.g. the previews of sandbox "a".
type bucket struct {
	coll    *collection
	parents []string // the values of coll.parentParams
	items   map[string]*entry
}

// entry is one stored item.
type entry struct {
	key    string   // the key parameters' values joined by "/"
	keys   []string // the key parameters' values
	seq    int64    // creation order
	doc    map[string]any
	deploy *deployment
}

func newStore() *store {
	return &store{buckets: map[string]*bucket{}}
}

func bucketKey(c *collection, parents []string) string {
	return c.path + "\x00" + strings.Join(parents, "\x00")
}

// bucket returns the bucket of a collection under a parent; with create, an empty one is
// made when there is none. The caller holds st.mu.
func (st *store) bucket(c *collection, parents []string, create bool) *bucket {
	k := bucketKey(c, parents)
	b := st.buckets[k]
	if b == nil && create {
		b = &bucket{coll: c, parents: parents, items: map[string]*entry{}}
		st.buckets[k] = b
	}
	return b
}

// find returns the item of a collection named by path parameters, or nil. The caller holds
// st.mu.
func (st *store) find(c *collection, params map[string]string) *entry {
	b := st.bucket(c, valuesOf(c.parentParams, params), false)
	if b == nil {
		return nil
	}
	return b.items[strings.Join(valuesOf(c.keyParams, params), "/")]
}

// remove deletes an item and everything stored below it. The caller holds st.mu.
func (st *store) remove(c *collection, b *bucket, e *entry) {
	delete(b.items, e.key)
	path := append(slices.Clone(b.parents), e.keys...)
	for k, child := range st.buckets {
		if strings.HasPrefix(child.coll.path, c.itemPath+"/") &&
			len(child.parents) >= len(path) && slices.Equal(child.parents[:len(path)], path) {
			delete(st.buckets, k)
		}
	}
}

// entries returns the items of a bucket in creation order, settled at now. The caller holds
// st.mu.
func (b *bucket) entries(now time.Time) []*entry {
	if b == nil {
		return nil
	}
	out := make([]*entry, 0, len(b.items))
	for _, e := range b.items {
		settle(b.coll, e, now)
		out = append(out, e)
	}
	slices.SortFunc(out, func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) })
	return out
}

// valuesOf returns the values of the named parameters, in order.
func valuesOf(names []string, params map[string]string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = params[n]
	}
	return out
}
