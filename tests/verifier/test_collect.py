"""The collector against stubbed clients: evidence shape, read-only calls, call budget, errors."""

from __future__ import annotations

import base64
import hashlib
import io
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.verifier import builders as b
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

READ_PREFIXES = ("Get", "List", "Describe", "Head")


def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=b.REGION
    )


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


class Stubs:
    """Stubbers on the collector's three clients, with the responses of a good deployment."""

    def __init__(self, collector: Collector) -> None:
        self.lambda_ = Stubber(collector.lambda_)
        self.signer = Stubber(collector.signer)
        self.s3 = Stubber(collector.s3)

    def __enter__(self) -> Stubs:
        for stub in (self.lambda_, self.signer, self.s3):
            stub.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        for stub in (self.lambda_, self.signer, self.s3):
            stub.assert_no_pending_responses()
            stub.deactivate()

    def job(self) -> None:
        self.signer.add_response(
            "describe_signing_job",
            {
                "jobId": b.JOB_ID,
                "source": {
                    "s3": {
                        "bucketName": b.BUCKET,
                        "key": b.UNSIGNED_KEY,
                        "version": b.UNSIGNED_VERSION,
                    }
                },
                "platformId": "AWSLambda-SHA384-ECDSA",
                "profileName": b.PROFILE_NAME,
                "profileVersion": b.PROFILE_VERSION,
                "createdAt": b.job().created_at,
                "completedAt": b.COMPLETED_AT,
                "signatureExpiresAt": b.job().signature_expires_at,
                "status": "Succeeded",
                "signedObject": {"s3": {"bucketName": b.BUCKET, "key": b.SIGNED_KEY}},
            },
            {"jobId": b.JOB_ID},
        )

    def profile(self) -> None:
        self.signer.add_response(
            "get_signing_profile",
            {
                "profileName": b.PROFILE_NAME,
                "profileVersion": b.PROFILE_VERSION,
                "profileVersionArn": b.PROFILE_VERSION_ARN,
                "platformId": "AWSLambda-SHA384-ECDSA",
                "status": "Active",
            },
            {"profileName": b.PROFILE_NAME},
        )

    def function(self, name: str = b.FUNCTION_NAME) -> None:
        self.lambda_.add_response(
            "get_function",
            {
                "Configuration": {
                    "FunctionName": name,
                    "FunctionArn": b.FUNCTION_ARN,
                    "CodeSha256": b.PACKAGE_SHA256,
                    "SigningJobArn": b.JOB_ARN,
                    "SigningProfileVersionArn": b.PROFILE_VERSION_ARN,
                    "State": "Active",
                    "PackageType": "Zip",
                }
            },
            {"FunctionName": name},
        )
        self.lambda_.add_response(
            "get_function_code_signing_config",
            {"CodeSigningConfigArn": b.CSC_ARN, "FunctionName": name},
            {"FunctionName": name},
        )

    def csc(self) -> None:
        self.lambda_.add_response(
            "get_code_signing_config",
            {
                "CodeSigningConfig": {
                    "CodeSigningConfigId": "csc-0123456789abcdefg",
                    "CodeSigningConfigArn": b.CSC_ARN,
                    "AllowedPublishers": {"SigningProfileVersionArns": [b.PROFILE_VERSION_ARN]},
                    "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": "Enforce"},
                    "LastModified": "2026-11-17T12:00:00.000+0000",
                }
            },
            {"CodeSigningConfigArn": b.CSC_ARN},
        )

    def published(self, name: str = b.FUNCTION_NAME) -> None:
        self.lambda_.add_response(
            "list_versions_by_function",
            {
                "Versions": [
                    {"FunctionName": name, "Version": "$LATEST", "CodeSha256": b.PACKAGE_SHA256},
                    {
                        "FunctionName": name,
                        "Version": "1",
                        "CodeSha256": b.PACKAGE_SHA256,
                        "SigningProfileVersionArn": b.PROFILE_VERSION_ARN,
                        "SigningJobArn": b.JOB_ARN,
                    },
                ]
            },
            {"FunctionName": name},
        )
        self.lambda_.add_response(
            "list_aliases",
            {"Aliases": [{"Name": "live", "FunctionVersion": "1"}]},
            {"FunctionName": name},
        )

    def bucket(self) -> None:
        self.s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": b.BUCKET})

    def signed_object(self, data: bytes = b.PACKAGE) -> None:
        self.s3.add_response(
            "list_object_versions",
            {
                "Versions": [
                    {
                        "Key": b.SIGNED_KEY,
                        "VersionId": b.SIGNED_VERSION,
                        "IsLatest": True,
                        "LastModified": b.COMPLETED_AT,
                        "Size": len(data),
                    },
                    # Same prefix, another key: must be ignored.
                    {
                        "Key": b.SIGNED_KEY + ".sig",
                        "VersionId": "other",
                        "IsLatest": True,
                        "LastModified": b.COMPLETED_AT,
                    },
                ]
            },
            {"Bucket": b.BUCKET, "Prefix": b.SIGNED_KEY},
        )
        self.s3.add_response(
            "get_object",
            {"Body": body(data), "ContentLength": len(data)},
            {"Bucket": b.BUCKET, "Key": b.SIGNED_KEY, "VersionId": b.SIGNED_VERSION},
        )

    def good_deployment(self) -> None:
        self.job()
        self.profile()
        self.function()
        self.csc()
        self.published()
        self.bucket()
        self.signed_object()


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
