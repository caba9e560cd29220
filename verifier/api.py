"""The library every command uses: ``verify(plan, session) -> Report`` and
``audit(plan, session) -> AuditResult``.

Both are the same pipeline over a different evidence source: collect (the only step that talks
to AWS: :mod:`verifier.collect.targeted` for a stack or flags, :mod:`verifier.collect.fleet` for
every function of a Region) -> judge (one registry, :mod:`verifier.checks`, in two stages: every
code path, then aliases) -> report. ``plan_from_outputs`` / ``plan_from_flags`` validate every
input and resolve the trust anchor before any AWS call (input problems raise
:class:`~verifier.errors.InputError`, exit 2). ``drift`` and the CLI call these in-process.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import botocore.exceptions

from verifier.checks import REGISTRY
from verifier.checks.findings import Finding, Reason, Report, Result
from verifier.checks.forecast import ExpiringSignature, expiring
from verifier.checks.judge import (
    judge,
    judge_aliases,
    judge_function,
    needs_aliases,
    nothing_found_anywhere,
    ordered,
    region_findings,
    subjects,
    unreachable_findings,
    with_routes,
)
from verifier.checks.registry import Context, Mode
from verifier.checks.scope import Scope
from verifier.collect import accounts as discovery
from verifier.collect.aws import DEFAULT_MAX_ATTEMPTS, concurrently
from verifier.collect.budget import DEFAULT_MAX_LAMBDA_RPS, RateBudget, RequestLog
from verifier.collect.cache import HashCache
from verifier.collect.fleet import DEFAULT_WORKERS as FLEET_WORKERS
from verifier.collect.fleet import FleetCollector
from verifier.collect.progress import ProgressReporter
from verifier.collect.targeted import TargetedCollector
from verifier.contract.accounts import AccountTargets
from verifier.contract.arns import profile_version_of
from verifier.contract.lock import LOCK_FILE_NAME
from verifier.contract.manifest import FunctionManifest, LayerManifest
from verifier.contract.targets import (
    Options,
    Policy,
    Trust,
    VerificationTarget,
    load_outputs,
    resolve_trust,
    target_from_flags,
    targets_from_manifest,
)
from verifier.errors import CollectionError, InputError
from verifier.evidence.model import Evidence, Missing, ProfileEvidence, SigningJobEvidence
from verifier.exitcodes import ExitCode
from verifier.session import AwsSession, Session


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- plans --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything a verify run needs, validated before any AWS call."""

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


@dataclass(frozen=True)
class AuditPlan:
    """Everything an audit run needs, validated before any AWS call."""

    trust: Trust
    regions: tuple[str, ...]
    scope: Scope = field(default_factory=Scope)
    expiry_warning_days: int = 30
    cache_dir: Path | None = None
    max_lambda_rps: float = DEFAULT_MAX_LAMBDA_RPS
    #: Where the trust came from, for the report's ``source`` ("command line" or the lock).
    source: str = "command line"
    #: Code-loading environment variables used on purpose (--allow-env).
    allowed_environment: frozenset[str] = frozenset()
    #: Container images warn instead of failing (--allow-container-images).
    allow_container_images: bool = False
    #: An organization audit (several accounts, roles, --all-regions, --shard); None: the
    #: account the session acts in, ``regions`` one after another.
    targets: AccountTargets | None = None
    #: Account-regions audited at once in an organization audit.
    concurrency: int = 32
    #: Concurrent S3 object reads over every account-region of an organization audit.
    max_s3_reads: int = 16


# --- sessions and settings -------------------------------------------------------------------


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


# --- verify ---------------------------------------------------------------------------------


