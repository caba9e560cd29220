"""``signed-lambda audit``: inputs -> ``audit(...)`` -> report, summary line and exit code."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from verifier.api import (
    exit_code_for,
    max_attempts_from_environment,
    region_from_environment,
    session_for,
    stderr,
)
from verifier.commands.options import (
    AwsProfile,
    ReportFormat,
    ReportOutput,
    SarifOutput,
    check_report_paths,
)
from verifier.commands.verify import causes
from verifier.contract.arns import PROFILE_VERSION_ARN, PROFILE_VERSION_ARN_FORMAT
from verifier.contract.lock import load as load_lock
from verifier.errors import InputError, VerifierError
from verifier.model import Status, Trust
from verifier.report import Format, write_atomically

if TYPE_CHECKING:
    from verifier.audit import AuditPlan, AuditResult

# verifier.audit is imported where it is used, so `verify` and `--help` never load it.

REGION_FORMAT = r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d"


def build_plan(
    *,
    trust: list[str],
    lock: Path | None,
    regions: list[str],
    environment_region: str | None,
    function_prefix: str | None,
    job_id: str | None,
    profile_version_arn: str | None,
    expiry_warning_days: int,
    cache_dir: Path | None,
    no_cache: bool,
    max_lambda_rps: float,
) -> AuditPlan:
    """Every input validated before any AWS call (each problem: one line, exit 2)."""
    import re

    from verifier.audit import AuditPlan, Scope
    from verifier.audit.budget import LAMBDA_CONTROL_PLANE_QUOTA
    from verifier.audit.cache import default_cache_dir

    if not trust and lock is None:
        raise InputError(
            "no trusted publishers: pass --trust PROFILE_VERSION_ARN (repeatable) and/or "
            "--lock signed-lambda.lock.json"
        )
    arns: set[str] = set()
    for arn in trust:
        if not PROFILE_VERSION_ARN.match(arn):
            raise InputError(
                f"--trust {arn}: not a signing profile version ARN (expected "
                f"{PROFILE_VERSION_ARN_FORMAT})"
            )
        arns.add(arn)
    origins = ["--trust"] if trust else []
    if lock is not None:
        loaded = load_lock(lock)
        for entry in loaded.stacks:
            arns.update(entry.signing_profile_version_arns)
        origins.append(f"{lock} ({len(loaded.stacks)} stack(s))")
    if profile_version_arn is not None and not PROFILE_VERSION_ARN.match(profile_version_arn):
        raise InputError(
            f"--profile-version-arn {profile_version_arn}: not a signing profile version ARN "
            f"(expected {PROFILE_VERSION_ARN_FORMAT})"
        )
    if job_id is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,128}", job_id):
        raise InputError(f"--job-id {job_id!r}: not a signing job id")
    chosen = list(dict.fromkeys(regions)) or ([environment_region] if environment_region else [])
    if not chosen:
        raise InputError("no region: set AWS_REGION or pass --region")
    for region in chosen:
        if not re.fullmatch(REGION_FORMAT, region):
            raise InputError(f"--region {region}: not an AWS Region name (e.g. us-east-1)")
    if not 0 < max_lambda_rps <= LAMBDA_CONTROL_PLANE_QUOTA:
        raise InputError(
            f"--max-lambda-rps {max_lambda_rps:g}: must be above 0 and at most "
            f"{LAMBDA_CONTROL_PLANE_QUOTA:g} (Lambda's shared control-plane quota)"
        )
    if cache_dir is not None and cache_dir.exists() and not cache_dir.is_dir():
        raise InputError(f"--cache-dir {cache_dir}: not a directory")
    return AuditPlan(
        trust=Trust(profile_version_arns=frozenset(arns), origin=" and ".join(origins)),
        regions=tuple(chosen),
        scope=Scope(
            function_prefix=function_prefix, job_id=job_id, profile_version_arn=profile_version_arn
        ),
        expiry_warning_days=expiry_warning_days,
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
        max_lambda_rps=max_lambda_rps,
        source=str(lock) if lock is not None else "command line",
    )


def summary_line(result: AuditResult, plan: AuditPlan) -> str:
    report = result.report
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Status)
    requests = result.requests
    return (
        f"signed-lambda audit: {report.result.value.upper()}: {result.functions} function(s) in "
        f"{', '.join(plan.regions)}, {len(report.findings)} checks: {counts}; "
        f"{requests.total('lambda')} Lambda requests (peak {requests.max_lambda_rps()}/s of "
        f"{plan.max_lambda_rps:g}), {requests.total('signer')} Signer, {requests.total('s3')} S3; "
        f"hash cache {result.cache.hits} hit(s); {result.seconds:.1f}s"
    )


def audit_command(
    trust: Annotated[
        list[str] | None,
        typer.Option(
            "--trust",
            metavar="PROFILE_VERSION_ARN",
            help="A trusted signing profile version ARN (repeatable).",
            show_default=False,
        ),
    ] = None,
    lock: Annotated[
        Path | None,
        typer.Option(
            help="A lock file: every stack's pinned profile versions are trusted (with --trust: "
            "the union).",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            help="Region to audit (repeatable; default: AWS_REGION or the profile's).",
            show_default=False,
        ),
    ] = None,
    profile: AwsProfile = None,
    function_prefix: Annotated[
        str | None,
        typer.Option(help="Only functions whose name starts with this.", show_default=False),
    ] = None,
    job_id: Annotated[
        str | None,
        typer.Option(
            help="Only what runs code from this signing job: the functions, versions, layers "
            "and aliases affected (revocation blast radius).",
            show_default=False,
        ),
    ] = None,
    profile_version_arn: Annotated[
        str | None,
        typer.Option(
            metavar="ARN",
            help="Only what runs code signed by this profile version (blast radius).",
            show_default=False,
        ),
    ] = None,
    expiry_warning_days: Annotated[
        int,
        typer.Option(
            min=0,
            help="Warn when a signature expires within this many days (and forecast them).",
        ),
    ] = 30,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Hash cache of signed object versions (default: $XDG_CACHE_HOME/signed-lambda "
            "or ~/.cache/signed-lambda). Object versions are immutable: safe to share in CI.",
            show_default=False,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Hash every signed object; write no cache.")
    ] = False,
    max_lambda_rps: Annotated[
        float,
        typer.Option(
            help="Lambda control-plane requests/s the audit may use of the account's shared 15 "
            "(leave the rest to deploys).",
        ),
    ] = 10.0,
    fmt: ReportFormat = Format.TEXT,
    output: ReportOutput = None,
    sarif_output: SarifOutput = None,
) -> None:
    """Prove every Lambda function in the account runs trusted signed code, within Lambda's API limits.

    For each function, $LATEST, each published version and each layer version: a CSC is attached, enforcing, allowing only trusted publishers; the code went through signature validation by a job that succeeded, signed by a trusted profile version, not revoked, not expired; and CodeSha256 is the SHA-256 of the job's signed object. Aliases routing to a failing version are named. Container images are reported as warnings. Bulk listings under a rate budget replace per-function calls; signed object hashes are cached on disk. No manifest is needed.
    """  # noqa: E501  (one line per paragraph: the help renderer keeps line breaks)
    # The entry point turns the garbage collector off for short commands (verifier.cli.main);
    # an audit can hold a whole account's functions for minutes, so it gets it back.
    gc.enable()
    from verifier.audit import audit
    from verifier.audit.progress import ProgressReporter
    from verifier.audit.report import render_audit, render_sarif

    try:
        check_report_paths(output, sarif_output)
        session = session_for(profile)
        plan = build_plan(
            trust=list(trust or ()),
            lock=lock,
            regions=list(region or ()),
            environment_region=region_from_environment(session),
            function_prefix=function_prefix,
            job_id=job_id,
            profile_version_arn=profile_version_arn,
            expiry_warning_days=expiry_warning_days,
            cache_dir=cache_dir,
            no_cache=no_cache,
            max_lambda_rps=max_lambda_rps,
        )
        result = audit(
            plan,
            session,
            progress=ProgressReporter(sys.stderr),
            max_attempts=max_attempts_from_environment(),
        )
        report = result.report
        content = render_audit(report, fmt, result.expiring, plan.expiry_warning_days)
        if output is not None:
            write_atomically(output, content)
        else:
            sys.stdout.write(content)
            sys.stdout.flush()
        if sarif_output is not None:
            write_atomically(sarif_output, render_sarif(report))
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    for cause in causes(report)[:20]:
        stderr(cause)
    stderr(summary_line(result, plan))
    raise typer.Exit(int(exit_code_for(report)))
