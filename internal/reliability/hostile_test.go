package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/getkin/kin-openapi/openapi3"
)

// hostileNames are values a caller may pass as a path parameter, by mistake or because they
// came from somewhere untrusted.
func hostileNames() map[string]string {
	return map[string]string{
		"empty":            "",
		"dot":              ".",
		"dot-dot":          "..",
		"slash":            "a/b",
		"climb":            "../workspaces",
		"escaped slash":    "%2F",
		"escaped climb":    "..%2F..%2Fworkspaces",
		"query":            "?x=1",
		"fragment":         "#frag",
		"spaces":           "my sandbox ",
		"unicode":          "ünïcødé-名前-🙂",
		"10 KB":            strings.Repeat("n", 10<<10),
		"NUL byte":         "nul\x00byte",
		"backslash":        `a\..\b`,
		"line break":       "a\r\nX-Injected: 1",
		"percent":          "100%",
		"encoded dot-dot":  "%2e%2e",
		"trailing dot-dot": "x/..",
	}
}

// refusedNames must be refused before anything is sent: escaped as they are, they would
// address another resource (url.PathEscape keeps ".", ".." and "" as they are).
var refusedNames = []string{"", ".", ".."}

// TestHostilePathParameters calls every operation of the document that has path parameters,
// with each hostile value in each parameter in turn, against the fake control plane. Each call
// is either refused before sending, with an error that says why, or reaches the fake on the
// intended operation with exactly that value as the parameter; never another route. Each call
// carries its number in a header, by which the fake's request log is matched to it.
func TestHostilePathParameters(t *testing.T) {
	noLeaks(t)
	fake := blaxeltest.NewServer(t)
	client, _ := newClient(t, fake.URL(), withAPIKey(), blaxel.WithMaxRetries(0))
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]reflect.Value{}
	cv := reflect.ValueOf(client)
	for i := range cv.NumMethod() {
		methods[strings.ToLower(cv.Type().Method(i).Name)] = cv.Method(i) // ListVpcs is ListVPCs in Go
	}
	names := hostileNames()
	var calls []*hostileCall
	ops := 0
	for _, path := range slices.Sorted(mapKeys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		params := pathParams(path)
		if len(params) == 0 {
			continue
		}
		for method, op := range item.Operations() {
			m, found := methods[strings.ToLower(op.OperationID)]
			if !found {
				t.Errorf("%s: no generated method", op.OperationID)
				continue
			}
			ops++
			for position, param := range params {
				for _, kind := range slices.Sorted(mapKeys(names)) {
					calls = append(calls, &hostileCall{id: strconv.Itoa(len(calls)), method: method, path: path, op: op, m: m,
						position: position, param: param, kind: kind, name: names[kind]})
				}
			}
		}
	}
	// The calls are independent: a few at a time.
	work := make(chan *hostileCall)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for c := range work {
				c.err, c.panicked = callWith(t, c.m, c.op, c.position, c.name, c.id)
				audit.err(c.err)
			}
		})
	}
	for _, c := range calls {
		work <- c
	}
	close(work)
	wg.Wait()

	received := map[string][]blaxeltest.Request{}
	for _, r := range fake.Requests() {
		id := r.Header.Get(callHeader)
		received[id] = append(received[id], r)
	}
	refused, sent, misrouted := 0, 0, 0
	for _, c := range calls {
		got := received[c.id]
		what := fmt.Sprintf("%s(%s=%s)", c.op.OperationID, c.param, c.kind)
		switch {
		case c.panicked:
			t.Errorf("%s panicked: %v", what, c.err)
		case slices.Contains(refusedNames, c.name):
			refused++
			if len(got) > 0 {
				misrouted++
				t.Errorf("%s: sent %s %s (%q), want it refused before sending", what, got[0].Method, got[0].Path, got[0].OperationID)
			} else if c.err == nil || !strings.Contains(c.err.Error(), "path parameter") {
				t.Errorf("%s: refused with an unclear error: %v", what, c.err)
			}
		case len(got) != 1:
			t.Errorf("%s: %d requests reached the fake (error: %v)", what, len(got), c.err)
		case got[0].OperationID != c.op.OperationID || got[0].Method != c.method:
			misrouted++
			t.Errorf("%s: reached %q (%s %s)", what, got[0].OperationID, got[0].Method, got[0].Path)
		default:
			sent++
			if v, err := paramValue(c.path, got[0].Path, c.position); err != nil || v != c.name {
				misrouted++
				t.Errorf("%s: the fake received %q (%v)", what, v, err)
			}
		}
	}
	t.Logf("%d operations with path parameters; %d calls refused before sending, %d sent escaped to the intended route", ops, refused, sent)
	audit.add("hostile-ops", ops)
	audit.add("hostile-refused", refused)
	audit.add("hostile-sent", sent)
	audit.add("hostile-misrouted", misrouted)
}

// callHeader carries the number of a call of TestHostilePathParameters.
const callHeader = "X-Reliability-Call"

// hostileCall is one operation called with one hostile value in one path parameter.
type hostileCall struct {
	id, method, path string
	op               *openapi3.Operation
	m                reflect.Value
	position         int
	param, kind      string
	name             string
	err              error
	panicked         bool
}

