"""Evidence built by hand: one target whose every check passes, to break one fact at a time."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from verifier.checks import Context
from verifier.model import (
    LAMBDA_SIGNING_PLATFORM,
    AliasEvidence,
    BucketVersioningEvidence,
    CscEvidence,
    FunctionCscEvidence,
    FunctionEvidence,
    ObjectVersionEvidence,
    Policy,
    ProfileEvidence,
    PublishedEvidence,
    PublishedVersionEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    TargetEvidence,
    VerificationTarget,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "my-bucket"
PROFILE_NAME = "signed_lambda"
PROFILE_VERSION = "AbCdEf1234"
PROFILE_VERSION_ARN = (
    f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/{PROFILE_NAME}/{PROFILE_VERSION}"
)
OTHER_PROFILE_VERSION_ARN = (
    f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/intruder/ZzZzZz9999"
)
CSC_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0123456789abcdefg"
OTHER_CSC_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-99999999999999999"
JOB_ID = "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"
JOB_ARN = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/{JOB_ID}"
FUNCTION_NAME = "signed-lambda-hello"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
UNSIGNED_KEY = "unsigned/hello/abc.zip"
UNSIGNED_VERSION = "unsignedversion1"
SIGNED_KEY = f"signed/hello/{JOB_ID}.zip"
SIGNED_VERSION = "signedversion1"
PACKAGE = b"PK\x03\x04 signed package bytes"
PACKAGE_SHA256 = base64.b64encode(hashlib.sha256(PACKAGE).digest()).decode()
TAMPERED_SHA256 = base64.b64encode(hashlib.sha256(b"evil").digest()).decode()

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COMPLETED_AT = NOW - timedelta(days=10)


def context(**changes: Any) -> Context:
    return replace(Context(now=NOW, expiry_warning_days=30), **changes)


def target(**changes: Any) -> VerificationTarget:
    base = VerificationTarget(
        key="hello",
        function_name=FUNCTION_NAME,
        job_id=JOB_ID,
        csc_arn=CSC_ARN,
        expected_policy=Policy.ENFORCE,
        region=REGION,
        profile_name=PROFILE_NAME,
        profile_version_arn=PROFILE_VERSION_ARN,
        platform_id=LAMBDA_SIGNING_PLATFORM,
        bucket=BUCKET,
        unsigned_key=UNSIGNED_KEY,
        unsigned_version=UNSIGNED_VERSION,
        signed_bucket=BUCKET,
        signed_key=SIGNED_KEY,
        source="cdktf-outputs.json",
    )
    return replace(base, **changes)


def flags_target() -> VerificationTarget:
    """What --function/--job-id/--csc-arn give: no profile or object expectations."""
    return VerificationTarget(
        key=FUNCTION_NAME,
        function_name=FUNCTION_NAME,
        job_id=JOB_ID,
        csc_arn=CSC_ARN,
        expected_policy=Policy.ENFORCE,
        region=REGION,
    )


def job(**changes: Any) -> SigningJobEvidence:
    base = SigningJobEvidence(
        job_id=JOB_ID,
        status="Succeeded",
        status_reason=None,
        profile_name=PROFILE_NAME,
        profile_version=PROFILE_VERSION,
        platform_id=LAMBDA_SIGNING_PLATFORM,
        source_bucket=BUCKET,
        source_key=UNSIGNED_KEY,
        source_version=UNSIGNED_VERSION,
        signed_bucket=BUCKET,
        signed_key=SIGNED_KEY,
        created_at=COMPLETED_AT - timedelta(seconds=5),
        completed_at=COMPLETED_AT,
        signature_expires_at=NOW + timedelta(days=365),
        revocation=None,
    )
    return replace(base, **changes)


def profile(**changes: Any) -> ProfileEvidence:
    base = ProfileEvidence(
        name=PROFILE_NAME,
        status="Active",
        profile_version=PROFILE_VERSION,
        profile_version_arn=PROFILE_VERSION_ARN,
    )
    return replace(base, **changes)


def function(**changes: Any) -> FunctionEvidence:
    base = FunctionEvidence(
        name=FUNCTION_NAME,
        arn=FUNCTION_ARN,
        code_sha256=PACKAGE_SHA256,
        signing_job_arn=JOB_ARN,
        signing_profile_version_arn=PROFILE_VERSION_ARN,
        state="Active",
        state_reason=None,
        package_type="Zip",
        layers=(),
    )
    return replace(base, **changes)


def csc(**changes: Any) -> CscEvidence:
    base = CscEvidence(arn=CSC_ARN, policy="Enforce", allowed_publishers=(PROFILE_VERSION_ARN,))
    return replace(base, **changes)


def signed_version(**changes: Any) -> ObjectVersionEvidence:
    base = ObjectVersionEvidence(
        version_id=SIGNED_VERSION,
        last_modified=COMPLETED_AT - timedelta(seconds=1),
        is_latest=True,
        size=len(PACKAGE),
    )
    return replace(base, **changes)


def signed_object(**changes: Any) -> SignedObjectEvidence:
    base = SignedObjectEvidence(
        bucket=BUCKET,
        key=SIGNED_KEY,
        versions=(signed_version(),),
        sha256_by_version={SIGNED_VERSION: PACKAGE_SHA256},
    )
    return replace(base, **changes)


def published(**changes: Any) -> PublishedEvidence:
    base = PublishedEvidence(
        versions=(
            PublishedVersionEvidence(
                version="1",
                code_sha256=PACKAGE_SHA256,
                signing_profile_version_arn=PROFILE_VERSION_ARN,
                signing_job_arn=JOB_ARN,
            ),
        ),
        aliases=(AliasEvidence(name="live", function_version="1"),),
    )
    return replace(base, **changes)


def evidence(**changes: Any) -> TargetEvidence:
    """A target whose every check passes; keyword arguments replace one piece of evidence."""
    base = TargetEvidence(
        target=target(),
        function=function(),
        function_csc=FunctionCscEvidence(csc_arn=CSC_ARN),
        csc=csc(),
        job=job(),
        profile=profile(),
        bucket_versioning=BucketVersioningEvidence(bucket=BUCKET, status="Enabled"),
        signed_object=signed_object(),
        published=published(),
    )
    return replace(base, **changes)


def manifest(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema_version": 1,
        "region": REGION,
        "bucket": BUCKET,
        "signing_profile_name": PROFILE_NAME,
        "signing_profile_version_arn": PROFILE_VERSION_ARN,
        "platform_id": LAMBDA_SIGNING_PLATFORM,
        "code_signing_config_arn": CSC_ARN,
        "expected_policy": "Enforce",
        "functions": {
            "hello": {
                "function_name": FUNCTION_NAME,
                "function_arn": FUNCTION_ARN,
                "signing_job_id": JOB_ID,
                "unsigned_key": UNSIGNED_KEY,
                "unsigned_version": UNSIGNED_VERSION,
                "signed_bucket": BUCKET,
                "signed_key": SIGNED_KEY,
            }
        },
    }
    base.update(changes)
    return base


def describe_signing_job_cli() -> dict[str, Any]:
    """``aws signer describe-signing-job`` output (AWS CLI v2, ISO timestamps)."""
    return {
        "jobId": JOB_ID,
        "source": {"s3": {"bucketName": BUCKET, "key": UNSIGNED_KEY, "version": UNSIGNED_VERSION}},
        "signingMaterial": {"certificateArn": ""},
        "platformId": LAMBDA_SIGNING_PLATFORM,
        "platformDisplayName": "AWS Lambda",
        "profileName": PROFILE_NAME,
        "profileVersion": PROFILE_VERSION,
        "createdAt": (COMPLETED_AT - timedelta(seconds=5)).isoformat(),
        "completedAt": COMPLETED_AT.isoformat(),
        "signatureExpiresAt": (NOW + timedelta(days=365)).isoformat(),
        "status": "Succeeded",
        "signedObject": {"s3": {"bucketName": BUCKET, "key": SIGNED_KEY}},
        "jobOwner": ACCOUNT,
        "jobInvoker": ACCOUNT,
    }
