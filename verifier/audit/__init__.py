"""``signed-lambda audit``: prove every Lambda function in an account, within Lambda's limits.

``audit(plan, session) -> AuditResult`` is the library API; the command only wires it. Per Region:
collect (bulk listings under a rate budget, :mod:`verifier.audit.collect`) -> judge (pure,
:mod:`verifier.audit.judge`, reusing the verifier's ``prove_signature``/``prove_layer``) ->
list aliases only for functions that fail -> judge again with them. The report has the same
schema, formats and exit codes as ``verify``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from verifier.audit.budget import RateBudget, RequestLog
from verifier.audit.cache import HashCache
from verifier.audit.collect import DEFAULT_WORKERS, FleetCollector
from verifier.audit.judge import Judge
from verifier.audit.model import AuditPlan, ExpiringSignature, RegionEvidence, Scope
from verifier.audit.progress import ProgressReporter
from verifier.checks import Context
from verifier.collect import DEFAULT_MAX_ATTEMPTS
from verifier.contract.arns import profile_version_of
from verifier.errors import InputError
from verifier.model import Finding, Missing, Report
from verifier.session import AwsSession


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


def audit(
    plan: AuditPlan,
    session: AwsSession,
    *,
    now: datetime | None = None,
    progress: ProgressReporter | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    workers: int = DEFAULT_WORKERS,
) -> AuditResult:
    started = time.monotonic()
    reporter = progress or ProgressReporter()
    log = RequestLog()
    cache = HashCache(plan.cache_dir)
    context = Context(now=now or datetime.now(UTC), expiry_warning_days=plan.expiry_warning_days)
    findings: list[Finding] = []
    expiring: list[ExpiringSignature] = []
    regions: list[RegionEvidence] = []
    functions = 0
    phases: dict[str, float] = {}
    for region in plan.regions:
        reporter.start_region(region)
        # Lambda's quota is per account and Region: a budget per Region, one request log.
        budget = RateBudget(plan.max_lambda_rps, log=log)
        collector = FleetCollector(
            session,
            region=region,
            budget=budget,
            cache=cache,
            max_attempts=max_attempts,
            workers=workers,
            progress=reporter,
        )
        # 1. Collect the Region's fleet.
        evidence = collector.collect_region(plan.scope)
        # 2. Judge it once to learn where aliases matter, list those, judge again.
        judge = Judge(evidence, plan.trust, context, plan.scope)
        names = [f.name for f in evidence.functions if judge.needs_aliases(f)]
        if names:
            evidence = replace(evidence, aliases=collector.aliases_of(names))
            collector.phase_done("aliases")
            judge = Judge(evidence, plan.trust, context, plan.scope)
        for phase, seconds in collector.phase_seconds.items():
            phases[phase] = round(phases.get(phase, 0.0) + seconds, 3)
        region_findings = judge.findings()
        functions += len({f.function for f in region_findings if f.function != "*"})
        findings += region_findings
        expiring += judge.expiring()
        regions.append(evidence)
    reporter.done()
    _reject_unknown_scope(plan.scope, regions)
    report = Report(findings=tuple(findings), source=plan.source)
    return AuditResult(
        report=report,
        expiring=tuple(sorted(expiring, key=lambda e: (e.expires_at, e.job_id))),
        requests=log,
        cache=cache,
        functions=functions,
        seconds=time.monotonic() - started,
        phase_seconds=phases,
    )


def _reject_unknown_scope(scope: Scope, regions: list[RegionEvidence]) -> None:
    """A --job-id or --profile-version-arn that exists in no audited Region is a usage error
    (a typo must not read as "nothing is affected")."""
    if scope.job_id and all(isinstance(ev.jobs.get(scope.job_id), Missing) for ev in regions):
        where = ", ".join(ev.region for ev in regions)
        raise InputError(f"--job-id {scope.job_id}: no such signing job in {where}")
    if scope.profile_version_arn:
        name_version = profile_version_of(scope.profile_version_arn)
        if name_version is None:
            raise InputError(
                f"--profile-version-arn {scope.profile_version_arn}: not a signing profile "
                "version ARN (arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>)"
            )


__all__ = ["AuditPlan", "AuditResult", "Scope", "audit"]
