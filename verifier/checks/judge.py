"""Running the registry over one run's evidence: two named stages, the same for both commands.

Stage 1 (every code path): every check of the run's mode except ``aliases.signed``, per
function and, for path checks, per code path. Stage 2 (aliases): each code path's worst status
from stage 1 is what an alias routing to it runs; ``aliases.signed`` judges every route. The
fleet lists aliases between the two stages, only for functions with a code path that did not
pass (or, in a narrowed scope, every affected function); verify has them already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from verifier.checks.findings import Finding, Reason, Status, worst
from verifier.checks.proof import Prover
from verifier.checks.registry import REGISTRY, Check, Context, Mode, NotEvaluated, Subject, Verdict
from verifier.checks.rules import (
    FLEET_ACCESS,
    FLEET_LISTED,
    FLEET_SCOPE,
    LATEST_CHECKS,
)
from verifier.checks.scope import Scope
from verifier.contract.targets import VerificationTarget
from verifier.evidence.model import (
    LATEST,
    CodePath,
    Evidence,
    FunctionEvidence,
    Missing,
    Store,
)

ALIASES = "aliases.signed"
#: What a narrowed scope (a revocation's blast radius) reports: the code that runs it.
BLAST_RADIUS_CHECKS = frozenset({"code.signed", "layers.signed", ALIASES})


def _layer_in_scope(
    arn: str, path: CodePath, subject: Subject, scope: Scope, affected: frozenset[str]
) -> bool:
    layer = next((ref for ref in path.layers if ref.arn == arn), None)
    if layer is None:
        return False
    found = subject.store.layer_versions.get(arn)
    return scope.selects_signature(
        layer.signing_job_arn,
        layer.signing_profile_version_arn,
        getattr(found, "code_sha256", None),
        subject.store,
        affected,
    )


@dataclass
class Judged:
    """One function after stage 1: its findings and each code path's worst status."""

    subject: Subject
    findings: list[Finding] = field(default_factory=list)
    path_statuses: dict[str, Status] = field(default_factory=dict)
    #: The code paths judged (in a narrowed scope, only the affected ones).
    paths: tuple[CodePath, ...] = ()

    @property
    def has_unproven_path(self) -> bool:
        return any(status is not Status.PASS for status in self.path_statuses.values())


def _finding(check_: Check, verdict_: Verdict, subject: Subject, code_path: str | None) -> Finding:
    return Finding(
        check_id=check_.id,
        title=check_.title,
        status=verdict_.status,
        severity=check_.severity,
        function=subject.key,
        resource=verdict_.resource,
        expected=verdict_.expected,
        actual=verdict_.actual,
        remediation=check_.remediation,
        reason=verdict_.reason,
        account=subject.account,
        region=subject.region,
        code_path=code_path,
    )


def _not_evaluated(reason: NotEvaluated, resource: str) -> Verdict:
    return Verdict(
        Status.ERROR,
        "the check to run",
        f"not evaluated: {reason.reason}",
        reason.resource or resource,
        Reason.UNREADABLE,
    )


def _verdicts(result: Verdict | Sequence[Verdict] | None) -> list[Verdict]:
    if result is None:
        return []
    return [result] if isinstance(result, Verdict) else list(result)


def evaluate(
    check_: Check, subject: Subject, ctx: Context, path: CodePath | None = None
) -> list[Finding]:
    """One check's findings for a function (or one of its code paths)."""
    fallback = subject.function.arn
    assert check_.evaluate is not None, f"{check_.id} is judged over a region, not a function"
    try:
        if check_.scope == "path":
            assert path is not None
            verdicts = _verdicts(check_.evaluate(path, subject, ctx))
        else:
            verdicts = _verdicts(check_.evaluate(subject, ctx))
    except NotEvaluated as reason:
        verdicts = [_not_evaluated(reason, fallback)]
    if check_.scope == "path":
        assert path is not None
        tag: str | None = path.version
    else:
        tag = LATEST if check_.id in LATEST_CHECKS else None
    found = []
    for verdict_ in verdicts:
        code_path = tag
        if check_.id == "versions.signed":
            code_path = _version_of(subject.function, verdict_.resource)
        found.append(_finding(check_, verdict_, subject, code_path))
    return found


def _version_of(function: FunctionEvidence, resource: str) -> str | None:
    for path in function.paths:
        if path.arn == resource and path.version != LATEST:
            return path.version
    return None


def _checks(ctx: Context) -> list[Check]:
    return [c for c in REGISTRY.values() if c.runs_in(ctx.mode) and c.scope != "region"]


