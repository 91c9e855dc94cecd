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

generate: ## Regenerate gen/ (and every generated file) from openapi.yaml and openapi-sandbox.yaml.
	$(GO) generate ./...

check-generated: generate ## Fail when generated files differ from what the generator makes.
	@git diff --exit-code --stat -- gen pkg || { echo "generated code is stale or was edited by hand: run make generate"; exit 1; }
	@test -z "$$(git status --porcelain -- gen pkg)" || { git status --porcelain -- gen pkg; echo "untracked generated files"; exit 1; }

ci: check-generated lint test ## What .ci/run runs.

# openapi.yaml and openapi-sandbox.yaml as other generators see them. The npm tools are pinned in
# tools/spec (npm ci --prefix tools/spec).
SPEC_BIN := tools/spec/node_modules/.bin
SPEC_OUT := tools/spec/out
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(SPEC_BIN)/redocly

.PHONY: spec-check spec-diff

spec-check: ## Lint both documents, compile the TypeScript made from them, build ogen's Go client, load swagger-typescript-api's module.
	@test -x $(SPEC_BIN)/spectral || { echo "spec tools missing: run npm ci --prefix tools/spec"; exit 1; }
	@mkdir -p $(SPEC_OUT)
	$(SPEC_BIN)/spectral lint --ruleset tools/spec/.spectral.yaml --fail-severity error \
		--format stylish --format json --output.json $(SPEC_OUT)/spectral.json openapi.yaml
	$(REDOCLY) lint --config tools/spec/redocly.yaml --format stylish openapi.yaml
	@$(REDOCLY) lint --config tools/spec/redocly.yaml --format json openapi.yaml \
		>$(SPEC_OUT)/redocly.json 2>/dev/null || true
	$(SPEC_BIN)/spectral lint --ruleset tools/spec/.spectral.yaml --fail-severity error \
		--format stylish --format json --output.json $(SPEC_OUT)/spectral-sandbox.json openapi-sandbox.yaml
	$(REDOCLY) lint --config tools/spec/redocly.yaml --format stylish openapi-sandbox.yaml
	@$(REDOCLY) lint --config tools/spec/redocly.yaml --format json openapi-sandbox.yaml \
		>$(SPEC_OUT)/redocly-sandbox.json 2>/dev/null || true
	node tools/spec/lint-report.mjs tools/spec/accepted-warnings.txt $(SPEC_OUT)/spectral.json $(SPEC_OUT)/redocly.json \
		openapi-sandbox.yaml $(SPEC_OUT)/spectral-sandbox.json $(SPEC_OUT)/redocly-sandbox.json
	$(SPEC_BIN)/openapi-typescript openapi.yaml --output $(SPEC_OUT)/blaxel.ts
	$(SPEC_BIN)/openapi-typescript openapi-sandbox.yaml --output $(SPEC_OUT)/sandbox.ts
	$(SPEC_BIN)/openapi-ts --input openapi.yaml --output $(SPEC_OUT)/hey-api --silent --no-log-file
	$(SPEC_BIN)/tsc --project tools/spec --strict --noEmit
	@$(MAKE) --no-print-directory spec-generators
	@echo "spec-check: both documents linted; openapi-typescript's and hey-api's TypeScript compile with --strict; ogen and swagger-typescript-api as above"

# Generators of other languages' clients, each as its users run it: ogen's Go client must build
# (its runtime is pinned in tools/go.mod), and swagger-typescript-api's module must compile and load.
.PHONY: spec-generators
spec-generators:
	$(TOOL) ogen -clean -loglevel warn -package blaxelogen -target $(SPEC_OUT)/ogen openapi.yaml
	$(GO) -C tools build ./spec/out/ogen
	@echo "ogen: the client builds"
	$(SPEC_BIN)/swagger-typescript-api generate --path openapi.yaml --output $(SPEC_OUT)/swagger-typescript-api --name api.ts --silent
	$(SPEC_BIN)/tsc --project tools/spec/tsconfig.sta.json
	node tools/spec/load-module.mjs $(SPEC_OUT)/swagger-typescript-api/js/api.js

# The official SDKs (TypeScript @blaxel/core, pinned in tools/compat/ts; Go sdk-go, pinned in
# tools/compat/go/go.mod) against blaxel-fake: each runs a tour of its own against a fresh fake,
# configured only through the environment variables their users set. COMPAT_KEEP_GOING=1 runs
# every step; COMPAT_ALLOW_FAIL=1 runs every step and exits 0; COMPAT_VERBOSE=1 shows the
# fake's requests among the steps.
.PHONY: compat

