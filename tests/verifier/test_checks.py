"""Every check: a passing and a non-passing case, from evidence built by hand.

The proof's semantics are pinned here one fact at a time: ``builders.evidence()`` passes every
registered check, and each case below breaks exactly one fact of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.verifier import builders as b
from verifier.checks import (
    REGISTRY,
    Check,
    Context,
    NotEvaluated,
    Verdict,
    evaluate,
    run_checks,
    selected_checks,
)
from verifier.contract.manifest import CODE_LOADING_ENVIRONMENT
from verifier.model import (
    AliasEvidence,
    BucketVersioningEvidence,
    Finding,
    FunctionCscEvidence,
    Missing,
    Policy,
    ProvenanceEvidence,
    RevocationEvidence,
    Severity,
    Status,
    TargetEvidence,
    Trust,
    Unavailable,
)


def run(check_id: str, ev: TargetEvidence, ctx: Context | None = None) -> tuple[Finding, ...]:
    return evaluate(REGISTRY[check_id], ev, ctx or b.context())


def one(check_id: str, ev: TargetEvidence, ctx: Context | None = None) -> Finding:
    """The single finding of a check that gives one verdict here."""
    (finding,) = run(check_id, ev, ctx)
    return finding


def statuses(check_id: str, ev: TargetEvidence) -> set[Status]:
    return {finding.status for finding in run(check_id, ev)}


def actual(check_id: str, ev: TargetEvidence) -> str:
    return " | ".join(finding.actual for finding in run(check_id, ev))


# --- the registry and the builders ---------------------------------------------------------


def test_builders_evidence_passes_every_registered_check() -> None:
    findings = run_checks([b.evidence()], b.context())
    assert {f.check_id for f in findings} == set(REGISTRY)
    assert [f for f in findings if f.status is not Status.PASS] == []


def test_flag_mode_evidence_passes_every_check_that_applies() -> None:
    findings = run_checks([b.flags_evidence()], b.context())
    assert {f.check_id for f in findings} == {
        check_id for check_id, c in REGISTRY.items() if not c.needs_declaration
    }
    assert [f for f in findings if f.status is not Status.PASS] == []


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_has_id_title_severity_remediation(check_id: str) -> None:
    registered = REGISTRY[check_id]
    assert registered.id == check_id
    assert registered.title.strip()
    assert isinstance(registered.severity, Severity)
    assert len(registered.remediation.strip()) > 20


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_passes_on_good_evidence(check_id: str) -> None:
    findings = run(check_id, b.evidence())
    assert findings, "a check gives at least one verdict"
    for finding in findings:
        assert finding.status is Status.PASS, finding
        assert finding.check_id == check_id
        assert finding.function == b.FUNCTION_KEY
        assert finding.resource and finding.expected and finding.actual


# --- one non-passing case (at least) per check ---------------------------------------------

Breaker = Callable[[], TargetEvidence]


def _lock_changed(**changes: object) -> TargetEvidence:
    return b.evidence(target=b.target(trust=b.trust(b.lock_entry(**changes))))


def _other_bytes_uploaded() -> TargetEvidence:
    return b.evidence(
        signed_object=b.signed_object(
            versions=(
                b.signed_version(version_id="evil", last_modified=b.NOW - timedelta(days=1)),
                b.signed_version(is_latest=False),
            ),
            sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "evil": b.TAMPERED_SHA256},
        )
    )


def _earlier_version_published(*, allow: bool, **earlier_job: object) -> TargetEvidence:
    jobs = {
        b.JOB_ID: b.job(),
        b.LAYER_JOB_ID: b.layer_job(),
        b.EARLIER_JOB_ID: b.earlier_job(**earlier_job),
    }
    return b.evidence(
        earlier=True,
        jobs=jobs,
        target=b.target(declared=b.function_manifest(allow_earlier_versions=allow)),
        published=b.published(
            versions=(b.code_path("1"), b.earlier_version("2")),
            aliases=(
                AliasEvidence("live", "1"),
                AliasEvidence("canary", "1", additional_weights=(("2", 0.1),)),
            ),
        ),
    )


# (check id, case, evidence, the statuses its verdicts have, words the actual value names)
NonPassing = tuple[str, str, Breaker, set[Status], list[str]]
NON_PASSING: list[NonPassing] = [
    (
        "lock.anchor",
        "lock pins another CSC",
        lambda: _lock_changed(code_signing_config_arn=b.OTHER_CSC_ARN),
        {Status.FAIL},
        [f"CSC: outputs {b.CSC_ARN}, lock {b.OTHER_CSC_ARN}"],
    ),
    (
        "lock.anchor",
        "--no-lock",
        lambda: b.evidence(
            target=b.target(
                trust=Trust(frozenset({b.PROFILE_VERSION_ARN}), "outputs", anchored=False)
            )
        ),
        {Status.WARN},
        ["--no-lock", "Terraform state"],
    ),
    (
        "function.exists",
        "missing",
        lambda: b.evidence(function=Missing("function", b.FUNCTION_NAME)),
        {Status.FAIL},
        ["does not exist"],
    ),
    (
        "function.state",
        "Inactive",
        lambda: b.evidence(function=b.function(state="Inactive", state_reason="idle")),
        {Status.WARN},
        ["Inactive (idle)"],
    ),
    (
        "function.state",
        "update in progress",
        lambda: b.evidence(function=b.function(last_update_status="InProgress")),
        {Status.ERROR},
        ["LastUpdateStatus is InProgress"],
    ),
    (
        "function.csc",
        "another CSC",
        lambda: b.evidence(function_csc=FunctionCscEvidence(csc_arn=b.OTHER_CSC_ARN)),
        {Status.FAIL},
        [b.OTHER_CSC_ARN],
    ),
    (
        "function.csc",
        "no CSC",
        lambda: b.evidence(function_csc=FunctionCscEvidence(csc_arn=None)),
        {Status.FAIL},
        ["no code signing config attached"],
    ),
    (
        "csc.policy",
        "Warn where Enforce is expected",
        lambda: b.evidence(csc=b.csc(policy="Warn")),
        {Status.FAIL},
        ["Warn"],
    ),
    (
        "csc.policy",
        "CSC missing",
        lambda: b.evidence(csc=Missing("code signing config", b.CSC_ARN)),
        {Status.FAIL},
        ["does not exist"],
    ),
    (
        "csc.publishers",
        "an extra unpinned publisher",
        lambda: b.evidence(
            csc=b.csc(allowed_publishers=(b.PROFILE_VERSION_ARN, b.OTHER_PROFILE_VERSION_ARN))
        ),
        {Status.FAIL},
        [f"also allows unpinned: {b.OTHER_PROFILE_VERSION_ARN}"],
    ),
    (
        "csc.publishers",
        "the current profile version not allowed",
        lambda: b.evidence(
            target=b.target(
                trust=b.trust(
                    b.lock_entry(
                        signing_profile_version_arns=(
                            b.PROFILE_VERSION_ARN,
                            b.PREVIOUS_PROFILE_VERSION_ARN,
                        )
                    )
                )
            ),
            csc=b.csc(allowed_publishers=(b.PREVIOUS_PROFILE_VERSION_ARN,)),
        ),
        {Status.FAIL},
        [b.PREVIOUS_PROFILE_VERSION_ARN],
    ),
    (
        "csc.publishers",
        "no publishers (flag mode)",
        lambda: b.flags_evidence(csc=b.csc(allowed_publishers=())),
        {Status.FAIL},
        ["no allowed publishers"],
    ),
    (
        "job.succeeded",
        "failed",
        lambda: b.evidence(job=b.job(status="Failed", status_reason="bad zip")),
        {Status.FAIL},
        ["Failed (bad zip)"],
    ),
    (
        "job.succeeded",
        "missing",
        lambda: b.evidence(job=Missing("signing job", b.JOB_ID)),
        {Status.FAIL},
        ["does not exist"],
    ),
    (
        "job.profile",
        "another profile",
        lambda: b.evidence(job=b.job(profile_name=b.INTRUDER_PROFILE_NAME)),
        {Status.FAIL},
        ["profile intruder"],
    ),
    (
        "job.profile",
        "a pinned but not the current version",
        lambda: b.evidence(
            target=b.target(
                trust=b.trust(
                    b.lock_entry(
                        signing_profile_version_arns=(
                            b.PROFILE_VERSION_ARN,
                            b.PREVIOUS_PROFILE_VERSION_ARN,
                        )
                    )
                )
            ),
            job=b.job(profile_version=b.PREVIOUS_PROFILE_VERSION),
        ),
        {Status.FAIL},
        [b.PREVIOUS_PROFILE_VERSION],
    ),
    (
        "job.platform",
        "another platform",
        lambda: b.evidence(job=b.job(platform_id="Notation-OCI-SHA384-ECDSA")),
        {Status.FAIL},
        ["Notation-OCI-SHA384-ECDSA"],
    ),
    (
        "job.platform",
        "the manifest names another platform",
        lambda: b.evidence(target=b.target(platform_id="Notation-OCI-SHA384-ECDSA")),
        {Status.FAIL},
        ["manifest expects Notation-OCI-SHA384-ECDSA"],
    ),
    (
        "job.source",
        "another object version",
        lambda: b.evidence(job=b.job(source_version="v2")),
        {Status.FAIL},
        ["versionId=v2"],
    ),
    (
        "job.source",
        "unpinned source (flag mode)",
        lambda: b.flags_evidence(job=b.job(source_version=None)),
        {Status.FAIL},
        ["versionId=None"],
    ),
    (
        "job.destination",
        "another signed key",
        lambda: b.evidence(job=b.job(signed_key="signed/x.zip")),
        {Status.FAIL},
        ["signed/x.zip"],
    ),
    (
        "job.destination",
        "no signed object (flag mode)",
        lambda: b.flags_evidence(job=b.job(signed_key=None)),
        {Status.FAIL},
        ["reports no signed object"],
    ),
    (
        "source.provenance",
        "the function's source changed",
        lambda: b.evidence(provenance=b.provenance(built_sha256="0" * 64)),
        {Status.FAIL, Status.PASS},
        ["function hello was changed and not deployed"],
    ),
    (
        "source.provenance",
        "no --source",
        lambda: b.evidence(provenance=None),
        {Status.WARN},
        ["no --source checkout given"],
    ),
    (
        "job.not_revoked",
        "revoked",
        lambda: b.evidence(
            job=b.job(revocation=RevocationEvidence("key leaked", b.NOW - timedelta(days=1)))
        ),
        {Status.FAIL},
        ["key leaked"],
    ),
    (
        "profile.revocation",
        "revoked before the signature",
        lambda: b.evidence(
            profile=b.profile(
                status="Revoked", revocation_effective_from=b.COMPLETED_AT - timedelta(days=1)
            )
        ),
        {Status.FAIL},
        ["so it is invalid"],
    ),
    (
        "profile.revocation",
        "Canceled",
        lambda: b.evidence(profile=b.profile(status="Canceled")),
        {Status.WARN},
        ["Canceled", "stay valid"],
    ),
    (
        "signature.not_expired",
        "expired",
        lambda: b.evidence(job=b.job(signature_expires_at=b.NOW - timedelta(seconds=1))),
        {Status.FAIL},
        ["expired"],
    ),
    (
        "signature.not_expired",
        "inside the warning window",
        lambda: b.evidence(job=b.job(signature_expires_at=b.NOW + timedelta(days=10))),
        {Status.WARN},
        ["in 10 days"],
    ),
    (
        "bucket.versioning",
        "suspended",
        lambda: b.evidence(bucket_versioning=BucketVersioningEvidence(b.BUCKET, "Suspended")),
        {Status.FAIL},
        ["Suspended"],
    ),
    (
        "bucket.versioning",
        "never enabled",
        lambda: b.evidence(bucket_versioning=BucketVersioningEvidence(b.BUCKET, None)),
        {Status.FAIL},
        ["never enabled"],
    ),
    (
        "bucket.versioning",
        "missing",
        lambda: b.evidence(bucket_versioning=Missing("bucket", b.BUCKET)),
        {Status.FAIL},
        ["does not exist"],
    ),
    (
        "object.exists",
        "missing",
        lambda: b.evidence(signed_object=Missing("signed object", b.SIGNED_KEY)),
        {Status.FAIL},
        ["does not exist"],
    ),
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
        {Status.FAIL},
        ["delete marker"],
    ),
    (
        "object.not_overwritten",
        "other bytes uploaded to the signed key",
        _other_bytes_uploaded,
        {Status.FAIL},
        [f"evil hold other bytes than the signed version {b.SIGNED_VERSION}"],
    ),
    (
        "object.not_overwritten",
        "identical re-upload",
        lambda: b.evidence(
            signed_object=b.signed_object(
                versions=(
                    b.signed_version(version_id="again", last_modified=b.NOW - timedelta(days=1)),
                    b.signed_version(is_latest=False),
                ),
                sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "again": b.PACKAGE_SHA256},
            )
        ),
        {Status.WARN},
        ["1 later version(s) with the signed bytes (again)"],
    ),
    (
        "function.signing_job",
        "another job",
        lambda: b.evidence(function=b.function(signing_job_arn=b.EARLIER_JOB_ARN)),
        {Status.FAIL},
        [b.EARLIER_JOB_ARN],
    ),
    (
        "function.signing_job",
        "deployed without validation",
        lambda: b.evidence(function=b.function(signing_job_arn=None)),
        {Status.FAIL},
        ["no SigningJobArn"],
    ),
    (
        "function.signing_profile",
        "another profile",
        lambda: b.evidence(
            function=b.function(signing_profile_version_arn=b.OTHER_PROFILE_VERSION_ARN)
        ),
        {Status.FAIL},
        [b.OTHER_PROFILE_VERSION_ARN],
    ),
    (
        "function.signing_profile",
        "none",
        lambda: b.evidence(function=b.function(signing_profile_version_arn=None)),
        {Status.FAIL},
        ["no SigningProfileVersionArn"],
    ),
    (
        "function.code_sha256",
        "code swapped",
        lambda: b.evidence(function=b.function(code_sha256=b.TAMPERED_SHA256)),
        {Status.FAIL},
        [b.TAMPERED_SHA256],
    ),
    (
        "function.configuration",
        "another handler",
        lambda: b.evidence(function=b.function(handler="evil.handler")),
        {Status.FAIL},
        [f"handler evil.handler (declared {b.HANDLER})"],
    ),
    (
        "function.environment",
        "an undeclared exec wrapper",
        lambda: b.evidence(
            function=b.function(environment=(("AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrap"),))
        ),
        {Status.FAIL},
        ["AWS_LAMBDA_EXEC_WRAPPER=/opt/wrap (not declared)"],
    ),
    (
        "layers.declared",
        "an undeclared layer",
        lambda: b.evidence(
            function=b.function(
                layers=(b.layer_ref(), b.layer_ref(arn=f"{b.LAYER_VERSION_ARN[:-2]}:evil:1"))
            )
        ),
        {Status.FAIL},
        [f"undeclared: {b.LAYER_VERSION_ARN[:-2]}:evil:1"],
    ),
    (
        "layers.declared",
        "the declared layer removed",
        lambda: b.evidence(function=b.function(layers=())),
        {Status.FAIL},
        ["no layers"],
    ),
    (
        "layers.signed",
        "the layer's code is not its signed object",
        lambda: b.evidence(layer_versions={b.LAYER_VERSION_ARN: b.layer_version(code_sha256="x")}),
        {Status.FAIL},
        [f"is not the SHA-256 of job {b.LAYER_JOB_ID}'s signed object ({b.LAYER_SHA256})"],
    ),
    (
        "versions.signed",
        "an earlier build (not allowed)",
        lambda: _earlier_version_published(allow=False),
        {Status.PASS, Status.FAIL},
        ["signed, but not the current build", "(earlier versions are not allowed)"],
    ),
    (
        "aliases.signed",
        "weighted routing to an earlier build (not allowed)",
        lambda: _earlier_version_published(allow=False),
        {Status.PASS, Status.FAIL},
        ["2 (10%): signed, but not the current build"],
    ),
]


@pytest.mark.parametrize(
    ("check_id", "breaker", "expected", "words"),
    [
        pytest.param(check_id, breaker, expected, words, id=f"{check_id}-{name}")
        for check_id, name, breaker, expected, words in NON_PASSING
    ],
)
def test_check_does_not_pass(
    check_id: str, breaker: Breaker, expected: set[Status], words: list[str]
) -> None:
    findings = run(check_id, breaker())
    assert {f.status for f in findings} == expected, findings
    found = " | ".join(f.actual for f in findings)
    for word in words:
        assert word in found
    for finding in findings:
        assert finding.expected and finding.actual and finding.resource


def test_every_check_has_a_non_passing_case() -> None:
    assert {check_id for check_id, *_ in NON_PASSING} == set(REGISTRY)


# --- 0. the trust anchor ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"region": "eu-west-1"}, f"region: outputs {b.REGION}, lock eu-west-1"),
        ({"account_id": b.OTHER_ACCOUNT}, f"account: outputs {b.ACCOUNT}, lock {b.OTHER_ACCOUNT}"),
        (
            {"signing_profile_name": "other_profile"},
            f"signing profile: outputs {b.PROFILE_NAME}, lock other_profile",
        ),
        (
            {"signing_profile_version_arns": (b.PREVIOUS_PROFILE_VERSION_ARN,)},
            f"profile version: outputs {b.PROFILE_VERSION_ARN}, lock "
            f"{b.PREVIOUS_PROFILE_VERSION_ARN}",
        ),
        (
            {"code_signing_config_arn": b.OTHER_CSC_ARN},
            f"CSC: outputs {b.CSC_ARN}, lock {b.OTHER_CSC_ARN}",
        ),
        ({"policy": "Warn"}, "policy: outputs Enforce, lock Warn"),
    ],
    ids=["region", "account", "profile", "profile-version", "csc", "policy"],
)
def test_lock_disagreeing_with_the_outputs_fails_naming_both_values(
    change: dict[str, object], named: str
) -> None:
    finding = one("lock.anchor", _lock_changed(**change))
    assert finding.status is Status.FAIL
    assert named in finding.actual
    assert b.LOCK_FILE_NAME in finding.resource


def test_lock_pinning_a_previous_version_too_passes() -> None:
    """A rotation window: the lock pins the previous and the current profile version."""
    arns = (b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN)
    ev = _lock_changed(signing_profile_version_arns=arns)
    assert one("lock.anchor", ev).status is Status.PASS
    assert {f.status for f in run_checks([ev], b.context())} == {Status.PASS}


def test_explicit_trusted_arns_pass_the_anchor() -> None:
    ev = b.evidence(
        target=b.target(
            trust=Trust(frozenset({b.PROFILE_VERSION_ARN}), "--trusted-profile-version-arn")
        )
    )
    finding = one("lock.anchor", ev)
    assert finding.status is Status.PASS
    assert b.PROFILE_VERSION_ARN in finding.actual


def test_account_from_the_function_arn_is_compared_too() -> None:
    other = f"arn:aws:lambda:{b.REGION}:{b.OTHER_ACCOUNT}:function:{b.FUNCTION_NAME}"
    ev = b.evidence(target=b.target(declared=b.function_manifest(function_arn=other)))
    finding = one("lock.anchor", ev)
    assert finding.status is Status.FAIL
    assert f"account: outputs {b.OTHER_ACCOUNT}, lock {b.ACCOUNT}" in finding.actual


def test_account_of_the_live_function_is_compared_too() -> None:
    """Where the credentials actually looked: a function in another account than the lock's."""
    other = f"arn:aws:lambda:{b.REGION}:{b.OTHER_ACCOUNT}:function:{b.FUNCTION_NAME}"
    finding = one("lock.anchor", b.evidence(function=b.function(arn=other)))
    assert finding.status is Status.FAIL
    assert f"{b.OTHER_ACCOUNT}, lock {b.ACCOUNT}" in finding.actual


