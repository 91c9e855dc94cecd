package blaxel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// TestDocumentValidates loads openapi.yaml with kin-openapi, examples included.
func TestDocumentValidates(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Paths.Map()); n == 0 {
		t.Fatal("no paths")
	}
}

// contractServer answers any operation of the document with a minimal valid body, after
// validating the request against the document, and validates its own answer too.
type contractServer struct {
	t      *testing.T
	doc    *openapi3.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]*http.Request // operationId -> request as received
}

func (s *contractServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, pathParams, err := s.router.FindRoute(r)
	if err != nil {
		s.t.Errorf("%s %s: no route: %v", r.Method, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		s.t.Errorf("%s: request does not validate: %v", route.Operation.OperationID, err)
	}
	s.mu.Lock()
	s.seen[route.Operation.OperationID] = r
	s.mu.Unlock()
	if r.Header.Get("X-Test-Answer") == "404" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found", "code": 404, "message": "asked for"})
		return
	}

	status, resp := successResponse(route.Operation)
	var out []byte
	contentType := ""
	if resp != nil && resp.Content != nil {
		for ct, mt := range resp.Content {
			contentType = ct
			out, _ = json.Marshal(apidoc.Sample(mt.Schema))
			break
		}
	}
	rv := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: http.Header{"Content-Type": {contentType}},
		Body: io.NopCloser(bytes.NewReader(out)),
	}
	if err := openapi3filter.ValidateResponse(r.Context(), rv); err != nil {
		s.t.Errorf("%s: answer does not validate: %v", route.Operation.OperationID, err)
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func successResponse(op *openapi3.Operation) (int, *openapi3.Response) {
	for _, code := range []int{200, 201, 202, 204} {
		if r := op.Responses.Status(code); r != nil {
			return code, r.Value
		}
	}
	return 200, nil
}

// TestEveryOperationMatchesTheDocument calls every operation method of the Client against a
// server that validates each request and answer by the document: each returns its answer,
// never nil when err is nil, and names its operation in the *APIError of a refusal.
func TestEveryOperationMatchesTheDocument(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil // route on paths alone, whatever the test server's address
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	srv := &contractServer{t: t, doc: doc, router: router, seen: map[string]*http.Request{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	client, err := blaxel.New(blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("ws"), blaxel.WithBaseURL(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]reflect.Value{}
	cv := reflect.ValueOf(client)
	for i := range cv.NumMethod() {
		methods[strings.ToLower(cv.Type().Method(i).Name)] = cv.Method(i)
	}
	tags := map[string]bool{}
	count := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			count++
			m, ok := methods[strings.ToLower(op.OperationID)]
			if !ok {
				t.Errorf("%s %s: no method for %s", method, path, op.OperationID)
				continue
			}
			t.Run(op.OperationID, func(t *testing.T) {
				callOperation(t, m, op)
			})
			srv.mu.Lock()
			r := srv.seen[op.OperationID]
			srv.mu.Unlock()
			if r == nil {
				t.Errorf("%s: the server saw no request", op.OperationID)
				continue
			}
			for _, tag := range op.Tags {
				tags[tag] = true
			}
			if got := r.Header.Get("Blaxel-Version"); got != blaxel.APIVersion {
				t.Errorf("%s: Blaxel-Version %q", op.OperationID, got)
			}
			if got := r.Header.Get("X-Blaxel-Workspace"); got != "ws" {
				t.Errorf("%s: X-Blaxel-Workspace %q", op.OperationID, got)
			}
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if said := regexp.MustCompile(`(\d+) operations in all`).FindSubmatch(readme); said == nil || string(said[1]) != strconv.Itoa(count) {
		t.Errorf("%d operations in the document; the README says %q", count, said)
	}
	for _, tag := range doc.Tags {
		if !tags[tag.Name] {
			t.Errorf("tag %s: no operation was called", tag.Name)
		}
	}
}

// TestClientHasNoRawMethods: the generated client is reached through API(), never promoted.
func TestClientHasNoRawMethods(t *testing.T) {
	typ := reflect.TypeFor[*blaxel.Client]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if strings.HasSuffix(name, "WithResponse") || strings.HasSuffix(name, "WithBody") {
			t.Errorf("Client.%s is a method of the generated client", name)
		}
	}
	if typ.Elem().NumField() > 0 {
		for i := range typ.Elem().NumField() {
			if f := typ.Elem().Field(i); f.IsExported() {
				t.Errorf("Client has the exported field %s", f.Name)
			}
		}
	}
}

// callOperation calls one operation method with sample arguments built from its Go types,
// once for its success answer and once for a 404, which must name the operation.
func callOperation(t *testing.T, m reflect.Value, op *openapi3.Operation) {
	mt := m.Type()
	if !mt.IsVariadic() || mt.In(mt.NumIn()-1) != reflect.TypeFor[[]blaxel.CallOption]() {
		t.Fatalf("%s: the last argument is not opts ...CallOption", op.OperationID)
	}
	args := []reflect.Value{reflect.ValueOf(context.Background())}
	for i := 1; i < mt.NumIn()-1; i++ {
		in := mt.In(i)
		switch {
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf("sample-name").Convert(in))
		case in.Kind() == reflect.Pointer && strings.HasSuffix(in.Elem().Name(), "Params"):
			args = append(args, reflect.Zero(in))
		default:
			args = append(args, sampleBody(t, in, op))
		}
	}
	out := m.Call(args)
	errOut := out[len(out)-1]
	if err, _ := errOut.Interface().(error); err != nil {
		t.Fatalf("%s: %v", op.OperationID, err)
	}
	if len(out) == 2 && out[0].IsNil() {
		t.Fatalf("%s: a nil %s with a nil error", op.OperationID, out[0].Type())
	}

	refused := m.CallSlice(append(args, reflect.ValueOf([]blaxel.CallOption{blaxel.WithCallHeader("X-Test-Answer", "404")})))
	var apiErr *blaxel.APIError
	if err, _ := refused[len(refused)-1].Interface().(error); !errors.As(err, &apiErr) || apiErr.Operation != op.OperationID {
		t.Fatalf("%s: a 404 gave %v, operation %q", op.OperationID, err, operationOfError(apiErr))
	}
}

func operationOfError(e *blaxel.APIError) string {
	if e == nil {
		return ""
	}
	return e.Operation
}

// sampleBody builds the request body from the document's schema, decoded into the Go type.
func sampleBody(t *testing.T, typ reflect.Type, op *openapi3.Operation) reflect.Value {
	v := reflect.New(typ)
	if op.RequestBody == nil {
		t.Fatalf("%s: argument %s but no request body", op.OperationID, typ)
	}
	cts := slices.Sorted(func(yield func(string) bool) {
		for ct := range op.RequestBody.Value.Content {
			yield(ct)
		}
	})
	raw, _ := json.Marshal(apidoc.Sample(op.RequestBody.Value.Content[cts[0]].Schema))
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		t.Fatalf("%s: sample body %s: %v", op.OperationID, raw, err)
	}
	return v.Elem()
}