// pathParams lists the parameters of a path template, in order.
func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.Trim(seg, "{}"))
		}
	}
	return out
}

// paramValue decodes the value of the position-th parameter of template from the escaped
// path (with its /v0 base and query) that the fake received.
func paramValue(template, received string, position int) (string, error) {
	received, _, _ = strings.Cut(received, "?")
	received = strings.TrimPrefix(received, "/v0")
	want, got := strings.Split(template, "/"), strings.Split(received, "/")
	if len(want) != len(got) {
		return "", fmt.Errorf("%d segments, the template has %d", len(got), len(want))
	}
	n := 0
	for i, seg := range want {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		if n == position {
			return url.PathUnescape(got[i])
		}
		n++
	}
	return "", fmt.Errorf("no parameter %d", position)
}

// callWith calls a generated method with name as its position-th path parameter, "x" (or 1)
// for the others, no optional parameters, a sample body, and the call's id in callHeader. A
// panic is recorded, not raised.
func callWith(t *testing.T, m reflect.Value, op *openapi3.Operation, position int, name, id string) (err error, panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			audit.panicked(v)
			err, panicked = fmt.Errorf("panic: %v", v), true
		}
	}()
	mt := m.Type()
	args := []reflect.Value{reflect.ValueOf(context.Background())}
	pathIndex := 0
	for i := 1; i < mt.NumIn(); i++ {
		in := mt.In(i)
		if mt.IsVariadic() && i == mt.NumIn()-1 {
			break
		}
		switch {
		case in.Kind() == reflect.String:
			v := "x"
			if pathIndex == position {
				v = name
			}
			pathIndex++
			args = append(args, reflect.ValueOf(v).Convert(in))
		case in.Kind() >= reflect.Int && in.Kind() <= reflect.Int64:
			pathIndex++
			args = append(args, reflect.ValueOf(1).Convert(in))
		case in.Kind() == reflect.Pointer && strings.HasSuffix(in.Elem().Name(), "Params"):
			args = append(args, reflect.Zero(in))
		default:
			args = append(args, sampleBody(t, in, op))
		}
	}
	mark := []blaxel.CallOption{blaxel.WithCallHeader(callHeader, id)}
	out := m.CallSlice(append(args, reflect.ValueOf(mark)))
	err, _ = out[len(out)-1].Interface().(error)
	return err, false
}

// sampleBody is a minimal valid body of the operation, decoded into the method's Go type.
func sampleBody(t *testing.T, typ reflect.Type, op *openapi3.Operation) reflect.Value {
	v := reflect.New(typ)
	if op.RequestBody == nil {
		return v.Elem()
	}
	types := slices.Sorted(mapKeys(op.RequestBody.Value.Content))
	if len(types) == 0 {
		return v.Elem()
	}
	raw, _ := json.Marshal(apidoc.Sample(op.RequestBody.Value.Content[types[0]].Schema))
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		t.Errorf("%s: sample body: %v", op.OperationID, err) // not Fatalf: this runs in the workers
	}
	return v.Elem()
}

// TestHostileWorkloadNames calls deployed agents, functions and models by each hostile name:
// the call is refused before sending, or the run host receives exactly that name as one
// segment of the path, at the place of the name.
func TestHostileWorkloadNames(t *testing.T) {
	noLeaks(t)
	var got seen
	run := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.add(r)
		_, _ = io.WriteString(w, "{}")
	})
	client, _ := newClient(t, run.base(), withAPIKey(), blaxel.WithRunURL(run.URL))
	calls := map[string]func(name string) (io.ReadCloser, error){
		"agents": func(name string) (io.ReadCloser, error) {
			return client.RunAgent(context.Background(), name, strings.NewReader("{}"))
		},
		"functions": func(name string) (io.ReadCloser, error) {
			return client.RunFunction(context.Background(), name, strings.NewReader("{}"))
		},
		"models": func(name string) (io.ReadCloser, error) {
			return client.RunModel(context.Background(), name, "v1/chat/completions", strings.NewReader("{}"))
		},
	}
	names := hostileNames()
	for _, kind := range slices.Sorted(mapKeys(calls)) {
		for _, label := range slices.Sorted(mapKeys(names)) {
			name := names[label]
			before := len(got.all())
			body, err := calls[kind](name)
			audit.err(err)
			closeBody(body)
			sent := got.all()[before:]
			if err != nil {
				if len(sent) > 0 {
					t.Errorf("%s %s: failed (%v) after sending", kind, label, err)
				}
				audit.add("workload-refused", 1)
				continue
			}
			audit.add("workload-sent", 1)
			if len(sent) != 1 {
				t.Errorf("%s %s: %d requests", kind, label, len(sent))
				continue
			}
			segs := strings.Split(sent[0].URL.EscapedPath(), "/")
			if len(segs) < 4 || segs[1] != workspace || segs[2] != kind {
				t.Errorf("%s %s: reached %s", kind, label, sent[0].URL.EscapedPath())
				continue
			}
			if v, err := url.PathUnescape(segs[3]); err != nil || v != name {
				t.Errorf("%s %s: the run host received the name %q", kind, label, v)
			}
		}
	}
}