def judge_function(
    subject: Subject,
    ctx: Context,
    scope: Scope | None = None,
    affected: frozenset[str] = frozenset(),
) -> Judged | None:
    """Stage 1 for one function; None when a narrowed scope leaves nothing of it."""
    function = subject.function
    judged = Judged(subject)
    paths = function.paths
    if scope is not None and scope.narrowed:
        paths = tuple(p for p in paths if scope.selects_path(p, subject.store, affected))
        if not paths:
            return None
    judged.paths = paths
    checks = _checks(ctx)
    if ctx.mode is not Mode.FLEET and isinstance(function.latest, Missing):
        # A missing function makes every other check moot: one failure says it all.
        checks = [c for c in checks if c.id in ("lock.anchor", "function.exists")]
    elif function.is_image and ctx.mode is Mode.FLEET:
        # Outside Lambda code signing: nothing but the code paths' own verdict applies.
        checks = [REGISTRY["code.signed"]]
    narrowed = scope is not None and scope.narrowed
    for check_ in checks:
        if check_.id == ALIASES:
            continue
        if narrowed and check_.id not in BLAST_RADIUS_CHECKS:
            continue  # the blast radius reports what runs that code, not the function's settings
        if check_.scope == "function":
            judged.findings += evaluate(check_, subject, ctx)
            continue
        for path in paths:
            found = evaluate(check_, subject, ctx, path)
            if narrowed and check_.id == "layers.signed":
                assert scope is not None
                found = [
                    f for f in found if _layer_in_scope(f.resource, path, subject, scope, affected)
                ]
            judged.findings += found
    for finding in judged.findings:
        if finding.code_path is not None:
            previous = judged.path_statuses.get(finding.code_path, Status.PASS)
            judged.path_statuses[finding.code_path] = worst((previous, finding.status))
    for path in paths:
        judged.path_statuses.setdefault(path.version, Status.PASS)
    return judged


def judge_aliases(
    judged: Judged, ctx: Context, function: FunctionEvidence | None = None
) -> list[Finding]:
    """Stage 2: ``aliases.signed`` with each code path's status from stage 1 (``function``:
    the same function with its aliases listed, when they were listed after stage 1)."""
    if not REGISTRY[ALIASES].runs_in(ctx.mode):
        return []
    if ctx.mode is Mode.FLEET and judged.subject.function.is_image:
        return []
    subject = replace(
        judged.subject,
        function=function or judged.subject.function,
        path_statuses=dict(judged.path_statuses),
    )
    if ctx.mode is not Mode.FLEET and isinstance(subject.function.latest, Missing):
        return []
    return evaluate(REGISTRY[ALIASES], subject, ctx)


def with_routes(findings: list[Finding], function: FunctionEvidence) -> list[Finding]:
    """``code.signed`` findings of code paths that did not pass, with the aliases routing
    traffic to them (known only after the follow-up stage listed them)."""
    from verifier.checks.rules import aliases_routing_to

    annotated = []
    for finding in findings:
        if finding.check_id == "code.signed" and finding.status is not Status.PASS:
            routed = aliases_routing_to(function, finding.code_path or "")
            if routed and "[aliases:" not in finding.actual:
                finding = replace(
                    finding, actual=f"{finding.actual} [aliases: {', '.join(routed)}]"
                )
        annotated.append(finding)
    return annotated


def needs_aliases(judged: Judged, scope: Scope | None) -> bool:
    """The fleet lists aliases where a code path did not pass, or, in a narrowed scope, for
    every affected function (the blast radius names them)."""
    if judged.subject.function.is_image:
        return False
    if scope is not None and scope.narrowed:
        return bool(judged.paths)
    return judged.has_unproven_path


def subjects(
    evidence: Evidence,
    ctx: Context,
    targets: Mapping[str, VerificationTarget] | None = None,
) -> list[Subject]:
    """One subject per function; ``targets`` by function name (verify), None for the fleet."""
    prover = Prover(
        store=evidence.store,
        trust=ctx.trust,
        now=ctx.now,
        expiry_warning_days=ctx.expiry_warning_days,
        region=evidence.region,
        account=evidence.account,
    )
    found = []
    for function in evidence.functions:
        target = targets.get(function.name) if targets is not None else None
        found.append(
            Subject(
                function=function,
                store=evidence.store,
                target=target,
                prover=prover,
                region=evidence.region,
                account=evidence.account or function.account,
            )
        )
    return found


def _site(region: str, account: str | None, store: Store, ctx: Context) -> Subject:
    """The subject of a Region-wide finding (function ``*``)."""
    return Subject(
        function=FunctionEvidence(
            name="*",
            arn=f"lambda:{region}",
            region=region,
            latest=Missing("", ""),
            versions=None,
            csc=None,
        ),
        store=store,
        target=None,
        prover=Prover(store, ctx.trust, ctx.now),
        region=region,
        account=account,
    )


