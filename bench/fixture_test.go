package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// sandboxJSON renders one realistic sandbox as the control plane sends it: metadata with
// labels, a runtime with environment and ports, a lifecycle, volumes, network rules and, when
// events is set, its deployment events. It weighs about 2 KB with events, 1.6 KB without.
func sandboxJSON(i int, events bool) string {
	tail := `}`
	if events {
		tail = `,"events":[` +
			`{"type":"deployment","status":"BUILDING","time":"2026-03-14T09:26:54.001Z","revision":"rev-5d8f2c","message":"Preparing the sandbox image"},` +
			`{"type":"deployment","status":"DEPLOYING","time":"2026-03-14T09:27:12.448Z","revision":"rev-5d8f2c","message":"Scheduling the sandbox on a node"},` +
			`{"type":"deployment","status":"DEPLOYED","time":"2026-03-14T09:27:19.873Z","revision":"rev-5d8f2c","message":"The sandbox is ready"}]}`
	}
	name := fmt.Sprintf("sandbox-%05d", i)
	return `{"metadata":{"name":"` + name + `","displayName":"Data pipeline worker ` + strconv.Itoa(i) + `",` +
		`"workspace":"acme-research","url":"https://app.blaxel.ai/acme-research/global-agentic-network/sandbox/` + name + `",` +
		`"plan":"team","createdAt":"2026-03-14T09:26:53.589Z","updatedAt":"2026-03-14T09:41:07.112Z",` +
		`"createdBy":"3f9c2a1e-5b7d-4c8e-9a0f-1d2e3c4b5a69","updatedBy":"3f9c2a1e-5b7d-4c8e-9a0f-1d2e3c4b5a69",` +
		`"externalId":"job-7f3a9c21-` + strconv.Itoa(i) + `",` +
		`"labels":{"team":"data-platform","env":"staging","owner":"pipelines","cost-center":"cc-4182"}},` +
		`"spec":{"enabled":true,"region":"us-pdx-1",` +
		`"runtime":{"image":"blaxel/prod-py-app:latest","memory":4096,"ttl":"24h","expires":"2026-03-15T09:26:53Z",` +
		`"terminationGracePeriodSeconds":30,` +
		`"envs":[{"name":"PIPELINE_STAGE","value":"transform"},{"name":"LOG_LEVEL","value":"info"},` +
		`{"name":"OUTPUT_BUCKET","value":"s3://acme-research-staging/pipelines/output"},` +
		`{"name":"DATABASE_URL","secret":true,"value":"********"}],` +
		`"ports":[{"name":"sandbox-api","target":8080,"protocol":"HTTP"},{"name":"preview","target":3000,"protocol":"HTTP"},` +
		`{"name":"metrics","target":9090,"protocol":"TCP"}]},` +
		`"lifecycle":{"terminatedRetention":"72h","expirationPolicies":[{"type":"ttl-idle","value":"30m","action":"delete"},` +
		`{"type":"ttl-max-age","value":"24h","action":"delete"}]},` +
		`"volumes":[{"name":"workspace-data","mountPath":"/workspace/data","readOnly":false},` +
		`{"name":"model-cache","mountPath":"/opt/models","readOnly":true}],` +
		`"network":{"allowedDomains":["docs.example.com","assets.example.com","git.example.com","llm.example.com"],` +
		`"forbiddenDomains":["*.internal.example"]}},` +
		`"status":"DEPLOYED","state":"RUNNING","expiresIn":84673,"lastUsedAt":"2026-03-14T09:40:58.204Z"` + tail
}

// pageJSON renders a page of a sandbox listing, whose items come without their events:
// items first..first+n-1, then meta, with a next cursor when more follows.
func pageJSON(first, n, total int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		b.WriteString(sandboxJSON(i, false))
	}
	b.WriteString(`],"meta":{"total":` + strconv.Itoa(total))
	if first+n < total {
		b.WriteString(`,"hasMore":true,"nextCursor":"` + cursorFor(first+n) + `"`)
	} else {
		b.WriteString(`,"hasMore":false`)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// cursorFor is the opaque cursor of the page that starts at item i.
func cursorFor(i int) string {
	return "c" + strconv.Itoa(i)
}

// tokenJSON is the answer of /oauth/token: a two-hour bearer token.
var tokenJSON = []byte(`{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYS1iZW5jaCJ9.c2lnbmF0dXJl","token_type":"Bearer","expires_in":7200}`)
