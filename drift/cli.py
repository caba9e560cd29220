"""``python -m drift``: plan every synthesized stack, verify it, summarize, one exit code.

Exit codes (the verifier's meanings): 0 no drift and every check passes (warnings allowed);
1 Terraform would change something, or a verifier check failed; 2 usage or input error;
3 evidence could not be collected (credentials, permissions, network, Terraform errors).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from drift.errors import (
    EXIT_CLEAN,
    EXIT_COLLECTION,
    EXIT_DRIFT,
    EXIT_USAGE,
    DriftError,
    InputError,
)
from drift.plan import plan_stack, stack_outputs
from drift.summary import StackVerdict, render

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_show_locals=False,
    help=__doc__,
    rich_markup_mode=None,
)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _verify(
    stack: str, outputs_file: Path, reports: Path, env: dict[str, str]
) -> tuple[int, dict[str, Any] | None]:
    """One verifier run: the JSON report (read here) and SARIF (for upload) from one collection."""
    report_path = reports / f"verify-{stack}.json"
    sarif_path = reports / f"verify-{stack}.sarif"
    # A report left by an earlier run must never stand in for this one.
    for stale in (report_path, sarif_path):
        stale.unlink(missing_ok=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "verifier",
            "verify",
            "--outputs",
            str(outputs_file),
            "--stack",
            stack,
            "--format",
            "json",
            "--output",
            str(report_path),
            "--sarif-output",
            str(sarif_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    sys.stderr.write(result.stderr)
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return result.returncode, report


def _combine(verdicts: list[StackVerdict]) -> int:
    codes = []
    for verdict in verdicts:
        if verdict.verify_exit in (EXIT_USAGE, EXIT_COLLECTION):
            codes.append(verdict.verify_exit)
        elif verdict.errors:
            codes.append(EXIT_COLLECTION)
        elif (verdict.plan and verdict.plan.drifted) or verdict.verify_exit == EXIT_DRIFT:
            codes.append(EXIT_DRIFT)
        else:
            codes.append(EXIT_CLEAN)
    for code in (EXIT_USAGE, EXIT_COLLECTION, EXIT_DRIFT):
        if code in codes:
            return code
    return EXIT_CLEAN


def check_stack(stack_dir: Path, reports: Path, env: dict[str, str]) -> StackVerdict:
    stack = stack_dir.name
    verdict = StackVerdict(stack=stack)
    for stale in (reports / f"plan-{stack}.json", reports / f"outputs-{stack}.json"):
        stale.unlink(missing_ok=True)
    try:
        print(f"drift: planning {stack} (refresh, no apply)", file=sys.stderr)
        verdict.plan = plan_stack(stack_dir, env)
        _write(reports / f"plan-{stack}.json", json.dumps(verdict.plan.plan_json, indent=1))
        outputs = stack_outputs(stack_dir, env)
        if "manifest" not in outputs:
            raise InputError(
                f"stack {stack} has no `manifest` output in its state",
                "deploy the stack first (`make deploy`)",
            )
        outputs_file = reports / f"outputs-{stack}.json"
        _write(outputs_file, json.dumps({stack: outputs}, indent=2))
        print(f"drift: verifying {stack}", file=sys.stderr)
        verdict.verify_exit, verdict.verify_report = _verify(stack, outputs_file, reports, env)
    except DriftError as error:
        verdict.errors.append(error.diagnostics())
        if isinstance(error, InputError):
            verdict.verify_exit = EXIT_USAGE
    return verdict


@app.command()
def run(
    stacks_dir: Annotated[
        Path, typer.Option(help="Directory of synthesized stacks (cdktf.out/stacks).")
    ] = Path("cdktf.out/stacks"),
    reports: Annotated[
        Path, typer.Option(help="Where the summary, plan JSON and verifier reports go.")
    ] = Path("reports"),
    stack: Annotated[
        list[str] | None, typer.Option(help="Only these stacks (repeatable); default: all.")
    ] = None,
) -> None:
    """Plan and verify every stack; write reports/drift-summary.md."""
    if not stacks_dir.is_dir():
        print(f"error: {stacks_dir} does not exist; run `make synth` first", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    available = sorted(p for p in stacks_dir.iterdir() if (p / "cdk.tf.json").is_file())
    selected = [p for p in available if not stack or p.name in stack]
    unknown = sorted(set(stack or []) - {p.name for p in available})
    if unknown or not selected:
        names = ", ".join(p.name for p in available) or "none"
        what = f"unknown stack {unknown[0]!r}" if unknown else f"no stacks in {stacks_dir}"
        print(f"error: --stack: {what} (synthesized: {names})", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    reports.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    verdicts = [check_stack(path, reports, env) for path in selected]
    exit_code = _combine(verdicts)
    summary = render(verdicts, exit_code)
    _write(reports / "drift-summary.md", summary)
    sys.stderr.write(summary)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(summary)
    raise typer.Exit(exit_code)


def main() -> None:
    app(prog_name="python -m drift")
