#!/usr/bin/env bash
# Installs the pinned Node.js toolchain for the TypeScript SDK into .tools/node and builds on it:
#   .tools/node/node_modules/node/bin/node       Node 22 (the npm package `node`)
#   .tools/node/node_modules/.bin/tsc            TypeScript
#   .tools/node/node_modules/@pulumi/pulumi      the Pulumi Node.js SDK
#   .tools/node/node_modules/@awsbackup/pulumi   sdk/nodejs, compiled, packed and npm-installed
#   .tools/node/driver/tests/sdk/typescript/driver.js   the SDK test driver (tests/sdk/typescript)
# Each step is stamped (pins, content hashes) and skipped when nothing changed.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-22.23.3}"
TYPESCRIPT_VERSION="${TYPESCRIPT_VERSION:-5.9.3}"
PULUMI_NODE_VERSION="${PULUMI_NODE_VERSION:-3.276.0}"
TYPES_NODE_VERSION="${TYPES_NODE_VERSION:-22.20.5}"

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tools/node"
nm="$dir/node_modules"
tsc="$nm/.bin/tsc"
npm_flags=(--no-audit --no-fund --loglevel=error --engine-strict=false)

# sha256 of the named files (paths relative to $root) and their contents, plus extra text.
hash_files() {
  local extra="$1"
  shift
  (
    cd "$root"
    echo "$extra"
    for f in "$@"; do
      echo "== $f"
      cat "$f"
    done
  ) | sha256sum | cut -c1-16
}

# 1. Node 22, TypeScript, @pulumi/pulumi, @types/node.
tools_pins="node=$NODE_VERSION typescript=$TYPESCRIPT_VERSION @pulumi/pulumi=$PULUMI_NODE_VERSION @types/node=$TYPES_NODE_VERSION"
if [[ "$(cat "$dir/.tools.stamp" 2>/dev/null)" != "$tools_pins" || ! -x "$nm/node/bin/node" || ! -x "$tsc" ]]; then
  echo "node-tools: installing $tools_pins into .tools/node" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<JSON
{
  "name": "awsbackup-node-tools",
  "private": true,
  "dependencies": {
    "@pulumi/pulumi": "$PULUMI_NODE_VERSION",
    "@types/node": "$TYPES_NODE_VERSION",
    "node": "$NODE_VERSION",
    "typescript": "$TYPESCRIPT_VERSION"
  }
}
JSON
  (cd "$dir" && npm install "${npm_flags[@]}")
  got="$("$nm/node/bin/node" --version)"
  [[ "$got" == "v$NODE_VERSION" ]] || { echo "node-tools: expected node v$NODE_VERSION, got $got" >&2; exit 1; }
  echo "$tools_pins" >"$dir/.tools.stamp"
fi
node22="$nm/node/bin/node"
# Run the compiler and npm's scripts on Node 22 as well.
export PATH="$nm/node/bin:$PATH"

# 2. The SDK: sdk/nodejs staged into .tools/node/build/sdk (its imports resolve to the tools'
# node_modules there), compiled to bin/, packed and installed as @awsbackup/pulumi.
mapfile -t sdk_files < <(cd "$root" && find sdk/nodejs \( -name bin -o -name node_modules \) -prune -o -type f -print | LC_ALL=C sort)
sdk_hash="$(hash_files "$tools_pins" "${sdk_files[@]}")"
if [[ "$(cat "$dir/.sdk.stamp" 2>/dev/null)" != "$sdk_hash" || ! -f "$nm/@awsbackup/pulumi/package.json" ]]; then
  echo "node-tools: building @awsbackup/pulumi from sdk/nodejs ($sdk_hash)" >&2
  stage="$dir/build/sdk"
  rm -rf "$stage" "$dir"/awsbackup-pulumi-*.tgz
  mkdir -p "$stage"
  (cd "$root/sdk/nodejs" && tar --exclude=./bin --exclude=./node_modules -cf - .) | tar -xf - -C "$stage"
  "$node22" "$tsc" -p "$stage/tsconfig.json"
  # The generated utilities read ./package.json next to the compiled files.
  cp "$stage/package.json" "$stage/bin/"
  [[ -f "$stage/README.md" ]] && cp "$stage/README.md" "$stage/bin/"
  tarball="$(cd "$stage/bin" && npm pack --silent --pack-destination "$dir" | tail -n1)"
  # A name per content, so npm reinstalls when the SDK changes.
  mv "$dir/$tarball" "$dir/awsbackup-pulumi-$sdk_hash.tgz"
  (cd "$dir" && npm install "${npm_flags[@]}" "./awsbackup-pulumi-$sdk_hash.tgz")
  echo "$sdk_hash" >"$dir/.sdk.stamp"
fi

# 3. The test driver and the example program it imports, compiled to .tools/node/driver.
mapfile -t driver_files < <(cd "$root" && find tests/sdk/typescript sdk-examples/typescript \( -name node_modules -o -name bin \) -prune -o -type f \( -name '*.ts' -o -name '*.json' \) -print | LC_ALL=C sort)
driver_hash="$(hash_files "$sdk_hash" "${driver_files[@]}")"
if [[ "$(cat "$dir/.driver.stamp" 2>/dev/null)" != "$driver_hash" || ! -f "$dir/driver/tests/sdk/typescript/driver.js" ]]; then
  echo "node-tools: compiling tests/sdk/typescript/driver.ts" >&2
  rm -rf "$dir/driver"
  "$node22" "$tsc" -p "$root/tests/sdk/typescript/tsconfig.json"
  echo "$driver_hash" >"$dir/.driver.stamp"
fi
