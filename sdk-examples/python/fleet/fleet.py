"""Rolls a backup baseline out to many AWS accounts and regions with the Automation API.

    python fleet.py --accounts-file fleet.yaml [--preview | --refresh | --destroy]
                    [--member ROLE_ARN ...] [--region REGION ...] [--central-role ROLE_ARN]
                    [--central-region REGION] [--endpoint URL]
                    [--concurrency N] [--only central|members]
                    [--work-dir DIR] [--summary-json FILE]

A central stack (``central``) runs first and exports its vault's ARN; then one stack per member
account and region (``member-<account>-<region>``) runs, at most N at a time. ``--destroy``
removes the members first and the central stack last. The state backend and its passphrase come
from the environment (``PULUMI_BACKEND_URL``, ``PULUMI_CONFIG_PASSPHRASE``), as for the CLI.
"""

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import yaml  # type: ignore[import-untyped]
from pulumi import automation as auto

from baseline import (
    CENTRAL_VAULT,
    Account,
    Connection,
    central_program,
    member_program,
)
from display import Progress

PROJECT = "awsbackup-fleet"
CENTRAL_STACK = "central"


@dataclass(frozen=True)
class Target:
    """One stack of the fleet: an account in a region."""

    stack: str
    account: Account
    region: str


@dataclass
class Result:
    stack: str
    account: str
    region: str
    result: str = "queued"
    changes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.result == "failed"


@dataclass(frozen=True)
class Fleet:
    central: Target
    members: list[Target]


def load_fleet(args: argparse.Namespace) -> Fleet:
    """The fleet from ``--accounts-file`` (JSON or YAML) and the flags; flags add members and
    replace the regions and the central account."""
    spec: dict[str, Any] = {}
    if args.accounts_file:
        spec = yaml.safe_load(Path(args.accounts_file).read_text()) or {}
    central_spec = spec.get("central") or {}
    roles: list[str] = [*spec.get("members", []), *args.member]
    regions: list[str] = args.region or spec.get("regions") or []
    if not roles or not regions:
        raise SystemExit("fleet: no members or no regions (--accounts-file, --member, --region)")
    central_role = args.central_role or central_spec.get("roleArn")
    central_region = args.central_region or central_spec.get("region") or regions[0]
    central = (
        Account.from_role(central_role) if central_role else Account(account_id=None, role_arn=None)
    )
    members = [Account.from_role(r) for r in dict.fromkeys(roles)]
    return Fleet(
        central=Target(CENTRAL_STACK, central, central_region),
        members=[
            Target(f"member-{m.account_id}-{region}", m, region)
            for m in members
            for region in dict.fromkeys(regions)
        ],
    )


def summarize(changes: Optional[Mapping[Any, int]]) -> dict[str, int]:
    """A change summary with plain string keys."""
    return {str(getattr(op, "value", op)): n for op, n in (changes or {}).items()}


def describe(changes: dict[str, int]) -> str:
    made = {op: n for op, n in sorted(changes.items()) if op != "same" and n}
    return ", ".join(f"{op} {n}" for op, n in made.items()) or "no changes"


