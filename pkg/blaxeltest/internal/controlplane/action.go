package controlplane

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// Actions: a POST on {item path}/{verb} that does something to the item it is under, told
// apart by its verb and by the shapes the document gives it, never by its operationId.
//
// Changes of status. An operation is one when it answers the item and the item's status enum
// holds the statuses of a known transition of its verb: ArchiveSandbox (archive: DEPLOYED,
// ARCHIVING, ARCHIVED) and UnarchiveSandbox (unarchive: ARCHIVED, UNARCHIVING, DEPLOYED). The
// item goes to the in-progress status at once and to the final one after the deploy delay,
// like a deployment, with an event at each step; an item in another status than the ones the
// transition starts from answers 409. A sandbox's data plane answers as for any status but
// DEPLOYED: the edge's 503 page, since an archived sandbox has no compute to serve it. Its files
// and processes are kept meanwhile, and served again once it is unarchived (the fake's
// processes stand for the ones the platform relaunches).
//
// Forks. An operation is one when its verb is fork, its body has targetName and its answer a
// name (ForkSandbox, ForkSnapshot): it creates, as CreateSandbox would, the sandbox targetName
// with the spec of the sandbox forked, or of the sandbox the snapshot was taken from (its
// labels too); 409 when the name is taken. Another targetType creates nothing. The
// answer names the new sandbox and the snapshot: the one forked, the body's snapshotId, or a
// new one taken of the sandbox's current state. The new sandbox starts with the snapshot's
// files (see Files).
//
// Restores. An operation is one when its verb is restore and its answer has a snapshotId
// (RestoreSandboxSnapshot): the snapshot it is under must exist (404), and the answer names
// the sandbox and the snapshot. The sandbox's files become the snapshot's (see Files); its
// record and processes are left as they are.

// findAction recognises an action among the operations left without a kind.
func (a *api) findAction(o *operation) {
	enc := o.enclosing
	if o.method != http.MethodPost || enc == nil || enc.item == nil {
		return
	}
	verb, ok := strings.CutPrefix(o.path, enc.itemPath+"/")
	if !ok {
		return
	}
	switch {
	case verb == "fork" && field(requestSchema(o), []string{"targetName"}) != nil && field(o.schema, []string{"name"}) != nil:
		if create := a.ops["POST /"+sandboxKind]; create != nil && create.coll != nil {
			o.kind, o.act = kindAction, forkInto(create)
		}
	case verb == "restore" && field(o.schema, []string{"snapshotId"}) != nil:
		o.kind, o.act = kindAction, (*handlers).restore
	case o.schema != nil && o.schema.Value == enc.item.Value:
		status := field(enc.item, []string{"status"})
		if status == nil || status.Value == nil {
			return
		}
		for _, t := range knownTransitions() {
			if t.verb == verb && slices.Contains(status.Value.Enum, any(t.pending)) && slices.Contains(status.Value.Enum, any(t.done)) {
				o.kind, o.act = kindAction, t.start
				return
			}
		}
	}
}

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

