"""Runs the Python seed walkthrough as an Automation API inline program, for the e2e tests.

    python driver.py preview | up | preview-no-changes | destroy

The stack is `dev` of project `seed-walkthrough`, kept in the current folder and the backend the
environment names. SEED_RETENTION_DAYS, when set, becomes the stack's `retentionDays` config.
Engine output goes to stderr; the last stdout line is a JSON summary of the operation.
"""

import json
import os
import sys
from pathlib import Path

from pulumi import automation as auto

EXAMPLE = Path(__file__).resolve().parents[3] / "sdk-examples" / "python" / "seed-walkthrough"
sys.path.insert(0, str(EXAMPLE))

from seed_walkthrough import seed_walkthrough  # noqa: E402


def main(command: str) -> None:
    stack = auto.create_or_select_stack(
        stack_name="dev",
        project_name="seed-walkthrough",
        program=seed_walkthrough,
        # For an inline program a `work_dir` argument is ignored (a new temporary folder each
        # time); the one in the workspace options is honoured.
        opts=auto.LocalWorkspaceOptions(work_dir=os.getcwd()),
    )
    days = os.environ.get("SEED_RETENTION_DAYS")
    if days:
        stack.set_config("retentionDays", auto.ConfigValue(value=days))
    out = lambda line: print(line, file=sys.stderr)  # noqa: E731
    if command == "preview":
        result = {"changeSummary": stack.preview(on_output=out).change_summary}
    elif command == "preview-no-changes":
        result = {
            "changeSummary": stack.preview(on_output=out, expect_no_changes=True).change_summary
        }
    elif command == "up":
        up = stack.up(on_output=out)
        result = {
            "changeSummary": up.summary.resource_changes,
            "outputs": {name: o.value for name, o in up.outputs.items()},
        }
    elif command == "destroy":
        result = {"changeSummary": stack.destroy(on_output=out).summary.resource_changes}
    else:
        sys.exit(f"unknown command {command!r}: preview, up, preview-no-changes or destroy")
    plain = lambda key: getattr(key, "value", key)  # noqa: E731
    print(json.dumps({k: {plain(n): v for n, v in (m or {}).items()} for k, m in result.items()}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
