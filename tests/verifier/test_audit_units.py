"""The audit's pure parts: the judge over hand-built evidence, the report, the budget, the
cache and the progress output. No AWS here (the fleet over real HTTP is in test_audit.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from verifier.audit.budget import RequestLog, TokenBucket
from verifier.audit.cache import HashCache
from verifier.audit.judge import AUDIT_CHECKS, Judge
from verifier.audit.model import FunctionRecord, RegionEvidence, Scope
from verifier.audit.progress import ProgressReporter
from verifier.audit.report import reason_of, render_sarif, render_text, summary_rows
from verifier.checks import Context
from verifier.model import (
    AliasEvidence,
    CodePath,
    CscEvidence,
    Finding,
    ObjectVersionEvidence,
    ProfileEvidence,
    Report,
    RevocationEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Status,
    Trust,
    Unavailable,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)
ACCOUNT = "123456789012"
PROFILE_ARN = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/team/v1"
OTHER_ARN = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/other/v1"
CSC_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0"
TRUST = Trust(frozenset({PROFILE_ARN}), "--trust")
SHA = base64.b64encode(hashlib.sha256(b"signed").digest()).decode()


def job(job_id: str = "job-1", **changes: object) -> SigningJobEvidence:
    base = SigningJobEvidence(
        job_id=job_id,
        status="Succeeded",
        status_reason=None,
        profile_name="team",
        profile_version="v1",
        platform_id="AWSLambda-SHA384-ECDSA",
        source_bucket="b",
        source_key="unsigned/x.zip",
        source_version="1",
        signed_bucket="b",
        signed_key=f"signed/{job_id}.zip",
        created_at=NOW - timedelta(days=10),
        completed_at=None,
        signature_expires_at=NOW + timedelta(days=300),
        revocation=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def path(version: str = "$LATEST", job_id: str | None = "job-1", **changes: object) -> CodePath:
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"
    base = CodePath(
        version=version,
        arn=arn if version == "$LATEST" else f"{arn}:{version}",
        code_sha256=SHA,
        signing_job_arn=f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/{job_id}"
        if job_id
        else None,
        signing_profile_version_arn=PROFILE_ARN,
        package_type="Zip",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def function(*paths: CodePath, csc: str | Unavailable | None = CSC_ARN) -> FunctionRecord:
    return FunctionRecord(
        name="fn",
        arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn",
        region="us-east-1",
        paths=paths or (path(), path("1")),
        csc_arn=csc,
    )


def region(*functions: FunctionRecord, **changes: object) -> RegionEvidence:
    signed = SignedObjectEvidence(
        bucket="b",
        key="signed/job-1.zip",
        versions=(ObjectVersionEvidence("v1", NOW, True),),
        sha256_by_version={"v1": SHA},
    )
    base = RegionEvidence(
        region="us-east-1",
        functions=functions or (function(),),
        cscs={CSC_ARN: CscEvidence(CSC_ARN, "Enforce", (PROFILE_ARN,))},
        jobs={"job-1": job()},
        profiles={"team": ProfileEvidence("team", "Active", "v1", PROFILE_ARN)},
        signed_objects={("b", "signed/job-1.zip"): signed},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def judged(ev: RegionEvidence, scope: Scope | None = None, days: int = 30) -> list[Finding]:
    return Judge(ev, TRUST, Context(now=NOW, expiry_warning_days=days), scope or Scope()).findings()


def not_passing(findings: list[Finding]) -> set[tuple[str, Status]]:
    return {(f.check_id, f.status) for f in findings if f.status is not Status.PASS}


# --- the judge -------------------------------------------------------------------------------


def test_everything_proven_passes() -> None:
    findings = judged(region())
    assert not_passing(findings) == set()
    assert {f.check_id for f in findings} == {
        "function.package_type",
        "function.csc",
        "csc.policy",
        "csc.publishers",
        "code.signed",
    }
    assert all(f.function == "fn" and f.resource for f in findings)


def test_image_only_warns_and_names_notation() -> None:
    image = function(path(job_id=None, package_type="Image", code_sha256=""), csc=None)
    findings = judged(region(image))
    assert not_passing(findings) == {("function.package_type", Status.WARN)}
    assert "Notation" in findings[0].remediation


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"csc": None}, {("function.csc", Status.FAIL)}),
        (
            {"csc": Unavailable("ListFunctionsByCodeSigningConfig", "AccessDenied")},
            {("function.csc", Status.ERROR)},
        ),
    ],
)
def test_csc_attachment(change: dict[str, object], expected: set[object]) -> None:
    assert not_passing(judged(region(function(**change)))) == expected  # type: ignore[arg-type]


def test_csc_policy_warn_and_untrusted_publishers_fail() -> None:
    ev = region(cscs={CSC_ARN: CscEvidence(CSC_ARN, "Warn", (PROFILE_ARN, OTHER_ARN))})
    findings = judged(ev)
    assert not_passing(findings) == {("csc.policy", Status.FAIL), ("csc.publishers", Status.FAIL)}
    publishers = next(f for f in findings if f.check_id == "csc.publishers")
    assert OTHER_ARN in publishers.actual and PROFILE_ARN not in publishers.actual


def test_profile_revoked_after_signing_warns_before_fails() -> None:
    def with_profile_revoked(effective: datetime) -> set[tuple[str, Status]]:
        profile = ProfileEvidence("team", "Revoked", "v1", PROFILE_ARN, effective)
        return not_passing(judged(region(profiles={"team": profile})))

    assert with_profile_revoked(NOW - timedelta(days=5)) == {("code.signed", Status.WARN)}
    assert with_profile_revoked(NOW - timedelta(days=20)) == {("code.signed", Status.FAIL)}


def test_revoked_job_fails_and_aliases_routing_to_it_are_named() -> None:
    revoked = job("job-2", revocation=RevocationEvidence("drill", NOW))
    two = SignedObjectEvidence(
        "b", "signed/job-2.zip", (ObjectVersionEvidence("v9", NOW, True),), {"v9": SHA}
    )
    fn = function(path(), path("1"), path("2", job_id="job-2"))
    ev = region(fn, jobs={"job-1": job(), "job-2": revoked})
    ev = replace(ev, signed_objects={**ev.signed_objects, ("b", "signed/job-2.zip"): two})
    judge = Judge(ev, TRUST, Context(now=NOW), Scope())
    assert judge.needs_aliases(fn)
    ev = replace(ev, aliases={"fn": (AliasEvidence("live", "1", (("2", 0.25),)),)})
    findings = judged(ev)
    assert not_passing(findings) == {("code.signed", Status.FAIL), ("aliases.signed", Status.FAIL)}
    version = next(f for f in findings if f.resource.endswith(":2"))
    assert "was revoked" in version.actual and "[aliases: live (25%)]" in version.actual
    alias = next(f for f in findings if f.check_id == "aliases.signed")
    assert alias.resource.endswith(":fn:live") and "2 (25%): fail" in alias.actual


def test_unread_job_is_an_error_and_needs_aliases() -> None:
    ev = region(jobs={"job-1": Unavailable("DescribeSigningJob", "AccessDenied")})
    assert not_passing(judged(ev)) == {("code.signed", Status.ERROR)}
    assert Judge(ev, TRUST, Context(now=NOW), Scope()).needs_aliases(ev.functions[0])


def test_hash_mismatch_fails() -> None:
    fn = function(path(code_sha256=base64.b64encode(b"x" * 32).decode()))
    assert not_passing(judged(region(fn))) == {("code.signed", Status.FAIL)}


def test_blast_radius_keeps_only_affected_code_paths() -> None:
    fn = function(path(), path("1", job_id="job-2"))
    ev = region(fn, jobs={"job-1": job(), "job-2": job("job-2")})
    findings = judged(ev, Scope(job_id="job-2"))
    assert {(f.check_id, f.resource.rsplit(":", 1)[-1]) for f in findings} == {("code.signed", "1")}
    nothing = judged(ev, Scope(job_id="job-9"))
    assert [(f.check_id, f.status) for f in nothing] == [("fleet.scope", Status.PASS)]


def test_zero_functions_is_an_error_and_a_failed_listing_is_reported() -> None:
    empty = replace(region(), functions=())
    assert not_passing(judged(empty)) == {("fleet.scope", Status.ERROR)}
    partial = region(listing_errors=(Unavailable("ListFunctions", "Throttling"),))
    assert ("fleet.listed", Status.ERROR) in not_passing(judged(partial))


def test_expiry_forecast_lists_signatures_inside_the_window() -> None:
    soon = region(jobs={"job-1": job(signature_expires_at=NOW + timedelta(days=3))})
    judge = Judge(soon, TRUST, Context(now=NOW, expiry_warning_days=30), Scope())
    (item,) = judge.expiring()
    assert item.job_id == "job-1" and item.used_by == ("fn:$LATEST", "fn:1")
    assert not_passing(judge.findings()) == {("code.signed", Status.WARN)}
    assert Judge(region(), TRUST, Context(now=NOW), Scope()).expiring() == []


# --- the report ----------------------------------------------------------------------------


def test_text_report_groups_by_function_with_summary_and_forecast() -> None:
    findings = judged(region(function(csc=None)))
    text = render_text(Report(tuple(findings), "command line"), (), 30)
    lines = text.splitlines()
    assert lines[0] == "FAIL   fn"
    assert "summary (checks by status and reason)" in text
    assert any("no code signing config" in line and line.strip().endswith("1") for line in lines)
    assert lines[-1] == "result: fail"


def test_summary_rows_and_reasons() -> None:
    findings = judged(region(cscs={CSC_ARN: CscEvidence(CSC_ARN, "Warn", (PROFILE_ARN,))}))
    rows = summary_rows(Report(tuple(findings), "command line"))
    assert rows[0] == ("fail", "csc.policy", "policy Warn", 1)
    assert reason_of(findings[0]) == "proven"


def test_sarif_has_a_rule_for_every_audit_check() -> None:
    findings = judged(region(function(csc=None)))
    document = json.loads(render_sarif(Report(tuple(findings), "command line")))
    driver = document["runs"][0]["tool"]["driver"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert {check.id for check in AUDIT_CHECKS} <= set(rule_ids)
    for result in document["runs"][0]["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]


# --- budget, cache, progress ---------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_never_exceeds_its_rate_in_any_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleep=clock.sleep)
    log = RequestLog()
    for _ in range(55):
        bucket.acquire()
        log.record("lambda", "ListFunctions", clock.now, 0.0)
    assert log.max_lambda_rps() <= 10
    assert clock.now == pytest.approx(5.4, abs=0.01)  # evenly spaced, not slower


def test_cache_round_trip_ignores_corrupt_and_null_versions(tmp_path: Path) -> None:
    cache = HashCache(tmp_path)
    assert cache.get("b", "k", "v1") is None
    cache.put("b", "k", "v1", SHA)
    assert cache.get("b", "k", "v1") == SHA
    cache.put("b", "k", "null", SHA)
    assert cache.get("b", "k", "null") is None  # an unversioned object can change
    cache.path_for("b", "k", "v1").write_text(json.dumps({"bucket": "b", "sha256": "nope"}))
    assert cache.get("b", "k", "v1") is None and cache.corrupt == 1
    assert HashCache(None).get("b", "k", "v1") is None


def test_progress_lines_off_a_terminal_and_a_bar_on_one() -> None:
    clock = FakeClock()
    lines = io.StringIO()
    reporter = ProgressReporter(lines, tty=False, clock=clock)
    reporter.start_region("us-east-1")
    for done in range(1, 101):
        reporter("signed objects", done, 100)
    assert lines.getvalue().splitlines() == [
        "audit us-east-1: signed objects 1/100",
        "audit us-east-1: signed objects 100/100",
    ]
    bar = io.StringIO()
    tty = ProgressReporter(bar, tty=True, clock=clock)
    tty("signed objects", 50, 100)
    assert "\r" in bar.getvalue() and "[############............] 50/100" in bar.getvalue()
