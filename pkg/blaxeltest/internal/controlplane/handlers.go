package controlplane

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3"
)

// call is one request as the handlers see it: checked, validated and decoded.
type call struct {
	op        *operation
	params    map[string]string // path parameters
	query     url.Values
	body      any // the decoded JSON body, nil when none
	workspace string
	space     string // the space the call acts in: its workspace, accountSpace or seededSpace
	sp        *space // that space, set by answer under the store's lock
	version   string // the date of the API version to answer as
	now       time.Time
	seeding   bool // created by a seed: already deployed
}

// handlers answers calls from the store. What it does depends on the operation's kind only,
// never on the operation itself.
type handlers struct {
	st     *store
	creds  *credentials
	delay  time.Duration
	runURL string // where the run plane answers, for the metadata.url of workloads
	jobs   JobRunner
	now    func() time.Time
}

func (h *handlers) answer(c *call) wire.Reply {
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	return h.answerLocked(c)
}

// seedEverywhere answers a seed's call in seededSpace, then in every workspace that exists,
// under one lock so that a workspace made meanwhile gets the item exactly once.
func (h *handlers) seedEverywhere(c *call) wire.Reply {
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	var rep wire.Reply
	for _, sp := range append([]string{seededSpace}, h.st.workspaces()...) {
		each := *c
		each.space = sp
		if rep = h.answerLocked(&each); rep.Status >= 300 {
			return rep
		}
	}
	return rep
}

// answerLocked answers a call; the caller holds the store's mu.
func (h *handlers) answerLocked(c *call) wire.Reply {
	c.sp = h.st.in(c.space)
	if enc := c.op.enclosing; enc != nil && c.sp.find(enc, c.params) == nil {
		return notFound(enc, c.params)
	}
	switch c.op.kind {
	case kindCreate:
		return h.create(c)
	case kindList:
		return h.list(c)
	case kindGet:
		return h.read(c)
	case kindUpdate:
		return h.update(c)
	case kindDelete:
		return h.remove(c)
	case kindLookup:
		return h.lookup(c)
	}
	return h.other(c)
}

// ownedBy names a resource for the credentials it holds: its path inside its space.
func ownedBy(space, path string) string { return space + "\x00" + path }

// spaceOf returns the space a request acts in: the account's for operations that act for the
// caller, else the workspace's.
func spaceOf(op *operation, workspace string) string {
	if op.forCaller {
		return accountSpace
	}
	return workspace
}

func notFound(c *collection, params map[string]string) wire.Reply {
	return wire.Error(http.StatusNotFound, "not_found", "no item at "+fillTemplate(c.itemPath, params))
}

