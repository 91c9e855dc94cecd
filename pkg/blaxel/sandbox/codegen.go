package sandbox

import (
	"context"
	"errors"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// FastApply merges an edit into a file of the sandbox and writes the result (FastApply):
// edit.CodeEdit sketches the changed code with the unchanged parts elided, and the code-edit
// provider configured in the sandbox (Relace or Morph, from its RELACE_API_KEY or
// MORPH_API_KEY) writes the whole file. The answer has the file before and after. A sandbox
// without a provider answers a *blaxel.APIError matching blaxel.ErrBadRequest.
func (s *Sandbox) FastApply(ctx context.Context, file string, edit sandboxapi.ApplyEditRequest) (*sandboxapi.ApplyEditResponse, error) {
	if edit.CodeEdit == "" {
		return nil, errors.New("blaxel: FastApply: the code edit is empty")
	}
	p, err := sandboxPath(file)
	if err != nil {
		return nil, err
	}
	resp, err := s.api.FastApplyWithResponse(ctx, p, edit)
	if err != nil {
		return nil, pathError("fastapply", file, err)
	}
	out, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, pathError("fastapply", file, err)
	}
	if out.Success != nil && !*out.Success {
		return out, pathError("fastapply", file, s.streamError(resp.HTTPResponse.Request, "the edit was not applied: "+deref(out.Message)))
	}
	return out, nil
}

// Rerank ranks the files under dir by their relevance to params.Query, most relevant first
// (Rerank), with the reranking provider configured in the sandbox (Relace, from its
// RELACE_API_KEY): params bound the lowest score kept, the tokens of content answered, and
// the file names (a regular expression). A sandbox without the provider answers a
// *blaxel.APIError with status 503.
func (s *Sandbox) Rerank(ctx context.Context, dir string, params sandboxapi.RerankParams) (*sandboxapi.RerankingResponse, error) {
	if params.Query == "" {
		return nil, errors.New("blaxel: Rerank: the query is empty")
	}
	p, err := sandboxPath(dir)
	if err != nil {
		return nil, err
	}
	resp, err := s.api.RerankWithResponse(ctx, p, &params)
	if err != nil {
		return nil, pathError("rerank", dir, err)
	}
	out, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, pathError("rerank", dir, err)
	}
	if out.Success != nil && !*out.Success {
		return out, pathError("rerank", dir, s.streamError(resp.HTTPResponse.Request, "the ranking did not run: "+deref(out.Message)))
	}
	return out, nil
}