# --- 1. the function's state -----------------------------------------------------------------


@pytest.mark.parametrize("update", ["InProgress", "Failed"])
def test_unsettled_update_is_an_error_never_a_pass(update: str) -> None:
    ev = b.evidence(
        function=b.function(last_update_status=update, last_update_status_reason="busy")
    )
    finding = one("function.state", ev)
    assert finding.status is Status.ERROR
    assert f"LastUpdateStatus is {update} (busy)" in finding.actual


@pytest.mark.parametrize("state", ["Pending", "Failed", None])
def test_unsettled_state_is_an_error(state: str | None) -> None:
    assert one("function.state", b.evidence(function=b.function(state=state))).status is (
        Status.ERROR
    )


# --- 2. the CSC ------------------------------------------------------------------------------


def test_enforce_where_warn_is_expected_warns() -> None:
    ev = b.evidence(target=b.target(expected_policy=Policy.WARN))
    finding = one("csc.policy", ev)
    assert finding.status is Status.WARN
    assert "stricter than expected" in finding.actual


def test_warn_as_expected_still_warns() -> None:
    ev = b.evidence(target=b.target(expected_policy=Policy.WARN), csc=b.csc(policy="Warn"))
    finding = one("csc.policy", ev)
    assert finding.status is Status.WARN
    assert "unsigned or untrusted code would deploy" in finding.actual


