package sandboxfake

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/routers"
)

// sbxHandler answers one operation of the Sandbox API.
type sbxHandler func(x *sbxCall)

// sandboxHandlers maps each operation of the Sandbox API, named "METHOD /template" as the
// API's document writes it, to the function that answers it.
func sandboxHandlers() map[string]sbxHandler {
	return map[string]sbxHandler{
		"GET /process":                          listProcesses,
		"POST /process":                         startProcess,
		"GET /process/{identifier}":             getProcess,
		"DELETE /process/{identifier}":          stopProcess,
		"DELETE /process/{identifier}/kill":     killProcess,
		"GET /process/{identifier}/logs":        getProcessLogs,
		"GET /process/{identifier}/logs/stream": streamProcessLogs,
		"POST /process/{identifier}/stdin":      processStdin,
		"DELETE /process/{identifier}/stdin":    processStdin,

		"GET /archive/status":  archiveStatus,
		"POST /archive/export": exportArchive,
		"POST /archive/resume": resumeArchive,

		"GET /filesystem/{path}":                getFile,
		"PUT /filesystem/{path}":                putFile,
		"DELETE /filesystem/{path}":             deleteFile,
		"GET /filesystem/tree/{path}":           getTree,
		"PUT /filesystem/tree/{path}":           putTree,
		"DELETE /filesystem/tree/{path}":        deleteTree,
		"GET /filesystem-find/{path}":           findFiles,
		"GET /filesystem-search/{path}":         fuzzySearch,
		"GET /filesystem-content-search/{path}": contentSearch,

		"POST /filesystem-multipart/initiate/{path}":     initiateUpload,
		"PUT /filesystem-multipart/{uploadId}/part":      putPart,
		"POST /filesystem-multipart/{uploadId}/complete": completeUpload,
		"DELETE /filesystem-multipart/{uploadId}/abort":  abortUpload,
		"GET /filesystem-multipart/{uploadId}/parts":     listParts,
		"GET /filesystem-multipart":                      listUploads,

		"GET /watch/filesystem/{path}": watchDirectory,

		"GET /network/process/{pid}/ports":      getPorts,
		"POST /network/process/{pid}/monitor":   startMonitor,
		"DELETE /network/process/{pid}/monitor": stopMonitor,
		"PUT /network/tunnel/config":            putTunnelConfig,
		"DELETE /network/tunnel":                deleteTunnel,

		"GET /drives/mount":                listMounts,
		"POST /drives/mount":               mountDrive,
		"DELETE /drives/mount/{mountPath}": unmountDrive,

		"PUT /codegen/fastapply/{path}": fastApply,
		"GET /codegen/reranking/{path}": rerank,

		"GET /health":              health,
		"POST /upgrade":            upgrade,
		"POST /environment/reload": reloadEnvironment,
	}
}

// streamedBodies are the operations whose handler reads the request body as it arrives
// (uploads), rather than whole before it starts.
func streamedBodies() []string {
	return []string{"PUT /filesystem/{path}", "PUT /filesystem-multipart/{uploadId}/part"}
}

// operation names an operation of the Sandbox API, for faults and the request log.
type operation struct {
	id, method, path string
	route            string // "METHOD /template"
}

// sbxRoute is one operation of the Sandbox API as the fake routes it.
type sbxRoute struct {
	op       *operation // its id (from the document) and route, for faults and the request log
	segs     []string   // the template's segments, after the leading slash
	rest     string     // the trailing parameter that takes the rest of the path, "" for none
	handle   sbxHandler
	streamed bool
	doc      *routers.Route // for validation, nil without the document
}

// restParam reports whether a template's last segment is a parameter that takes the rest of
// the path, slashes included, as the sandbox server's catch-all routes do: a trailing
// parameter named path or ending in Path (mountPath).
func restParam(segs []string) string {
	if len(segs) == 0 || !wire.IsParam(segs[len(segs)-1]) {
		return ""
	}
	name := strings.Trim(segs[len(segs)-1], "{}")
	if name == "path" || strings.HasSuffix(name, "Path") {
		return name
	}
	return ""
}

func newSbxRoute(key string, h sbxHandler) *sbxRoute {
	method, tmpl, _ := strings.Cut(key, " ")
	segs := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
	return &sbxRoute{
		op:       &operation{method: method, path: tmpl, route: key},
		segs:     segs,
		rest:     restParam(segs),
		handle:   h,
		streamed: slices.Contains(streamedBodies(), key),
	}
}

// match finds the route of a request from its method and decoded path (after the sandbox's
// address): at each segment a literal beats a parameter, which beats the rest of the path, as
// in the sandbox server's router. With QuirkTreeCapture, every path that starts with
// /filesystem/tree goes to the tree routes first, as the server's middleware sends it.
func (a *sandboxAPI) match(method, decoded string, quirks Quirk) (*sbxRoute, map[string]string) {
	if quirks.has(QuirkTreeCapture) {
		if rest, ok := strings.CutPrefix(decoded, "/filesystem/tree"); ok {
			if rt := a.byKey[method+" /filesystem/tree/{path}"]; rt != nil {
				return rt, map[string]string{"path": treePath(rest)}
			}
		}
	}
	segs := strings.Split(strings.TrimPrefix(decoded, "/"), "/")
	var best *sbxRoute
	var bestParams map[string]string
	var bestScore []int
	for _, rt := range a.routes {
		if rt.op.method != method {
			continue
		}
		params, score, ok := rt.fit(segs)
		if ok && (best == nil || slices.Compare(score, bestScore) > 0) {
			best, bestParams, bestScore = rt, params, score
		}
	}
	return best, bestParams
}

// fit matches a route's template against the segments of a path, and scores the match: for
// each segment 2 for a literal, 1 for a parameter, 0 for the rest of the path.
func (rt *sbxRoute) fit(segs []string) (map[string]string, []int, bool) {
	n := len(rt.segs)
	if rt.rest != "" {
		n-- // the last segment takes what is left, even nothing
		if len(segs) < n {
			return nil, nil, false
		}
	} else if len(segs) != n {
		return nil, nil, false
	}
	params := map[string]string{}
	score := make([]int, 0, len(rt.segs))
	for i, t := range rt.segs[:n] {
		switch {
		case wire.IsParam(t):
			if segs[i] == "" {
				return nil, nil, false
			}
			params[strings.Trim(t, "{}")] = segs[i]
			score = append(score, 1)
		case t == segs[i]:
			score = append(score, 2)
		default:
			return nil, nil, false
		}
	}
	if rt.rest != "" {
		params[rt.rest] = ""
		if len(segs) > n {
			params[rt.rest] = "/" + strings.Join(segs[n:], "/")
		}
		score = append(score, 0)
	}
	return params, score, true
}

// sortedRoutes lists routes in a stable order, so that ties resolve the same way every time.
func sortedRoutes(byKey map[string]*sbxRoute) []*sbxRoute {
	out := slices.Collect(maps.Values(byKey))
	slices.SortFunc(out, func(x, y *sbxRoute) int { return cmp.Compare(x.op.route, y.op.route) })
	return out
}