def _reject_unknown_flag_resources(plan: Plan, evidence: Evidence) -> None:
    """A --job-id or --csc-arn typed on the command line that does not exist is a usage error."""
    for target in plan.targets:
        if isinstance(evidence.store.jobs.get(target.job_id), Missing):
            raise InputError(f"--job-id {target.job_id}: no such signing job in {target.region}")
        if isinstance(evidence.store.cscs.get(target.csc_arn), Missing):
            raise InputError(
                f"--csc-arn {target.csc_arn}: no such code signing config in {target.region}"
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
    moment = now or datetime.now(UTC)
    # 1. Collect the evidence (the only step that talks to AWS).
    collector = TargetedCollector(
        session,
        region=plan.region,
        max_attempts=max_attempts or max_attempts_from_environment(),
        progress=progress,
    )
    collector.preflight(plan.targets[0].csc_arn)
    evidence = collector.collect(plan.targets, now=moment)
    if plan.from_flags:
        _reject_unknown_flag_resources(plan, evidence)
    # 2. Judge it: every code path, then the aliases (collected already).
    context = Context(
        now=moment,
        trust=plan.targets[0].trust,
        mode=Mode.FLAGS if plan.from_flags else Mode.MANIFEST,
        expiry_warning_days=plan.options.expiry_warning_days,
    )
    targets = {target.function_name: target for target in plan.targets}
    findings = judge(evidence, context, targets)
    if not findings:
        raise CollectionError("no checks ran", "this is a bug: report it")
    return Report(
        findings=tuple(findings),
        source=plan.source,
        packages=declared_packages(plan),
        account=evidence.account,
    )


def declared_packages(plan: Plan) -> tuple[FunctionManifest | LayerManifest, ...]:
    """Each function's and layer's manifest entry once, in the plan's order."""
    found: dict[tuple[str, str], FunctionManifest | LayerManifest] = {}
    for target in plan.targets:
        if target.declared is not None:
            found.setdefault(("function", target.declared.key), target.declared)
        for layer in target.declared_layers:
            found.setdefault(("layer", layer.key), layer)
    return tuple(found.values())


# --- audit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditResult:
    report: Report
    expiring: tuple[ExpiringSignature, ...]
    requests: RequestLog
    cache: HashCache
    #: Functions judged (after narrowing), over every Region.
    functions: int
    seconds: float
    #: Seconds per collection phase, summed over the Regions.
    phase_seconds: dict[str, float]
    #: The evidence of each Region, as collected (aliases included).
    evidence: tuple[Evidence, ...] = ()
    #: An organization audit: each account-region's run (sorted), each account's session (the
    #: reachable ones, for the Security Hub import), the caller's account, and the requests that
    #: found the accounts and Regions (STS, Organizations, Account/EC2).
    runs: tuple[AccountRegionRun, ...] = ()
    sessions: Mapping[str, AwsSession] = field(default_factory=dict)
    caller_account: str | None = None
    discovery: RequestLog = field(default_factory=RequestLog)

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({run.account for run in self.runs}))


@dataclass(frozen=True)
class AccountRegionRun:
    """One account-region of an organization audit."""

    account: str
    region: str
    functions: int
    seconds: float
    requests: RequestLog
    #: Why it could not be audited (one line), None when it was.
    unreachable: str | None = None


def _audit_region(
    collector: FleetCollector, plan: AuditPlan, context: Context
) -> tuple[Evidence, list[Finding], list[str], int]:
    # 1. Collect the Region's fleet.
    evidence = collector.collect_region(plan.scope, now=context.now)
    # 2. Stage 1: every code path.
    affected = plan.scope.affected_sha256(evidence.store)
    judged = []
    for subject in subjects(evidence, context):
        if not plan.scope.selects_name(subject.function.name):
            continue
        result = judge_function(subject, context, plan.scope, affected)
        if result is not None:
            judged.append(result)
    # 3. The follow-up stage: aliases, listed only where they matter, then judged.
    names = [j.subject.function.name for j in judged if needs_aliases(j, plan.scope)]
    aliases = collector.aliases_of(names) if names else {}
    if names:
        collector.phase_done("aliases")
    findings: list[Finding] = []
    functions = list(evidence.functions)
    for result in judged:
        name = result.subject.function.name
        listed = (
            replace(result.subject.function, aliases=aliases[name]) if name in aliases else None
        )
        findings += with_routes(result.findings, listed) if listed else result.findings
        findings += judge_aliases(result, context, listed)
        if listed is not None:
            functions[functions.index(result.subject.function)] = listed
    evidence = replace(evidence, functions=tuple(functions))
    listed_count = sum(1 for f in evidence.functions if plan.scope.selects_name(f.name))
    region_found, notes = region_findings(
        evidence, context, plan.scope, judged=len(judged), listed=listed_count
    )
    return evidence, region_found + findings, notes, len(judged)


def _fleet_context(plan: AuditPlan, now: datetime | None) -> Context:
    return Context(
        now=now or datetime.now(UTC),
        trust=plan.trust,
        mode=Mode.FLEET,
        expiry_warning_days=plan.expiry_warning_days,
        allowed_environment=plan.allowed_environment,
        allow_container_images=plan.allow_container_images,
    )


