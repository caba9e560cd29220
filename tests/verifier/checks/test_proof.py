"""The link-by-link proof of one signed artifact (verifier.checks.proof): links in proof order,
each judged once per run, with AWS's revocation semantics and the job-run window."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from tests.verifier import builders as b
from verifier.checks.findings import Reason, Status
from verifier.checks.proof import (
    CLOCK_TOLERANCE,
    LISTED_JOB_WINDOW,
    Link,
    LinkResult,
    Proof,
    Prover,
    profile_version_arn,
    written_by_job,
)
from verifier.evidence.model import (
    Missing,
    RevocationEvidence,
    RevocationStatusEvidence,
    Store,
    Unavailable,
)

#: When the builders' job started (it completed at COMPLETED_AT).
CREATED_AT = b.COMPLETED_AT - timedelta(seconds=5)
JOB_LINKS = [
    Link.JOB,
    Link.PROFILE,
    Link.PLATFORM,
    Link.JOB_REVOCATION,
    Link.PROFILE_REVOCATION,
    Link.EXPIRY,
    Link.OBJECT,
]


def prover(**store_changes: Any) -> Prover:
    """A prover over the builders' store (the good deployment), with maps replaced."""
    store = replace(b.world().evidence.store, **store_changes)
    return Prover(store, b.trust(), b.NOW, region=b.REGION, account=b.ACCOUNT)


def link(proof: Proof, which: Link) -> LinkResult:
    found = proof.get(which)
    assert found is not None, proof
    return found


def job_proof(**job_changes: Any) -> Proof:
    return prover(jobs={b.JOB_ID: b.job(**job_changes)}).job(b.JOB_ID)


def profile_link(**profile_changes: Any) -> LinkResult:
    proof = prover(profiles={b.PROFILE_NAME: b.profile(**profile_changes)}).job(b.JOB_ID)
    return link(proof, Link.PROFILE_REVOCATION)


# --- the links, in order ------------------------------------------------------------------------


def test_a_good_artifact_is_proven_link_by_link_in_proof_order() -> None:
    proof = prover().deployed("hello", b.JOB_ARN, b.PACKAGE_SHA256)
    assert [r.link for r in proof.links] == [Link.VALIDATED, *JOB_LINKS, Link.CODE]
    assert {r.status for r in proof.links} == {Status.PASS}
    assert (proof.status, proof.reason) == (Status.PASS, Reason.PROVEN)
    assert proof.summary("all good") == "all good"
    assert proof.signed_sha256 == b.PACKAGE_SHA256
    assert proof.job == b.job()


def test_the_code_link_compares_code_sha256_with_the_signed_version() -> None:
    proof = prover().artifact(b.JOB_ID, b.TAMPERED_SHA256)
    code = link(proof, Link.CODE)
    assert (code.status, code.reason) == (Status.FAIL, Reason.CODE_MISMATCH)
    assert proof.summary().startswith(f"signing job {b.JOB_ID}: CodeSha256 {b.TAMPERED_SHA256}")


def test_code_without_a_signing_job_arn_is_not_validated() -> None:
    proof = prover().deployed("hello:3", None, b.PACKAGE_SHA256)
    assert [(r.link, r.status, r.reason) for r in proof.links] == [
        (Link.VALIDATED, Status.FAIL, Reason.NOT_VALIDATED)
    ]
    assert proof.summary() == "hello:3: no SigningJobArn (deployed without signature validation)"


@pytest.mark.parametrize(
    ("found", "status", "reason"),
    [
        (Missing("signing job", b.JOB_ID), Status.FAIL, Reason.JOB_MISSING),
        (Unavailable("DescribeSigningJob", "AccessDenied: no"), Status.ERROR, Reason.UNREADABLE),
    ],
    ids=["missing", "unreadable"],
)
def test_a_job_that_cannot_be_read_stops_the_proof_at_its_first_link(
    found: object, status: Status, reason: Reason
) -> None:
    proof = prover(jobs={b.JOB_ID: found}).artifact(b.JOB_ID, b.PACKAGE_SHA256)
    assert [(r.link, r.status, r.reason) for r in proof.links] == [(Link.JOB, status, reason)]
    assert proof.signed_sha256 is None and proof.job is None


