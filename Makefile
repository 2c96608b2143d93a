# bookingserver — the two commands that matter: `make run` and `make test`.

GO        ?= go
GOBIN     ?= $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)

# Code-generation tools, pinned; `make tools` installs them with `go install`.
BUF_VERSION                 := v1.75.0
PROTOC_GEN_GO_VERSION       := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION  := v1.6.2
PROTOC_GEN_GATEWAY_VERSION  := v2.33.0
# stripe-mock serves Stripe's API on a Unix socket for payment/stripe's tests.
STRIPE_MOCK_VERSION         := v0.203.0

# Demo credentials of `make run` (printed at start; never use them in production).
DEMO_USER     := demo
DEMO_PASSWORD := demo-password
DEMO_ADMIN    := demo-admin-token
RUN_DIR       := .run

.PHONY: run test test-serializable-only gen check-gen check-tidy check-breaking lint tools bench bench-rtu bench-replicas build

## run: serve the example feeds, moved forward to start this week, on loopback with demo credentials.
run:
	@mkdir -p $(RUN_DIR)
	@echo "demo credentials: Google basic auth $(DEMO_USER):$(DEMO_PASSWORD), merchant API bearer $(DEMO_ADMIN)"
	@echo "data file: $(RUN_DIR)/bookingserver.db"
	$(GO) build -o $(RUN_DIR)/bookingserver ./cmd/bookingserver
	$(RUN_DIR)/bookingserver feeds roll-forward --out $(RUN_DIR)/feeds examples/feeds/*.json
	$(RUN_DIR)/bookingserver serve --data $(RUN_DIR)/bookingserver.db \
		--feeds $(RUN_DIR)/feeds --auth-user $(DEMO_USER) --auth-password $(DEMO_PASSWORD) --admin-token $(DEMO_ADMIN)

## test: vet and run every test with the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race ./...

## test-serializable-only: the store contract suite and the booking core's tests on
## PostgreSQL (BOOKINGSERVER_TEST_DATABASE_URL) in serializable-only mode, as on CockroachDB.
test-serializable-only:
	BOOKINGSERVER_TEST_SERIALIZABLE_ONLY=1 $(GO) test -race ./store/... ./booking/...

build:
	$(GO) build -o bin/bookingserver ./cmd/bookingserver

tools:
	$(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(PROTOC_GEN_GATEWAY_VERSION)
	$(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

## gen: regenerate gen/ from proto/ (offline, local plugins).
gen:
	buf generate

## check-gen: fail when gen/ is stale or buf lint finds a problem.
check-gen: lint gen
	@git diff --exit-code --stat -- gen || (echo "gen/ is stale: run make gen and commit" && exit 1)
	@test -z "$$(git status --porcelain -- gen)" || (git status --porcelain -- gen && echo "gen/ has untracked files: run make gen and commit" && exit 1)

## check-tidy: fail when go.mod/go.sum differ from what `go mod tidy` writes.
check-tidy:
	$(GO) mod tidy -diff

## check-breaking: fail when proto/ breaks the JSON or binary wire against the commit
## BREAKING_DEPTH (50) commits back, or the oldest one the clone has (skipped with none, e.g.
## --depth 1): CI sees many commits land at once, and a break in any of them, not only in the
## last, shows against where they began. BREAKING_AGAINST=<git ref> compares against another.
BREAKING_DEPTH ?= 50
check-breaking:
	@base="$${BREAKING_AGAINST:-$$(git rev-list --max-count=$$(($(BREAKING_DEPTH) + 1)) HEAD | tail -1)}"; \
	if [ "$$(git rev-parse "$$base")" = "$$(git rev-parse HEAD)" ]; then echo "check-breaking: no earlier commit, skipped"; \
	else echo "check-breaking: against $$(git log -1 --format='%h %cs' "$$base")"; buf breaking --against ".git#ref=$$base"; fi

lint:
	buf lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/'))" || (gofmt -l $$(git ls-files '*.go' | grep -v '^gen/') && echo "gofmt needed" && exit 1)

## bench: load benchmarks (1,000,000 slots, ~1 min); writes bench/RESULTS.md.
bench:
	$(GO) run ./bench/load

## bench-rtu: availability RTUs (10,000 bookings and cancellations in 60 s across 1,000
## services, then a kill -9 check); writes the RTU section of bench/RESULTS.md.
bench-rtu:
	$(GO) run ./bench/rtu

## bench-replicas: two replicas on PostgreSQL (DATABASE_URL=postgres://…, e.g. from
## .ci/pgcluster); writes the replicas section of bench/RESULTS.md.
bench-replicas:
	$(GO) run ./bench/replicas -database-url "$(DATABASE_URL)"