def audit(
    plan: AuditPlan,
    session: AwsSession,
    *,
    now: datetime | None = None,
    progress: ProgressReporter | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    workers: int = FLEET_WORKERS,
) -> AuditResult:
    """The fleet of the session's account (``plan.regions`` one after another), or, with
    ``plan.targets``, of an organization (see :func:`audit_organization`)."""
    if plan.targets is not None:
        return audit_organization(
            plan, plan.targets, session, now=now, progress=progress, max_attempts=max_attempts
        )
    started = time.monotonic()
    reporter = progress or ProgressReporter()
    log = RequestLog()
    cache = HashCache(plan.cache_dir)
    context = _fleet_context(plan, now)
    findings: list[Finding] = []
    notes: list[str] = []
    forecast: list[ExpiringSignature] = []
    regions: list[Evidence] = []
    functions = 0
    phases: dict[str, float] = {}
    for region in plan.regions:
        reporter.start_region(region)
        # Lambda's quota is per account and Region: a budget per Region, one request log.
        collector = FleetCollector(
            session,
            region=region,
            budget=RateBudget(plan.max_lambda_rps, log=log),
            cache=cache,
            max_attempts=max_attempts,
            workers=workers,
            progress=reporter,
        )
        evidence, region_found, region_notes, judged = _audit_region(collector, plan, context)
        for phase, seconds in collector.phase_seconds.items():
            phases[phase] = round(phases.get(phase, 0.0) + seconds, 3)
        findings += region_found
        notes += region_notes
        functions += judged
        forecast += expiring(evidence, context, plan.scope)
        regions.append(evidence)
    reporter.done()
    _reject_unknown_scope(plan, regions, ", ".join(plan.regions))
    findings, notes = nothing_found_anywhere(findings, notes)
    return AuditResult(
        report=Report(
            findings=ordered(findings),
            source=plan.source,
            notes=tuple(notes),
            account=next((ev.account for ev in regions if ev.account), None),
        ),
        expiring=tuple(sorted(forecast, key=lambda e: (e.expires_at, e.job_id))),
        requests=log,
        cache=cache,
        functions=functions,
        seconds=time.monotonic() - started,
        phase_seconds=phases,
        evidence=tuple(regions),
    )


def _reject_unknown_scope(plan: AuditPlan, regions: list[Evidence], where: str) -> None:
    """A --job-id or --profile-version-arn that exists in no audited Region is a usage error:
    a typo must not read as "nothing is affected"."""
    scope = plan.scope
    if scope.job_id and all(isinstance(ev.store.jobs.get(scope.job_id), Missing) for ev in regions):
        raise InputError(f"--job-id {scope.job_id}: no such signing job in {where}")
    arn = scope.profile_version_arn
    if arn is None:
        return
    name_version = profile_version_of(arn)
    if name_version is None:
        raise InputError(
            f"--profile-version-arn {arn}: not a signing profile version ARN "
            "(arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>)"
        )
    name, version = name_version
    for ev in regions:
        profile = ev.store.profiles.get(name)
        if isinstance(profile, ProfileEvidence) and profile.profile_version == version:
            return
        if any(
            isinstance(job, SigningJobEvidence)
            and (job.profile_name, job.profile_version) == (name, version)
            for job in ev.store.jobs.values()
        ):
            return
    raise InputError(
        f"--profile-version-arn {arn}: no such signing profile version in {where} (no profile "
        f"{name} whose current version is {version}, and no signing job signed by it)"
    )


# --- organization audit ---------------------------------------------------------------------

#: Threads that assume roles and list Regions (one STS/Account call each, mostly waiting).
DISCOVERY_WORKERS = 16
#: S3 and Signer threads per account-region in an organization audit: the S3 reads of every
#: account-region share ``max_s3_reads`` anyway, and Signer calls are budgeted per account.
ORGANIZATION_WORKERS = 6


@dataclass(frozen=True)
class _AccountRegionOutcome:
    run: AccountRegionRun
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    evidence: Evidence | None
    phases: Mapping[str, float]


