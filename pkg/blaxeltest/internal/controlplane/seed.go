package controlplane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3filter"
	"go.yaml.in/yaml/v3"
)

// Seed is a resource to create when the server starts: the body is POSTed to the path (e.g.
// "/sandboxes", or "/sandboxes/my-box/previews"), relative to the base URL.
type Seed struct {
	Path      string `json:"path" yaml:"path"`
	Body      any    `json:"body" yaml:"body"`
	Workspace string `json:"workspace,omitempty" yaml:"workspace,omitempty"` // the X-Blaxel-Workspace it is created in
}

// ParseSeeds reads a list of seeds, in YAML or JSON:
//
//   - path: /sandboxes
//     body: {metadata: {name: my-box}, spec: {runtime: {image: blaxel/base:latest}}}
func ParseSeeds(data []byte) ([]Seed, error) {
	var seeds []Seed
	if err := yaml.Unmarshal(data, &seeds); err != nil {
		return nil, fmt.Errorf("blaxeltest: seeds: %w", err)
	}
	for i, s := range seeds {
		if !strings.HasPrefix(s.Path, "/") {
			return nil, fmt.Errorf("blaxeltest: seed %d: path %q does not start with /", i+1, s.Path)
		}
	}
	return seeds, nil
}

// Seed creates a resource directly, without credentials, faults or request log: the body is
// validated and stored as a POST to seed.Path would be. The resource is already deployed. It
// is created in seed.Workspace, or, when that is empty, in every workspace (each has its own
// copy, so that a change in one is not seen in another).
func (s *Plane) Seed(seed Seed) error {
	body, err := json.Marshal(seed.Body)
	if err != nil {
		return fmt.Errorf("blaxeltest: seed %s: %w", seed.Path, err)
	}
	path := seed.Path
	if !strings.HasPrefix(path, wire.BasePath+"/") {
		path = wire.BasePath + path
	}
	r, err := http.NewRequest(http.MethodPost, "http://seed"+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("blaxeltest: seed %s: %w", seed.Path, err)
	}
	r.Header.Set("Content-Type", "application/json")
	routed, route, params, rep := s.route(r)
	if route == nil {
		return fmt.Errorf("blaxeltest: seed %s: %s", seed.Path, rep.Body)
	}
	op := s.api.ops[route.Method+" "+route.Path]
	if op.kind != kindCreate {
		return fmt.Errorf("blaxeltest: seed %s: POST %s does not create a resource", seed.Path, route.Path)
	}
	in := s.validationInput(routed, route, params, body)
	if err := openapi3filter.ValidateRequest(routed.Context(), in); err != nil {
		return fmt.Errorf("blaxeltest: seed %s: %s", seed.Path, wire.ValidationMessage(err))
	}
	decoded, err := wire.DecodeJSON(body)
	if err != nil {
		return fmt.Errorf("blaxeltest: seed %s: the body is not JSON: %w", seed.Path, err)
	}
	c := call{
		op: op, params: params, query: routed.URL.Query(), body: decoded,
		workspace: seed.Workspace, space: spaceOf(op, seed.Workspace), version: s.api.version, now: s.cfg.Now(), seeding: true,
	}
	if seed.Workspace == "" && !op.forCaller {
		rep = s.handlers.seedEverywhere(&c) // in every workspace, now and later
	} else {
		rep = s.handlers.answer(&c)
	}
	if rep.Status >= 300 {
		return fmt.Errorf("blaxeltest: seed %s: %d %s", seed.Path, rep.Status, rep.Body)
	}
	return nil
}
