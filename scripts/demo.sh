#!/usr/bin/env bash
# The demo: the seed walkthrough (vault, governance lock, daily plan, S3 selection) on the project's
# local AWS Backup endpoint, through preview, up, out-of-band changes, refresh, up and destroy.
# Needs only the repository (make tools build) and no AWS account.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
program="${DEMO_PROGRAM:-$root/sdk-examples/yaml/seed-walkthrough}"
work="$(mktemp -d)"
endpoint_pid=""
cleanup() {
  [[ -n "$endpoint_pid" ]] && kill "$endpoint_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Starting the local AWS Backup endpoint"
"$root/target/debug/awsbackup-local-endpoint" --port 0 >"$work/endpoint.out" 2>"$work/endpoint.log" &
endpoint_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/endpoint.out" ]] && break
  sleep 0.1
done
endpoint="$(head -n1 "$work/endpoint.out")"
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

# Out-of-band changes are made with boto3 (from the project's .venv), another AWS SDK.
aws_py() {
  "$root/.venv/bin/python" -c "import boto3; b=boto3.client('backup', endpoint_url='$endpoint', region_name='us-east-1', aws_access_key_id='demo', aws_secret_access_key='demo'); $1"
}

step "pulumi preview: what would be created (nothing is created yet)"
pulumi preview --non-interactive

step "pulumi up"
pulumi up --yes --non-interactive

step "pulumi preview --expect-no-changes: the stack has converged"
pulumi preview --expect-no-changes --non-interactive

step "Out-of-band changes with the AWS SDK: the rule keeps 45 days instead of 30, the vault is retagged"
aws_py "
plan_id=[p for p in b.list_backup_plans()['BackupPlansList'] if p['BackupPlanName']=='backup_daily_30_days_retention'][0]['BackupPlanId']
doc=b.get_backup_plan(BackupPlanId=plan_id)['BackupPlan']
rules=[{k: r[k] for k in ('RuleName','TargetBackupVaultName','ScheduleExpression','Lifecycle') if k in r} for r in doc['Rules']]
rules[0]['Lifecycle']={'DeleteAfterDays': 45}
b.update_backup_plan(BackupPlanId=plan_id, BackupPlan={'BackupPlanName': doc['BackupPlanName'], 'Rules': rules})
arn=b.describe_backup_vault(BackupVaultName='seed-walkthrough-vault')['BackupVaultArn']
b.tag_resource(ResourceArn=arn, Tags={'project':'tampered'})
print('rule daily now keeps 45 days; vault tag project=tampered')"

step "pulumi refresh: the drift is found"
pulumi refresh --yes --non-interactive --diff

step "pulumi up: the declared plan and tags are put back"
pulumi up --yes --non-interactive --diff

step "pulumi destroy"
pulumi destroy --yes --non-interactive
aws_py "print('vaults left:', [v['BackupVaultName'] for v in b.list_backup_vaults()['BackupVaultList']]); print('plans left:', [p['BackupPlanName'] for p in b.list_backup_plans()['BackupPlansList']])"