def _assumed_sessions(
    accounts: tuple[str, ...],
    caller: discovery.Caller,
    targets: AccountTargets,
    session: AwsSession,
    max_attempts: int,
    counter: RateBudget,
) -> dict[str, AwsSession | discovery.Unreachable]:
    """Each account's session: the caller's own credentials for its account, the role
    everywhere else (assumed now, several at a time)."""
    others = [account for account in accounts if account != caller.account_id]
    if others and targets.role.name is None:
        raise InputError(
            f"--role-name is needed to enter the {len(others)} other account(s) "
            f"(e.g. {others[0]}; the caller is {caller.account_id})",
            "name the role every account lets the audit assume, e.g. --role-name "
            "signed-lambda-audit",
        )
    sessions: dict[str, AwsSession | discovery.Unreachable] = {}
    if caller.account_id in accounts:
        sessions[caller.account_id] = discovery.own_session(session)
    if others:
        assumer = discovery.RoleAssumer(
            session,
            caller=caller,
            role=targets.role,
            region=targets.home_region,
            max_attempts=max_attempts,
            counter=counter,
        )
        sessions.update(
            concurrently(assumer.session_for, others, DISCOVERY_WORKERS, name="audit-assume")
        )
    return {account: sessions[account] for account in accounts}


def _account_regions(
    sessions: Mapping[str, AwsSession | discovery.Unreachable],
    caller: discovery.Caller,
    targets: AccountTargets,
    max_attempts: int,
    counter: RateBudget,
) -> dict[str, list[str] | discovery.Unreachable]:
    """The Regions of each reachable account: the ones named, or every enabled one."""
    if not targets.all_regions:
        return {account: list(targets.regions) for account in sessions}

    def regions_of(account: str) -> list[str] | discovery.Unreachable:
        session = sessions[account]
        if isinstance(session, discovery.Unreachable):
            return session
        return discovery.enabled_regions(
            session, targets.home_region, caller.partition, max_attempts, counter
        )

    return concurrently(regions_of, list(sessions), DISCOVERY_WORKERS, name="audit-regions")


