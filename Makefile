# Skald. `make run` starts everything in one process; `make test` runs every test.
SHELL := /bin/bash
GO ?= go
BIN := bin
# Servers the tests start (versitygw, nats-server) live with the Go tools, outside the checkout,
# so a fresh clone on the same machine reuses them.
TOOLS := $(shell $(GO) env GOPATH)/bin
export PATH := $(TOOLS):$(PATH)
# Modules of the workspace (go.work); tests run over all of them.
PKGS := ./proto/... ./pkg/... ./bench/... ./services/distributor/... ./services/ingester/... ./services/querier/... \
	./cmd/skald/... ./web/...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/skaldlogs/skald/pkg/buildinfo.Version=$(VERSION) \
	-X github.com/skaldlogs/skald/pkg/buildinfo.Revision=$(REVISION)

.PHONY: build run test test-unit test-race test-e2e test-cluster proto demo bench tools lint clean

build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/skald ./cmd/skald

run: build
	$(BIN)/skald -target=all -auth.enabled=false

# Packages whose tests also run under the race detector: everything that shares state across
# goroutines (WAL group commit, ring, in-process streams, merges, store fetches, the services).
RACE_PKGS := ./pkg/wal/... ./pkg/ring/... ./pkg/inproc/... ./pkg/iter/... ./pkg/store/... ./pkg/validation/... \
	./services/distributor/... ./services/ingester/... ./services/querier/...

# Every test: unit tests, the race detector on the concurrency-heavy packages, the end-to-end
# tests against the built binary, and the multi-process cluster test. Installs what they need.
test: tools build test-unit test-race test-e2e test-cluster

test-unit:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

test-race:
	$(GO) test -count=1 -race $(RACE_PKGS)

# SKALD_E2E_BULK_BYTES (default 1 GiB) sizes the push-then-SIGTERM test.
test-e2e: build
	SKALD_BIN=$(CURDIR)/$(BIN)/skald $(GO) test -count=1 -v -tags e2e -timeout 20m ./cmd/skald/e2e/... 2>&1 | \
		grep -v '^=== RUN'; exit $${PIPESTATUS[0]}

# A 3-node NATS cluster, S3 (versitygw), 3 ingesters, 2 distributors and a querier as separate
# processes; SIGKILLs, a wiped disk, a rolling restart and a NATS node loss under load.
test-cluster: build
	SKALD_BIN=$(CURDIR)/$(BIN)/skald $(GO) test -count=1 -v -tags cluster -timeout 20m ./cmd/skald/clustertest/... 2>&1 | \
		grep -v '^=== RUN'; exit $${PIPESTATUS[0]}

tools:
	scripts/ensure-tools.sh $(TOOLS)

proto:
	command -v protoc >/dev/null || (apt-get update -qq && apt-get install -y -qq protobuf-compiler)
	cd proto && ./gen.sh

demo:
	$(GO) run ./cmd/skald loggen -url http://localhost:3100 -rate 200 -duration 5m

# Skald against VictoriaLogs on the same seeded data set, answers checked (docs/bench.md). Slow, so
# not part of `make test`. The default is issue 4's reference size (~3 min with VictoriaLogs);
# BENCH_BYTES=512MiB is quicker. BENCH_FLAGS adds harness flags, e.g.
# BENCH_FLAGS="-target loki=http://host:3100" to bench a Loki-compatible peer in the same run.
BENCH_BYTES ?= 2GiB
bench: build
	test -x $(TOOLS)/victoria-logs || GOBIN=$(TOOLS) $(GO) install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.1
	$(GO) run ./bench/cmd/bench -bytes $(BENCH_BYTES) -start-skald $(BIN)/skald \
		-start-victorialogs $(TOOLS)/victoria-logs -out $(BIN)/bench-report.md $(BENCH_FLAGS)

clean:
	rm -rf $(BIN) data
