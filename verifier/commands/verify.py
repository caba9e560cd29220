"""``signed-lambda verify``: plan -> verify (collect -> judge) -> report, and the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from verifier.api import (
    Plan,
    TrustOptions,
    exit_code_for,
    plan_from_flags,
    plan_from_outputs,
    region_from_environment,
    session_for,
    stderr,
    verify,
)
from verifier.commands.options import (
    AwsProfile,
    ExpiryWarningDays,
    LockFile,
    NoLock,
    ReportFormat,
    ReportOutput,
    SarifOutput,
    Source,
    check_report_paths,
)
from verifier.contract.arns import CSC_ARN, CSC_ARN_FORMAT
from verifier.contract.lock import LOCK_FILE_NAME
from verifier.errors import InputError, VerifierError
from verifier.model import Options, Policy, Report, Status
from verifier.report import Format, render, write_atomically


def summary_line(report: Report, functions: int) -> str:
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Status)
    return (
        f"signed-lambda verify: {report.result.value.upper()}: {functions} function(s), "
        f"{len(report.findings)} checks: {counts}"
    )


def emit(
    report: Report,
    fmt: Format,
    *,
    output: Path | None,
    sarif_output: Path | None = None,
) -> None:
    """The document to stdout (or ``output``, atomically); a SARIF copy of the same run."""
    tty = output is None and sys.stdout.isatty()
    content = render(report, fmt, tty=tty)
    if output is not None:
        write_atomically(output, content)
    else:
        sys.stdout.write(content)
        sys.stdout.flush()
    if sarif_output is not None:
        write_atomically(sarif_output, render(report, Format.SARIF))


def causes(report: Report) -> list[str]:
    """One line per distinct cause of an unrun check (a denied call blocks several)."""
    return list(
        dict.fromkeys(
            f"could not verify {finding.function}: {finding.actual.removeprefix('not evaluated: ')}"
            for finding in report.findings
            if finding.status is Status.ERROR
        )
    )


def build_plan(
    *,
    outputs: Path | None,
    stack: str | None,
    function: str | None,
    job_id: str | None,
    csc_arn: str | None,
    region: str | None,
    environment_region: str | None,
    trust: TrustOptions,
    expect_policy: Policy | None,
    source: Path | None,
    options: Options,
) -> Plan:
    flags = {"--function": function, "--job-id": job_id, "--csc-arn": csc_arn}
    given = [name for name, value in flags.items() if value is not None]
    if outputs is not None:
        if given:
            raise InputError(f"--outputs cannot be combined with {', '.join(given)}")
        return plan_from_outputs(
            outputs,
            stack=stack,
            region=region,
            trust=trust,
            expect_policy=expect_policy,
            source_root=source,
            options=options,
        )
    if not given:
        raise InputError(
            "nothing to verify: pass --outputs FILE, or --function, --job-id and --csc-arn"
        )
    if source is not None:
        raise InputError("--source needs --outputs (the stack's manifest names the sources)")
    missing = [name for name, value in flags.items() if value is None]
    if missing or function is None or job_id is None or csc_arn is None:
        raise InputError(
            f"{', '.join(missing)} missing: flag mode needs --function, --job-id and --csc-arn"
        )
    match = CSC_ARN.match(csc_arn)
    if match is None:
        raise InputError(
            f"--csc-arn {csc_arn}: not a code signing config ARN", f"expected {CSC_ARN_FORMAT}"
        )
    chosen_region = region or environment_region or match.group(2)
    if not chosen_region:
        raise InputError("no region: set AWS_REGION or pass --region")
    return plan_from_flags(
        function=function,
        job_id=job_id,
        csc_arn=csc_arn,
        region=chosen_region,
        stack=stack,
        trust=trust,
        expect_policy=expect_policy,
        options=options,
    )


def verify_command(
    outputs: Annotated[
        Path | None,
        typer.Option(
            "--outputs",
            help="The JSON file written by `cdktf deploy --outputs-file` (reads its 'manifest').",
            show_default=False,
        ),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option(help="Stack in the outputs file and the lock (needed when several)."),
    ] = None,
    lock: LockFile = Path(LOCK_FILE_NAME),
    no_lock: NoLock = False,
    trusted_profile_version_arn: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ARN",
            help="A trusted signing profile version ARN (repeatable); with flags, instead of "
            "a lock.",
            show_default=False,
        ),
    ] = None,
    source: Source = None,
    function: Annotated[
        str | None,
        typer.Option(
            help="Function name or ARN (with --job-id and --csc-arn, no outputs file).",
            show_default=False,
        ),
    ] = None,
    job_id: Annotated[
        str | None, typer.Option(help="Signer signing job id.", show_default=False)
    ] = None,
    csc_arn: Annotated[
        str | None,
        typer.Option(help="Expected code signing config ARN.", show_default=False),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            help="AWS region (default: the manifest's, else AWS_REGION, else the --csc-arn's).",
            show_default=False,
        ),
    ] = None,
    profile: AwsProfile = None,
    fmt: ReportFormat = Format.TEXT,
    output: ReportOutput = None,
    sarif_output: SarifOutput = None,
    expect_policy: Annotated[
        Policy | None,
        typer.Option(
            case_sensitive=False,
            help="Expected CSC policy (default: the lock's, else the manifest's, else Enforce).",
            show_default=False,
        ),
    ] = None,
    expiry_warning_days: ExpiryWarningDays = 30,
) -> None:
    """Prove each deployed function runs exactly the signed build, on every code path.

    Expectations come from the stack's outputs (--outputs), checked against the reviewed lock file (signed-lambda.lock.json by default), which pins the trusted profile versions, the CSC and its policy. With --function, --job-id and --csc-arn, pass --trusted-profile-version-arn or --lock: the job's profile must be pinned; the signed object is the job's output.
    """  # noqa: E501  (one line per paragraph: the help renderer keeps line breaks)
    try:
        check_report_paths(output, sarif_output)
        session = session_for(profile)
        plan = build_plan(
            outputs=outputs,
            stack=stack,
            function=function,
            job_id=job_id,
            csc_arn=csc_arn,
            region=region,
            environment_region=region_from_environment(session),
            trust=TrustOptions(
                lock=lock,
                no_lock=no_lock,
                trusted_profile_version_arns=tuple(trusted_profile_version_arn or ()),
            ),
            expect_policy=expect_policy,
            source=source,
            options=Options(expiry_warning_days=expiry_warning_days),
        )
        report = verify(plan, session)
        emit(report, fmt, output=output, sarif_output=sarif_output)
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    for cause in causes(report):
        stderr(cause)
    stderr(summary_line(report, len(plan.targets)))
    raise typer.Exit(int(exit_code_for(report)))