class StackRun:
    """Runs one operation on one stack and reports its progress."""

    def __init__(self, target: Target, progress: Progress, work_dir: Path) -> None:
        self.target = target
        self.progress = progress
        self.work_dir = work_dir / target.stack
        self.result = Result(target.stack, target.account.account_id or "default", target.region)
        self.verb = ""
        self._steps = 0
        self._done = 0

    def _say(self, line: str, force: bool = False) -> None:
        self.result.result = line
        self.progress.update(self.target.stack, line, force)

    def on_event(self, event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            if meta.op != auto.OpType.SAME:
                self._steps += 1
                name = meta.urn.rsplit("::", 1)[-1]
                self._say(f"{self.verb}: {meta.op.value} {name} ({self._done}/{self._steps})")
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            if meta.op != auto.OpType.SAME:
                self._done += 1
                self._say(f"{self.verb}: {self._done}/{self._steps} done")
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            self.result.error = self.result.error or event.diagnostic_event.message.strip()

    def run(self, op: str, program: Optional[Callable[[], None]]) -> Result:
        """``op``: preview, up, refresh or destroy. ``program`` is None for a stack that must
        exist already (refresh, destroy): a missing one is reported as ``absent``."""
        self.verb = {"preview": "previewing", "up": "updating"}.get(op, op + "ing")
        start = time.monotonic()
        self._say(f"{self.verb}", force=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        log = (self.work_dir / f"{op}.log").open("w")
        try:
            if program is None:
                stack = auto.select_stack(
                    stack_name=self.target.stack,
                    project_name=PROJECT,
                    program=lambda: None,
                    opts=workspace(self.work_dir),
                )
            else:
                stack = auto.create_or_select_stack(
                    stack_name=self.target.stack,
                    project_name=PROJECT,
                    program=program,
                    opts=workspace(self.work_dir),
                )
            common: dict[str, Any] = {
                "on_event": self.on_event,
                "on_output": lambda line: print(line, file=log),
                "color": "never",
            }
            if op == "preview":
                self.result.changes = summarize(stack.preview(**common).change_summary)
            elif op == "up":
                up = stack.up(**common)
                self.result.changes = summarize(up.summary.resource_changes)
                self.result.outputs = {k: v.value for k, v in up.outputs.items()}
            elif op == "refresh":
                self.result.changes = summarize(stack.refresh(**common).summary.resource_changes)
            else:
                self.result.changes = summarize(stack.destroy(**common).summary.resource_changes)
                stack.workspace.remove_stack(self.target.stack)
            self._say("done", force=True)
        except auto.StackNotFoundError:
            self._say("absent", force=True)
        except Exception as err:  # noqa: BLE001 - any failure is this stack's result
            self.result.error = self.result.error or str(err).strip()
            self._say("failed", force=True)
        finally:
            log.close()
            self.result.seconds = time.monotonic() - start
        return self.result


def skip(target: Target, progress: Progress, why: str) -> Result:
    progress.update(target.stack, f"skipped: {why}", force=True)
    return Result(
        target.stack,
        target.account.account_id or "default",
        target.region,
        result="skipped",
        error=why,
    )


def workspace(work_dir: Path) -> auto.LocalWorkspaceOptions:
    """The stack's workspace in ``work_dir``. For an inline program the Automation API ignores a
    ``work_dir`` argument (it makes a new temporary folder on every call) and honours the one in
    the workspace options."""
    work_dir.mkdir(parents=True, exist_ok=True)
    return auto.LocalWorkspaceOptions(work_dir=str(work_dir))


def central_vault_arn(target: Target, work_dir: Path) -> Optional[str]:
    """The central stack's ``vaultArn`` output, when it has been deployed."""
    try:
        stack = auto.select_stack(
            stack_name=target.stack,
            project_name=PROJECT,
            program=lambda: None,
            opts=workspace(work_dir / target.stack),
        )
    except auto.StackNotFoundError:
        return None
    arn = stack.outputs().get("vaultArn")
    return str(arn.value) if arn is not None else None


def run_fleet(args: argparse.Namespace, fleet: Fleet) -> list[Result]:
    op = next((m for m in ("preview", "refresh", "destroy") if getattr(args, m)), "up")
    conn = Connection(endpoint=args.endpoint)
    work_dir = Path(args.work_dir).resolve()
    with_central = args.only in (None, "central")
    with_members = args.only in (None, "members")
    names = ([fleet.central.stack] if with_central else []) + (
        [m.stack for m in fleet.members] if with_members else []
    )
    progress = Progress(names)
    results: list[Result] = []
    existing = op in ("refresh", "destroy")

    def central() -> Result:
        members = [m.account for m in fleet.members]
        program = central_program(fleet.central.account, fleet.central.region, members, conn)
        return StackRun(fleet.central, progress, work_dir).run(op, None if existing else program)

    def members(vault_arn: str) -> list[Result]:
        def one(target: Target) -> Result:
            program = member_program(target.account, target.region, vault_arn, conn)
            return StackRun(target, progress, work_dir).run(op, None if existing else program)

        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            return list(pool.map(one, fleet.members))

    if op == "destroy":
        if with_members:
            results += members("")
        if with_central:
            if any(r.failed for r in results):
                results.append(skip(fleet.central, progress, "members failed to destroy"))
            else:
                results.append(central())
    else:
        vault_arn: Optional[str] = None
        if with_central:
            first = central()
            results.append(first)
            vault_arn = first.outputs.get("vaultArn")
        if with_members:
            vault_arn = vault_arn or central_vault_arn(fleet.central, work_dir)
            central_id = fleet.central.account.account_id
            if vault_arn is None and op == "preview" and central_id:
                # Not deployed yet: the ARN the central vault will have.
                region = fleet.central.region
                vault_arn = f"arn:aws:backup:{region}:{central_id}:backup-vault:{CENTRAL_VAULT}"
            if vault_arn is None and not existing:
                why = "the central stack has no vaultArn output (run up first)"
                results += [skip(m, progress, why) for m in fleet.members]
            else:
                results += members(vault_arn or "")
    progress.finish()
    return results


def print_summary(results: list[Result]) -> None:
    rows = [("STACK", "ACCOUNT", "REGION", "RESULT", "CHANGES", "DURATION")]
    rows += [
        (r.stack, r.account, r.region, r.result, describe(r.changes), f"{r.seconds:.1f}s")
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    for r in results:
        if r.failed:
            print(f"\n{r.stack} failed:\n{r.error}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--preview", action="store_true", help="preview every stack")
    mode.add_argument("--refresh", action="store_true", help="refresh every stack from AWS")
    mode.add_argument("--destroy", action="store_true", help="destroy members, then central")
    p.add_argument("--accounts-file", help="JSON or YAML: central, members (role ARNs), regions")
    p.add_argument("--member", action="append", default=[], metavar="ROLE_ARN")
    p.add_argument("--region", action="append", default=[], metavar="REGION")
    p.add_argument("--central-role", metavar="ROLE_ARN", help="default: the default credentials")
    p.add_argument("--central-region", metavar="REGION", help="default: the first region")
    p.add_argument("--endpoint", help="AWS Backup and STS endpoint URL (a local endpoint)")
    p.add_argument("--concurrency", type=int, default=4, help="stacks at a time (default 4)")
    p.add_argument("--only", choices=["central", "members"], help="run only these stacks")
    p.add_argument("--work-dir", default=".fleet", help="the stacks' work dirs (default .fleet)")
    p.add_argument("--summary-json", help="also write the results to this file")
    args = p.parse_args(argv)
    if args.concurrency < 1:
        p.error("--concurrency must be at least 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    results = run_fleet(args, load_fleet(args))
    print_summary(results)
    if args.summary_json:
        Path(args.summary_json).write_text(
            json.dumps([asdict(r) for r in results], indent=2)
        )
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
