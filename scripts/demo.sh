#!/usr/bin/env bash
# The demo: a stack of backup vaults on a local AWS Backup endpoint, through preview, up, an
# out-of-band change, refresh, up and destroy. Needs only the repository (make tools build).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
program="${DEMO_PROGRAM:-$root/sdk-examples/yaml/vault}"
work="$(mktemp -d)"
endpoint_pid=""
cleanup() {
  [[ -n "$endpoint_pid" ]] && kill "$endpoint_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting a local AWS Backup endpoint (moto $("$root/.venv/bin/python" -c 'import moto; print(moto.__version__)'))"
port="$("$root/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$root/tests/moto/moto-server" -H 127.0.0.1 -p "$port" >"$work/endpoint.log" 2>&1 &
endpoint_pid=$!
endpoint="http://127.0.0.1:$port"
for _ in $(seq 50); do
  curl -s -o /dev/null "$endpoint" && break
  sleep 0.2
done
echo "endpoint: $endpoint"

export PATH="$root/.tools/bin:$PATH"
export PULUMI_HOME="$work/pulumi-home" PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE=""
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_DISABLE_REGISTRY_RESOLVE=true
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_ENDPOINT_URL_BACKUP="$endpoint"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
mkdir -p "$work/state"
cp -r "$program" "$work/project"
sed -i "s|path: ../../../target/debug|path: $root/target/debug|" "$work/project/Pulumi.yaml"
cd "$work/project"
pulumi stack init demo --non-interactive >/dev/null

aws_py() { "$root/.venv/bin/python" -c "import boto3,sys; b=boto3.client('backup', endpoint_url='$endpoint', region_name='us-east-1'); $1"; }

step "pulumi preview: what would be created (nothing is created yet)"
pulumi preview --non-interactive

step "pulumi up"
pulumi up --yes --non-interactive

step "pulumi preview --expect-no-changes: the stack has converged"
pulumi preview --expect-no-changes --non-interactive

step "An out-of-band change: someone retags the named vault with the AWS SDK"
aws_py "arn=b.describe_backup_vault(BackupVaultName='demo-named-vault')['BackupVaultArn']; b.tag_resource(ResourceArn=arn, Tags={'env':'tampered'}); print('env=tampered on', arn)"

step "pulumi refresh: the drift is found"
pulumi refresh --yes --non-interactive --diff

step "pulumi up: the declared tags are put back"
pulumi up --yes --non-interactive --diff
aws_py "arn=b.describe_backup_vault(BackupVaultName='demo-named-vault')['BackupVaultArn']; print('tags on AWS now:', b.list_tags(ResourceArn=arn)['Tags'])"

step "pulumi destroy"
pulumi destroy --yes --non-interactive
aws_py "print('vaults left:', [v['BackupVaultName'] for v in b.list_backup_vaults()['BackupVaultList']])"
