package controlplane

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// store holds every item the server keeps: one space per workspace, so that listings, totals
// and lookups never cross workspaces, as on the real API.
type store struct {
	mu     sync.Mutex
	seq    int64
	spaces map[string]*space                 // by workspace; see accountSpace and seededSpace
	seeded func(sp *space, workspace string) // adapts a copy of the seeds to its workspace
}

// Two spaces belong to no workspace.
const (
	// accountSpace holds what the caller's account owns rather than a workspace: the
	// workspaces themselves and invitations (operations that act for the caller).
	accountSpace = ""
	// seededSpace holds the seeds given no workspace: every workspace starts with a copy of
	// them. The name cannot be a workspace's, which has no NUL.
	seededSpace = "\x00seeds"
)

// space is the items of one workspace, by collection and parent.
type space struct {
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
	return &store{spaces: map[string]*space{}}
}

func newSpace() *space { return &space{buckets: map[string]*bucket{}} }

// in returns the space of a workspace, made on first use with a copy of the seeds given no
// workspace. The caller holds st.mu.
func (st *store) in(workspace string) *space {
	sp := st.spaces[workspace]
	if sp == nil {
		sp = newSpace()
		if seeded := st.spaces[seededSpace]; seeded != nil && workspace != accountSpace && workspace != seededSpace {
			sp = seeded.clone()
			if st.seeded != nil {
				st.seeded(sp, workspace)
			}
		}
		st.spaces[workspace] = sp
	}
	return sp
}

// workspaces returns the workspaces that have a space, in no order. The caller holds st.mu.
func (st *store) workspaces() []string {
	var out []string
	for name := range st.spaces {
		if name != accountSpace && name != seededSpace {
			out = append(out, name)
		}
	}
	return out
}

// clone copies a space, items and deployments included.
func (sp *space) clone() *space {
	out := newSpace()
	for k, b := range sp.buckets {
		nb := &bucket{coll: b.coll, parents: slices.Clone(b.parents), items: make(map[string]*entry, len(b.items))}
		for key, e := range b.items {
			c := *e
			c.keys = slices.Clone(e.keys)
			c.doc, _ = deepCopy(e.doc).(map[string]any)
			if e.deploy != nil {
				d := *e.deploy
				c.deploy = &d
			}
			nb.items[key] = &c
		}
		out.buckets[k] = nb
	}
	return out
}

func bucketKey(c *collection, parents []string) string {
	return c.path + "\x00" + strings.Join(parents, "\x00")
}

// bucket returns the bucket of a collection under a parent; with create, an empty one is
// made when there is none. The caller holds the store's mu.
func (sp *space) bucket(c *collection, parents []string, create bool) *bucket {
	k := bucketKey(c, parents)
	b := sp.buckets[k]
	if b == nil && create {
		b = &bucket{coll: c, parents: parents, items: map[string]*entry{}}
		sp.buckets[k] = b
	}
	return b
}

// find returns the item of a collection named by path parameters, or nil. The caller holds
// the store's mu.
func (sp *space) find(c *collection, params map[string]string) *entry {
	b := sp.bucket(c, valuesOf(c.parentParams, params), false)
	if b == nil {
		return nil
	}
	return b.items[strings.Join(valuesOf(c.keyParams, params), "/")]
}

// remove deletes an item and everything stored below it. The caller holds the store's mu.
func (sp *space) remove(c *collection, b *bucket, e *entry) {
	delete(b.items, e.key)
	path := append(slices.Clone(b.parents), e.keys...)
	for _, k := range slices.Collect(maps.Keys(sp.buckets)) {
		child := sp.buckets[k]
		if strings.HasPrefix(child.coll.path, c.itemPath+"/") &&
			len(child.parents) >= len(path) && slices.Equal(child.parents[:len(path)], path) {
			delete(sp.buckets, k)
		}
	}
}

// entries returns the items of a bucket in creation order, settled at now. The caller holds
// the store's mu.
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
