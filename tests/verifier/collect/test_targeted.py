"""The targeted collector (verifier.collect.targeted) against stubbed clients: the evidence it
builds, read-only calls each made once per run, the signed key's history within its byte bound,
revocation status for a non-current profile version, and Missing vs Unavailable."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.verifier import builders as b
from tests.verifier.aws_stubs import Stubs, collector, configuration, session, signed_package
from verifier.checks.findings import Status
from verifier.collect import targeted
from verifier.collect.aws import READ_PREFIXES
from verifier.collect.targeted import Reads, TargetedCollector
from verifier.errors import CollectionError
from verifier.evidence.model import (
    Missing,
    ProvenanceEvidence,
    RevocationStatusEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Unavailable,
)
from verifier.package import build_package


def recording_session(calls: list[str]) -> Any:
    """A session whose before-call hook records every operation and fails on a write."""

    def record(model: Any, **kwargs: Any) -> None:
        calls.append(model.name)
        if not model.name.startswith(READ_PREFIXES):
            pytest.fail(f"the collector called a non-read operation: {model.name}")

    aws = session()
    aws.events.register("before-call.*.*", record)
    return aws


def collect(c: TargetedCollector, *targets: Any) -> Any:
    return c.collect(targets or (b.target(source_root=None),), now=b.NOW)


def expected_evidence() -> Any:
    """What a collect of the good deployment must rebuild: the builders' world (without
    provenance). The layer's job is read through its layer's SigningJobArn, so it knows it."""
    evidence = b.world(provenance=None).evidence
    store = evidence.store
    jobs = {**store.jobs, b.LAYER_JOB_ID: b.layer_job(job_arn=b.LAYER_JOB_ARN)}
    return replace(evidence, store=replace(store, jobs=jobs))


# --- a full collect --------------------------------------------------------------------------


def test_full_collect_rebuilds_the_builders_evidence() -> None:
    c = collector()
    with Stubs(c) as stubs:
        stubs.good_deployment()
        evidence = collect(c)
        stubs.assert_all_used()
    assert evidence == expected_evidence()
    w = b.World(evidence, {b.FUNCTION_NAME: b.target(source_root=None)}, b.context())
    assert {(f.check_id, f.status) for f in w.findings() if f.status is not Status.PASS} == {
        ("source.provenance", Status.WARN)  # no --source checkout given
    }


def test_collect_makes_only_read_calls_each_once() -> None:
    calls: list[str] = []
    c = collector(recording_session(calls))
    with Stubs(c) as stubs:
        stubs.good_deployment()
        collect(c)
        stubs.assert_all_used()
    assert Counter(calls) == {
        "DescribeSigningJob": 2,  # the function's job and the layer's
        "GetSigningProfile": 1,
        "GetFunction": 1,
        "GetFunctionCodeSigningConfig": 1,
        "GetCodeSigningConfig": 1,
        "ListVersionsByFunction": 1,
        "ListAliases": 1,
        "GetLayerVersion": 1,
        "GetBucketVersioning": 1,
        "ListObjectVersions": 2,  # the function's signed object and the layer's
        "GetObject": 2,
    }


def test_shared_resources_are_fetched_once_across_targets() -> None:
    """Two functions from the same build and layer: only the per-function calls repeat."""
    calls: list[str] = []
    c = collector(recording_session(calls))
    world = b.target(key="world", function_name="signed-lambda-world", source_root=None)
    with Stubs(c) as stubs:
        stubs.job()
        stubs.profile()
        stubs.job(b.layer_job())
        stubs.csc()
        stubs.function()
        stubs.function("signed-lambda-world")
        stubs.layer_version()
        stubs.signed_object()
        stubs.layer_signed_object()
        stubs.bucket()
        evidence = collect(c, b.target(source_root=None), world)
        stubs.assert_all_used()
    counted = Counter(calls)
    for shared in (
        "GetSigningProfile",
        "GetCodeSigningConfig",
        "GetBucketVersioning",
        "GetLayerVersion",
    ):
        assert counted[shared] == 1, shared
    assert counted["DescribeSigningJob"] == 2  # one per job, not per function
    assert counted["ListObjectVersions"] == 2 and counted["GetObject"] == 2
    for per_function in ("GetFunction", "GetFunctionCodeSigningConfig", "ListVersionsByFunction"):
        assert counted[per_function] == 2, per_function
    assert [f.name for f in evidence.functions] == [b.FUNCTION_NAME, "signed-lambda-world"]
    assert evidence.store == expected_evidence().store


def test_a_version_built_by_another_job_adds_that_job_and_object_once() -> None:
    calls: list[str] = []
    c = collector(recording_session(calls))
    earlier = b.earlier_version("2")
    with Stubs(c) as stubs:
        # Jobs in order: the target's, then each code path's, then each layer's.
        stubs.job()
        stubs.profile()
        stubs.job(b.earlier_job())
        stubs.job(b.layer_job())
        stubs.csc()
        stubs.function(versions=(earlier,))
        stubs.layer_version()
        # Signed objects in key order: the current build's, the earlier one's, the layer's.
        stubs.signed_object()
        stubs.signed_object(
            b.EARLIER_PACKAGE, key=b.EARLIER_SIGNED_KEY, version=b.EARLIER_SIGNED_VERSION
        )
        stubs.layer_signed_object()
        stubs.bucket()
        evidence = collect(c)
        stubs.assert_all_used()
    (function,) = evidence.functions
    assert function.versions == (earlier,)
    assert set(evidence.store.jobs) == {b.JOB_ID, b.LAYER_JOB_ID, b.EARLIER_JOB_ID}
    assert evidence.store.jobs[b.EARLIER_JOB_ID] == b.earlier_job(job_arn=b.EARLIER_JOB_ARN)
    obj = evidence.store.signed_objects[(b.BUCKET, b.EARLIER_SIGNED_KEY)]
    assert isinstance(obj, SignedObjectEvidence) and obj.signed_sha256 == b.EARLIER_SHA256
    assert Counter(calls)["GetSigningProfile"] == 1  # the same profile signed all three


def test_source_provenance_rebuilds_the_checkout_and_hashes_what_the_jobs_read(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "checkout"
    for source_dir, name in ((b.SOURCE_DIR, "handler.py"), (b.LAYER_SOURCE_DIR, "util.py")):
        (checkout / source_dir).mkdir(parents=True)
        (checkout / source_dir / name).write_text(f"# {name}\n")
    packages = {
        what: build_package(checkout / source_dir, tmp_path / f"{what}.zip").path.read_bytes()
        for what, source_dir in (("function", b.SOURCE_DIR), ("layer", b.LAYER_SOURCE_DIR))
    }
    # The checkout's function source was edited after the deploy: the job read other bytes.
    packages["function"] = b"PK the bytes deployed before the edit"
    c = collector()
    with Stubs(c) as stubs:
        stubs.good_deployment(source=packages)
        evidence = collect(c, b.target(source_root=checkout))
        stubs.assert_all_used()
    function_item, layer_item = evidence.store.provenance[b.FUNCTION_KEY]
    assert isinstance(function_item, ProvenanceEvidence)
    assert isinstance(layer_item, ProvenanceEvidence)
    assert (function_item.what, layer_item.what) == ("function hello", "layer shared")
    assert function_item.built_sha256 != function_item.signed_source_sha256
    assert layer_item.built_sha256 == layer_item.signed_source_sha256
    assert layer_item.signed_source_sha256 == hashlib.sha256(packages["layer"]).hexdigest()


def collect_with_sources(packages: dict[str, bytes], checkout: Path) -> Any:
    """A collect with ``--source``, the function's signed zip read a second time for its
    entries (its hash is not the rebuild's)."""
    c = collector()
    with Stubs(c) as stubs:
        stubs.good_deployment()
        stubs.object_version(b.UNSIGNED_KEY, b.UNSIGNED_VERSION, packages["function"])
        stubs.object_version(b.UNSIGNED_KEY, b.UNSIGNED_VERSION, packages["function"])
        stubs.object_version(b.LAYER_UNSIGNED_KEY, b.LAYER_UNSIGNED_VERSION, packages["layer"])
        evidence = collect(c, b.target(source_root=checkout))
        stubs.assert_all_used()
    return evidence


def test_a_changed_source_file_is_a_change_where_the_dependencies_cannot_be_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline, the changed pin's wheel is nowhere: the dependencies cannot be rebuilt, but the
    source's own requirements.txt differs from the signed zip's, so the source did change."""
    from tests.verifier.package import indexes
    from verifier.package.archive import Entry, write_zip

    checkout = tmp_path / "checkout"
    for source_dir, name in ((b.SOURCE_DIR, "handler.py"), (b.LAYER_SOURCE_DIR, "util.py")):
        (checkout / source_dir).mkdir(parents=True)
        (checkout / source_dir / name).write_text(f"# {name}\n")
    signed = write_zip(
        [
            Entry("handler.py", b"# handler.py\n", False),
            Entry("purelib/__init__.py", b"", False),
            Entry("requirements.txt", f"purelib==1.0 --hash=sha256:{'1' * 64}\n".encode(), False),
        ],
        tmp_path / "signed.zip",
    )
    (checkout / b.SOURCE_DIR / "requirements.txt").write_text(
        f"purelib==2.0 --hash=sha256:{'2' * 64}\n"
    )
    (tmp_path / "no-wheels").mkdir()
    indexes.pip_env(monkeypatch, tmp_path / "no-wheels")
    packages = {
        "function": signed.path.read_bytes(),
        "layer": build_package(checkout / b.LAYER_SOURCE_DIR, tmp_path / "l.zip").path.read_bytes(),
    }
    evidence = collect_with_sources(packages, checkout)
    function_item, _ = evidence.store.provenance[b.FUNCTION_KEY]
    assert isinstance(function_item, ProvenanceEvidence)
    assert function_item.built_sha256 is None
    assert function_item.differing_entries == ("requirements.txt",)
    assert "purelib==2.0" in function_item.not_rebuilt

    # The same requirements as signed: nothing is known to differ, so it is an ERROR.
    (checkout / b.SOURCE_DIR / "requirements.txt").write_text(
        f"purelib==1.0 --hash=sha256:{'1' * 64}\n"
    )
    evidence = collect_with_sources(packages, checkout)
    function_item, _ = evidence.store.provenance[b.FUNCTION_KEY]
    assert isinstance(function_item, Unavailable) and function_item.operation == "rebuild"


# --- the signed key's history ------------------------------------------------------------------


def versions_listing(*versions: tuple[str, Any, int]) -> dict[str, Any]:
    """ListObjectVersions of the signed key: (version id, LastModified, Size), newest first."""
    return {
        "Versions": [
            {
                "Key": b.SIGNED_KEY,
                "VersionId": version,
                "IsLatest": index == 0,
                "LastModified": modified,
                "Size": size,
            }
            for index, (version, modified, size) in enumerate(versions)
        ]
    }


def signed_object(stubs: Stubs, listing: dict[str, Any]) -> Any:
    stubs.s3.add_response(
        "list_object_versions", listing, {"Bucket": b.BUCKET, "Prefix": b.SIGNED_KEY}
    )


def test_large_object_is_hashed_in_chunks() -> None:
    data = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB, not a multiple of the chunk size
    c = collector()
    with Stubs(c) as stubs:
        stubs.signed_object(data)
        evidence = c.reads.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert isinstance(evidence, SignedObjectEvidence)
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert evidence.sha256_by_version == {b.SIGNED_VERSION: expected}


def test_an_overwritten_key_hashes_the_signed_version_first_then_every_later_one() -> None:
    c = collector()
    newer = b.COMPLETED_AT + timedelta(days=30)
    with Stubs(c) as stubs:
        signed_object(
            stubs,
            versions_listing(
                ("evil", newer, 4),
                ("again", newer - timedelta(days=1), len(b.PACKAGE)),
                (b.SIGNED_VERSION, b.COMPLETED_AT, len(b.PACKAGE)),
            ),
        )
        stubs.object_version(b.SIGNED_KEY, b.SIGNED_VERSION, b.PACKAGE)
        stubs.object_version(b.SIGNED_KEY, "evil", b"evil")
        stubs.object_version(b.SIGNED_KEY, "again", b.PACKAGE)
        evidence = c.reads.signed_object(b.BUCKET, b.SIGNED_KEY)
        stubs.assert_all_used()
    assert isinstance(evidence, SignedObjectEvidence)
    assert [v.version_id for v in evidence.versions] == ["evil", "again", b.SIGNED_VERSION]
    assert evidence.signed_version == b.SIGNED_VERSION
    assert dict(evidence.sha256_by_version) == {
        b.SIGNED_VERSION: b.PACKAGE_SHA256,
        "evil": b.TAMPERED_SHA256,
        "again": b.PACKAGE_SHA256,
    }
    assert evidence.unread_versions == ()


def test_later_versions_beyond_the_byte_bound_are_listed_unread_never_guessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bound is on bytes, not on the number of versions: six small re-uploads are all
    read; one over what is left of the bound is reported unread, with why."""
    monkeypatch.setattr(targeted, "MAX_HISTORY_BYTES", 6 * len(b.PACKAGE))
    later = [(f"again{i}", b.NOW - timedelta(hours=i), len(b.PACKAGE)) for i in range(6)]
    c = collector()
    with Stubs(c) as stubs:
        signed_object(
            stubs,
            versions_listing(
                ("huge", b.NOW, 10 * len(b.PACKAGE)),
                *later,
                (b.SIGNED_VERSION, b.COMPLETED_AT, len(b.PACKAGE)),
            ),
        )
        stubs.object_version(b.SIGNED_KEY, b.SIGNED_VERSION, b.PACKAGE)
        for version, _, _ in later:
            stubs.object_version(b.SIGNED_KEY, version, b.PACKAGE)
        evidence = c.reads.signed_object(b.BUCKET, b.SIGNED_KEY)
        stubs.assert_all_used()
    assert isinstance(evidence, SignedObjectEvidence)
    assert set(evidence.sha256_by_version) == {b.SIGNED_VERSION, *(v for v, _, _ in later)}
    assert evidence.unread_versions == ("huge",)
    assert evidence.unread_reason is not None and "MiB" in evidence.unread_reason


def test_empty_version_listing_is_a_missing_signed_object() -> None:
    c = collector()
    with Stubs(c) as stubs:
        signed_object(stubs, {})
        evidence = c.reads.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert evidence == Missing("signed object", f"s3://{b.BUCKET}/{b.SIGNED_KEY}")


# --- revocation of a profile version that is not its name's current one -----------------------


def revocation_world(stubs: Stubs, previous: SigningJobEvidence, package: bytes) -> None:
    """Every read of a good deployment whose job was signed by the name's previous version."""
    stubs.job(previous)
    stubs.profile()  # the name's current version is another one
    stubs.job(b.layer_job())
    stubs.csc()
    stubs.function()
    stubs.layer_version()
    stubs.signed_object(package)
    stubs.layer_signed_object()
    stubs.bucket()


def test_a_job_of_a_non_current_profile_version_asks_for_that_versions_revocation_status() -> None:
    """GetRevocationStatus, twice (at the signature's time and now), with the certificate
    hashes of the signature the job's signed object carries (read from its last bytes)."""
    previous = b.job(profile_version=b.PREVIOUS_PROFILE_VERSION)
    package, hashes = signed_package(b.PREVIOUS_PROFILE_VERSION_ARN)
    calls: list[str] = []
    c = collector(recording_session(calls))
    base = {
        "platformId": previous.platform_id,
        "profileVersionArn": b.PREVIOUS_PROFILE_VERSION_ARN,
        "jobArn": b.JOB_ARN,
        "certificateHashes": hashes,
    }
    with Stubs(c) as stubs:
        revocation_world(stubs, previous, package)
        stubs.signature_tail(package)
        stubs.revocation_status({**base, "signatureTimestamp": previous.signed_at}, [])
        stubs.revocation_status(
            {**base, "signatureTimestamp": b.NOW}, [b.PREVIOUS_PROFILE_VERSION_ARN]
        )
        evidence = collect(c)
        stubs.assert_all_used()
    assert len(hashes) == 2 and all(len(h) == 2 * 96 for h in hashes)  # SHA-384 hex, twice
    assert evidence.store.revocations == {
        (b.PREVIOUS_PROFILE_VERSION_ARN, b.JOB_ID): RevocationStatusEvidence(
            profile_version_arn=b.PREVIOUS_PROFILE_VERSION_ARN,
            job_arn=b.JOB_ARN,
            revoked_at_signature=frozenset(),
            revoked_now=frozenset({b.PREVIOUS_PROFILE_VERSION_ARN}),
        )
    }
    assert Counter(calls)["GetRevocationStatus"] == 2


def test_a_signature_that_cannot_be_read_leaves_the_revocation_unknown() -> None:
    """A signed object whose signature is in no known format: Unavailable (an ERROR), never
    "not revoked", and GetRevocationStatus is not asked without the hashes."""
    previous = b.job(profile_version=b.PREVIOUS_PROFILE_VERSION)
    c = collector()
    with Stubs(c) as stubs:
        revocation_world(stubs, previous, b.PACKAGE)
        stubs.signature_tail(b.PACKAGE)  # not a ZIP
        evidence = collect(c)
        stubs.assert_all_used()
    found = evidence.store.revocations[(b.PREVIOUS_PROFILE_VERSION_ARN, b.JOB_ID)]
    assert isinstance(found, Unavailable) and found.operation == "GetRevocationStatus"
    assert "cannot be read: not a ZIP" in found.reason


def test_a_denied_revocation_status_is_unavailable() -> None:
    package, _ = signed_package(b.PREVIOUS_PROFILE_VERSION_ARN)
    c = collector()
    with Stubs(c) as stubs:
        stubs.signature_tail(package)
        stubs.signer_data.add_client_error(
            "get_revocation_status", "AccessDeniedException", "boom", http_status_code=403
        )
        found = c.reads.revocation(
            b.PREVIOUS_PROFILE_VERSION_ARN, b.job(), b.JOB_ARN, b.NOW, b.SIGNED_VERSION
        )
        stubs.assert_all_used()
    assert found == Unavailable(
        "GetRevocationStatus", "AccessDeniedException: boom", "AccessDeniedException"
    )


# --- Missing vs Unavailable ------------------------------------------------------------------

Fetch = Callable[[Reads], object]

# (case, client, operation, error code, HTTP status, the read, what it must return)
ERRORS: list[tuple[str, str, str, str, int, Fetch, object]] = [
    (
        "function not found",
        "lambda_",
        "get_function",
        "ResourceNotFoundException",
        404,
        lambda r: r.latest(b.FUNCTION_NAME),
        Missing("function", b.FUNCTION_NAME),
    ),
    (
        "job not found",
        "signer",
        "describe_signing_job",
        "ResourceNotFoundException",
        404,
        lambda r: r.job(b.JOB_ID),
        Missing("signing job", b.JOB_ID),
    ),
    (
        "profile not found",
        "signer",
        "get_signing_profile",
        "ResourceNotFoundException",
        404,
        lambda r: r.profile(b.PROFILE_NAME),
        Missing("signing profile", b.PROFILE_NAME),
    ),
    (
        "CSC not found",
        "lambda_",
        "get_code_signing_config",
        "ResourceNotFoundException",
        404,
        lambda r: r.csc(b.CSC_ARN),
        Missing("code signing config", b.CSC_ARN),
    ),
    (
        "layer version not found",
        "lambda_",
        "get_layer_version",
        "ResourceNotFoundException",
        404,
        lambda r: r.layer_version(b.LAYER_VERSION_ARN),
        Missing("layer version", b.LAYER_VERSION_ARN),
    ),
    (
        "bucket not found",
        "s3",
        "get_bucket_versioning",
        "NoSuchBucket",
        404,
        lambda r: r.bucket_versioning(b.BUCKET),
        Missing("bucket", b.BUCKET),
    ),
    (
        "unsigned object version not found",
        "s3",
        "get_object",
        "NoSuchVersion",
        404,
        lambda r: r.source_sha256(b.BUCKET, b.UNSIGNED_KEY, b.UNSIGNED_VERSION),
        Missing(
            "unsigned object version",
            f"s3://{b.BUCKET}/{b.UNSIGNED_KEY}?versionId={b.UNSIGNED_VERSION}",
        ),
    ),
    (
        "function access denied",
        "lambda_",
        "get_function",
        "AccessDeniedException",
        403,
        lambda r: r.latest(b.FUNCTION_NAME),
        Unavailable("GetFunction", "AccessDeniedException: boom", "AccessDeniedException"),
    ),
    (
        "profile throttled after retries",
        "signer",
        "get_signing_profile",
        "TooManyRequestsException",
        429,
        lambda r: r.profile(b.PROFILE_NAME),
        Unavailable(
            "GetSigningProfile", "TooManyRequestsException: boom", "TooManyRequestsException"
        ),
    ),
    (
        "layer access denied",
        "lambda_",
        "get_layer_version",
        "AccessDeniedException",
        403,
        lambda r: r.layer_version(b.LAYER_VERSION_ARN),
        Unavailable("GetLayerVersion", "AccessDeniedException: boom", "AccessDeniedException"),
    ),
    (
        "objects access denied",
        "s3",
        "list_object_versions",
        "AccessDenied",
        403,
        lambda r: r.signed_object(b.BUCKET, b.SIGNED_KEY),
        Unavailable("ListObjectVersions/GetObject", "AccessDenied: boom", "AccessDenied"),
    ),
    (
        "service unavailable",
        "lambda_",
        "get_code_signing_config",
        "ServiceException",
        500,
        lambda r: r.csc(b.CSC_ARN),
        Unavailable("GetCodeSigningConfig", "ServiceException: boom", "ServiceException"),
    ),
]


@pytest.mark.parametrize(
    ("client", "operation", "code", "status", "fetch", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in ERRORS],
)
def test_errors_map_to_missing_or_unavailable(
    client: str, operation: str, code: str, status: int, fetch: Fetch, expected: object
) -> None:
    c = TargetedCollector(session(), region=b.REGION, workers=1, max_attempts=1)
    with Stubs(c) as stubs:
        getattr(stubs, client).add_client_error(operation, code, "boom", http_status_code=status)
        assert fetch(c.reads) == expected
        stubs.assert_all_used()


def test_a_failed_shared_call_is_not_retried_for_the_next_target() -> None:
    """The cache keeps the Unavailable answer: the report says so once, not a flood of calls."""
    c = collector()
    with Stubs(c) as stubs:
        stubs.signer.add_client_error("get_signing_profile", "AccessDeniedException", "no", 403)
        first = c.reads.profile(b.PROFILE_NAME)
        second = c.reads.profile(b.PROFILE_NAME)
        stubs.assert_all_used()
    assert isinstance(first, Unavailable) and second is first


def test_missing_function_skips_its_dependent_calls() -> None:
    c = collector()
    with Stubs(c) as stubs:
        stubs.job()
        stubs.profile()
        stubs.csc()
        stubs.lambda_.add_client_error("get_function", "ResourceNotFoundException", "gone", 404)
        stubs.signed_object()
        stubs.bucket()
        evidence = collect(c)
        stubs.assert_all_used()
    (function,) = evidence.functions
    assert isinstance(function.latest, Missing)
    assert function.versions is None and function.csc is None and function.aliases is None
    assert evidence.store.layer_versions == {}
    assert evidence.store.jobs == {b.JOB_ID: b.job()}


@pytest.mark.parametrize("code", ["UnrecognizedClientException", "ExpiredTokenException"])
def test_rejected_credentials_stop_the_run(code: str) -> None:
    c = collector()
    with Stubs(c) as stubs:
        stubs.lambda_.add_client_error("get_function", code, "bad token", http_status_code=403)
        with pytest.raises(CollectionError) as raised:
            c.reads.latest(b.FUNCTION_NAME)
    assert raised.value.exit_code == 3
    assert code in raised.value.diagnostics()


def test_latest_reads_handler_runtime_architectures_environment_layers_file_systems() -> None:
    efs = f"arn:aws:elasticfilesystem:{b.REGION}:{b.ACCOUNT}:access-point/fsap-0123456789abcdef0"
    c = collector()
    with Stubs(c) as stubs:
        stubs.lambda_.add_response(
            "get_function",
            {"Configuration": configuration(b.latest(file_systems=(efs,)))},
            {"FunctionName": b.FUNCTION_NAME},
        )
        evidence = c.reads.latest(b.FUNCTION_NAME)
    assert evidence == b.latest(file_systems=(efs,))


def test_profile_revocation_record_is_read() -> None:
    effective = b.COMPLETED_AT + timedelta(hours=1)
    c = collector()
    with Stubs(c) as stubs:
        stubs.profile(
            status="Revoked",
            revocationRecord={
                "revocationEffectiveFrom": effective,
                "revokedAt": b.NOW,
                "revokedBy": "admin",
            },
        )
        evidence = c.reads.profile(b.PROFILE_NAME)
    assert evidence == b.profile(
        status="Revoked", revocation_effective_from=effective, revoked_at=b.NOW
    )


def test_weighted_alias_is_read_with_its_weights() -> None:
    c = collector()
    with Stubs(c) as stubs:
        stubs.lambda_.add_response(
            "list_aliases",
            {
                "Aliases": [
                    {
                        "Name": "canary",
                        "FunctionVersion": "1",
                        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1}},
                    }
                ]
            },
            {"FunctionName": b.FUNCTION_NAME},
        )
        evidence = c.reads.aliases(b.FUNCTION_NAME)
    assert isinstance(evidence, tuple)
    (alias,) = evidence
    assert alias.routes == (("1", None), ("2", 0.1))


