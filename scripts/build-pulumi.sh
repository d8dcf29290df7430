#!/usr/bin/env bash
# Builds the pinned Pulumi CLI and YAML language host from their Go modules into .tools/bin.
# Reused when the binaries already report the pinned versions.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-v1.38.1}"

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin"
stamp="$tools/pulumi.stamp"
want="$PULUMI_VERSION $PULUMI_YAML_VERSION"

if [[ -x "$bin/pulumi" && -x "$bin/pulumi-language-yaml" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  exit 0
fi

mkdir -p "$bin" "$tools/gomod"
work="$tools/gomod"
cat >"$work/go.mod" <<MOD
module local/pulumi-tools

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi-yaml $PULUMI_YAML_VERSION
)
MOD
cat >"$work/tools.go" <<'SRC'
//go:build tools

package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
SRC

cd "$work"
export GOFLAGS="-mod=mod"
echo "building pulumi $PULUMI_VERSION and pulumi-language-yaml $PULUMI_YAML_VERSION (first time takes a while)" >&2
go mod tidy -e >/dev/null 2>&1 || true
# tidy drops build-tagged imports' modules when tags differ; pin both main packages explicitly.
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" \
  "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" \
  "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION"
go build -tags osusergo,grpcnotrace \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
go build \
  -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" \
  -o "$bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
echo "$want" >"$stamp"
"$bin/pulumi" version >&2