def test_a_job_that_was_not_collected_is_an_error_never_a_pass() -> None:
    proof = prover(jobs={}).job(b.JOB_ID)
    assert (proof.status, proof.reason) == (Status.ERROR, Reason.UNREADABLE)
    assert "was not collected" in proof.summary()


def test_problems_are_worst_first_and_the_reason_is_the_first_worst_links() -> None:
    proof = job_proof(
        profile_name=b.INTRUDER_PROFILE_NAME,  # FAIL
        signature_expires_at=b.NOW + timedelta(days=3),  # WARN
        platform_id="Notation-OCI-SHA384-ECDSA",  # FAIL
    )
    assert [r.status for r in proof.problems()] == [
        Status.FAIL,
        Status.FAIL,
        Status.ERROR,
        Status.WARN,
    ]
    assert [r.link for r in proof.problems()][:2] == [Link.PROFILE, Link.PLATFORM]
    assert (proof.status, proof.reason) == (Status.FAIL, Reason.UNPINNED_PROFILE)


# --- each link judged once per run ------------------------------------------------------------


class CountingJobs(Mapping[str, Any]):
    """The store's jobs, counting the proof's look-ups."""

    def __init__(self, jobs: Mapping[str, Any]) -> None:
        self.jobs = dict(jobs)
        self.lookups = 0

    def __getitem__(self, key: str) -> Any:
        self.lookups += 1
        return self.jobs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)


def test_a_job_shared_by_many_code_paths_is_proven_once() -> None:
    jobs = CountingJobs(b.world().evidence.store.jobs)
    shared = prover(jobs=jobs)
    proofs = [shared.deployed(f"fn-{i}", b.JOB_ARN, b.PACKAGE_SHA256) for i in range(100)]
    assert jobs.lookups == 1
    assert shared.job(b.JOB_ID) is shared.job(b.JOB_ID)
    assert shared.artifact(b.JOB_ID, b.PACKAGE_SHA256) is shared.artifact(
        b.JOB_ID, b.PACKAGE_SHA256
    )
    assert {p.status for p in proofs} == {Status.PASS}
    assert shared.layer(b.LAYER_VERSION_ARN) is shared.layer(b.LAYER_VERSION_ARN)


def test_named_renames_without_rejudging() -> None:
    shared = prover()
    original = shared.artifact(b.JOB_ID, b.PACKAGE_SHA256)
    renamed = shared.named(original, "version 1")
    assert renamed.what == "version 1"
    assert renamed.links is original.links and renamed.job is original.job


# --- links 3-7: the job --------------------------------------------------------------------------


def test_an_unpinned_profile_fails_the_profile_link() -> None:
    found = link(job_proof(profile_name=b.INTRUDER_PROFILE_NAME), Link.PROFILE)
    assert (found.status, found.reason) == (Status.FAIL, Reason.UNPINNED_PROFILE)
    assert "which is not pinned" in found.detail


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"revocation": RevocationEvidence("leaked", b.NOW)}, "(leaked)"),
        ({"listed_revoked": True}, "ListSigningJobs says isRevoked"),
    ],
    ids=["record", "listing-flag"],
)
def test_a_revoked_job_signature_fails(changes: dict[str, Any], detail: str) -> None:
    found = link(job_proof(**changes), Link.JOB_REVOCATION)
    assert (found.status, found.reason) == (Status.FAIL, Reason.JOB_REVOKED)
    assert detail in found.detail


@pytest.mark.parametrize(
    ("expires_in", "status", "reason"),
    [
        (timedelta(0), Status.FAIL, Reason.EXPIRED),
        (timedelta(days=30), Status.WARN, Reason.EXPIRES_SOON),
        (timedelta(days=30, seconds=1), Status.PASS, Reason.PROVEN),
    ],
    ids=["now", "at-the-window", "beyond-the-window"],
)
def test_expiry_against_the_warning_window(
    expires_in: timedelta, status: Status, reason: Reason
) -> None:
    found = link(job_proof(signature_expires_at=b.NOW + expires_in), Link.EXPIRY)
    assert (found.status, found.reason) == (status, reason)