class AnswersEmpty:
    """A Lambda client whose every answer is an empty document: valid HTTP, no content (the
    service models require CodeSigningConfig, so botocore's Stubber cannot send this)."""

    def __getattr__(self, operation: str) -> Callable[..., dict[str, Any]]:
        return lambda **params: {}


@pytest.mark.parametrize(
    "read",
    [lambda r: r.latest(b.FUNCTION_NAME), lambda r: r.csc(b.CSC_ARN)],
    ids=["GetFunction-without-Configuration", "GetCodeSigningConfig-without-the-config"],
)
def test_a_response_without_what_is_read_is_unavailable_not_a_crash(read: Fetch) -> None:
    c = collector()
    c.aws.lambda_ = AnswersEmpty()
    evidence = read(c.reads)
    assert isinstance(evidence, Unavailable)
    assert "unexpected response" in evidence.reason


def test_a_version_listing_missing_code_sha256_is_unavailable() -> None:
    item = configuration(b.code_path("1"))
    del item["CodeSha256"]
    c = collector()
    with Stubs(c) as stubs:
        stubs.lambda_.add_response(
            "list_versions_by_function", {"Versions": [item]}, {"FunctionName": b.FUNCTION_NAME}
        )
        evidence = c.reads.versions(b.FUNCTION_NAME)
    assert isinstance(evidence, Unavailable)
    assert "CodeSha256 is missing" in evidence.reason