// create stores a new item named by its body (or by a generated id), 409 when the name is taken.
func (h *handlers) create(c *call) wire.Reply {
	coll := c.op.coll
	bodyless := c.op.op.RequestBody == nil // nothing can name the item: the server does
	body, ok := c.body.(map[string]any)
	if bodyless {
		body, ok = map[string]any{}, true
	}
	if !ok {
		return wire.Error(http.StatusBadRequest, "bad_request", "the body must be a JSON object")
	}
	b := c.sp.bucket(coll, valuesOf(coll.parentParams, c.params), true)
	keys := make([]string, len(coll.keyParams))
	params := maps.Clone(c.params)
	for i := range coll.keyParams {
		k, generated, err := keyFromBody(coll, i, body)
		if bodyless {
			generated, err = true, ""
		}
		if err != "" {
			return wire.Error(http.StatusBadRequest, "bad_request", err)
		}
		if generated {
			k = uniqueID(b)
		}
		keys[i] = k
		params[coll.keyParams[i]] = k
	}
	key := strings.Join(keys, "/")
	if old := b.items[key]; old != nil {
		if c.op.op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "createIfNotExist") != nil && c.query.Get("createIfNotExist") == "true" {
			settle(coll, old, c.now)
			return h.itemReply(c, coll, old.doc, params, nil)
		}
		return wire.Error(http.StatusConflict, "conflict", "an item named "+key+" exists already at "+fillTemplate(coll.itemPath, params))
	}
	h.st.seq++
	e := &entry{key: key, keys: keys, seq: h.st.seq, doc: newItem(coll, body, params, c)}
	h.stamp(coll, e.doc, params, c.space)
	delay := h.delay
	if c.seeding {
		delay = 0
	}
	startDeployment(coll, e, c.now, delay)
	if c.seeding {
		settle(coll, e, c.now)
	}
	b.items[key] = e
	h.startJob(c, e)
	owner := fillTemplate(coll.itemPath, params)
	once := map[string]any{} // secrets shown by this answer only
	if field(c.op.schema, []string{"apiKey"}) != nil {
		k := "bl_" + wire.RandomHex(20)
		h.creds.addAPIKey(k, c.workspace, ownedBy(c.space, owner))
		once["apiKey"] = k
	}
	if field(c.op.schema, []string{"client_secret"}) != nil {
		secret := wire.RandomHex(24)
		h.creds.addClient(key, secret, c.workspace, ownedBy(c.space, owner))
		once["client_secret"] = secret
	}
	r := h.itemReply(c, coll, e.doc, params, once)
	if r.Status < 300 {
		r.Header.Set("Location", wire.BasePath+owner)
	}
	return r
}

// keyFromBody finds the value of the i-th key parameter in a creation body: in the item's own
// property, else in a property named like the parameter. It says generated when the server
// must make one (read-only or id-like keys the body does not give).
func keyFromBody(coll *collection, i int, body map[string]any) (key string, generated bool, problem string) {
	param, f := coll.keyParams[i], coll.keyFields[i]
	readOnly := f != nil && readOnlyAt(coll.item, f)
	if !readOnly {
		if v := getString(body, f); f != nil && v != "" {
			return inPathForm(coll.keyEnums[i], v), false, ""
		}
		for _, cand := range bodyKeyCandidates(param) {
			if v := getString(body, cand); v != "" {
				return inPathForm(coll.keyEnums[i], v), false, ""
			}
		}
	}
	if readOnly || strings.HasSuffix(param, "Id") {
		return "", true, ""
	}
	where := param
	if f != nil {
		where = strings.Join(f, ".")
	}
	return "", false, "the body does not name the new item: set " + where
}

// inPathForm returns a body's value as the path spells it, when the path parameter allows only
// some values: images are created with resourceType "agent" and read at /images/agents/...,
// the plural the parameter's enum lists.
func inPathForm(enum []string, v string) string {
	if len(enum) == 0 || slices.Contains(enum, v) || !slices.Contains(enum, v+"s") {
		return v
	}
	return v + "s"
}

// uniqueID returns an id no item of the bucket has.
func uniqueID(b *bucket) string {
	for {
		id := wire.RandomHex(8)
		if b.items[id] == nil {
			return id
		}
	}
}

// newItem builds a stored item from a creation body: what the item's schema declares of the
// body, the required properties it lacks, the defaults of those it left out, then what the
// server sets.
func newItem(coll *collection, body map[string]any, params map[string]string, c *call) map[string]any {
	doc, _ := deepMerge(apidoc.Sample(coll.item), shape(coll.item, body, true)).(map[string]any)
	if doc == nil {
		doc = map[string]any{}
	}
	fillDefaults(coll.item, doc)
	stampServerFields(coll, doc, params, c)
	setTime(coll, doc, createdFields(), c.now)
	for _, f := range [][]string{{"spec", "token"}, {"token"}} {
		if field(coll.item, f) != nil && readOnlyAt(coll.item, f) {
			setPath(doc, f, "blpt_"+wire.RandomHex(16))
		}
	}
	return doc
}

