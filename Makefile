# awsbackup: Pulumi resource provider for AWS Backup.
# `make demo` and `make test` work on a fresh machine: missing tools are installed into
# git-ignored folders (.tools for the Pulumi CLI, .venv for moto).

SHELL := /bin/bash
CARGO ?= cargo
MOTO_VERSION := 5.2.5
VENV := .venv
export PATH := $(CURDIR)/.tools/bin:$(PATH)
# moto with the project's routing fix (tests/moto/moto_server.py explains it).
export MOTO_SERVER := $(CURDIR)/tests/moto/moto-server

.PHONY: build release schema sdks dist tools pulumi moto sdk-tools sdk-python sdk-go lint test demo \
	bench fuzz clean

## build: the provider plugin, the schema generator and the local endpoint (debug)
build:
	$(CARGO) build --workspace --bins

## release: optimised binaries (used by the benchmark)
release:
	$(CARGO) build --release --workspace --bins

## schema: regenerate schema/schema.json from the Rust types
schema:
	$(CARGO) run --quiet -p pulumi-resource-awsbackup --bin awsbackup-schema > schema/schema.json

## sdks: regenerate sdk/ (Python, TypeScript, Go) from schema/schema.json with Pulumi's codegen
sdks:
	cd scripts/sdkgen && go run . -schema ../../schema/schema.json -out ../../sdk

## dist: the installable plugin dist/pulumi-resource-awsbackup-v<version>-linux-amd64.tar.gz
dist:
	scripts/dist.sh

## tools: the pinned Pulumi CLI + YAML language host, and moto
tools: pulumi moto

pulumi:
	scripts/build-pulumi.sh

moto: $(VENV)/.moto-$(MOTO_VERSION)

$(VENV)/.moto-$(MOTO_VERSION):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "moto[server]==$(MOTO_VERSION)"
	touch $@

## sdk-tools: what the SDK tests need: the Python SDK, mypy and the Pulumi Python SDK in .venv;
## Node 22, TypeScript and the TypeScript SDK in .tools/node; the Go test driver in .tools/go
sdk-tools: sdk-python sdk-node sdk-go

## sdk-python: pulumi, mypy and sdk/python installed into .venv (again when sdk/python changes)
PULUMI_PYTHON_VERSION := 3.272.0
MYPY_VERSION := 2.4.1
sdk-python: moto
	@stamp="$(VENV)/.sdk-python-$$(find sdk/python -type f -not -path '*/build/*' \
	  -not -path '*.egg-info/*' -not -path '*__pycache__*' | sort | xargs sha256sum | sha256sum | cut -c1-16)"; \
	if [ ! -f "$$stamp" ]; then \
	  $(VENV)/bin/pip install --quiet --disable-pip-version-check \
	    "pulumi==$(PULUMI_PYTHON_VERSION)" "mypy==$(MYPY_VERSION)" && \
	  $(VENV)/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./sdk/python && \
	  rm -f $(VENV)/.sdk-python-* && touch "$$stamp"; \
	fi

## sdk-go: the Go SDK test driver and the Go fleet example, built into .tools/go (Go's build cache
## makes reruns quick)
sdk-go:
	cd tests/sdk/go && go build -o $(CURDIR)/.tools/go/seed-driver .
	cd sdk-examples/go/fleet && go build -o $(CURDIR)/.tools/go/fleet .

## sdk-node: Node 22, TypeScript and @pulumi/pulumi in .tools/node, the TypeScript SDK built and
## installed there as @awsbackup/pulumi, and the SDK test driver compiled (quick when up to date)
.PHONY: sdk-node
sdk-node:
	scripts/node-tools.sh

## lint: rustfmt and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## test: everything (unit, gRPC, local endpoint, end-to-end with the real Pulumi CLI)
test: tools build lint dist sdk-tools
	$(CARGO) test --workspace

## demo: a full stack on the local endpoint through preview, up, drift, refresh and destroy
demo: tools build
	scripts/demo.sh

## bench: start-up time, memory and call latency of the release plugin, the scale benchmark
## (100 to 1,000 resources through the real CLI, free and at 10 calls/s) and the split benchmark
## (1,000 resources as one stack and as 20 stacks in parallel) into bench/RESULTS.md
bench: release tools
	$(CARGO) bench -p pulumi-resource-awsbackup --bench plugin
	$(CARGO) bench -p awsbackup-e2e --bench scale
	$(CARGO) bench -p awsbackup-e2e --bench split

## fuzz: 10^6 random and mutated inputs into Check, Diff and Create of every resource (only the
## fuzz tests of the provider's test binary; `make test` runs them with 128 cases)
fuzz:
	PROPTEST_CASES=1000000 $(CARGO) test --release -p pulumi-resource-awsbackup --test provider -- fuzz::

clean:
	$(CARGO) clean
