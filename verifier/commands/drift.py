"""``signed-lambda drift``: plan every synthesized stack, verify it in-process, summarize.

Exit codes (the verifier's): 0 no drift and every check passes (warnings allowed); 1 Terraform
would change something, or a verifier check failed; 2 usage or input error; 3 evidence could
not be collected (credentials, permissions, network, Terraform errors).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from verifier.api import TrustOptions, exit_code_for, plan_from_outputs, session_for, stderr, verify
from verifier.atomic import write_atomically
from verifier.commands.options import ExpiryWarningDays, LockFile, NoLock, Source
from verifier.commands.verify import causes, emit, summary_line
from verifier.contract.lock import LOCK_FILE_NAME
from verifier.contract.manifest import OUTPUT_NAME
from verifier.drift.plan import plan_stack, stack_outputs
from verifier.drift.summary import StackVerdict, render
from verifier.drift.terraformrc import terraform_env
from verifier.errors import InputError, VerifierError
from verifier.exitcodes import ExitCode
from verifier.model import Options
from verifier.report import Format


def combine(verdicts: list[StackVerdict]) -> ExitCode:
    """Usage (2) and collection (3) problems first, then drift (1), else clean (0)."""
    codes = []
    for verdict in verdicts:
        if verdict.exit_code is not None:
            codes.append(verdict.exit_code)
        elif verdict.plan is None or verdict.report is None:
            codes.append(ExitCode.COLLECTION)
        elif verdict.plan.drifted:
            codes.append(ExitCode.FAILED)
        else:
            codes.append(exit_code_for(verdict.report))
    for code in (ExitCode.USAGE, ExitCode.COLLECTION, ExitCode.FAILED):
        if code in codes:
            return code
    return ExitCode.OK


def check_stack(
    stack_dir: Path,
    reports: Path,
    env: dict[str, str],
    *,
    trust: TrustOptions,
    source: Path | None,
    options: Options,
) -> StackVerdict:
    stack = stack_dir.name
    verdict = StackVerdict(stack=stack)
    # A report left by an earlier run must never stand in for this one.
    for stale in ("plan-{}.json", "outputs-{}.json", "verify-{}.json", "verify-{}.sarif"):
        (reports / stale.format(stack)).unlink(missing_ok=True)
    try:
        stderr(f"drift: planning {stack} (refresh, no apply)")
        verdict.plan = plan_stack(stack_dir, env)
        write_atomically(reports / f"plan-{stack}.json", json.dumps(verdict.plan.plan_json))
        outputs = stack_outputs(stack_dir, env)
        if OUTPUT_NAME not in outputs:
            raise InputError(
                f"stack {stack} has no `{OUTPUT_NAME}` output in its state",
                "deploy the stack first (`make deploy`)",
            )
        outputs_file = reports / f"outputs-{stack}.json"
        write_atomically(outputs_file, json.dumps({stack: outputs}, indent=2))
        stderr(f"drift: verifying {stack}")
        plan = plan_from_outputs(
            outputs_file, stack=stack, trust=trust, source_root=source, options=options
        )
        verdict.report = verify(plan, session_for(None))
        emit(
            verdict.report,
            Format.JSON,
            output=reports / f"verify-{stack}.json",
            sarif_output=reports / f"verify-{stack}.sarif",
        )
        for cause in causes(verdict.report):
            stderr(cause)
        stderr(summary_line(verdict.report, len(plan.targets)))
    except VerifierError as error:
        verdict.errors.append(f"error: {error.diagnostics()}")
        verdict.exit_code = error.exit_code
    return verdict


def drift_command(
    stacks_dir: Annotated[
        Path, typer.Option(help="Directory of synthesized stacks (cdktf.out/stacks).")
    ] = Path("cdktf.out/stacks"),
    reports: Annotated[
        Path, typer.Option(help="Where the summary, plan JSON and verifier reports go.")
    ] = Path("reports"),
    stack: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME", help="Only these stacks (repeatable); default: all.", show_default=False
        ),
    ] = None,
    lock: LockFile = Path(LOCK_FILE_NAME),
    no_lock: NoLock = False,
    source: Source = None,
    expiry_warning_days: ExpiryWarningDays = 30,
) -> None:
    """Plan (refresh, never apply) and verify every synthesized stack; write reports/drift-summary.md."""  # noqa: E501
    if not stacks_dir.is_dir():
        stderr(f"error: --stacks-dir {stacks_dir}: does not exist; run `make synth` first")
        raise typer.Exit(int(ExitCode.USAGE))
    available = sorted(p for p in stacks_dir.iterdir() if (p / "cdk.tf.json").is_file())
    if not available:
        stderr(f"error: --stacks-dir {stacks_dir}: no synthesized stacks; run `make synth` first")
        raise typer.Exit(int(ExitCode.USAGE))
    unknown = sorted(set(stack or []) - {p.name for p in available})
    if unknown:
        names = ", ".join(p.name for p in available)
        stderr(f"error: --stack {unknown[0]}: unknown stack (synthesized: {names})")
        raise typer.Exit(int(ExitCode.USAGE))
    selected = [p for p in available if not stack or p.name in stack]
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        stderr(f"error: --reports {reports}: cannot create: {error.strerror}")
        raise typer.Exit(int(ExitCode.USAGE)) from None
    trust = TrustOptions(lock=lock, no_lock=no_lock)
    options = Options(expiry_warning_days=expiry_warning_days)
    with tempfile.TemporaryDirectory(prefix="signed-lambda-drift-") as scratch:
        env = terraform_env(dict(os.environ), Path(scratch))
        verdicts = [
            check_stack(path, reports, env, trust=trust, source=source, options=options)
            for path in selected
        ]
    exit_code = combine(verdicts)
    in_ci = bool(os.environ.get("GITHUB_ACTIONS"))
    note = (
        "Reports: plan JSON, verifier JSON and SARIF are in the reports artifact."
        if in_ci
        else f"Reports: plan JSON, verifier JSON and SARIF are in {reports}/."
    )
    summary = render(verdicts, int(exit_code), note)
    write_atomically(reports / "drift-summary.md", summary)
    stderr(summary.rstrip("\n"))
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(summary)
    raise typer.Exit(int(exit_code))