// stampServerFields sets what the path decides (the item's name, its parents' names), the
// workspace and the update time.
func stampServerFields(coll *collection, doc map[string]any, params map[string]string, c *call) {
	for i, f := range coll.keyFields {
		if f != nil {
			setPath(doc, f, params[coll.keyParams[i]])
		}
	}
	for _, p := range coll.parentParams {
		if f := firstField(coll.item, withMetadata(paramNames(p))); f != nil {
			setPath(doc, f, params[p])
		}
	}
	if c.workspace != "" && field(coll.item, []string{"metadata", "workspace"}) != nil {
		setPath(doc, []string{"metadata", "workspace"}, c.workspace)
	}
	setTime(coll, doc, updatedFields(), c.now)
}

func createdFields() [][]string {
	return [][]string{{"metadata", "createdAt"}, {"createdAt"}, {"created_at"}}
}

func updatedFields() [][]string {
	return [][]string{{"metadata", "updatedAt"}, {"updatedAt"}, {"updated_at"}}
}

// setTime sets the first of the timestamp properties the item declares.
func setTime(coll *collection, doc map[string]any, candidates [][]string, now time.Time) {
	if f := firstField(coll.item, candidates); f != nil {
		setPath(doc, f, now.UTC().Format(time.RFC3339Nano))
	}
}

// read answers one item.
func (h *handlers) read(c *call) wire.Reply {
	coll := c.op.coll
	e := c.sp.find(coll, c.params)
	if e == nil {
		return notFound(coll, c.params)
	}
	settle(coll, e, c.now)
	return h.itemReply(c, coll, e.doc, c.params, nil)
}

// update replaces an item with the body when the body is a whole item, and merges the body
// into it otherwise; what the server set is kept either way.
func (h *handlers) update(c *call) wire.Reply {
	coll := c.op.coll
	e := c.sp.find(coll, c.params)
	if e == nil {
		return notFound(coll, c.params)
	}
	body, ok := c.body.(map[string]any)
	if c.op.op.RequestBody == nil { // an update without a body only touches the item
		body, ok = map[string]any{}, true
	}
	if !ok {
		return wire.Error(http.StatusBadRequest, "bad_request", "the body must be a JSON object")
	}
	if problem := renames(coll, body, c.params); problem != "" {
		return wire.Error(http.StatusBadRequest, "bad_request", problem)
	}
	settle(coll, e, c.now)
	sent, _ := shape(coll.item, body, true).(map[string]any)
	var next map[string]any
	if rb := c.op.op.RequestBody; rb != nil && rb.Value != nil && sameSchema(rb.Value.Content.Get("application/json"), coll.item) {
		next, _ = deepMerge(apidoc.Sample(coll.item), sent).(map[string]any)
		keepReadOnly(coll.item, e.doc, next)
	} else {
		next, _ = deepMerge(e.doc, sent).(map[string]any)
	}
	fillDefaults(coll.item, next)
	stampServerFields(coll, next, c.params, c)
	h.stamp(coll, next, c.params, c.space)
	e.doc = next
	return h.itemReply(c, coll, e.doc, c.params, nil)
}

// renames says why an update body that names another item than its path is refused: a name
// (or any key the path carries) cannot change once the item exists. "" when it does not.
func renames(coll *collection, body map[string]any, params map[string]string) string {
	for i, f := range coll.keyFields {
		if f == nil || readOnlyAt(coll.item, f) {
			continue
		}
		if v := getString(body, f); v != "" && v != params[coll.keyParams[i]] {
			return strings.Join(f, ".") + " cannot change once the item exists: the path names " +
				params[coll.keyParams[i]] + ", the body " + v
		}
	}
	return ""
}

func sameSchema(mt *openapi3.MediaType, ref *openapi3.SchemaRef) bool {
	return mt != nil && mt.Schema != nil && ref != nil && mt.Schema.Value == ref.Value
}

