"""Helpers for the local AWS tests (imported by the tests; fixtures live in conftest.py)."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.model import Shape, StructureShape

from localaws.testing import LocalAws

REGION = "us-east-1"
LAMBDA_PLATFORM = "AWSLambda-SHA384-ECDSA"


def make_client(endpoint_url: str, service: str, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config) if config else None,
    )


@dataclass
class Clients:
    s3: Any
    signer: Any
    lambda_: Any
    iam: Any


# -- response shapes ------------------------------------------------------------------------


def _missing_required(shape: Shape, value: Any, path: str) -> list[str]:
    missing: list[str] = []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                missing.append(f"{path}.{name}")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                missing += _missing_required(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            missing += _missing_required(shape.member, item, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            missing += _missing_required(shape.value, item, f"{path}[{key}]")  # type: ignore[attr-defined]
    return missing


def assert_required_members(service: str, operation: str, response: dict[str, Any]) -> None:
    """Every member botocore's model marks required is present, recursively."""
    model = botocore.session.get_session().get_service_model(service)
    output = model.operation_model(operation).output_shape
    assert output is not None, f"{service}.{operation} has no output shape"
    assert _missing_required(output, response, operation) == []


# -- Security Hub findings --------------------------------------------------------------------


def custom_product_arn(account_id: str, region: str = REGION) -> str:
    """The account's own custom-integration product, the one BatchImportFindings accepts."""
    return f"arn:aws:securityhub:{region}:{account_id}:product/{account_id}/default"


def asff_finding(account_id: str, finding_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
    """A valid ASFF finding about a Lambda function of ``account_id``, updated ``at``."""
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": custom_product_arn(account_id),
        "GeneratorId": "signed-lambda/code-sha256",
        "AwsAccountId": account_id,
        "Types": ["Software and Configuration Checks/Signed Lambda"],
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": "HIGH"},
        "Title": "Deployed code is the signed code",
        "Description": "CodeSha256 equals the signed object's SHA-256",
        "Resources": [
            {
                "Type": "AwsLambdaFunction",
                "Id": f"arn:aws:lambda:{REGION}:{account_id}:function:fn",
                "Region": REGION,
            }
        ],
        "Compliance": {"Status": "FAILED"},
        "Remediation": {"Recommendation": {"Text": "Redeploy from the signed object"}},
        **fields,
    }


# -- packages and the signing flow ------------------------------------------------------------


def make_zip(content: str = "def handler(event, context):\n    return 'ok'\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("index.py", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, content)
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    version_arn: str


class SigningWorld:
    """Drives the signing recipe against the local AWS: bucket, profile, job, CSC, function."""

    def __init__(self, clients: Clients, bucket: str, role_arn: str) -> None:
        self.c = clients
        self.bucket = bucket
        self.role_arn = role_arn

    @classmethod
    def create(cls, endpoint_url: str) -> SigningWorld:
        """A fresh versioned bucket and a Lambda role on the server at ``endpoint_url``."""
        clients = Clients(
            s3=make_client(endpoint_url, "s3"),
            signer=make_client(endpoint_url, "signer"),
            lambda_=make_client(endpoint_url, "lambda"),
            iam=make_client(endpoint_url, "iam"),
        )
        bucket = unique("artifacts-")
        clients.s3.create_bucket(Bucket=bucket)
        clients.s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        role = clients.iam.create_role(
            RoleName=unique("lambda-role-"),
            AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}',
        )["Role"]["Arn"]
        return cls(clients, bucket, role)

    def upload(self, data: bytes, key: str | None = None) -> tuple[str, str]:
        key = key or f"unsigned/{unique('pkg-')}.zip"
        version = self.c.s3.put_object(Bucket=self.bucket, Key=key, Body=data)["VersionId"]
        return key, version

    def profile(self, validity: dict[str, Any] | None = None) -> Profile:
        name = unique("profile_")
        reply = self.c.signer.put_signing_profile(
            profileName=name,
            platformId=LAMBDA_PLATFORM,
            signatureValidityPeriod=validity or {"value": 1, "type": "DAYS"},
        )
        return Profile(name, reply["profileVersion"], reply["profileVersionArn"])

    def sign(
        self, profile: Profile, data: bytes | None = None, key: str | None = None
    ) -> dict[str, Any]:
        key, version = self.upload(data if data is not None else make_zip(), key)
        job_id = self.c.signer.start_signing_job(
            source={"s3": {"bucketName": self.bucket, "key": key, "version": version}},
            destination={"s3": {"bucketName": self.bucket, "prefix": "signed/"}},
            profileName=profile.name,
            clientRequestToken=unique("token-"),
        )["jobId"]
        return dict(self.c.signer.describe_signing_job(jobId=job_id))

    def signed_bytes(self, job: dict[str, Any]) -> bytes:
        s3 = job["signedObject"]["s3"]
        return bytes(self.c.s3.get_object(Bucket=s3["bucketName"], Key=s3["key"])["Body"].read())

    def csc(self, policy: str, publishers: list[str]) -> str:
        reply = self.c.lambda_.create_code_signing_config(
            AllowedPublishers={"SigningProfileVersionArns": publishers},
            CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
        )
        return str(reply["CodeSigningConfig"]["CodeSigningConfigArn"])

    def create_function(self, code: dict[str, Any], csc_arn: str | None, **extra: Any) -> Any:
        kwargs: dict[str, Any] = {
            "FunctionName": unique("fn-"),
            "Role": self.role_arn,
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Code": code,
            **extra,
        }
        if csc_arn:
            kwargs["CodeSigningConfigArn"] = csc_arn
        return self.c.lambda_.create_function(**kwargs)


def set_clock_offset(endpoint_url: str, seconds: float) -> None:
    """Shift the local AWS's clock (POST /_localaws/clock); 0 restores real time."""
    LocalAws(endpoint_url=endpoint_url, ca_bundle=None).set_clock_offset(seconds)
    assert LocalAws(endpoint_url=endpoint_url, ca_bundle=None).health()["clockOffsetSeconds"] == (
        seconds
    )


def error_code(error: Any) -> str:
    return str(error.value.response["Error"]["Code"])


def http_status(error: Any) -> int:
    return int(error.value.response["ResponseMetadata"]["HTTPStatusCode"])
