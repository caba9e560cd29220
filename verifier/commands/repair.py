"""``signed-lambda repair``: the one command that changes AWS (verifier.repair), then verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from verifier.api import (
    TrustOptions,
    exit_code_for,
    plan_from_outputs,
    session_for,
    stderr,
)
from verifier.commands.options import AwsProfile, LockFile, ReportFormat, Source
from verifier.commands.verify import causes, emit, summary_line
from verifier.contract.lock import LOCK_FILE_NAME
from verifier.errors import VerifierError
from verifier.repair import repair
from verifier.report import Format


def repair_command(
    outputs: Annotated[
        Path,
        typer.Option(
            "--outputs",
            help="The JSON file written by `cdktf deploy --outputs-file` (reads its 'manifest').",
        ),
    ],
    stack: Annotated[
        str | None,
        typer.Option(help="Stack in the outputs file and the lock (needed when several)."),
    ] = None,
    lock: LockFile = Path(LOCK_FILE_NAME),
    source: Source = None,
    region: Annotated[
        str | None,
        typer.Option(help="AWS region (default: the manifest's).", show_default=False),
    ] = None,
    profile: AwsProfile = None,
    fmt: ReportFormat = Format.TEXT,
) -> None:
    """CHANGES AWS: put each function that fails verify back on its signed build, then verify.

    For each failing function: the pinned code signing config (the lock's policy and publishers), the declared handler, runtime, layers and environment (undeclared variables removed; a declared one with another value is named for make deploy, as only its digest is declared), no file systems, and the code from the signed object's exact version with the declared architecture. It prints each change, runs verify again and exits with verify's code. It refuses (exit 1, nothing changed) when the signed evidence itself is bad (revoked, expired, overwritten, missing): then only a redeploy with a new signature helps. Needs the lock (no --no-lock: repair deploys only what the lock trusts).
    """  # noqa: E501  (one line per paragraph: the help renderer keeps line breaks)
    try:
        session = session_for(profile)
        plan = plan_from_outputs(
            outputs, stack=stack, region=region, trust=TrustOptions(lock=lock), source_root=source
        )
        outcome = repair(plan, session)
        emit(outcome.after, fmt, output=None)
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    if not outcome.changes:
        stderr("repair: nothing changed" + (": every check passes" if not outcome.left else ""))
    for line in outcome.left:
        stderr(line)
    for cause in causes(outcome.after):
        stderr(cause)
    stderr(summary_line(outcome.after, len(plan.targets)))
    raise typer.Exit(int(exit_code_for(outcome.after)))
