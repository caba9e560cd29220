"""Stubbed AWS clients for the collector: the responses of the deployment ``builders.evidence()``
describes, per call, so a full collect must rebuild exactly that evidence.

botocore's Stubber checks each call's parameters and validates each response against the
service model; responses are queued per client, in the order the collector calls them.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import boto3
import botocore.session
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.conftest import shared_loader
from tests.verifier import builders as b
from verifier.collect import Collector
from verifier.model import CodePath, SigningJobEvidence

READ_PREFIXES = ("Get", "List", "Describe", "Head")


#: Service models parsed once per test run (each new session would parse them again).
LOADER = shared_loader()


def session(*, credentials: bool = True) -> boto3.Session:
    """A fresh session (its own event hooks) sharing the parsed service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", LOADER)
    if not credentials:
        return boto3.Session(botocore_session=core, region_name=b.REGION)
    return boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=b.REGION,
        botocore_session=core,
    )


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def configuration(path: CodePath, name: str = b.FUNCTION_NAME) -> dict[str, Any]:
    """A function configuration as GetFunction / ListVersionsByFunction return it."""
    found: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": path.arn,
        "Version": path.version,
        "CodeSha256": path.code_sha256,
        "Handler": path.handler,
        "Runtime": path.runtime,
        "Architectures": list(path.architectures),
        "Environment": {"Variables": dict(path.environment)},
        "Layers": [
            {
                "Arn": layer.arn,
                "SigningProfileVersionArn": layer.signing_profile_version_arn,
                "SigningJobArn": layer.signing_job_arn,
            }
            for layer in path.layers
        ],
        "PackageType": path.package_type,
        "State": path.state,
        "LastUpdateStatus": path.last_update_status,
    }
    if path.signing_job_arn:
        found["SigningJobArn"] = path.signing_job_arn
    if path.signing_profile_version_arn:
        found["SigningProfileVersionArn"] = path.signing_profile_version_arn
    return found


class Stubs:
    """Stubbers on the collector's three clients."""

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
            stub.deactivate()

    def assert_all_used(self) -> None:
        for stub in (self.lambda_, self.signer, self.s3):
            stub.assert_no_pending_responses()

    # -- signer ------------------------------------------------------------------------------

    def job(self, job: SigningJobEvidence | None = None) -> None:
        found = job or b.job()
        self.signer.add_response(
            "describe_signing_job", b.describe_signing_job(found), {"jobId": found.job_id}
        )

    def profile(self, **changes: Any) -> None:
        self.signer.add_response(
            "get_signing_profile",
            {
                "profileName": b.PROFILE_NAME,
                "profileVersion": b.PROFILE_VERSION,
                "profileVersionArn": b.PROFILE_VERSION_ARN,
                "platformId": "AWSLambda-SHA384-ECDSA",
                "status": "Active",
                **changes,
            },
            {"profileName": b.PROFILE_NAME},
        )

    # -- lambda ------------------------------------------------------------------------------

    def function(self, name: str = b.FUNCTION_NAME) -> None:
        """GetFunction and GetFunctionCodeSigningConfig."""
        self.lambda_.add_response(
            "get_function",
            {"Configuration": configuration(b.function(), name)},
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
        """ListVersionsByFunction ($LATEST is skipped) and ListAliases."""
        self.lambda_.add_response(
            "list_versions_by_function",
            {
                "Versions": [
                    configuration(b.function(), name),
                    *(configuration(path, name) for path in b.published().versions),
                ]
            },
            {"FunctionName": name},
        )
        self.lambda_.add_response(
            "list_aliases",
            {
                "Aliases": [
                    {"Name": alias.name, "FunctionVersion": alias.function_version}
                    for alias in b.published().aliases
                ]
            },
            {"FunctionName": name},
        )

    def layer_version(self) -> None:
        layer = b.layer_version()
        self.lambda_.add_response(
            "get_layer_version",
            {
                "LayerVersionArn": layer.arn,
                "LayerArn": layer.arn.rsplit(":", 1)[0],
                "Version": 1,
                "Content": {
                    "CodeSha256": layer.code_sha256,
                    "SigningJobArn": layer.signing_job_arn,
                    "SigningProfileVersionArn": layer.signing_profile_version_arn,
                },
            },
            {"LayerName": layer.arn.rsplit(":", 1)[0], "VersionNumber": 1},
        )

    # -- s3 ----------------------------------------------------------------------------------

    def bucket(self) -> None:
        self.s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": b.BUCKET})

    def signed_object(
        self,
        data: bytes = b.PACKAGE,
        *,
        key: str = b.SIGNED_KEY,
        version: str = b.SIGNED_VERSION,
    ) -> None:
        """ListObjectVersions (prefix = the key) and one GetObject of the signed version."""
        self.s3.add_response(
            "list_object_versions",
            {
                "Versions": [
                    {
                        "Key": key,
                        "VersionId": version,
                        "IsLatest": True,
                        "LastModified": b.COMPLETED_AT - timedelta(seconds=1),
                        "Size": len(data),
                    },
                    # Same prefix, another key: must be ignored.
                    {
                        "Key": key + ".sig",
                        "VersionId": "other",
                        "IsLatest": True,
                        "LastModified": b.COMPLETED_AT,
                    },
                ]
            },
            {"Bucket": b.BUCKET, "Prefix": key},
        )
        self.object_version(key, version, data)

    def object_version(self, key: str, version: str, data: bytes) -> None:
        self.s3.add_response(
            "get_object",
            {"Body": body(data), "ContentLength": len(data)},
            {"Bucket": b.BUCKET, "Key": key, "VersionId": version},
        )

    def layer_signed_object(self) -> None:
        self.signed_object(b.LAYER_PACKAGE, key=b.LAYER_SIGNED_KEY, version=b.LAYER_SIGNED_VERSION)

    # -- a whole deployment --------------------------------------------------------------------

    def good_deployment(self, *, source: dict[str, bytes] | None = None) -> None:
        """Every response of one collect of ``builders.target()``, per client in call order.

        ``source``: the unsigned packages (function, layer) the jobs read, for ``--source``.
        """
        # signer: the function's job, its profile, then the layer's job.
        self.job()
        self.profile()
        self.job(b.layer_job())
        # lambda: the function, its CSC, the CSC, versions and aliases, then the layer.
        self.function()
        self.csc()
        self.published()
        self.layer_version()
        # s3: versioning, the function's signed object, the layer's signed object, sources.
        self.bucket()
        self.signed_object()
        self.layer_signed_object()
        if source is not None:
            self.object_version(b.UNSIGNED_KEY, b.UNSIGNED_VERSION, source["function"])
            self.object_version(b.LAYER_UNSIGNED_KEY, b.LAYER_UNSIGNED_VERSION, source["layer"])