// start starts the transition of the item the call is under.
func (t transition) start(h *handlers, c *call) wire.Reply {
	coll := c.op.enclosing
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

// forkInto makes the action of a fork, which creates sandboxes with create.
func forkInto(create *operation) func(*handlers, *call) wire.Reply {
	return func(h *handlers, c *call) wire.Reply {
		src := c.op.enclosing
		e := c.sp.find(src, c.params) // answerLocked checked that it exists
		settle(src, e, c.now)
		body, _ := c.body.(map[string]any)
		if kind := getString(body, []string{"targetType"}); kind != "" && !strings.EqualFold(kind, "sandbox") {
			return h.other(c) // another kind of resource, which the fake does not keep
		}
		origin := e.doc // a sandbox; for a snapshot, the sandbox it was taken from when it is still there
		snapshotID := getString(body, []string{"snapshotId"})
		if src != create.coll {
			snapshotID = getString(e.doc, []string{"id"})
			origin = nil
			if name := sourceSandbox(e.doc); name != "" {
				if sb := c.sp.find(create.coll, map[string]string{create.coll.keyParams[0]: name}); sb != nil {
					origin = sb.doc
				}
			}
		}
		if snapshotID == "" { // a fork of the sandbox's current state
			snapshotID = wire.RandomHex(8)
			if h.files != nil {
				h.files.SaveSnapshot(c.workspace, getString(e.doc, []string{"metadata", "name"}), snapshotID)
			}
		}
		sandbox := map[string]any{"metadata": map[string]any{"name": getString(body, []string{"targetName"})}}
		if origin != nil {
			sandbox["spec"] = deepCopy(origin["spec"])
			if labels, ok := getPath(origin, []string{"metadata", "labels"}); ok {
				setPath(sandbox, []string{"metadata", "labels"}, deepCopy(labels))
			}
		}
		made := *c
		made.op, made.body, made.params, made.query = create, sandbox, map[string]string{}, url.Values{}
		if rep := h.create(&made); rep.Status >= 300 {
			return rep
		}
		if h.files != nil {
			h.files.ForkSnapshot(c.workspace, snapshotID, getString(body, []string{"targetName"}))
		}
		answer := map[string]any{"name": getString(body, []string{"targetName"}), "snapshotId": snapshotID, "type": "sandbox"}
		return wire.JSON(c.op.status, shape(c.op.schema, answer, false))
	}
}

// restore answers the restore of a snapshot the call is under (answerLocked checked that it
// exists): the names of its parent and of the snapshot.
func (h *handlers) restore(c *call) wire.Reply {
	if enc := c.op.enclosing; h.files != nil && len(enc.parentParams) == 1 && len(enc.keyParams) == 1 {
		h.files.RestoreSnapshot(c.workspace, c.params[enc.parentParams[0]], c.params[enc.keyParams[0]])
	}
	answer := map[string]any{}
	for _, p := range templateParams(c.op.path) {
		stampIfAbsent(c.op.schema, answer, bodyKeyCandidates(p), c.params[p])
	}
	return wire.JSON(c.op.status, shape(c.op.schema, answer, false))
}

// Files is the sandboxes' data plane as snapshots need it: it keeps a copy of a sandbox's
// files under a snapshot's id, puts them back, or starts a new sandbox with them.
type Files interface {
	SaveSnapshot(workspace, sandbox, id string)
	RestoreSnapshot(workspace, sandbox, id string)
	ForkSnapshot(workspace, id, sandbox string)
}

// UseFiles makes f keep the files of snapshots; without it only their records are kept. Call
// it before the plane serves.
func (s *Plane) UseFiles(f Files) { s.handlers.files = f }

// snapshotTaken saves the files of the sandbox a new snapshot was taken of. A snapshot is an
// item whose lifecycle is a snapshot's (pending, ready, failed); its sandbox is the sandbox
// it is under, or the one its source names.
func (h *handlers) snapshotTaken(coll *collection, e *entry, c *call) {
	if h.files == nil || coll.lifecycle == nil || coll.lifecycle.done != "ready" {
		return
	}
	sandbox := sourceSandbox(e.doc)
	if len(coll.parentParams) == 1 { // under the sandbox, as /sandboxes/{sandboxName}/snapshots
		sandbox = c.params[coll.parentParams[0]]
	}
	if id := getString(e.doc, []string{"id"}); sandbox != "" && id != "" {
		h.files.SaveSnapshot(c.workspace, sandbox, id)
	}
}

// sourceSandbox names the sandbox a snapshot was taken of, "" when it does not say.
func sourceSandbox(doc map[string]any) string {
	if kind := getString(doc, []string{"source", "kind"}); kind != "" && !strings.EqualFold(kind, "sandbox") {
		return ""
	}
	for _, f := range [][]string{{"source", "name"}, {"sandboxName"}} {
		if name := getString(doc, f); name != "" {
			return name
		}
	}
	return ""
}
