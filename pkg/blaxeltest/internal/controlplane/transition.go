package controlplane

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// Changes of status that an operation on an item starts. An operation is one when it is a POST
// on {item path}/{verb}, answers the item, and the item's status enum holds the statuses of a
// known transition of that verb: ArchiveSandbox (POST /sandboxes/{sandboxName}/archive) and
// UnarchiveSandbox. The item then goes to the in-progress status at once and to the final one
// after the deploy delay, like a deployment, with an event at each step; an item in any other
// status than the ones the transition starts from answers 409.
//
// A sandbox's data plane answers as for any status but DEPLOYED: the edge's 503 page, since
// an archived sandbox has no compute to serve it. Its files and processes are kept meanwhile,
// and served again once it is unarchived (the fake's processes stand for the ones the
// platform relaunches).

// transition is one kind of change of status.
type transition struct {
	verb          string   // the last segment of the operation's path
	from          []string // the statuses it may start from
	pending, done string
	begin, finish func(doc map[string]any, item *collection, at time.Time) // what else changes, may be nil
}

func knownTransitions() []transition {
	return []transition{
		{verb: "archive", from: []string{"DEPLOYED"}, pending: "ARCHIVING", done: "ARCHIVED",
			begin: archiveBegins, finish: archiveEnds},
		{verb: "unarchive", from: []string{"ARCHIVED"}, pending: "UNARCHIVING", done: "DEPLOYED",
			begin: restoreBegins, finish: restoreEnds},
	}
}

// findTransition recognises an operation that starts a transition of the item it is under.
func (a *api) findTransition(o *operation) {
	enc := o.enclosing
	if o.method != http.MethodPost || enc == nil || enc.item == nil || o.schema == nil || o.schema.Value != enc.item.Value {
		return
	}
	verb, ok := strings.CutPrefix(o.path, enc.itemPath+"/")
	if !ok {
		return
	}
	status := field(enc.item, []string{"status"})
	if status == nil || status.Value == nil {
		return
	}
	for _, t := range knownTransitions() {
		if t.verb == verb && slices.Contains(status.Value.Enum, any(t.pending)) && slices.Contains(status.Value.Enum, any(t.done)) {
			o.kind, o.transition = kindChange, &t
			return
		}
	}
}

// transit starts the transition of the item the call is under.
func (h *handlers) transit(c *call) wire.Reply {
	coll, t := c.op.enclosing, c.op.transition
	e := c.sp.find(coll, c.params) // answerLocked checked that it exists
	settle(coll, e, c.now)
	status, _ := e.doc["status"].(string)
	if !slices.Contains(t.from, status) {
		return wire.Error(http.StatusConflict, "conflict", "the item is "+status+"; "+t.verb+" needs it "+strings.Join(t.from, " or "))
	}
	e.doc["status"] = t.pending
	if t.begin != nil {
		t.begin(e.doc, coll, c.now)
	}
	addEvent(coll, e, c.now, t.pending, t.verb+" started")
	e.deploy = &deployment{at: c.now.Add(h.delay), to: t.done, message: t.verb + " succeeded", finish: t.finish}
	return h.itemReply(c, coll, e.doc, c.params, nil)
}

// The archive record of a sandbox, in the properties its schema declares.

func archiveBegins(doc map[string]any, item *collection, at time.Time) {
	setDeclared(item, doc, []string{"archive"}, map[string]any{})
	setDeclared(item, doc, []string{"archive", "startedAt"}, stamp(at))
}

func archiveEnds(doc map[string]any, item *collection, at time.Time) {
	name := getString(doc, []string{"metadata", "name"})
	setDeclared(item, doc, []string{"archive", "createdAt"}, stamp(at))
	setDeclared(item, doc, []string{"archive", "key"}, "archives/"+getString(doc, []string{"metadata", "workspace"})+"/"+name+".tar")
	setDeclared(item, doc, []string{"archive", "size"}, 0)
}

func restoreBegins(doc map[string]any, item *collection, at time.Time) {
	setDeclared(item, doc, []string{"archive", "restoreStartedAt"}, stamp(at))
	setDeclared(item, doc, []string{"archive", "restore"}, map[string]any{})
	setDeclared(item, doc, []string{"archive", "restore", "state"}, "downloading")
}

func restoreEnds(doc map[string]any, item *collection, _ time.Time) {
	setDeclared(item, doc, []string{"archive", "restore", "state"}, "succeeded")
}

// setDeclared sets a property the item's schema declares, nothing otherwise.
func setDeclared(item *collection, doc map[string]any, path []string, v any) {
	if field(item.item, path) != nil {
		setPath(doc, path, v)
	}
}

func stamp(at time.Time) string { return at.UTC().Format(time.RFC3339Nano) }
