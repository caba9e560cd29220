"""The collector against stubbed clients: evidence shape, read-only calls, call budget, errors."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from typing import Any

import pytest

from tests.verifier import builders as b
from tests.verifier.aws_stubs import READ_PREFIXES, Stubs, body, session
from verifier.checks import run_checks
from verifier.collect import Collector
from verifier.errors import CollectionError
from verifier.model import (
    FunctionEvidence,
    Missing,
    SignedObjectEvidence,
    SigningJobEvidence,
    Status,
    Unavailable,
)


def test_full_collect_builds_evidence_every_check_passes() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.good_deployment()
        evidence = collector.collect(b.target())
    assert evidence.job == b.job()
    assert evidence.function == b.function()
    assert evidence.csc == b.csc()
    assert evidence.published == b.published()
    assert isinstance(evidence.signed_object, SignedObjectEvidence)
    assert [v.version_id for v in evidence.signed_object.versions] == [b.SIGNED_VERSION]
    assert evidence.signed_object.sha256_by_version == {b.SIGNED_VERSION: b.PACKAGE_SHA256}
    findings = run_checks([evidence], b.context())
    assert {f.status for f in findings} == {Status.PASS}, [
        f for f in findings if f.status is not Status.PASS
    ]


def test_collect_makes_only_read_calls_within_budget() -> None:
    """A before-call hook on the session sees every operation of a full collect."""
    calls: list[str] = []

    def record(model: Any, **kwargs: Any) -> None:
        calls.append(model.name)
        if not model.name.startswith(READ_PREFIXES):
            pytest.fail(f"the collector called a non-read operation: {model.name}")

    aws = session()
    aws.events.register("before-call.*.*", record)
    collector = Collector(aws, region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.good_deployment()
        collector.collect(b.target())
    assert calls, "the hook saw no calls"
    assert all(name.startswith(READ_PREFIXES) for name in calls)
    assert len(calls) <= 10, calls


def test_shared_resources_are_fetched_once() -> None:
    calls: Counter[str] = Counter()
    aws = session()
    aws.events.register("before-call.*.*", lambda model, **kw: calls.update([model.name]))
    collector = Collector(aws, region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.good_deployment()
        # Second function: same job/profile/CSC/bucket in this fixture, its own function calls.
        stubs.job()
        stubs.function("signed-lambda-world")
        stubs.published("signed-lambda-world")
        stubs.signed_object()
        collector.collect(b.target())
        collector.collect(b.target(key="world", function_name="signed-lambda-world"))
    assert calls["GetSigningProfile"] == 1
    assert calls["GetCodeSigningConfig"] == 1
    assert calls["GetBucketVersioning"] == 1
    assert calls["GetFunction"] == 2


def test_job_file_replaces_describe_signing_job() -> None:
    collector = Collector(session(), region=b.REGION, job_files={b.JOB_ID: b.job()})
    with Stubs(collector) as stubs:
        stubs.profile()
        stubs.function()
        stubs.csc()
        stubs.published()
        stubs.bucket()
        stubs.signed_object()
        evidence = collector.collect(b.target())
    assert evidence.job == b.job()


def test_large_object_is_hashed_in_chunks() -> None:
    data = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB, not a multiple of the chunk size
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.signed_object(data)
        evidence = collector.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert isinstance(evidence, SignedObjectEvidence)
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert evidence.sha256_by_version == {b.SIGNED_VERSION: expected}


def test_access_denied_is_unavailable_evidence() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.lambda_.add_client_error(
            "get_function", "AccessDeniedException", "not authorized", http_status_code=403
        )
        evidence = collector.function(b.FUNCTION_NAME)
    assert isinstance(evidence, Unavailable)
    assert evidence.operation == "GetFunction"
    assert evidence.error_code == "AccessDeniedException"


def test_throttling_after_retries_is_unavailable_evidence() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.signer.add_client_error(
            "get_signing_profile", "TooManyRequestsException", "slow down", http_status_code=429
        )
        evidence = collector.profile(b.PROFILE_NAME)
    assert isinstance(evidence, Unavailable)
    assert "TooManyRequestsException" in evidence.reason


@pytest.mark.parametrize(
    ("method", "code"),
    [("describe_signing_job", "ResourceNotFoundException")],
)
def test_not_found_job_is_missing(method: str, code: str) -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.signer.add_client_error(method, code, "no such job", http_status_code=404)
        evidence = collector.signing_job(b.JOB_ID)
    assert evidence == Missing("signing job", b.JOB_ID)


def test_missing_function_skips_its_dependent_calls() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.job()
        stubs.profile()
        stubs.lambda_.add_client_error(
            "get_function", "ResourceNotFoundException", "Function not found", 404
        )
        stubs.csc()
        stubs.bucket()
        stubs.signed_object()
        evidence = collector.collect(b.target())
    assert isinstance(evidence.function, Missing)
    assert evidence.function_csc is None and evidence.published is None
    assert isinstance(evidence.job, SigningJobEvidence)


def test_missing_signed_object_is_missing() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.s3.add_response(
            "list_object_versions", {}, {"Bucket": b.BUCKET, "Prefix": b.SIGNED_KEY}
        )
        evidence = collector.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert isinstance(evidence, Missing)


def test_rejected_credentials_stop_the_run() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.lambda_.add_client_error(
            "get_function", "UnrecognizedClientException", "bad token", http_status_code=403
        )
        with pytest.raises(CollectionError) as raised:
            collector.function(b.FUNCTION_NAME)
    assert raised.value.exit_code == 3
    assert "UnrecognizedClientException" in raised.value.diagnostics()


def test_overwritten_key_hashes_the_signed_version_first() -> None:
    collector = Collector(session(), region=b.REGION)
    newer = b.COMPLETED_AT.replace(year=2027)
    with Stubs(collector) as stubs:
        stubs.s3.add_response(
            "list_object_versions",
            {
                "Versions": [
                    {
                        "Key": b.SIGNED_KEY,
                        "VersionId": "evil",
                        "IsLatest": True,
                        "LastModified": newer,
                    },
                    {
                        "Key": b.SIGNED_KEY,
                        "VersionId": b.SIGNED_VERSION,
                        "IsLatest": False,
                        "LastModified": b.COMPLETED_AT,
                    },
                ]
            },
            {"Bucket": b.BUCKET, "Prefix": b.SIGNED_KEY},
        )
        for version, data in ((b.SIGNED_VERSION, b.PACKAGE), ("evil", b"evil")):
            stubs.s3.add_response(
                "get_object",
                {"Body": body(data)},
                {"Bucket": b.BUCKET, "Key": b.SIGNED_KEY, "VersionId": version},
            )
        evidence = collector.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert isinstance(evidence, SignedObjectEvidence)
    assert [v.version_id for v in evidence.versions] == ["evil", b.SIGNED_VERSION]
    assert evidence.sha256_by_version == {
        b.SIGNED_VERSION: b.PACKAGE_SHA256,
        "evil": b.TAMPERED_SHA256,
    }


def test_function_evidence_reads_layers() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        stubs.lambda_.add_response(
            "get_function",
            {
                "Configuration": {
                    "FunctionName": b.FUNCTION_NAME,
                    "FunctionArn": b.FUNCTION_ARN,
                    "CodeSha256": b.PACKAGE_SHA256,
                    "Layers": [
                        {
                            "Arn": "arn:aws:lambda:us-east-1:123456789012:layer:deps:3",
                            "SigningProfileVersionArn": b.PROFILE_VERSION_ARN,
                        }
                    ],
                }
            },
            {"FunctionName": b.FUNCTION_NAME},
        )
        evidence = collector.function(b.FUNCTION_NAME)
    assert isinstance(evidence, FunctionEvidence)
    assert evidence.layers[0].signing_profile_version_arn == b.PROFILE_VERSION_ARN


def test_malformed_response_is_unavailable_not_a_crash() -> None:
    collector = Collector(session(), region=b.REGION)
    with Stubs(collector) as stubs:
        # Valid per the model (nothing required), but without the configuration we read.
        stubs.lambda_.add_response("get_function", {}, {"FunctionName": b.FUNCTION_NAME})
        evidence = collector.function(b.FUNCTION_NAME)
    assert isinstance(evidence, Unavailable)
    assert "unexpected response" in evidence.reason