def test_no_expiry_is_an_error() -> None:
    found = link(job_proof(signature_expires_at=None), Link.EXPIRY)
    assert (found.status, found.reason) == (Status.ERROR, Reason.UNREADABLE)


# --- link 6: the profile version's revocation (AWS's semantics) --------------------------------


@pytest.mark.parametrize(
    ("effective", "status", "reason"),
    [
        (b.COMPLETED_AT - timedelta(seconds=1), Status.FAIL, Reason.PROFILE_REVOKED),
        (b.COMPLETED_AT, Status.FAIL, Reason.PROFILE_REVOKED),
        (b.COMPLETED_AT + timedelta(seconds=1), Status.WARN, Reason.PROFILE_REVOKED_AFTER),
        (None, Status.FAIL, Reason.PROFILE_REVOKED),
    ],
    ids=["before", "at", "after", "no-effective-time"],
)
def test_the_current_versions_revocation_against_the_signature_time(
    effective: Any, status: Status, reason: Reason
) -> None:
    found = profile_link(status="Revoked", revocation_effective_from=effective)
    assert (found.status, found.reason) == (status, reason)


def test_revocation_uses_completion_not_creation() -> None:
    """Effective between createdAt and completedAt: the signature was made after it."""
    effective = b.COMPLETED_AT - timedelta(seconds=2)
    created_at = b.job().created_at
    assert created_at is not None and created_at < effective
    assert profile_link(status="Revoked", revocation_effective_from=effective).status is (
        Status.FAIL
    )


@pytest.mark.parametrize(
    ("status", "expected", "reason"),
    [
        ("Canceled", Status.WARN, Reason.PROFILE_CANCELED),
        ("Inactive", Status.FAIL, Reason.PROFILE_NOT_ACTIVE),
        ("Active", Status.PASS, Reason.PROVEN),
    ],
)
def test_profile_status(status: str, expected: Status, reason: Reason) -> None:
    found = profile_link(status=status)
    assert (found.status, found.reason) == (expected, reason)


@pytest.mark.parametrize(
    ("found", "status", "reason"),
    [
        (Missing("signing profile", b.PROFILE_NAME), Status.FAIL, Reason.PROFILE_NOT_ACTIVE),
        (Unavailable("GetSigningProfile", "AccessDenied: no"), Status.ERROR, Reason.UNREADABLE),
    ],
    ids=["missing", "unreadable"],
)
def test_a_profile_that_cannot_be_read(found: object, status: Status, reason: Reason) -> None:
    proof = prover(profiles={b.PROFILE_NAME: found}).job(b.JOB_ID)
    assert (link(proof, Link.PROFILE_REVOCATION).status, proof.reason) == (status, reason)


def previous_version_proof(
    revocation: object | None, *, current: dict[str, Any] | None = None
) -> LinkResult:
    """A job signed by the name's previous version, the current one being another."""
    job = b.job(profile_version=b.PREVIOUS_PROFILE_VERSION)
    revocations = (
        {} if revocation is None else {(b.PREVIOUS_PROFILE_VERSION_ARN, b.JOB_ID): revocation}
    )
    found = prover(
        jobs={b.JOB_ID: job},
        profiles={b.PROFILE_NAME: b.profile(**(current or {}))},
        revocations=revocations,
    ).job(b.JOB_ID)
    return link(found, Link.PROFILE_REVOCATION)


def status_of(*, at_signature: bool, now: bool) -> RevocationStatusEvidence:
    revoked = frozenset({b.PREVIOUS_PROFILE_VERSION_ARN})
    return RevocationStatusEvidence(
        b.PREVIOUS_PROFILE_VERSION_ARN,
        b.JOB_ARN,
        revoked_at_signature=revoked if at_signature else frozenset(),
        revoked_now=revoked if now else frozenset(),
    )