compat: ## The official TypeScript and Go SDKs' tours against blaxel-fake (npm ci --prefix tools/compat/ts first).
	@test -d tools/compat/ts/node_modules/@blaxel/core || { echo "compat: the TypeScript SDK is missing: run npm ci --prefix tools/compat/ts"; exit 1; }
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) build -o "$$dir/blaxel-fake" ./cmd/blaxel-fake; \
	$(GO) build -o "$$dir/compat" ./internal/cmd/compat; \
	$(GO) -C tools/compat/go build -o "$$dir/compat-go" .; \
	"$$dir/compat" -fake "$$dir/blaxel-fake" -ts-tour tools/compat/ts/tour.mjs -go-tour "$$dir/compat-go"

# Without BASE, spec-diff compares with main, or with origin/main in a clone that has no local main.
spec-diff: ## Breaking changes of openapi.yaml since BASE (a git revision; default main, else origin/main).
	@base=$$(mktemp); trap 'rm -f "$$base"' EXIT; \
	rev="$(BASE)"; \
	if [ -z "$$rev" ]; then \
		for r in main origin/main; do git rev-parse -q --verify "$$r^{commit}" >/dev/null && { rev=$$r; break; }; done; \
		[ -n "$$rev" ] || { echo "spec-diff: neither main nor origin/main exists here: give BASE=<revision>"; exit 1; }; \
	fi; \
	echo "spec-diff: openapi.yaml against $$rev"; \
	git show "$$rev:openapi.yaml" >"$$base" || exit 1; \
	$(TOOL) oasdiff breaking "$$base" openapi.yaml --flatten-allof --format text --color never

# The client against a hand-written net/http + encoding/json client (bench/). The test binary
# runs BENCH_ROUNDS times, each round running every pair back to back, so that a busy machine
# slows both sides alike, and every other round running the baseline first, since whichever
# side runs first is a little slower; internal/cmd/benchratio then prints the median
# client/baseline ratios.
BENCH_ROUNDS ?= 8
BENCH_TIME ?= 0.5s

.PHONY: bench

bench: ## Benchmarks against hand-written net/http + encoding/json; ends with client/baseline ratios.
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) test -c -o "$$dir/bench.test" ./bench; \
	$(GO) build -o "$$dir/benchratio" ./internal/cmd/benchratio; \
	cd bench; \
	"$$dir/bench.test" -test.run 'OneToken|WalkCost' -test.v | grep -E '^(---|    )'; \
	for round in $$(seq $(BENCH_ROUNDS)); do \
		order=-baseline-first=$$([ $$((round % 2)) -eq 0 ] && echo true || echo false); \
		"$$dir/bench.test" -test.run '^$$' -test.benchmem -test.benchtime $(BENCH_TIME) $$order \
			-test.bench '^Benchmark(GetSandbox|GetSandboxNoNetwork|ListSandboxes|CreateSandbox|WalkSandboxes)$$'; \
		"$$dir/bench.test" -test.run '^$$' -test.benchmem -test.benchtime $(BENCH_TIME) $$order -test.cpu 1,2 \
			-test.bench '^BenchmarkConcurrentGetSandbox$$'; \
	done | tee "$$dir/bench.txt" | grep -E '^(Benchmark|cpu:)'; \
	echo; echo "client/baseline per operation, median of $(BENCH_ROUNDS) rounds ($$(go env GOVERSION), $$(nproc) cores);"; \
	echo "cpu: the process's CPU time (client and server), which other programs disturb less than time:"; \
	"$$dir/benchratio" "$$dir/bench.txt"

# The sandbox handle against hand-written net/http (bench/sandbox_*): 256 MiB up and down,
# Run("echo") (against a streamed and a waiting call), a 1 MiB write, and 96 MiB of 8 MiB log
# lines, through the fake run in a process of its own so
# that the heap and CPU reported are the client's. Rounds alternate which side runs first.
SANDBOX_BENCH_ROUNDS ?= 4
# The short operations run longer per side: their ratios move more from run to run.
SANDBOX_BENCH_TIME ?= 2s

.PHONY: bench-sandbox