def test_rotation_window_publishers_pass() -> None:
    arns = (b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN)
    ev = b.evidence(
        target=b.target(trust=b.trust(b.lock_entry(signing_profile_version_arns=arns))),
        csc=b.csc(allowed_publishers=arns),
    )
    assert one("csc.publishers", ev).status is Status.PASS


# --- 5. revocation and expiry: AWS's semantics ---------------------------------------------


@pytest.mark.parametrize(
    ("effective", "status"),
    [
        (b.COMPLETED_AT - timedelta(seconds=1), Status.FAIL),
        (b.COMPLETED_AT, Status.FAIL),  # at the signing time: invalid
        (b.COMPLETED_AT + timedelta(seconds=1), Status.WARN),
    ],
    ids=["before", "at", "after"],
)
def test_profile_revocation_effective_time_against_the_signing_time(
    effective: object, status: Status
) -> None:
    ev = b.evidence(profile=b.profile(status="Revoked", revocation_effective_from=effective))
    finding = one("profile.revocation", ev)
    assert finding.status is status
    # The layer was signed by the same profile at the same time: judged the same way.
    assert statuses("layers.signed", ev) == {status}


def test_revoked_profile_without_an_effective_time_fails() -> None:
    ev = b.evidence(profile=b.profile(status="Revoked"))
    assert one("profile.revocation", ev).status is Status.FAIL


