"""``signed-lambda-verify verify``: collect -> judge -> report, and the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import boto3
import botocore.exceptions
import typer

from verifier.checks import Context, run_checks
from verifier.collect import DEFAULT_MAX_ATTEMPTS, Collector
from verifier.errors import CollectionError, InputError, VerifierError
from verifier.exitcodes import ExitCode
from verifier.inputs import load_job_file, load_outputs, parse_policy, target_from_flags
from verifier.model import (
    Missing,
    Options,
    Policy,
    Report,
    Result,
    SigningJobEvidence,
    Status,
    TargetEvidence,
    VerificationTarget,
)
from verifier.report import Format, render, write_atomically

FORMATS = ", ".join(f.value for f in Format)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Plan:
    """Everything the run needs, validated before any AWS call."""

    targets: tuple[VerificationTarget, ...]
    region: str
    source: str
    from_flags: bool
    fmt: Format
    options: Options
    job_files: dict[str, SigningJobEvidence]


def parse_format(value: str) -> Format:
    try:
        return Format(value.strip().lower())
    except ValueError:
        raise InputError(f"--format {value}: not a format; expected one of {FORMATS}") from None


def _session(profile: str | None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile) if profile else boto3.Session()
    except botocore.exceptions.ProfileNotFound:
        raise InputError(
            f"--profile {profile}: no such profile in the AWS config",
            "check ~/.aws/config or AWS_CONFIG_FILE",
        ) from None


def _max_attempts() -> int:
    raw = os.environ.get("AWS_MAX_ATTEMPTS")
    if raw is None:
        return DEFAULT_MAX_ATTEMPTS
    if not raw.strip().isdigit() or int(raw) < 1:
        raise InputError(f"AWS_MAX_ATTEMPTS={raw}: must be a positive integer")
    return int(raw)


def plan(
    *,
    outputs: Path | None,
    stack: str | None,
    function: str | None,
    job_id: str | None,
    csc_arn: str | None,
    job_file: list[Path],
    region: str | None,
    session_region: str | None,
    fmt: str,
    expect_policy: str | None,
    expiry_warning_days: int,
) -> Plan:
    chosen_format = parse_format(fmt)
    policy: Policy | None = (
        parse_policy(expect_policy, "--expect-policy") if expect_policy is not None else None
    )
    if expiry_warning_days < 0:
        raise InputError(f"--expiry-warning-days {expiry_warning_days}: must be 0 or more")
    jobs: dict[str, SigningJobEvidence] = {}
    job_paths: dict[str, Path] = {}
    for path in job_file:
        job = load_job_file(path)
        jobs[job.job_id] = job
        job_paths[job.job_id] = path

    flags = {"--function": function, "--job-id": job_id, "--csc-arn": csc_arn}
    given = [name for name, value in flags.items() if value is not None]
    if outputs is not None:
        if given:
            raise InputError(f"--outputs cannot be combined with {', '.join(given)}")
        selection = load_outputs(outputs, stack=stack, region_flag=region, expect_policy=policy)
        targets = selection.targets
        known = {t.job_id for t in targets}
        for found_id, path in job_paths.items():
            if found_id not in known:
                raise InputError(
                    f"--job-file {path}: job {found_id} is not the signing job of any "
                    f"function in {outputs}"
                )
        return Plan(
            targets=targets,
            region=selection.region,
            source=str(outputs),
            from_flags=False,
            fmt=chosen_format,
            options=Options(expiry_warning_days=expiry_warning_days),
            job_files=jobs,
        )

    if stack is not None:
        raise InputError("--stack needs --outputs")
    if not given:
        raise InputError(
            "nothing to verify: pass --outputs FILE, or --function, --job-id and --csc-arn"
        )
    if job_id is None and len(jobs) == 1:
        job_id = next(iter(jobs))
    if job_id is not None and jobs and job_id not in jobs:
        raise InputError(f"--job-id {job_id}: the --job-file describes job {', '.join(jobs)}")
    if function is None:
        raise InputError("--function is missing (needed with --job-id and --csc-arn)")
    if job_id is None:
        raise InputError("--job-id is missing (needed with --function and --csc-arn)")
    if csc_arn is None:
        raise InputError("--csc-arn is missing (needed with --function and --job-id)")
    chosen_region = region or session_region
    if not chosen_region:
        raise InputError("no region: set AWS_REGION or pass --region")
    target = target_from_flags(
        function=function,
        job_id=job_id,
        csc_arn=csc_arn,
        region=chosen_region,
        expect_policy=policy,
    )
    return Plan(
        targets=(target,),
        region=chosen_region,
        source="command line",
        from_flags=True,
        fmt=chosen_format,
        options=Options(expiry_warning_days=expiry_warning_days),
        job_files=jobs,
    )


def _reject_unknown_flag_resources(evidence: tuple[TargetEvidence, ...]) -> None:
    """A --job-id or --csc-arn typed on the command line that does not exist is a usage error."""
    for ev in evidence:
        if isinstance(ev.job, Missing):
            raise InputError(
                f"--job-id {ev.target.job_id}: no such signing job in {ev.target.region}"
            )
        if isinstance(ev.csc, Missing):
            raise InputError(
                f"--csc-arn {ev.target.csc_arn}: no such code signing config in {ev.target.region}"
            )


def exit_code_for(report: Report) -> ExitCode:
    """A proven failure (1) wins over an unrun check (3); zero checks is never a pass."""
    return {
        Result.PASS: ExitCode.OK,
        Result.FAIL: ExitCode.FAILED,
        Result.ERROR: ExitCode.COLLECTION,
    }[report.result]


def summary_line(report: Report, functions: int) -> str:
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Status)
    return (
        f"signed-lambda-verify: {report.result.value.upper()}: {functions} function(s), "
        f"{len(report.findings)} checks: {counts}"
    )


def run(
    plan_: Plan,
    session: boto3.Session,
    *,
    output: Path | None,
    sarif_output: Path | None = None,
    now: datetime | None = None,
) -> ExitCode:
    # 1. Collect the evidence (the only step that talks to AWS).
    collector = Collector(
        session,
        region=plan_.region,
        max_attempts=_max_attempts(),
        job_files=plan_.job_files,
        progress=_stderr,
    )
    evidence = collector.collect_all(plan_.targets)
    if plan_.from_flags:
        _reject_unknown_flag_resources(evidence)
    # 2. Judge it.
    context = Context(
        now=now or datetime.now(UTC), expiry_warning_days=plan_.options.expiry_warning_days
    )
    findings = run_checks(evidence, context)
    report = Report(findings=findings, source=plan_.source)
    if not findings:
        raise CollectionError("no checks ran", "this is a bug: report it")
    # 3. Report: the document to stdout (or --output), the summary to stderr.
    tty = output is None and sys.stdout.isatty()
    content = render(report, plan_.fmt, tty=tty)
    if output is not None:
        try:
            write_atomically(output, content)
        except OSError as error:
            raise InputError(f"--output {output}: cannot write: {error.strerror}") from None
    else:
        sys.stdout.write(content)
        sys.stdout.flush()
    if sarif_output is not None:
        # The same findings for code scanning, without collecting the evidence twice.
        try:
            write_atomically(sarif_output, render(report, Format.SARIF))
        except OSError as error:
            raise InputError(
                f"--sarif-output {sarif_output}: cannot write: {error.strerror}"
            ) from None
    # One line per distinct cause (a denied call makes several checks unrunnable).
    causes = dict.fromkeys(
        f"could not verify {finding.function}: {finding.actual.removeprefix('not evaluated: ')}"
        for finding in findings
        if finding.status is Status.ERROR
    )
    for cause in causes:
        _stderr(cause)
    _stderr(summary_line(report, len(plan_.targets)))
    return exit_code_for(report)


def verify(
    outputs: Annotated[
        Path | None,
        typer.Option(
            "--outputs",
            help="The JSON file written by `cdktf deploy --outputs-file` (reads its 'manifest').",
        ),
    ] = None,
    stack: Annotated[
        str | None, typer.Option(help="Stack in the outputs file (needed when it has several).")
    ] = None,
    function: Annotated[
        str | None,
        typer.Option(help="Function name or ARN (with --job-id and --csc-arn, no outputs file)."),
    ] = None,
    job_id: Annotated[str | None, typer.Option(help="Signer signing job id.")] = None,
    csc_arn: Annotated[str | None, typer.Option(help="Expected code signing config ARN.")] = None,
    job_file: Annotated[
        list[Path] | None,
        typer.Option(
            help="`aws signer describe-signing-job` JSON, used instead of calling "
            "DescribeSigningJob (repeatable; matched by jobId).",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="AWS region (default: the manifest's, else AWS_REGION/config)."),
    ] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile (default: AWS_PROFILE).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help=f"Report format: {FORMATS}.")
    ] = Format.TEXT.value,
    output: Annotated[
        Path | None,
        typer.Option(help="Write the report to this file (atomically) instead of stdout."),
    ] = None,
    sarif_output: Annotated[
        Path | None,
        typer.Option(help="Also write a SARIF report of the same run here (for code scanning)."),
    ] = None,
    expect_policy: Annotated[
        str | None,
        typer.Option(
            help="Expected CSC policy, Enforce or Warn (default: the manifest's, else Enforce)."
        ),
    ] = None,
    expiry_warning_days: Annotated[
        int, typer.Option(help="Warn when the signature expires within this many days.")
    ] = 30,
) -> None:
    """Prove each deployed function runs exactly the signed object under the expected CSC.

    With --outputs every expectation comes from the stack's manifest. With --function, --job-id and --csc-arn the expected profile is the job's profile at its current version, the job's source must be a pinned object version (there is no expected unsigned object), and the signed object is the job's output; all other checks are the same.
    """  # noqa: E501  (one line per paragraph: the help renderer keeps line breaks)
    try:
        session = _session(profile)
        plan_ = plan(
            outputs=outputs,
            stack=stack,
            function=function,
            job_id=job_id,
            csc_arn=csc_arn,
            job_file=job_file or [],
            region=region,
            session_region=session.region_name,
            fmt=fmt,
            expect_policy=expect_policy,
            expiry_warning_days=expiry_warning_days,
        )
        code = run(plan_, session, output=output, sarif_output=sarif_output)
    except VerifierError as error:
        _stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    raise typer.Exit(int(code))