@pytest.mark.parametrize(
    ("revocation", "status", "reason"),
    [
        (status_of(at_signature=False, now=False), Status.PASS, Reason.PROVEN),
        (status_of(at_signature=False, now=True), Status.WARN, Reason.PROFILE_REVOKED_AFTER),
        (status_of(at_signature=True, now=True), Status.FAIL, Reason.PROFILE_REVOKED),
        (None, Status.ERROR, Reason.UNREADABLE),
        (Unavailable("GetRevocationStatus", "AccessDenied: no"), Status.ERROR, Reason.UNREADABLE),
    ],
    ids=["not-revoked", "revoked-after", "revoked-before", "not-collected", "unreadable"],
)
def test_another_version_is_judged_by_its_own_revocation_status(
    revocation: object | None, status: Status, reason: Reason
) -> None:
    # The name's current version is revoked before everything: it never stands in.
    current = {"status": "Revoked", "revocation_effective_from": b.NOW - timedelta(days=999)}
    found = previous_version_proof(revocation, current=current)
    assert (found.status, found.reason) == (status, reason)
    assert f"version {b.PREVIOUS_PROFILE_VERSION}" in found.detail
    assert f"current version is {b.PROFILE_VERSION}" in found.detail


@pytest.mark.parametrize("entity", [b.JOB_ARN, "a" * 64], ids=["job-arn", "certificate-hash"])
@pytest.mark.parametrize("when", ["at-signature", "now"])
def test_any_other_revoked_entity_in_the_answer_fails(entity: str, when: str) -> None:
    """GetRevocationStatus names the job's ARN or a certificate hash of its signature: that
    signature is revoked, whatever the profile version's own status."""
    revoked = frozenset({entity})
    found = previous_version_proof(
        RevocationStatusEvidence(
            b.PREVIOUS_PROFILE_VERSION_ARN,
            b.JOB_ARN,
            revoked_at_signature=revoked if when == "at-signature" else frozenset(),
            revoked_now=revoked,
        )
    )
    assert (found.status, found.reason) == (Status.FAIL, Reason.PROFILE_REVOKED)
    assert entity in found.detail


def test_another_version_of_a_canceled_name_warns() -> None:
    found = previous_version_proof(
        status_of(at_signature=False, now=False), current={"status": "Canceled"}
    )
    assert (found.status, found.reason) == (Status.WARN, Reason.PROFILE_CANCELED)


def test_the_profile_version_arn_comes_from_the_jobs_own_arn() -> None:
    """A job of another account or Region is looked up under its own ARN's."""
    elsewhere = b.job(
        job_arn=f"arn:aws:signer:eu-west-1:{b.OTHER_ACCOUNT}:/signing-jobs/{b.JOB_ID}"
    )
    assert profile_version_arn(elsewhere, b.REGION, b.ACCOUNT) == (
        f"arn:aws:signer:eu-west-1:{b.OTHER_ACCOUNT}:/signing-profiles/"
        f"{b.PROFILE_NAME}/{b.PROFILE_VERSION}"
    )
    assert profile_version_arn(b.job(), b.REGION, b.ACCOUNT) == b.PROFILE_VERSION_ARN


# --- link 8: the signed object, written by the job ----------------------------------------------


@pytest.mark.parametrize(
    ("written", "by_job"),
    [
        (CREATED_AT - CLOCK_TOLERANCE, True),
        (CREATED_AT - CLOCK_TOLERANCE - timedelta(seconds=1), False),
        (b.COMPLETED_AT + CLOCK_TOLERANCE, True),
        (b.COMPLETED_AT + CLOCK_TOLERANCE + timedelta(seconds=1), False),
    ],
    ids=["before-start-within", "before-start-beyond", "after-end-within", "after-end-beyond"],
)
def test_the_signed_version_must_be_written_while_the_job_ran(written: Any, by_job: bool) -> None:
    assert b.job().created_at == CREATED_AT
    assert written_by_job(b.signed_version(last_modified=written), b.job()) is by_job


def test_a_listed_job_without_completion_is_judged_within_the_listing_window() -> None:
    listed = b.job(completed_at=None)
    created = listed.created_at
    assert created is not None
    inside = b.signed_version(last_modified=created + LISTED_JOB_WINDOW)
    beyond = b.signed_version(last_modified=created + LISTED_JOB_WINDOW + timedelta(seconds=1))
    assert written_by_job(inside, listed) is True
    assert written_by_job(beyond, listed) is None  # cannot tell: not a pass either
    assert written_by_job(b.signed_version(last_modified=None), b.job()) is None


def object_link(**object_changes: Any) -> LinkResult:
    signed = b.signed_object(**object_changes)
    found = prover(signed_objects={(b.BUCKET, b.SIGNED_KEY): signed}).job(b.JOB_ID)
    return link(found, Link.OBJECT)