bench-sandbox: ## Sandbox transfers, runs and logs against hand-written net/http; ends with client/baseline ratios.
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) test -c -o "$$dir/bench.test" ./bench; \
	$(GO) build -o "$$dir/benchratio" ./internal/cmd/benchratio; \
	cd bench; \
	for round in $$(seq $(SANDBOX_BENCH_ROUNDS)); do \
		order=-baseline-first=$$([ $$((round % 2)) -eq 0 ] && echo true || echo false); \
		"$$dir/bench.test" -test.run '^$$' -test.benchmem -test.benchtime 3x $$order \
			-test.bench '^BenchmarkSandbox(Upload|Download|Logs)$$'; \
		"$$dir/bench.test" -test.run '^$$' -test.benchmem -test.benchtime $(SANDBOX_BENCH_TIME) $$order \
			-test.bench '^BenchmarkSandbox(RunEcho|RunEchoWait|WriteSmall)$$'; \
	done | tee "$$dir/bench.txt" | grep -E '^(Benchmark|cpu:)'; \
	echo; echo "client/baseline per operation, median of $(SANDBOX_BENCH_ROUNDS) rounds ($$(go env GOVERSION), $$(nproc) cores):"; \
	"$$dir/benchratio" "$$dir/bench.txt"

# The sandbox handle against Blaxel's official Go SDK (tools/compat/gobench, a module of its own
# that pins sdk-go) on one in-process fake: Run("echo"), writes of 1 and 64 MiB, a 64 MiB read,
# and Run("echo") in 1,000 sandboxes at once.
# Rounds alternate which side runs first; benchratio prints blaxel-go / sdk-go.
SDK_BENCH_ROUNDS ?= 6

.PHONY: bench-sdk

bench-sdk: ## This client against Blaxel's official Go SDK on the same fake; ends with blaxel-go/sdk-go ratios.
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) -C tools/compat/gobench test -c -o "$$dir/gobench.test" .; \
	$(GO) build -o "$$dir/benchratio" ./internal/cmd/benchratio; \
	for round in $$(seq $(SDK_BENCH_ROUNDS)); do \
		order=-sdk-first=$$([ $$((round % 2)) -eq 0 ] && echo true || echo false); \
		"$$dir/gobench.test" -test.run '^$$' -test.benchmem -test.benchtime $(BENCH_TIME) $$order \
			-test.bench '^Benchmark(RunEcho|Write1MiB)$$'; \
		"$$dir/gobench.test" -test.run '^$$' -test.benchmem -test.benchtime 3x $$order \
			-test.bench '^Benchmark(Write64MiB|Read64MiB)$$'; \
		"$$dir/gobench.test" -test.run '^$$' -test.benchmem -test.benchtime 5x $$order \
			-test.bench '^BenchmarkRunEchoConcurrent$$'; \
	done | tee "$$dir/bench.txt" | grep -E '^(Benchmark|cpu:)'; \
	echo; echo "blaxel-go/sdk-go per operation, median of $(SDK_BENCH_ROUNDS) rounds ($$(go env GOVERSION), $$(nproc) cores):"; \
	"$$dir/benchratio" "$$dir/bench.txt"

# Fuzzing of the client's parsers (error bodies, Retry-After, the config file, token answers and
# expiries, redaction). go test -fuzz takes one target at a time, hence the loop; inputs that
# fail are written to the package's testdata/fuzz and replayed by every `go test` after. On a busy
# machine Go 1.26's fuzz coordinator may report "context deadline exceeded" as FUZZTIME ends
# (Go issue 75804, fixed in Go 1.27): without a failing input written, that run counts as done.
FUZZTIME ?= 30s
FUZZ_PKGS := ./internal/pipeline ./internal/config ./internal/redact

.PHONY: fuzz reliability

fuzz: ## Fuzz each parser for FUZZTIME (30s; CI uses 3s), printing the executions of each.
	@set -e; for pkg in $(FUZZ_PKGS); do for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
		out=$$($(GO) test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) 2>&1) || \
			{ echo "$$out" | grep -qx '    context deadline exceeded' && \
			  [ -z "$$(git status --porcelain -- $$pkg/testdata/fuzz/$$target)" ]; } || { echo "$$out"; exit 1; }; \
		printf '%-36s %s\n' "$$target" "$$(echo "$$out" | grep -E '^fuzz: elapsed' | tail -n 1 | sed -E 's/ \([0-9]+\/sec\)//')"; \
	done; done

reliability: ## The reliability suite with -race, then its figures (faults, hostile inputs, secrets scanned).
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) test -race -c -o "$$dir/reliability.test" ./internal/reliability; \
	cd internal/reliability && "$$dir/reliability.test" -summary
