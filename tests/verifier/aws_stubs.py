"""Stubbed AWS clients for the collector: the responses of a good deployment, per call."""

from __future__ import annotations

import io

import boto3
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.verifier import builders as b
from verifier.collect import Collector

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