def test_revocation_uses_completion_not_creation() -> None:
    """Effective between createdAt and completedAt: the signature was made after it."""
    effective = b.COMPLETED_AT - timedelta(seconds=2)
    ev = b.evidence(profile=b.profile(status="Revoked", revocation_effective_from=effective))
    created_at = b.job().created_at
    assert created_at is not None and created_at < effective
    assert one("profile.revocation", ev).status is Status.FAIL


def test_missing_profile_fails() -> None:
    ev = b.evidence(profile=Missing("signing profile", b.PROFILE_NAME))
    assert one("profile.revocation", ev).status is Status.FAIL


def test_canceled_profile_warns_for_layers_too() -> None:
    ev = b.evidence(profile=b.profile(status="Canceled"))
    assert one("profile.revocation", ev).status is Status.WARN
    assert statuses("layers.signed", ev) == {Status.WARN}


def test_revoked_layer_job_fails_the_layer() -> None:
    revoked = b.layer_job(revocation=RevocationEvidence("leaked", b.NOW - timedelta(days=1)))
    ev = b.evidence(jobs={b.JOB_ID: b.job(), b.LAYER_JOB_ID: revoked})
    assert statuses("layers.signed", ev) == {Status.FAIL}
    assert "was revoked" in actual("layers.signed", ev)
    assert one("job.not_revoked", ev).status is Status.PASS  # the function's own job is fine


