"""Deploy-time code-signing validation, each rule under Enforce and Warn, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.world import Clients, World, make_zip
from tests.localaws.localaws_support import assert_required_members, error_code, set_clock_offset

POLICIES = ("Enforce", "Warn")


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def tamper(data: bytes) -> bytes:
    """Change one byte of the packaged source, leaving the signature envelope as it was."""
    at = data.index(b"return 'ok'")
    return data[:at] + b"R" + data[at + 1 :]


@dataclass
class Case:
    code: dict[str, Any]
    csc_arn: str
    clock_offset_seconds: float = 0.0


def _signed_case(world: World, policy: str) -> Case:
    profile = world.profile()
    job = world.sign(profile)
    return Case(job.code, world.csc(policy, [profile.version_arn]))


def _unsigned(world: World, policy: str) -> Case:
    key, version = world.upload(make_zip())
    arn = world.csc(policy, [world.profile().version_arn])
    return Case({"S3Bucket": world.bucket, "S3Key": key, "S3ObjectVersion": version}, arn)


def _tampered(world: World, policy: str) -> Case:
    profile = world.profile()
    key, _ = world.upload(tamper(world.signed_bytes(world.sign(profile))))
    return Case({"S3Bucket": world.bucket, "S3Key": key}, world.csc(policy, [profile.version_arn]))


def _not_allowed(world: World, policy: str) -> Case:
    signed_by, allowed = world.profile(), world.profile()
    job = world.sign(signed_by)
    return Case(job.code, world.csc(policy, [allowed.version_arn]))


def _revoked_signature(world: World, policy: str) -> Case:
    profile = world.profile()
    job = world.sign(profile)
    world.clients.signer.revoke_signature(jobId=job.job_id, reason="compromised build")
    return Case(job.code, world.csc(policy, [profile.version_arn]))


def _revoked_profile(world: World, policy: str) -> Case:
    profile = world.profile()
    job = world.sign(profile)
    world.clients.signer.revoke_signing_profile(
        profileName=profile.name,
        profileVersion=profile.version,
        reason="key compromised",
        effectiveTime=datetime.now(UTC) - timedelta(hours=1),
    )
    return Case(job.code, world.csc(policy, [profile.version_arn]))


def _expired(world: World, policy: str) -> Case:
    profile = world.profile({"value": 1, "type": "DAYS"})
    job = world.sign(profile)
    case = Case(job.code, world.csc(policy, [profile.version_arn]))
    case.clock_offset_seconds = timedelta(days=2).total_seconds()
    return case


UNTRUSTED: dict[str, Callable[[World, str], Case]] = {
    "unsigned": _unsigned,
    "not-allowed-publisher": _not_allowed,
    "revoked-signature": _revoked_signature,
    "revoked-profile": _revoked_profile,
    "expired": _expired,
}


def _deploy(world: World, endpoint: str, case: Case) -> Any:
    if case.clock_offset_seconds:
        set_clock_offset(endpoint, case.clock_offset_seconds)
    try:
        return world.create_function(case.code, case.csc_arn)
    finally:
        if case.clock_offset_seconds:
            set_clock_offset(endpoint, 0)


@pytest.mark.parametrize("policy", POLICIES)
def test_signed_package_deploys_with_signing_arns(
    world: World, clients: Clients, policy: str
) -> None:
    profile = world.profile()
    job = world.sign(profile)
    created = world.create_function(job.code, world.csc(policy, [profile.version_arn]))
    assert_required_members("lambda", "CreateFunction", created)
    function = clients.lambda_.get_function(FunctionName=created["FunctionName"])
    assert_required_members("lambda", "GetFunction", function)
    configuration = function["Configuration"]
    assert configuration["SigningJobArn"] == (
        f"arn:aws:signer:us-east-1:123456789012:/signing-jobs/{job.job_id}"
    )
    assert configuration["SigningProfileVersionArn"] == profile.version_arn
    assert configuration["CodeSha256"] == code_sha256(world.signed_bytes(job))


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("rule", sorted(UNTRUSTED))
def test_untrusted_package_is_rejected_under_enforce_and_deployed_unsigned_under_warn(
    world: World, local_aws_endpoint: str, clients: Clients, rule: str, policy: str
) -> None:
    case = UNTRUSTED[rule](world, policy)
    if policy == "Enforce":
        with pytest.raises(ClientError) as error:
            _deploy(world, local_aws_endpoint, case)
        assert error_code(error) == "CodeVerificationFailedException"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return
    created = _deploy(world, local_aws_endpoint, case)
    configuration = clients.lambda_.get_function(FunctionName=created["FunctionName"])[
        "Configuration"
    ]
    assert configuration.get("SigningJobArn") is None
    assert configuration.get("SigningProfileVersionArn") is None


@pytest.mark.parametrize("policy", POLICIES)
def test_tampered_package_is_rejected_under_any_policy(world: World, policy: str) -> None:
    case = _tampered(world, policy)
    with pytest.raises(ClientError) as error:
        world.create_function(case.code, case.csc_arn)
    assert error_code(error) == "InvalidCodeSignatureException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_package_comes_from_the_requested_object_version(world: World) -> None:
    profile = world.profile()
    signed = world.signed_bytes(world.sign(profile))
    key, signed_version = world.upload(signed)
    world.upload(tamper(signed), key=key)  # a later version overwrites the key
    csc = world.csc("Enforce", [profile.version_arn])

    pinned = world.create_function(
        {"S3Bucket": world.bucket, "S3Key": key, "S3ObjectVersion": signed_version}, csc
    )
    assert pinned["CodeSha256"] == code_sha256(signed)
    with pytest.raises(ClientError) as error:
        world.create_function({"S3Bucket": world.bucket, "S3Key": key}, csc)
    assert error_code(error) == "InvalidCodeSignatureException"


def test_zipfile_packages_are_validated_too(world: World) -> None:
    profile = world.profile()
    signed = world.signed_bytes(world.sign(profile))
    created = world.create_function(
        {"ZipFile": signed}, world.csc("Enforce", [profile.version_arn])
    )
    assert created["SigningProfileVersionArn"] == profile.version_arn
    assert created["CodeSha256"] == code_sha256(signed)


def test_update_function_code_is_validated(world: World, clients: Clients) -> None:
    profile = world.profile()
    first, second = world.sign(profile), world.sign(profile)
    name = world.create_function(first.code, world.csc("Enforce", [profile.version_arn]))[
        "FunctionName"
    ]
    unsigned_key, _ = world.upload(make_zip())
    with pytest.raises(ClientError) as error:
        clients.lambda_.update_function_code(
            FunctionName=name, S3Bucket=world.bucket, S3Key=unsigned_key
        )
    assert error_code(error) == "CodeVerificationFailedException"
    unchanged = clients.lambda_.get_function(FunctionName=name)["Configuration"]
    assert unchanged["CodeSha256"] == code_sha256(world.signed_bytes(first))

    updated = clients.lambda_.update_function_code(FunctionName=name, **second.code)
    assert_required_members("lambda", "UpdateFunctionCode", updated)
    assert updated["SigningJobArn"].endswith(second.job_id)
    assert updated["CodeSha256"] == code_sha256(world.signed_bytes(second))


def test_update_function_code_under_warn_clears_signing_arns(
    world: World, clients: Clients
) -> None:
    profile = world.profile()
    name = world.create_function(
        world.sign(profile).code, world.csc("Warn", [profile.version_arn])
    )["FunctionName"]
    updated = clients.lambda_.update_function_code(FunctionName=name, ZipFile=make_zip())
    assert updated.get("SigningJobArn") is None
    assert updated["CodeSha256"] == code_sha256(make_zip())


def test_layers_record_signing_and_are_validated(world: World, clients: Clients) -> None:
    profile = world.profile()
    job = world.sign(profile)
    signed_layer = clients.lambda_.publish_layer_version(LayerName="signed-layer", Content=job.code)
    assert_required_members("lambda", "PublishLayerVersion", signed_layer)
    assert signed_layer["Content"]["SigningJobArn"].endswith(job.job_id)
    assert signed_layer["Content"]["SigningProfileVersionArn"] == profile.version_arn
    got = clients.lambda_.get_layer_version(
        LayerName="signed-layer", VersionNumber=signed_layer["Version"]
    )
    assert_required_members("lambda", "GetLayerVersion", got)
    assert got["Content"]["SigningProfileVersionArn"] == profile.version_arn

    unsigned_layer = clients.lambda_.publish_layer_version(
        LayerName="unsigned-layer", Content={"ZipFile": make_zip()}
    )
    assert "SigningJobArn" not in unsigned_layer["Content"]

    enforce = world.csc("Enforce", [profile.version_arn])
    with pytest.raises(ClientError) as error:
        world.create_function(
            world.sign(profile).code, enforce, Layers=[unsigned_layer["LayerVersionArn"]]
        )
    assert error_code(error) == "CodeVerificationFailedException"

    name = world.create_function(world.sign(profile).code, enforce)["FunctionName"]
    with pytest.raises(ClientError) as error:
        clients.lambda_.update_function_configuration(
            FunctionName=name, Layers=[unsigned_layer["LayerVersionArn"]]
        )
    assert error_code(error) == "CodeVerificationFailedException"
    updated = clients.lambda_.update_function_configuration(
        FunctionName=name, Layers=[signed_layer["LayerVersionArn"]]
    )
    assert_required_members("lambda", "UpdateFunctionConfiguration", updated)
    assert updated["Layers"][0]["SigningProfileVersionArn"] == profile.version_arn
    assert updated["Layers"][0]["SigningJobArn"].endswith(job.job_id)

    warn = world.csc("Warn", [profile.version_arn])
    created = world.create_function(
        world.sign(profile).code, warn, Layers=[unsigned_layer["LayerVersionArn"]]
    )
    assert created["SigningProfileVersionArn"] == profile.version_arn
