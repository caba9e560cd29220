"""Every check: a passing and a failing case, from evidence built by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.verifier import builders as b
from verifier.checks import REGISTRY, Context, evaluate, run_checks
from verifier.model import (
    AliasEvidence,
    BucketVersioningEvidence,
    FunctionCscEvidence,
    LayerEvidence,
    Missing,
    Policy,
    PublishedVersionEvidence,
    RevocationEvidence,
    Severity,
    Status,
    TargetEvidence,
    Unavailable,
)

EXPECTED_CHECK_IDS = {
    "function.exists",
    "function.active",
    "function.csc",
    "csc.policy",
    "csc.publishers",
    "job.succeeded",
    "job.profile",
    "job.platform",
    "job.source",
    "job.destination",
    "job.not_revoked",
    "profile.active",
    "signature.not_expired",
    "bucket.versioning",
    "object.exists",
    "object.not_overwritten",
    "function.signing_job",
    "function.signing_profile",
    "function.code_sha256",
    "function.layers",
    "versions.signed",
    "aliases.signed",
}


def run(check_id: str, ev: TargetEvidence, ctx: Context | None = None):
    return evaluate(REGISTRY[check_id], ev, ctx or b.context())


def test_registry_has_exactly_the_catalogue() -> None:
    assert set(REGISTRY) == EXPECTED_CHECK_IDS


@pytest.mark.parametrize("check_id", sorted(EXPECTED_CHECK_IDS))
def test_every_check_has_title_severity_remediation(check_id: str) -> None:
    registered = REGISTRY[check_id]
    assert registered.title.strip()
    assert isinstance(registered.severity, Severity)
    assert len(registered.remediation) > 20


@pytest.mark.parametrize("check_id", sorted(EXPECTED_CHECK_IDS))
def test_every_check_passes_on_good_evidence(check_id: str) -> None:
    finding = run(check_id, b.evidence())
    assert finding.status is Status.PASS, finding
    assert finding.check_id == check_id
    assert finding.resource


Breaker = Callable[[], TargetEvidence]

# check id -> (a case name, evidence that must FAIL it)
FAILING: list[tuple[str, str, Breaker]] = [
    ("function.exists", "missing", lambda: b.evidence(function=Missing("function", "x"))),
    ("function.active", "failed", lambda: b.evidence(function=b.function(state="Failed"))),
    ("function.active", "pending", lambda: b.evidence(function=b.function(state="Pending"))),
    (
        "function.csc",
        "other csc",
        lambda: b.evidence(function_csc=FunctionCscEvidence(csc_arn=b.OTHER_CSC_ARN)),
    ),
    (
        "function.csc",
        "no csc",
        lambda: b.evidence(function_csc=FunctionCscEvidence(csc_arn=None)),
    ),
    ("csc.policy", "warn", lambda: b.evidence(csc=b.csc(policy="Warn"))),
    ("csc.policy", "csc missing", lambda: b.evidence(csc=Missing("code signing config", "x"))),
    (
        "csc.publishers",
        "profile not allowed",
        lambda: b.evidence(csc=b.csc(allowed_publishers=(b.OTHER_PROFILE_VERSION_ARN,))),
    ),
    ("csc.publishers", "no publishers", lambda: b.evidence(csc=b.csc(allowed_publishers=()))),
    ("job.succeeded", "failed", lambda: b.evidence(job=b.job(status="Failed"))),
    ("job.succeeded", "missing", lambda: b.evidence(job=Missing("signing job", b.JOB_ID))),
    ("job.profile", "other profile", lambda: b.evidence(job=b.job(profile_name="intruder"))),
    (
        "job.profile",
        "old profile version",
        lambda: b.evidence(job=b.job(profile_version="OldVersion01")),
    ),
    (
        "job.profile",
        "profile rotated since the manifest",
        lambda: b.evidence(profile=b.profile(profile_version="NewVersion02")),
    ),
    ("job.platform", "other platform", lambda: b.evidence(job=b.job(platform_id="Notation-OCI"))),
    (
        "job.platform",
        "manifest names another platform",
        lambda: b.evidence(target=b.target(platform_id="Notation-OCI")),
    ),
    ("job.source", "other version", lambda: b.evidence(job=b.job(source_version="v2"))),
    ("job.source", "other key", lambda: b.evidence(job=b.job(source_key="unsigned/evil.zip"))),
    (
        "job.source",
        "unpinned (flags mode)",
        lambda: b.evidence(target=b.flags_target(), job=b.job(source_version=None)),
    ),
    ("job.destination", "other key", lambda: b.evidence(job=b.job(signed_key="signed/x.zip"))),
    (
        "job.destination",
        "none (flags mode)",
        lambda: b.evidence(target=b.flags_target(), job=b.job(signed_key=None)),
    ),
    (
        "job.not_revoked",
        "revoked",
        lambda: b.evidence(
            job=b.job(revocation=RevocationEvidence("key leaked", b.NOW - timedelta(days=1)))
        ),
    ),
    ("profile.active", "revoked", lambda: b.evidence(profile=b.profile(status="Revoked"))),
    ("profile.active", "canceled", lambda: b.evidence(profile=b.profile(status="Canceled"))),
    ("profile.active", "missing", lambda: b.evidence(profile=Missing("signing profile", "x"))),
    (
        "signature.not_expired",
        "expired",
        lambda: b.evidence(job=b.job(signature_expires_at=b.NOW - timedelta(seconds=1))),
    ),
    (
        "bucket.versioning",
        "suspended",
        lambda: b.evidence(bucket_versioning=BucketVersioningEvidence(b.BUCKET, "Suspended")),
    ),
    (
        "bucket.versioning",
        "never enabled",
        lambda: b.evidence(bucket_versioning=BucketVersioningEvidence(b.BUCKET, None)),
    ),
    ("bucket.versioning", "missing", lambda: b.evidence(bucket_versioning=Missing("bucket", "x"))),
    ("object.exists", "missing", lambda: b.evidence(signed_object=Missing("signed object", "x"))),
    (
        "object.exists",
        "deleted",
        lambda: b.evidence(
            signed_object=b.signed_object(
                versions=(
                    b.signed_version(version_id="dm", is_latest=True, is_delete_marker=True),
                    b.signed_version(is_latest=False),
                )
            )
        ),
    ),
    (
        "object.not_overwritten",
        "second version",
        lambda: b.evidence(
            signed_object=b.signed_object(
                versions=(
                    b.signed_version(version_id="evil", last_modified=b.NOW - timedelta(days=1)),
                    b.signed_version(is_latest=False),
                ),
                sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "evil": b.TAMPERED_SHA256},
            )
        ),
    ),
    (
        "object.not_overwritten",
        "only version is newer than the job",
        lambda: b.evidence(
            signed_object=b.signed_object(
                versions=(b.signed_version(last_modified=b.COMPLETED_AT + timedelta(hours=1)),)
            )
        ),
    ),
    (
        "function.signing_job",
        "other job",
        lambda: b.evidence(function=b.function(signing_job_arn=b.JOB_ARN[:-4] + "ffff")),
    ),
    (
        "function.signing_job",
        "no job (deployed unvalidated)",
        lambda: b.evidence(function=b.function(signing_job_arn=None)),
    ),
    (
        "function.signing_profile",
        "other profile",
        lambda: b.evidence(
            function=b.function(signing_profile_version_arn=b.OTHER_PROFILE_VERSION_ARN)
        ),
    ),
    (
        "function.code_sha256",
        "code swapped",
        lambda: b.evidence(function=b.function(code_sha256=b.TAMPERED_SHA256)),
    ),
    (
        "function.layers",
        "unsigned layer",
        lambda: b.evidence(
            function=b.function(layers=(LayerEvidence("arn:aws:lambda:l:1", None, None),))
        ),
    ),
    (
        "function.layers",
        "layer signed by another profile",
        lambda: b.evidence(
            function=b.function(
                layers=(LayerEvidence("arn:aws:lambda:l:1", b.OTHER_PROFILE_VERSION_ARN, None),)
            )
        ),
    ),
    (
        "versions.signed",
        "unsigned version",
        lambda: b.evidence(
            published=b.published(versions=(PublishedVersionEvidence("2", "x", None, None),))
        ),
    ),
    (
        "aliases.signed",
        "alias to an unsigned version",
        lambda: b.evidence(
            published=b.published(
                versions=(
                    *b.published().versions,
                    PublishedVersionEvidence("2", "x", b.OTHER_PROFILE_VERSION_ARN, None),
                ),
                aliases=(AliasEvidence("live", "1", additional_versions=("2",)),),
            )
        ),
    ),
    (
        "aliases.signed",
        "alias to a missing version",
        lambda: b.evidence(published=b.published(aliases=(AliasEvidence("live", "7"),))),
    ),
]


@pytest.mark.parametrize(
    ("check_id", "breaker"),
    [
        pytest.param(check_id, breaker, id=f"{check_id}-{name}")
        for check_id, name, breaker in FAILING
    ],
)
def test_check_fails(check_id: str, breaker: Breaker) -> None:
    finding = run(check_id, breaker())
    assert finding.status is Status.FAIL, finding
    assert finding.expected and finding.actual


def test_every_check_has_a_failing_case() -> None:
    assert {check_id for check_id, _, _ in FAILING} == EXPECTED_CHECK_IDS


# --- warnings -----------------------------------------------------------------------------


def test_signature_inside_warning_window_warns() -> None:
    ev = b.evidence(job=b.job(signature_expires_at=b.NOW + timedelta(days=10)))
    finding = run("signature.not_expired", ev)
    assert finding.status is Status.WARN
    assert "in 9 days" in finding.actual or "in 10 days" in finding.actual


def test_warning_window_is_configurable() -> None:
    ev = b.evidence(job=b.job(signature_expires_at=b.NOW + timedelta(days=10)))
    assert run("signature.not_expired", ev, b.context(expiry_warning_days=5)).status is Status.PASS


def test_extra_publishers_warn_and_are_named() -> None:
    ev = b.evidence(
        csc=b.csc(allowed_publishers=(b.PROFILE_VERSION_ARN, b.OTHER_PROFILE_VERSION_ARN))
    )
    finding = run("csc.publishers", ev)
    assert finding.status is Status.WARN
    assert b.OTHER_PROFILE_VERSION_ARN in finding.actual


def test_enforce_when_warn_expected_is_a_warning() -> None:
    ev = b.evidence(target=b.target(expected_policy=Policy.WARN))
    assert run("csc.policy", ev).status is Status.WARN


def test_warn_policy_passes_when_warn_expected() -> None:
    ev = b.evidence(target=b.target(expected_policy=Policy.WARN), csc=b.csc(policy="Warn"))
    assert run("csc.policy", ev).status is Status.PASS


# --- details the report relies on ---------------------------------------------------------


def test_overwritten_key_reports_which_version_the_code_matches() -> None:
    ev = b.evidence(
        function=b.function(code_sha256=b.TAMPERED_SHA256),
        signed_object=b.signed_object(
            versions=(
                b.signed_version(version_id="evil", last_modified=b.NOW - timedelta(days=1)),
                b.signed_version(is_latest=False),
            ),
            sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "evil": b.TAMPERED_SHA256},
        ),
    )
    finding = run("object.not_overwritten", ev)
    assert finding.status is Status.FAIL
    assert "matches version evil" in finding.actual
    # The code check compares with the version the job wrote, not the newest.
    assert run("function.code_sha256", ev).status is Status.FAIL


def test_code_matching_the_original_after_overwrite_still_passes_code_check() -> None:
    ev = b.evidence(
        signed_object=b.signed_object(
            versions=(
                b.signed_version(version_id="evil", last_modified=b.NOW - timedelta(days=1)),
                b.signed_version(is_latest=False),
            ),
            sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "evil": b.TAMPERED_SHA256},
        )
    )
    assert run("function.code_sha256", ev).status is Status.PASS
    assert run("object.not_overwritten", ev).status is Status.FAIL


def test_job_arn_is_compared_by_job_id_suffix() -> None:
    other_partition_arn = f"arn:aws-cn:signer:cn-north-1:{b.ACCOUNT}:/signing-jobs/{b.JOB_ID}"
    ev = b.evidence(function=b.function(signing_job_arn=other_partition_arn))
    assert run("function.signing_job", ev).status is Status.PASS


def test_alias_on_latest_uses_the_function_signature() -> None:
    ev = b.evidence(published=b.published(aliases=(AliasEvidence("dev", "$LATEST"),)))
    assert run("aliases.signed", ev).status is Status.PASS


def test_no_layers_versions_or_aliases_pass_and_say_so() -> None:
    ev = b.evidence(published=b.published(versions=(), aliases=()))
    assert run("function.layers", ev).actual == "no layers"
    assert run("versions.signed", ev).actual == "no published versions"
    assert run("aliases.signed", ev).actual == "no aliases"


def test_flags_mode_takes_the_profile_from_the_job() -> None:
    ev = b.evidence(target=b.flags_target())
    findings = run_checks([ev], b.context())
    assert {f.status for f in findings} == {Status.PASS}, [
        f for f in findings if f.status is not Status.PASS
    ]


# --- checks that cannot run are errors, never passes --------------------------------------


def test_unavailable_evidence_makes_dependent_checks_error() -> None:
    denied = Unavailable("GetFunction", "AccessDeniedException: no", "AccessDeniedException")
    findings = run_checks([b.evidence(function=denied)], b.context())
    by_id = {f.check_id: f for f in findings}
    for check_id in ("function.exists", "function.code_sha256", "function.csc", "versions.signed"):
        assert by_id[check_id].status is Status.ERROR
        assert "GetFunction" in by_id[check_id].actual
    assert by_id["job.succeeded"].status is Status.PASS


def test_missing_function_fails_exists_and_errors_the_rest() -> None:
    ev = replace(
        b.evidence(function=Missing("function", b.FUNCTION_NAME)),
        function_csc=None,
        published=None,
    )
    by_id = {f.check_id: f for f in run_checks([ev], b.context())}
    assert by_id["function.exists"].status is Status.FAIL
    assert by_id["function.code_sha256"].status is Status.ERROR
    assert "does not exist" in by_id["function.code_sha256"].actual


def test_missing_expiry_is_an_error_not_a_pass() -> None:
    ev = b.evidence(job=b.job(signature_expires_at=None))
    assert run("signature.not_expired", ev).status is Status.ERROR


def test_unhashed_signed_version_is_an_error() -> None:
    ev = b.evidence(signed_object=b.signed_object(sha256_by_version={}))
    assert run("function.code_sha256", ev).status is Status.ERROR


def test_run_checks_gives_one_finding_per_check_per_target() -> None:
    findings = run_checks([b.evidence(), b.evidence(target=b.target(key="world"))], b.context())
    assert len(findings) == 2 * len(EXPECTED_CHECK_IDS)
    assert {f.function for f in findings} == {"hello", "world"}