def audit_organization(
    plan: AuditPlan,
    targets: AccountTargets,
    session: AwsSession,
    *,
    now: datetime | None = None,
    progress: ProgressReporter | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    workers: int = ORGANIZATION_WORKERS,
) -> AuditResult:
    """Every account-region at once (at most ``plan.concurrency``), each inside its own rate
    budget (Lambda's quota is per account and Region), one hash cache, at most
    ``plan.max_s3_reads`` object reads at a time over all of them; one merged report.

    1. Who the caller is; the accounts (Organizations, flags, a file; minus the excluded; this
       shard's); a session per account (the caller's own credentials, else the role, assumed
       now and refreshed before it expires); each account's Regions.
    2. Each account-region: the same collection and judgement as a single account's Region.
       An account whose role cannot be assumed, whose Regions cannot be listed, or whose
       credentials are refused in a Region (not enabled there) is one ``fleet.access`` ERROR
       per account-region; the others complete.
    3. The report: each account-region's findings in (account, Region) order. An empty
       account-region is a pass with a note, unless no account-region has a function at all
       (:func:`~verifier.checks.judge.nothing_found_anywhere`; a shard leaves that rule to
       ``report merge``, which applies it over every shard's findings).
    """
    started = time.monotonic()
    reporter = progress or ProgressReporter()
    discovery_log = RequestLog()
    counter = RateBudget(log=discovery_log, enforce=False)
    # 1. The accounts and their Regions.
    caller = discovery.caller_identity(session, targets.home_region, max_attempts, counter)
    listed = (
        discovery.organization_accounts(session, targets.home_region, max_attempts, counter)
        if targets.organization
        else []
    )
    accounts = targets.chosen(caller.account_id, listed)
    reporter.start_region("organization")
    reporter.message(f"audit: {discovery.targets_summary(targets, len(accounts))}")
    sessions = _assumed_sessions(accounts, caller, targets, session, max_attempts, counter)
    regions = _account_regions(sessions, caller, targets, max_attempts, counter)
    planned: list[tuple[str, str, AwsSession | discovery.Unreachable, Reason]] = []
    for account in accounts:
        account_session, account_regions = sessions[account], regions[account]
        if isinstance(account_regions, discovery.Unreachable):
            reason = (
                Reason.ROLE_NOT_ASSUMED
                if isinstance(account_session, discovery.Unreachable)
                else Reason.REGIONS_UNLISTED
            )
            planned.append((account, targets.home_region, account_regions, reason))
            continue
        for region in account_regions:
            planned.append((account, region, account_session, Reason.ROLE_NOT_ASSUMED))
    context = _fleet_context(plan, now)
    cache = HashCache(plan.cache_dir)
    s3_reads = threading.BoundedSemaphore(plan.max_s3_reads)

    # 2. Every account-region at once.
    def run(index: int) -> _AccountRegionOutcome:
        account, region, account_session, reason = planned[index]
        began = time.monotonic()
        log = RequestLog()
        if isinstance(account_session, discovery.Unreachable):
            what = account_session.reason
            return _AccountRegionOutcome(
                AccountRegionRun(account, region, 0, 0.0, log, what),
                tuple(unreachable_findings(account, region, context, reason, what)),
                (),
                None,
                {},
            )
        collector = FleetCollector(
            account_session,
            region=region,
            budget=RateBudget(plan.max_lambda_rps, log=log),
            cache=cache,
            max_attempts=max_attempts,
            workers=workers,
            account=account,
            s3_reads=s3_reads,
        )
        try:
            evidence, found, notes, judged = _audit_region(collector, plan, context)
        except CollectionError as error:
            what = error.diagnostics()
            if region != targets.home_region:
                what += f" (is {region} enabled for account {account}?)"
            return _AccountRegionOutcome(
                AccountRegionRun(account, region, 0, time.monotonic() - began, log, what),
                tuple(unreachable_findings(account, region, context, Reason.UNREACHABLE, what)),
                (),
                None,
                {},
            )
        finally:
            for client in collector.aws.clients:
                client.close()
        return _AccountRegionOutcome(
            AccountRegionRun(account, region, judged, time.monotonic() - began, log),
            ordered(found),
            tuple(notes),
            evidence,
            dict(collector.phase_seconds),
        )

    def done(finished: int, total: int) -> None:
        reporter("account-regions audited", finished, total)

    outcomes = concurrently(
        run, range(len(planned)), plan.concurrency, on_done=done, name="audit-account"
    )
    reporter.done()

    # 3. One report, in (account, Region) order.
    ordered_outcomes = sorted(outcomes.values(), key=lambda o: (o.run.account, o.run.region))
    collected = [o.evidence for o in ordered_outcomes if o.evidence is not None]
    functions = sum(o.run.functions for o in ordered_outcomes)
    findings = [finding for o in ordered_outcomes for finding in o.findings]
    notes = [note for o in ordered_outcomes for note in o.notes]
    shard = str(targets.shard) if targets.shard is not None else None
    if shard is None:
        # A shard leaves the run-wide rule to `report merge`, over every shard's findings.
        findings, notes = nothing_found_anywhere(findings, notes)
    phases: dict[str, float] = {}
    for outcome in ordered_outcomes:
        for phase, seconds in outcome.phases.items():
            phases[phase] = round(phases.get(phase, 0.0) + seconds, 3)
    if all(o.run.unreachable is None for o in ordered_outcomes):
        _reject_unknown_scope(plan, collected, f"{len(accounts)} account(s)")
    forecast = [item for ev in collected for item in expiring(ev, context, plan.scope)]
    runs = tuple(o.run for o in ordered_outcomes)
    return AuditResult(
        report=Report(
            findings=tuple(findings),
            source=plan.source,
            notes=tuple(notes),
            shard=shard,
            account=caller.account_id,
        ),
        expiring=tuple(sorted(forecast, key=lambda e: (e.expires_at, e.job_id))),
        requests=RequestLog.merged(run.requests for run in runs),
        cache=cache,
        functions=functions,
        seconds=time.monotonic() - started,
        phase_seconds=phases,
        evidence=tuple(collected),
        runs=runs,
        sessions={
            account: account_session
            for account, account_session in sessions.items()
            if not isinstance(account_session, discovery.Unreachable)
        },
        caller_account=caller.account_id,
        discovery=discovery_log,
    )


def exit_code_for(report: Report) -> ExitCode:
    """A proven failure (1) wins over an unrun check (3); zero checks is never a pass."""
    return {
        Result.PASS: ExitCode.OK,
        Result.FAIL: ExitCode.FAILED,
        Result.ERROR: ExitCode.COLLECTION,
    }[report.result]


__all__ = [
    "REGISTRY",
    "AccountRegionRun",
    "AuditPlan",
    "AuditResult",
    "Plan",
    "TrustOptions",
    "audit",
    "audit_organization",
    "exit_code_for",
    "plan_from_flags",
    "plan_from_outputs",
    "region_from_environment",
    "session_for",
    "verify",
]