def test_expiry_warning_window_is_configurable() -> None:
    ev = b.evidence(job=b.job(signature_expires_at=b.NOW + timedelta(days=10)))
    assert one("signature.not_expired", ev, b.context(expiry_warning_days=5)).status is (
        Status.PASS
    )


def test_missing_expiry_is_an_error_not_a_pass() -> None:
    ev = b.evidence(job=b.job(signature_expires_at=None))
    assert one("signature.not_expired", ev).status is Status.ERROR


# --- 6. the signed object --------------------------------------------------------------------


def test_unhashed_other_version_fails_and_says_so() -> None:
    ev = b.evidence(
        signed_object=b.signed_object(
            versions=(
                b.signed_version(version_id="later", last_modified=b.NOW),
                b.signed_version(is_latest=False),
            ),
            unhashed_versions=("later",),
        )
    )
    finding = one("object.not_overwritten", ev)
    assert finding.status is Status.FAIL
    assert "(1 not hashed)" in finding.actual


def test_code_matching_the_signed_version_after_an_overwrite_passes_the_code_check() -> None:
    ev = _other_bytes_uploaded()
    assert one("function.code_sha256", ev).status is Status.PASS
    assert one("object.not_overwritten", ev).status is Status.FAIL


def test_unhashed_signed_version_is_an_error() -> None:
    ev = b.evidence(signed_object=b.signed_object(sha256_by_version={}))
    assert one("function.code_sha256", ev).status is Status.ERROR
    assert one("object.not_overwritten", ev).status is Status.ERROR