def test_a_signed_version_written_after_the_job_fails_the_object_link() -> None:
    found = object_link(
        versions=(b.signed_version(last_modified=b.COMPLETED_AT + timedelta(minutes=5)),)
    )
    assert (found.status, found.reason) == (Status.FAIL, Reason.NOT_WRITTEN_BY_JOB)
    assert "the version Signer wrote is gone" in found.detail


def test_a_signed_version_whose_writer_cannot_be_told_is_an_error() -> None:
    found = object_link(versions=(b.signed_version(last_modified=None),))
    assert (found.status, found.reason) == (Status.ERROR, Reason.UNREADABLE)
    assert "cannot be told" in found.detail


@pytest.mark.parametrize(
    ("changes", "status", "reason", "detail"),
    [
        (
            {"versions": (b.signed_version(is_delete_marker=True),)},
            Status.FAIL,
            Reason.OBJECT_MISSING,
            "every version of its signed object",
        ),
        ({"sha256_by_version": {}}, Status.ERROR, Reason.UNREADABLE, "was not hashed"),
    ],
    ids=["all-deleted", "not-hashed"],
)
def test_the_signed_version_must_exist_and_be_hashed(
    changes: dict[str, Any], status: Status, reason: Reason, detail: str
) -> None:
    found = object_link(**changes)
    assert (found.status, found.reason) == (status, reason)
    assert detail in found.detail


@pytest.mark.parametrize(
    ("job_changes", "objects", "status", "reason"),
    [
        ({"signed_key": None}, None, Status.FAIL, Reason.OBJECT_MISSING),
        ({}, {(b.BUCKET, b.SIGNED_KEY): Missing("o", "k")}, Status.FAIL, Reason.OBJECT_MISSING),
        (
            {},
            {(b.BUCKET, b.SIGNED_KEY): Unavailable("ListObjectVersions", "no")},
            Status.ERROR,
            Reason.UNREADABLE,
        ),
        ({}, {}, Status.ERROR, Reason.UNREADABLE),
    ],
    ids=["job-names-none", "missing", "unreadable", "not-collected"],
)
def test_the_signed_object_that_cannot_be_read(
    job_changes: dict[str, Any], objects: Any, status: Status, reason: Reason
) -> None:
    changes: dict[str, Any] = {"jobs": {b.JOB_ID: b.job(**job_changes)}}
    if objects is not None:
        changes["signed_objects"] = objects
    proof = prover(**changes).artifact(b.JOB_ID, b.PACKAGE_SHA256)
    found = link(proof, Link.OBJECT)
    assert (found.status, found.reason) == (status, reason)
    assert proof.get(Link.CODE) is None  # nothing to compare the code with


# --- layers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("found", "status", "reason"),
    [
        (Missing("layer version", b.LAYER_VERSION_ARN), Status.FAIL, Reason.LAYER_MISSING),
        (Unavailable("GetLayerVersion", "AccessDenied: no"), Status.ERROR, Reason.UNREADABLE),
        (b.layer_version(signing_job_arn=None), Status.FAIL, Reason.NOT_VALIDATED),
        (b.layer_version(code_sha256=b.TAMPERED_SHA256), Status.FAIL, Reason.CODE_MISMATCH),
        (b.layer_version(), Status.PASS, Reason.PROVEN),
    ],
    ids=["missing", "unreadable", "unsigned", "other-bytes", "proven"],
)
def test_a_layer_version_is_proven_from_its_own_record(
    found: object, status: Status, reason: Reason
) -> None:
    proof = prover(layer_versions={b.LAYER_VERSION_ARN: found}).layer(b.LAYER_VERSION_ARN)
    assert (proof.status, proof.reason) == (status, reason)
    assert proof.what == f"layer {b.LAYER_VERSION_ARN}"


def test_an_empty_store_proves_nothing() -> None:
    empty = Prover(Store(), b.trust(), b.NOW)
    assert empty.deployed("x", b.JOB_ARN, b.PACKAGE_SHA256).status is Status.ERROR
    assert empty.layer(b.LAYER_VERSION_ARN).status is Status.ERROR