def unreachable_findings(
    account: str, region: str, ctx: Context, reason: Reason, what: str
) -> list[Finding]:
    """``fleet.access`` for an account-region that could not be audited at all (its role not
    assumed, its Regions not listed, its credentials refused there): an ERROR, never a pass."""
    verdict_ = Verdict(
        Status.ERROR,
        "the account-region audited",
        f"not evaluated: {what}",
        f"lambda:{region}",
        reason,
    )
    site = _site(region, account, Store(), ctx)
    return [_finding(REGISTRY[FLEET_ACCESS], verdict_, site, None)]


def region_findings(
    evidence: Evidence, ctx: Context, scope: Scope | None, judged: int, listed: int
) -> tuple[list[Finding], list[str]]:
    """``fleet.listed`` and ``fleet.scope`` for one Region, and the report's notes. An empty
    Region is a pass with a note here; :func:`nothing_found_anywhere` makes it an error when the
    whole run found no function at all. A failed listing is one ``fleet.listed`` error."""
    findings: list[Finding] = []
    notes: list[str] = []
    region = evidence.region
    where = f"lambda:{region}"
    listed_check, scope_check = REGISTRY[FLEET_LISTED], REGISTRY[FLEET_SCOPE]
    site = _site(region, evidence.account, evidence.store, ctx)
    if evidence.listing_errors:
        # One finding per account-region, naming every listing that failed and why (a Region
        # whose listing failed is neither empty nor audited: no fleet.scope verdict for it).
        failed = "; ".join(f"{e.operation} failed: {e.reason}" for e in evidence.listing_errors)
        verdict_ = Verdict(
            Status.ERROR,
            "every function and code signing config listed",
            f"not evaluated: {failed}",
            where,
            Reason.LISTING_FAILED,
        )
        findings.append(_finding(listed_check, verdict_, site, None))
    if judged or evidence.listing_errors:
        return findings, notes
    scope = scope or Scope()
    if scope.narrowed:
        # An answer, not a doubt: nothing in this Region runs that code.
        result = Verdict(
            Status.PASS,
            scope.describe(),
            f"no code path of the {listed} function(s) in {region} runs it",
            where,
            Reason.NOTHING_AFFECTED,
        )
    else:
        # Most of an account's Regions are empty: a pass with a note, unless the whole run
        # found nothing (nothing_found_anywhere: zero functions is never a pass).
        result = Verdict(
            Status.PASS,
            scope.describe(),
            f"no Lambda functions in {region}",
            where,
            Reason.EMPTY_REGION,
        )
        notes.append(_empty_note(evidence.account, region))
    findings.append(_finding(scope_check, result, site, None))
    return findings, notes


def _empty_note(account: str | None, region: str | None) -> str:
    return f"{account or 'the account'} {region}: no Lambda functions"


def nothing_found_anywhere(
    findings: Sequence[Finding], notes: Sequence[str]
) -> tuple[list[Finding], list[str]]:
    """The run-wide rule over a whole run's findings (one run, or the merged shards of one):
    zero functions is never a pass (a wrong Region, account or organization looks the same).
    When no finding is about a function, every empty Region's pass (``fleet.scope``
    ``empty_region``) becomes an error (``nothing_found``) and its note goes; otherwise the
    findings are unchanged. A narrowed scope's "nothing affected" is an answer, left alone."""
    if any(finding.function != "*" for finding in findings):
        return list(findings), list(notes)
    changed: list[Finding] = []
    dropped: set[str] = set()
    for finding in findings:
        if finding.check_id == FLEET_SCOPE and finding.reason is Reason.EMPTY_REGION:
            dropped.add(_empty_note(finding.account, finding.region))
            finding = replace(
                finding,
                status=Status.ERROR,
                actual=f"not evaluated: no Lambda functions found in {finding.region}",
                reason=Reason.NOTHING_FOUND,
            )
        changed.append(finding)
    return changed, [note for note in notes if note not in dropped]


def judge(
    evidence: Evidence,
    ctx: Context,
    targets: Mapping[str, VerificationTarget] | None = None,
    scope: Scope | None = None,
) -> list[Finding]:
    """Both stages for evidence whose aliases were collected already (verify)."""
    found: list[Finding] = []
    affected = scope.affected_sha256(evidence.store) if scope is not None else frozenset()
    for subject in subjects(evidence, ctx, targets):
        judged = judge_function(subject, ctx, scope, affected)
        if judged is None:
            continue
        found += judged.findings
        found += judge_aliases(judged, ctx)
    return found


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in registry order within each function (stage 2 comes after stage 1 anyway)."""
    index = {check_id: position for position, check_id in enumerate(REGISTRY)}
    by_function: dict[str, list[Finding]] = {}
    for finding in findings:
        by_function.setdefault(finding.function, []).append(finding)
    return tuple(
        finding
        for group in by_function.values()
        for finding in sorted(group, key=lambda f: index.get(f.check_id, len(index)))
    )