def test_job_arn_is_compared_by_job_id() -> None:
    other_partition = f"arn:aws-cn:signer:cn-north-1:{b.ACCOUNT}:/signing-jobs/{b.JOB_ID}"
    ev = b.evidence(function=b.function(signing_job_arn=other_partition))
    assert one("function.signing_job", ev).status is Status.PASS


# --- 8. configuration, environment, layers ---------------------------------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"handler": "shared_util.handler"}, f"handler shared_util.handler (declared {b.HANDLER})"),
        ({"runtime": "python3.9"}, f"runtime python3.9 (declared {b.RUNTIME})"),
        ({"architectures": ("arm64",)}, "architectures arm64 (declared x86_64)"),
    ],
    ids=["handler", "runtime", "architectures"],
)
def test_configuration_differences_fail(change: dict[str, object], named: str) -> None:
    ev = b.evidence(function=b.function(**change))
    finding = one("function.configuration", ev)
    assert finding.status is Status.FAIL
    assert named in finding.actual
    # A published version of that configuration is not the current build either.
    published = b.evidence(published=b.published(versions=(b.code_path("1", **change),)))
    assert statuses("versions.signed", published) == {Status.FAIL}


@pytest.mark.parametrize("variable", sorted(CODE_LOADING_ENVIRONMENT))
def test_undeclared_code_loading_variable_fails(variable: str) -> None:
    ev = b.evidence(function=b.function(environment=((variable, "/tmp/x"),)))
    finding = one("function.environment", ev)
    assert finding.status is Status.FAIL
    assert f"{variable}=/tmp/x (not declared)" in finding.actual


@pytest.mark.parametrize("variable", sorted(CODE_LOADING_ENVIRONMENT))
def test_declared_code_loading_variable_passes_with_its_value_only(variable: str) -> None:
    declared = b.function_manifest(code_loading_environment=((variable, "/opt/lib"),))
    good = b.evidence(
        target=b.target(declared=declared),
        function=b.function(environment=((variable, "/opt/lib"), ("LOG_LEVEL", "debug"))),
        published=b.published(versions=(), aliases=()),
    )
    assert one("function.environment", good).status is Status.PASS
    other_value = replace(good, function=b.function(environment=((variable, "/tmp"),)))
    finding = one("function.environment", other_value)
    assert finding.status is Status.FAIL
    assert f"{variable}=/tmp (declared /opt/lib)" in finding.actual


def test_code_loading_variable_in_flag_mode_fails() -> None:
    ev = b.flags_evidence(function=b.function(environment=(("NODE_OPTIONS", "--require x"),)))
    assert one("function.environment", ev).status is Status.FAIL


def test_other_environment_variables_pass() -> None:
    ev = b.evidence(function=b.function(environment=(("TABLE", "t"), ("NODE_ENV", "production"))))
    assert one("function.environment", ev).status is Status.PASS


def test_layer_order_is_part_of_the_declaration() -> None:
    second = b.layer_manifest(key="second", layer_version_arn=f"{b.LAYER_VERSION_ARN[:-2]}:b:1")
    ev = b.evidence(
        target=b.target(declared_layers=(b.layer_manifest(), second)),
        function=b.function(layers=(b.layer_ref(arn=second.layer_version_arn), b.layer_ref())),
    )
    assert one("layers.declared", ev).status is Status.FAIL


@pytest.mark.parametrize(
    ("layer", "words"),
    [
        (Missing("layer version", b.LAYER_VERSION_ARN), "does not exist"),
        (b.layer_version(signing_job_arn=None), "no SigningJobArn"),
    ],
    ids=["missing", "unsigned"],
)
def test_unproven_layer_fails(layer: object, words: str) -> None:
    ev = b.evidence(layer_versions={b.LAYER_VERSION_ARN: layer})
    assert statuses("layers.signed", ev) == {Status.FAIL}
    assert words in actual("layers.signed", ev)


def test_layer_signed_by_an_unpinned_profile_fails() -> None:
    intruder = b.layer_job(profile_name=b.INTRUDER_PROFILE_NAME, profile_version="ZzZzZz9999")
    ev = b.evidence(jobs={b.JOB_ID: b.job(), b.LAYER_JOB_ID: intruder})
    assert statuses("layers.signed", ev) == {Status.FAIL}
    assert "which is not pinned" in actual("layers.signed", ev)


def test_unreadable_layer_is_an_error() -> None:
    denied = Unavailable("GetLayerVersion", "AccessDeniedException: no", "AccessDeniedException")
    ev = b.evidence(layer_versions={b.LAYER_VERSION_ARN: denied})
    assert statuses("layers.signed", ev) == {Status.ERROR}


def test_no_layers_passes_and_says_so() -> None:
    ev = b.evidence(target=b.target(declared_layers=()), function=b.function(layers=()))
    assert one("layers.declared", ev).actual == "no layers"
    assert one("layers.signed", ev).actual == "no layers"