// remove deletes an item, what is stored below it and the credentials it holds, and answers
// the item as it was, DELETING where its status can say so.
func (h *handlers) remove(c *call) wire.Reply {
	coll := c.op.coll
	b := c.sp.bucket(coll, valuesOf(coll.parentParams, c.params), false)
	e := c.sp.find(coll, c.params)
	if e == nil {
		return notFound(coll, c.params)
	}
	settle(coll, e, c.now)
	doc, _ := deepCopy(e.doc).(map[string]any)
	if s := field(coll.item, []string{"status"}); s != nil && s.Value != nil && slices.Contains(s.Value.Enum, any("DELETING")) {
		doc["status"] = "DELETING"
	}
	c.sp.remove(coll, b, e)
	h.creds.revokeUnder(ownedBy(c.space, fillTemplate(coll.itemPath, c.params)))
	return h.itemReply(c, coll, doc, c.params, nil)
}

// lookup finds the item of a collection whose property equals the path's last parameter.
func (h *handlers) lookup(c *call) wire.Reply {
	coll := c.op.coll
	want := c.params[templateParams(c.op.path)[len(templateParams(c.op.path))-1]]
	for _, e := range c.sp.bucket(coll, valuesOf(coll.parentParams, c.params), false).entries(c.now) {
		if getString(e.doc, c.op.lookupField) == want {
			params := maps.Clone(c.params)
			for i, p := range coll.keyParams {
				params[p] = e.keys[i]
			}
			return h.itemReply(c, coll, e.doc, params, nil)
		}
	}
	return wire.Error(http.StatusNotFound, "not_found", "no item of "+fillTemplate(coll.path, c.params)+" has "+strings.Join(c.op.lookupField, ".")+" "+want)
}

// other answers an operation that is not part of a collection: the item it is under when it
// answers that item's schema, else a minimal valid instance of its schema.
func (h *handlers) other(c *call) wire.Reply {
	if c.op.schema == nil {
		return wire.Empty(c.op.status)
	}
	if enc := c.op.enclosing; enc != nil && enc.item != nil && c.op.schema.Value == enc.item.Value {
		e := c.sp.find(enc, c.params)
		settle(enc, e, c.now)
		return wire.JSON(c.op.status, shape(c.op.schema, deepCopy(e.doc), false))
	}
	return wire.JSON(c.op.status, apidoc.Sample(c.op.schema))
}

// itemReply answers an item in the operation's schema. When that schema is the enclosing
// item's (sharing a domain answers the domain), the enclosing item is answered instead. A
// schema other than the item's gets the path's names in the properties named like them.
func (h *handlers) itemReply(c *call, coll *collection, doc map[string]any, params map[string]string, once map[string]any) wire.Reply {
	schema := c.op.schema
	if schema == nil {
		return wire.Empty(c.op.status)
	}
	if enc := c.op.enclosing; enc != nil && enc != coll && enc.item != nil && schema.Value == enc.item.Value && schema.Value != coll.item.Value {
		if parent := c.sp.find(enc, params); parent != nil {
			settle(enc, parent, c.now)
			doc, coll = parent.doc, enc
		}
	}
	out, ok := shape(schema, deepCopy(doc), false).(map[string]any)
	if !ok {
		return wire.JSON(c.op.status, shape(schema, deepCopy(doc), false))
	}
	if schema.Value != coll.item.Value {
		for _, p := range coll.keyParams {
			stampIfAbsent(schema, out, bodyKeyCandidates(p), params[p])
		}
		for _, p := range coll.parentParams {
			stampIfAbsent(schema, out, withMetadata(paramNames(p)), params[p])
		}
	}
	for k, v := range once {
		out[k] = v
	}
	merged := deepMerge(apidoc.Sample(schema), out)
	return wire.JSON(c.op.status, merged)
}

// stampIfAbsent sets value in the first candidate property the schema declares, unless the
// answer has it already.
func stampIfAbsent(schema *openapi3.SchemaRef, out map[string]any, candidates [][]string, value string) {
	if f := firstField(schema, candidates); f != nil {
		if _, ok := getPath(out, f); !ok {
			setPath(out, f, value)
		}
	}
}
