"""Stubbed AWS clients for the targeted collector: the responses of the deployment
``builders.world()`` describes, per call, so a full collect must rebuild exactly that evidence.

botocore's Stubber checks each call's parameters and validates each response against the
service model; responses are queued per client, in the order the collector calls them (one
worker: ``TargetedCollector(workers=1)``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import botocore.session
from botocore.response import StreamingBody
from botocore.stub import Stubber

from localaws import signing
from tests.conftest import shared_loader
from tests.verifier import builders as b
from verifier.collect.aws import AwsReader
from verifier.collect.targeted import TargetedCollector
from verifier.evidence.model import CodePath, SigningJobEvidence
from verifier.evidence.signature import TAIL_BYTES

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


def collector(aws: boto3.Session | None = None) -> TargetedCollector:
    """A targeted collector with one worker, so calls come in a fixed order."""
    return TargetedCollector(aws or session(), region=b.REGION, workers=1)


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def signed_package(profile_version_arn: str = b.PROFILE_VERSION_ARN) -> tuple[bytes, list[str]]:
    """A zip signed as the local AWS's Signer signs it (a root and a profile version's
    certificate), and the certificate hashes GetRevocationStatus takes for it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("handler.py", (2020, 1, 1, 0, 0, 0)), "x = 1\n")
    root_key, key = signing.new_signing_key(), signing.new_signing_key()
    root = signing.new_root_certificate(root_key, "test root", b.COMPLETED_AT)
    leaf = signing.issue_signing_certificate(
        root_key, root, key, profile_version_arn, b.COMPLETED_AT
    )
    signed = signing.sign_package(
        buffer.getvalue(),
        key=key,
        job_arn=b.JOB_ARN,
        profile_version_arn=profile_version_arn,
        signed_at=int(b.COMPLETED_AT.timestamp()),
        expires_at=int((b.NOW + timedelta(days=365)).timestamp()),
        certificates=[leaf, root],
    )
    return signed, signing.certificate_hashes([leaf, root])


def configuration(path: CodePath, name: str = b.FUNCTION_NAME) -> dict[str, Any]:
    """A code path as GetFunction's Configuration / a ListVersionsByFunction item has it."""
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
        "SigningJobArn": path.signing_job_arn,
        "SigningProfileVersionArn": path.signing_profile_version_arn,
        "FileSystemConfigs": [
            {"Arn": arn, "LocalMountPath": "/mnt/efs"} for arn in path.file_systems
        ],
        "State": path.state,
        "LastUpdateStatus": path.last_update_status,
    }
    # AWS omits what does not apply (no SigningJobArn without validation, no State in a listing).
    return {key: value for key, value in found.items() if value is not None}


#: ``builders.csc()`` as GetCodeSigningConfig / ListCodeSigningConfigs return it.
CODE_SIGNING_CONFIG: dict[str, Any] = {
    "CodeSigningConfigId": "csc-0123456789abcdefg",
    "CodeSigningConfigArn": b.CSC_ARN,
    "AllowedPublishers": {"SigningProfileVersionArns": [b.PROFILE_VERSION_ARN]},
    "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": "Enforce"},
    "LastModified": "2026-11-17T12:00:00.000+0000",
}


def renamed(path: CodePath, name: str) -> CodePath:
    """The same code path of a function called ``name``."""
    return replace(path, function_name=name, arn=path.arn.replace(b.FUNCTION_NAME, name))


class Stubs:
    """Stubbers on an access layer's clients (Lambda, Signer and its data plane, S3)."""

    def __init__(self, target: TargetedCollector | AwsReader) -> None:
        aws = target.aws if isinstance(target, TargetedCollector) else target
        self.lambda_ = Stubber(aws.lambda_)
        self.signer = Stubber(aws.signer)
        self.signer_data = Stubber(aws.signer_data)
        self.s3 = Stubber(aws.s3)
        self.all = (self.lambda_, self.signer, self.signer_data, self.s3)

    def __enter__(self) -> Stubs:
        for stub in self.all:
            stub.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        for stub in self.all:
            stub.deactivate()

    def assert_all_used(self) -> None:
        for stub in self.all:
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

    def revocation_status(self, params: dict[str, Any], revoked: list[str]) -> None:
        self.signer_data.add_response("get_revocation_status", {"revokedEntities": revoked}, params)

    # -- lambda ------------------------------------------------------------------------------

    def csc(self) -> None:
        self.lambda_.add_response(
            "get_code_signing_config",
            {"CodeSigningConfig": CODE_SIGNING_CONFIG},
            {"CodeSigningConfigArn": b.CSC_ARN},
        )

    def function(
        self, name: str = b.FUNCTION_NAME, versions: tuple[CodePath, ...] | None = None
    ) -> None:
        """GetFunction, ListVersionsByFunction ($LATEST is skipped), GetFunctionCodeSigning-
        Config and ListAliases, in the collector's order."""
        latest = renamed(b.latest(), name)
        listed = b.world().function.versions if versions is None else versions
        assert isinstance(listed, tuple)
        published = tuple(renamed(path, name) for path in listed)
        self.lambda_.add_response(
            "get_function", {"Configuration": configuration(latest, name)}, {"FunctionName": name}
        )
        self.lambda_.add_response(
            "list_versions_by_function",
            {
                "Versions": [
                    configuration(latest, name),
                    *(configuration(path, name) for path in published),
                ]
            },
            {"FunctionName": name},
        )
        self.lambda_.add_response(
            "get_function_code_signing_config",
            {"CodeSigningConfigArn": b.CSC_ARN, "FunctionName": name},
            {"FunctionName": name},
        )
        self.lambda_.add_response(
            "list_aliases",
            {
                "Aliases": [
                    {"Name": alias.name, "FunctionVersion": alias.function_version}
                    for alias in b.aliases()
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

    def signature_tail(
        self, data: bytes, *, key: str = b.SIGNED_KEY, version: str = b.SIGNED_VERSION
    ) -> None:
        """The ranged GetObject that reads a signed object's signature (its last bytes)."""
        self.s3.add_response(
            "get_object",
            {"Body": body(data[-TAIL_BYTES:])},
            {"Bucket": b.BUCKET, "Key": key, "VersionId": version, "Range": f"bytes=-{TAIL_BYTES}"},
        )

    def layer_signed_object(self) -> None:
        self.signed_object(b.LAYER_PACKAGE, key=b.LAYER_SIGNED_KEY, version=b.LAYER_SIGNED_VERSION)

    # -- a whole deployment --------------------------------------------------------------------

    def good_deployment(
        self, *, source: dict[str, bytes] | None = None, flags: bool = False
    ) -> None:
        """Every response of one collect of ``builders.target()`` (``flags``: of
        ``builders.flags_target()``), per client in call order.

        ``source``: the unsigned packages (function, layer) the jobs read, for ``--source``.
        """
        # signer: the function's job, its profile (the manifest names it; flags learn it from
        # the jobs), the layer's job.
        self.job()
        if not flags:
            self.profile()
        self.job(b.layer_job())
        if flags:
            self.profile()
        # lambda: the expected CSC, the function (versions, attachment, aliases), the layer.
        self.csc()
        self.function()
        self.layer_version()
        # s3: the function's signed object, the layer's, the bucket's versioning, sources.
        self.signed_object()
        self.layer_signed_object()
        self.bucket()
        if source is not None:
            self.object_version(b.UNSIGNED_KEY, b.UNSIGNED_VERSION, source["function"])
            self.object_version(b.LAYER_UNSIGNED_KEY, b.LAYER_UNSIGNED_VERSION, source["layer"])
