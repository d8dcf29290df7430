#!/usr/bin/env bash
# Builds the installable plugin: dist/pulumi-resource-awsbackup-v<version>-linux-amd64.tar.gz
# (the release binary, README.md and LICENSE) and its .sha256, for
#   pulumi plugin install resource awsbackup <version> --file <tarball>
# The tarball is reproducible: sorted names, fixed times and owners, no gzip timestamp.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
name="pulumi-resource-awsbackup-v${version}-linux-amd64.tar.gz"

${CARGO:-cargo} build --release -p pulumi-resource-awsbackup --bin pulumi-resource-awsbackup

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
install -m 0755 target/release/pulumi-resource-awsbackup "$stage/"
install -m 0644 README.md LICENSE "$stage/"
mkdir -p dist
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$stage" \
  -cf - pulumi-resource-awsbackup README.md LICENSE | gzip -n -9 >"dist/$name"
(cd dist && sha256sum "$name" >"$name.sha256")
echo "dist/$name"
cat "dist/$name.sha256"
