"""The library API every command uses: resolve what to verify, then ``verify(...) -> Report``.

``plan_from_outputs`` / ``plan_from_flags`` validate every input and resolve the trust anchor
before any AWS call (input problems raise :class:`~verifier.errors.InputError`, exit 2);
``verify`` collects (the only step that talks to AWS), judges and returns the report.
``drift`` and the CLI call these in-process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import botocore.exceptions

from verifier.checks import REGISTRY, Context, run_checks
from verifier.collect import DEFAULT_MAX_ATTEMPTS, Collector
from verifier.contract.lock import LOCK_FILE_NAME
from verifier.contract.manifest import FunctionManifest, LayerManifest
from verifier.errors import CollectionError, InputError
from verifier.exitcodes import ExitCode
from verifier.inputs import (
    load_outputs,
    resolve_trust,
    target_from_flags,
    targets_from_manifest,
)
from verifier.model import (
    Missing,
    Options,
    Policy,
    Report,
    Result,
    TargetEvidence,
    VerificationTarget,
)
from verifier.session import AwsSession, Session


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Plan:
    """Everything a run needs, validated before any AWS call."""

    targets: tuple[VerificationTarget, ...]
    region: str
    source: str
    from_flags: bool
    options: Options = field(default_factory=Options)


@dataclass(frozen=True)
class TrustOptions:
    """``--lock PATH`` (default ``signed-lambda.lock.json``), ``--no-lock`` and
    ``--trusted-profile-version-arn`` (repeatable)."""

    lock: Path = Path(LOCK_FILE_NAME)
    no_lock: bool = False
    trusted_profile_version_arns: tuple[str, ...] = ()


def plan_from_outputs(
    outputs: Path,
    *,
    stack: str | None = None,
    region: str | None = None,
    trust: TrustOptions | None = None,
    expect_policy: Policy | None = None,
    source_root: Path | None = None,
    options: Options | None = None,
) -> Plan:
    trust = trust or TrustOptions()
    selection = load_outputs(outputs, stack=stack, region_flag=region)
    if source_root is not None and not source_root.is_dir():
        raise InputError(f"--source {source_root}: not a directory", "pass the checkout's root")
    resolved = resolve_trust(
        lock_path=trust.lock,
        no_lock=trust.no_lock,
        trusted_arns=list(trust.trusted_profile_version_arns),
        stack=selection.stack,
        from_outputs=selection.manifest,
    )
    targets = targets_from_manifest(
        selection, trust=resolved, expect_policy=expect_policy, source_root=source_root
    )
    return Plan(
        targets=targets,
        region=selection.manifest.region,
        source=str(outputs),
        from_flags=False,
        options=options or Options(),
    )


def region_from_environment(session: AwsSession) -> str | None:
    """``AWS_REGION`` (what the AWS SDKs and the Terraform provider read), else the session's
    (``AWS_DEFAULT_REGION`` or the profile's config)."""
    return os.environ.get("AWS_REGION") or session.region_name


def plan_from_flags(
    *,
    function: str,
    job_id: str,
    csc_arn: str,
    region: str,
    stack: str | None = None,
    trust: TrustOptions | None = None,
    expect_policy: Policy | None = None,
    options: Options | None = None,
) -> Plan:
    trust = trust or TrustOptions()
    resolved = resolve_trust(
        lock_path=trust.lock,
        no_lock=trust.no_lock,
        trusted_arns=list(trust.trusted_profile_version_arns),
        stack=stack,
        from_outputs=None,
    )
    target = target_from_flags(
        function=function,
        job_id=job_id,
        csc_arn=csc_arn,
        region=region,
        expect_policy=expect_policy,
        trust=resolved,
    )
    return Plan(
        targets=(target,),
        region=region,
        source="command line",
        from_flags=True,
        options=options or Options(),
    )


def session_for(profile: str | None) -> Session:
    """The session for a command; an unknown profile names itself and where it came from."""
    chosen = profile or os.environ.get("AWS_PROFILE")
    where = "--profile" if profile else "AWS_PROFILE"
    try:
        return Session(profile_name=chosen or None)
    except botocore.exceptions.ProfileNotFound:
        raise InputError(
            f"{where} {chosen}: no such profile in the AWS config",
            "check ~/.aws/config or AWS_CONFIG_FILE, or unset AWS_PROFILE",
        ) from None


def max_attempts_from_environment() -> int:
    raw = os.environ.get("AWS_MAX_ATTEMPTS")
    if raw is None:
        return DEFAULT_MAX_ATTEMPTS
    if not raw.strip().isdigit() or int(raw) < 1:
        raise InputError(f"AWS_MAX_ATTEMPTS={raw}: must be a positive integer")
    return int(raw)


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


def verify(
    plan: Plan,
    session: AwsSession,
    *,
    now: datetime | None = None,
    progress: Callable[[str], None] = stderr,
    max_attempts: int | None = None,
) -> Report:
    """Collect -> judge: the report for a plan. Raises CollectionError when no evidence can be
    collected at all (credentials, endpoint), never returns a pass without checks."""
    # 1. Collect the evidence (the only step that talks to AWS).
    collector = Collector(
        session,
        region=plan.region,
        max_attempts=max_attempts or max_attempts_from_environment(),
        progress=progress,
    )
    collector.preflight(plan.targets[0].csc_arn)
    evidence = collector.collect_all(plan.targets)
    if plan.from_flags:
        _reject_unknown_flag_resources(evidence)
    # 2. Judge it.
    context = Context(
        now=now or datetime.now(UTC), expiry_warning_days=plan.options.expiry_warning_days
    )
    findings = run_checks(evidence, context)
    if not findings:
        raise CollectionError("no checks ran", "this is a bug: report it")
    return Report(findings=findings, source=plan.source, packages=declared_packages(plan))


def declared_packages(plan: Plan) -> tuple[FunctionManifest | LayerManifest, ...]:
    """Each function's and layer's manifest entry once, in the plan's order."""
    found: dict[tuple[str, str], FunctionManifest | LayerManifest] = {}
    for target in plan.targets:
        if target.declared is not None:
            found.setdefault(("function", target.declared.key), target.declared)
        for layer in target.declared_layers:
            found.setdefault(("layer", layer.key), layer)
    return tuple(found.values())


def exit_code_for(report: Report) -> ExitCode:
    """A proven failure (1) wins over an unrun check (3); zero checks is never a pass."""
    return {
        Result.PASS: ExitCode.OK,
        Result.FAIL: ExitCode.FAILED,
        Result.ERROR: ExitCode.COLLECTION,
    }[report.result]


__all__ = [
    "REGISTRY",
    "Plan",
    "TrustOptions",
    "exit_code_for",
    "plan_from_flags",
    "plan_from_outputs",
    "region_from_environment",
    "session_for",
    "verify",
]