# --- 4. provenance ---------------------------------------------------------------------------


def test_layer_source_change_fails_naming_the_layer() -> None:
    changed = ProvenanceEvidence(
        what=f"layer {b.LAYER_KEY}",
        source_dir=b.LAYER_SOURCE_DIR,
        built_sha256="1" * 64,
        signed_source_sha256=b.LAYER_SOURCE_SHA256_HEX,
    )
    ev = b.evidence(provenance=(b.provenance()[0], changed))
    findings = run("source.provenance", ev)
    assert [f.status for f in findings] == [Status.PASS, Status.FAIL]
    assert "layer shared was changed and not deployed" in findings[1].actual
    assert b.LAYER_SOURCE_DIR in findings[1].expected
    assert findings[1].resource == f"{b.LAYER_SOURCE_DIR} (layer {b.LAYER_KEY})"


def test_unreadable_provenance_is_an_error() -> None:
    denied = Unavailable("GetObject", "AccessDenied: no", "AccessDenied")
    ev = b.evidence(provenance=(denied,))
    assert statuses("source.provenance", ev) == {Status.ERROR}


# --- 9. every other code path ----------------------------------------------------------------


def _version_verdicts(ev: TargetEvidence) -> dict[str, Finding]:
    return {f.resource.rsplit(":", 1)[-1]: f for f in run("versions.signed", ev)}


def _alias_verdicts(ev: TargetEvidence) -> dict[str, Finding]:
    return {f.resource.rsplit(":", 1)[-1]: f for f in run("aliases.signed", ev)}


def test_current_build_in_a_version_passes_and_names_its_alias() -> None:
    finding = one("versions.signed", b.evidence())
    assert finding.status is Status.PASS
    assert finding.actual == "the current signed build [aliases: live]"
    assert finding.resource == f"{b.FUNCTION_ARN}:1"


def test_earlier_build_fails_when_earlier_versions_are_not_allowed() -> None:
    ev = _earlier_version_published(allow=False)
    versions = _version_verdicts(ev)
    assert versions["1"].status is Status.PASS
    assert versions["2"].status is Status.FAIL
    assert "[aliases: canary (10%)]" in versions["2"].actual
    aliases = _alias_verdicts(ev)
    assert aliases["live"].status is Status.PASS
    assert aliases["canary"].status is Status.FAIL
    assert "1: the current signed build" in aliases["canary"].actual
    assert "2 (10%): " in aliases["canary"].actual


def test_proven_earlier_build_warns_where_allowed() -> None:
    ev = _earlier_version_published(allow=True)
    versions = _version_verdicts(ev)
    assert versions["1"].status is Status.PASS
    assert versions["2"].status is Status.WARN
    assert versions["2"].actual.startswith("an earlier signed build, proven on its own")
    aliases = _alias_verdicts(ev)
    assert (aliases["live"].status, aliases["canary"].status) == (Status.PASS, Status.WARN)


@pytest.mark.parametrize(
    ("earlier_job", "words"),
    [
        (
            {"profile_name": b.INTRUDER_PROFILE_NAME, "profile_version": "ZzZzZz9999"},
            "which is not pinned",
        ),
        (
            {"revocation": RevocationEvidence("drill", b.NOW - timedelta(days=1))},
            "was revoked",
        ),
        ({"signature_expires_at": b.NOW - timedelta(days=1)}, "the signature expired"),
        ({"status": "Failed"}, "is Failed"),
    ],
    ids=["unpinned-profile", "revoked", "expired", "failed-job"],
)
def test_unproven_earlier_build_fails_even_where_allowed(
    earlier_job: dict[str, object], words: str
) -> None:
    ev = _earlier_version_published(allow=True, **earlier_job)
    versions = _version_verdicts(ev)
    assert versions["2"].status is Status.FAIL
    assert words in versions["2"].actual
    assert _alias_verdicts(ev)["canary"].status is Status.FAIL


def test_earlier_build_with_other_bytes_than_its_signed_object_fails_where_allowed() -> None:
    ev = _earlier_version_published(allow=True)
    tampered = b.published(versions=(b.earlier_version("2", code_sha256=b.TAMPERED_SHA256),))
    ev = replace(ev, published=replace(tampered, aliases=()))
    assert _version_verdicts(ev)["2"].status is Status.FAIL


def test_earlier_build_with_code_loading_variable_fails_where_allowed() -> None:
    ev = _earlier_version_published(allow=True)
    wrapped = b.earlier_version("2", environment=(("AWS_LAMBDA_EXEC_WRAPPER", "/opt/w"),))
    ev = replace(ev, published=b.published(versions=(wrapped,), aliases=()))
    finding = _version_verdicts(ev)["2"]
    assert finding.status is Status.FAIL
    assert "AWS_LAMBDA_EXEC_WRAPPER=/opt/w" in finding.actual


def test_earlier_build_whose_job_was_not_collected_is_not_a_pass() -> None:
    ev = _earlier_version_published(allow=True)
    ev = replace(ev, jobs={b.JOB_ID: b.job(), b.LAYER_JOB_ID: b.layer_job()})
    assert _version_verdicts(ev)["2"].status is Status.ERROR


