# Everyday commands. Run `make help` for the list.
GO ?= go
TOOL := $(GO) tool -modfile=tools/go.mod

.PHONY: help demo test race lint generate check-generated ci

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

demo: ## Run the quickstart tour (against the built-in fake server unless credentials are set).
	$(GO) run ./examples/quickstart

test: ## Run every test with the race detector.
	$(GO) test -race -count=1 ./...

lint: ## gofmt, go vet and staticcheck.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

generate: ## Regenerate gen/ (and every generated file) from openapi.yaml.
	$(GO) generate ./...

check-generated: generate ## Fail when generated files differ from what the generator makes.
	@git diff --exit-code --stat -- gen pkg || { echo "generated code is stale or was edited by hand: run make generate"; exit 1; }
	@test -z "$$(git status --porcelain -- gen pkg)" || { git status --porcelain -- gen pkg; echo "untracked generated files"; exit 1; }

ci: check-generated lint test ## What .ci/run runs.