def test_unsigned_version_fails() -> None:
    unsigned = b.code_path("3", signing_job_arn=None, code_sha256=b.TAMPERED_SHA256)
    ev = b.evidence(published=b.published(versions=(unsigned,), aliases=()))
    finding = one("versions.signed", ev)
    assert finding.status is Status.FAIL
    assert "no SigningJobArn" in finding.actual


def test_alias_to_a_missing_version_fails() -> None:
    ev = b.evidence(published=b.published(aliases=(AliasEvidence("live", "7"),)))
    finding = one("aliases.signed", ev)
    assert finding.status is Status.FAIL
    assert "7: no such version" in finding.actual


def test_alias_on_latest_is_checked_as_the_function() -> None:
    ev = b.evidence(published=b.published(aliases=(AliasEvidence("dev", "$LATEST"),)))
    finding = one("aliases.signed", ev)
    assert finding.status is Status.PASS
    assert "checked as the function" in finding.actual


def test_no_versions_or_aliases_pass_and_say_so() -> None:
    ev = b.evidence(published=b.published(versions=(), aliases=()))
    assert one("versions.signed", ev).actual == "no published versions"
    assert one("aliases.signed", ev).actual == "no aliases"


def test_flag_mode_version_must_match_the_functions_layers() -> None:
    ev = b.flags_evidence(published=b.published(versions=(b.code_path("1", layers=()),)))
    assert statuses("versions.signed", ev) == {Status.FAIL}


# --- checks that cannot run are errors, never passes -----------------------------------------


def test_not_evaluated_becomes_one_error_finding() -> None:
    def cannot_run(ev: TargetEvidence, ctx: Context) -> Verdict:
        raise NotEvaluated("the evidence is gone", "some-resource")

    probe = Check("probe.check", "A probe", Severity.LOW, "Nothing to do here at all.", cannot_run)
    (finding,) = evaluate(probe, b.evidence(), b.context())
    assert finding.status is Status.ERROR
    assert finding.actual == "not evaluated: the evidence is gone"
    assert finding.resource == "some-resource"


def test_unavailable_evidence_never_passes_a_check() -> None:
    def denied(operation: str) -> Unavailable:
        return Unavailable(operation, "AccessDeniedException: no", "AccessDeniedException")

    ev = b.evidence(
        function=denied("GetFunction"),
        function_csc=denied("GetFunctionCodeSigningConfig"),
        csc=denied("GetCodeSigningConfig"),
        job=denied("DescribeSigningJob"),
        profile=denied("GetSigningProfile"),
        bucket_versioning=denied("GetBucketVersioning"),
        signed_object=denied("ListObjectVersions/GetObject"),
        published=denied("ListVersionsByFunction/ListAliases"),
        provenance=(denied("GetObject"),),
        jobs={},
        profiles={},
        signed_objects={},
        layer_versions={},
    )
    by_status: dict[Status, set[str]] = {}
    for finding in run_checks([ev], b.context()):
        by_status.setdefault(finding.status, set()).add(finding.check_id)
    # Only the trust anchor, which compares inputs and needs no AWS evidence, can pass.
    assert by_status.pop(Status.PASS) == {"lock.anchor"}
    assert by_status == {Status.ERROR: set(REGISTRY) - {"lock.anchor"}}


def test_unavailable_function_names_the_failed_call() -> None:
    denied = Unavailable("GetFunction", "AccessDeniedException: no", "AccessDeniedException")
    by_id = {f.check_id: f for f in run_checks([b.evidence(function=denied)], b.context())}
    for check_id in ("function.exists", "function.code_sha256", "versions.signed"):
        assert by_id[check_id].status is Status.ERROR
        assert "GetFunction: AccessDeniedException" in by_id[check_id].actual
    assert by_id["job.succeeded"].status is Status.PASS


# --- which checks run ------------------------------------------------------------------------


def test_flag_mode_skips_the_checks_that_need_a_declaration() -> None:
    needs_declaration = {c.id for c in REGISTRY.values() if c.needs_declaration}
    assert needs_declaration, "some checks need the stack's declaration"
    flag_ids = {c.id for c in selected_checks(b.flags_evidence())}
    assert flag_ids == set(REGISTRY) - needs_declaration
    assert {c.id for c in selected_checks(b.evidence())} == set(REGISTRY)


def test_missing_function_yields_only_the_anchor_and_exists() -> None:
    ev = replace(
        b.evidence(function=Missing("function", b.FUNCTION_NAME)),
        function_csc=None,
        published=None,
    )
    findings = run_checks([ev], b.context())
    assert [(f.check_id, f.status) for f in findings] == [
        ("lock.anchor", Status.PASS),
        ("function.exists", Status.FAIL),
    ]


def test_run_checks_covers_every_target() -> None:
    per_target = len(run_checks([b.evidence()], b.context()))
    findings = run_checks([b.evidence(), b.evidence(target=b.target(key="world"))], b.context())
    assert len(findings) == 2 * per_target
    assert {f.function for f in findings} == {b.FUNCTION_KEY, "world"}
