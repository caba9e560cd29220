"""The strict response parsers (verifier.evidence.parse), shared by both collectors: each shape
parses to the builders' evidence, and a field AWS documents that is missing or mistyped is a
ResponseError, which the access layer turns into Unavailable evidence, never a default."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.verifier import builders as b
from tests.verifier.aws_stubs import CODE_SIGNING_CONFIG, configuration, session
from verifier.collect.aws import AwsReader
from verifier.evidence import parse
from verifier.evidence.model import (
    LATEST,
    AliasEvidence,
    ObjectVersionEvidence,
    RevocationEvidence,
    Unavailable,
)
from verifier.evidence.parse import ResponseError

CSC_RESPONSE = CODE_SIGNING_CONFIG
LAYER_RESPONSE: dict[str, Any] = {
    "LayerVersionArn": b.LAYER_VERSION_ARN,
    "Content": {
        "CodeSha256": b.LAYER_SHA256,
        "SigningJobArn": b.LAYER_JOB_ARN,
        "SigningProfileVersionArn": b.PROFILE_VERSION_ARN,
    },
}
PROFILE_RESPONSE: dict[str, Any] = {
    "profileName": b.PROFILE_NAME,
    "profileVersion": b.PROFILE_VERSION,
    "profileVersionArn": b.PROFILE_VERSION_ARN,
    "status": "Active",
}


def without(document: dict[str, Any], dotted: str) -> dict[str, Any]:
    """A deep copy of ``document`` without the key at ``dotted`` ("a.b.c")."""
    copy = json.loads(json.dumps(document, default=str))
    *parents, last = dotted.split(".")
    node = copy
    for key in parents:
        node = node[key]
    del node[last]
    return copy


def response_error(parser: Any, document: Any) -> str:
    with pytest.raises(ResponseError) as raised:
        parser(document)
    return str(raised.value)


# --- Lambda ------------------------------------------------------------------------------------


def test_a_function_configuration_parses_to_the_builders_code_path() -> None:
    assert parse.code_path(configuration(b.latest())) == b.latest()
    assert parse.code_path(configuration(b.code_path("1"))) == b.code_path("1")


def test_file_systems_and_an_absent_environment() -> None:
    efs = f"arn:aws:elasticfilesystem:{b.REGION}:{b.ACCOUNT}:access-point/fsap-0123456789abcdef0"
    item = configuration(b.latest(file_systems=(efs,)))
    del item["Environment"]  # a function without variables has none
    parsed = parse.code_path(item)
    assert parsed.file_systems == (efs,) and parsed.environment == ()


def test_unvalidated_code_has_no_signing_arns() -> None:
    item = without(configuration(b.latest()), "SigningJobArn")
    item["SigningProfileVersionArn"] = ""
    parsed = parse.code_path(item)
    assert (parsed.signing_job_arn, parsed.signing_profile_version_arn) == (None, None)


@pytest.mark.parametrize(
    "field",
    ["CodeSha256", "Architectures", "FunctionArn", "Version", "PackageType", "FunctionName"],
)
def test_a_code_path_without_a_documented_field_is_an_error_never_a_default(field: str) -> None:
    line = response_error(parse.code_path, without(configuration(b.latest()), field))
    assert line == f"FunctionConfiguration: {field} is missing"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"Architectures": []}, "Architectures is not a list of strings"),
        ({"Architectures": "x86_64"}, "Architectures is not a list"),
        ({"CodeSha256": ""}, "CodeSha256 is not a non-empty string"),
        ({"Environment": {"Variables": {"A": 1}}}, "Environment.Variables.A is not a string"),
        (
            {"Environment": {"Error": {"ErrorCode": "KMSAccessDeniedException"}}},
            "Environment could not be read (KMSAccessDeniedException)",
        ),
        ({"Layers": [{"CodeSize": 1}]}, "Arn is missing"),
        ({"FileSystemConfigs": [{"LocalMountPath": "/mnt"}]}, "Arn is missing"),
    ],
    ids=[
        "no-architectures",
        "architectures-string",
        "empty-sha",
        "variable-number",
        "kms-error",
        "layer-without-arn",
        "file-system-without-arn",
    ],
)
def test_a_malformed_code_path_names_the_field(change: dict[str, Any], problem: str) -> None:
    assert problem in response_error(parse.code_path, {**configuration(b.latest()), **change})


def test_variables_the_function_cannot_decrypt_are_unknown_not_empty() -> None:
    """Lambda reports Environment.Error when KMS cannot decrypt: what runs is unknown."""
    item = {**configuration(b.latest()), "Environment": {"Error": {"Message": "denied"}}}
    assert "Environment could not be read" in response_error(parse.code_path, item)


def test_versions_only_drops_latest_and_orders_by_number() -> None:
    items = [configuration(b.code_path(v)) for v in ("10", "2")] + [configuration(b.latest())]
    assert [p.version for p in parse.versions_only(items)] == ["2", "10"]
    assert parse.version_order(b.latest()) < parse.version_order(b.code_path("1"))
    assert LATEST not in [p.version for p in parse.versions_only(items)]


def test_a_csc_parses_to_the_builders_csc() -> None:
    assert parse.csc(CSC_RESPONSE) == b.csc()


@pytest.mark.parametrize(
    ("field", "shape"),
    [
        ("CodeSigningPolicies", "CodeSigningConfig"),
        (
            "CodeSigningPolicies.UntrustedArtifactOnDeployment",
            "CodeSigningConfig.CodeSigningPolicies",
        ),
        ("AllowedPublishers", "CodeSigningConfig"),
        ("AllowedPublishers.SigningProfileVersionArns", "CodeSigningConfig.AllowedPublishers"),
        ("CodeSigningConfigArn", "CodeSigningConfig"),
    ],
)
def test_a_csc_without_its_policy_or_publishers_is_an_error_never_warn(
    field: str, shape: str
) -> None:
    name = field.rsplit(".", 1)[-1]
    assert response_error(parse.csc, without(CSC_RESPONSE, field)) == f"{shape}: {name} is missing"


def test_a_csc_with_publishers_that_are_not_strings_is_an_error() -> None:
    bad = {**CSC_RESPONSE, "AllowedPublishers": {"SigningProfileVersionArns": [1]}}
    assert "SigningProfileVersionArns is not strings" in response_error(parse.csc, bad)


def test_a_layer_version_parses_and_needs_its_code_sha256() -> None:
    assert parse.layer_version(LAYER_RESPONSE) == b.layer_version()
    line = response_error(parse.layer_version, without(LAYER_RESPONSE, "Content.CodeSha256"))
    assert line == "GetLayerVersionResponse.Content: CodeSha256 is missing"
    assert "Content is missing" in response_error(
        parse.layer_version, without(LAYER_RESPONSE, "Content")
    )


def test_an_alias_with_weights() -> None:
    item = {
        "Name": "canary",
        "FunctionVersion": "1",
        "RoutingConfig": {"AdditionalVersionWeights": {"3": 0.05, "2": 0.1}},
    }
    assert parse.alias(item) == AliasEvidence("canary", "1", (("2", 0.1), ("3", 0.05)))
    assert parse.alias({"Name": "live", "FunctionVersion": "1"}) == AliasEvidence("live", "1")
    bad = {**item, "RoutingConfig": {"AdditionalVersionWeights": {"2": "ten"}}}
    assert "AdditionalVersionWeights.2 is not a number" in response_error(parse.alias, bad)
    assert "FunctionVersion is missing" in response_error(parse.alias, {"Name": "live"})


# --- Signer ------------------------------------------------------------------------------------


def test_a_profile_parses_with_its_revocation_record() -> None:
    assert parse.profile(PROFILE_RESPONSE) == b.profile()
    effective = b.COMPLETED_AT + timedelta(hours=1)
    revoked = {
        **PROFILE_RESPONSE,
        "status": "Revoked",
        "revocationRecord": {"revocationEffectiveFrom": effective, "revokedAt": b.NOW},
    }
    assert parse.profile(revoked) == b.profile(
        status="Revoked", revocation_effective_from=effective, revoked_at=b.NOW
    )


@pytest.mark.parametrize("field", ["profileVersionArn", "profileVersion", "status"])
def test_a_profile_without_its_version_or_status_is_an_error(field: str) -> None:
    line = response_error(parse.profile, without(PROFILE_RESPONSE, field))
    assert line == f"GetSigningProfileResponse: {field} is missing"


def test_revoked_entities() -> None:
    arn = b.PROFILE_VERSION_ARN
    assert parse.revoked_entities({"revokedEntities": [arn]}) == {arn}
    assert parse.revoked_entities({}) == frozenset()
    assert "not a list of strings" in response_error(
        parse.revoked_entities, {"revokedEntities": [1]}
    )


def test_boto3_response_parses_to_the_job() -> None:
    assert parse.signing_job(b.describe_signing_job(), "response") == b.job()


def test_aws_cli_spellings_parse_to_the_same_job() -> None:
    """ISO 8601 strings (AWS CLI v2) and epoch seconds (v1) are the same moments."""
    cli = b.describe_signing_job()
    job = b.job()
    assert job.created_at and job.completed_at and job.signature_expires_at
    cli["createdAt"] = job.created_at.isoformat().replace("+00:00", "Z")
    cli["completedAt"] = job.completed_at.timestamp()
    cli["signatureExpiresAt"] = str(job.signature_expires_at.timestamp())
    assert parse.signing_job(json.loads(json.dumps(cli)), "job.json") == job


def test_revocation_record_and_the_listing_flag_are_read() -> None:
    response = {
        **b.describe_signing_job(),
        "revocationRecord": {"reason": "leaked", "revokedAt": "2026-11-20T00:00:00Z"},
        "isRevoked": True,
    }
    parsed = parse.signing_job(response, "response", job_arn=b.JOB_ARN)
    assert parsed.revocation == RevocationEvidence(
        "leaked", datetime(2026, 11, 20, tzinfo=UTC), None
    )
    assert parsed.listed_revoked is True and parsed.job_arn == b.JOB_ARN


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"profileName": None}, "response: profileName is missing"),
        ({"source": "s3://x"}, "response: source must be an object, not a string"),
        ({"completedAt": "yesterday"}, "response: completedAt is not a timestamp ('yesterday')"),
        ({"signedObject": {"s3": []}}, "response: signedObject.s3 must be an object, not an array"),
        ({"status": 3}, "response: status must be a string, not a number"),
    ],
    ids=["missing", "mistyped", "timestamp", "nested", "status"],
)
def test_malformed_job_names_the_key(change: dict[str, Any], named: str) -> None:
    response = {k: v for k, v in {**b.describe_signing_job(), **change}.items() if v is not None}
    with pytest.raises(ResponseError) as raised:
        parse.signing_job(response, "response")
    assert str(raised.value) == named


# --- S3 ----------------------------------------------------------------------------------------


def test_object_versions_newest_first_with_delete_markers() -> None:
    t = b.COMPLETED_AT
    pages = [
        {
            "Versions": [
                {"Key": "k", "VersionId": "v1", "IsLatest": False, "LastModified": t, "Size": 3},
                {
                    "Key": "k",
                    "VersionId": None,
                    "IsLatest": False,
                    "LastModified": t - timedelta(1),
                },
            ],
            "DeleteMarkers": [
                {"Key": "k", "VersionId": "dm", "IsLatest": True, "LastModified": t + timedelta(1)}
            ],
        },
        {"Versions": [{"Key": "k2", "VersionId": "x", "IsLatest": True, "LastModified": t}]},
    ]
    found = parse.object_versions(pages)
    assert [(key, v.version_id) for key, v in found] == [
        ("k", "dm"),
        ("k2", "x"),
        ("k", "v1"),
        ("k", "null"),
    ]
    assert found[0][1] == ObjectVersionEvidence("dm", t + timedelta(1), True, is_delete_marker=True)
    assert found[2][1].size == 3
    assert "Key is missing" in response_error(
        parse.object_versions, [{"Versions": [{"VersionId": "v"}]}]
    )


# --- a ResponseError is Unavailable evidence -------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "parser", "document"),
    [
        ("GetCodeSigningConfig", parse.csc, without(CSC_RESPONSE, "CodeSigningPolicies")),
        ("GetFunction", parse.code_path, without(configuration(b.latest()), "CodeSha256")),
        ("GetFunction", parse.code_path, without(configuration(b.latest()), "Architectures")),
        ("GetLayerVersion", parse.layer_version, without(LAYER_RESPONSE, "Content.CodeSha256")),
        ("GetSigningProfile", parse.profile, without(PROFILE_RESPONSE, "profileVersionArn")),
    ],
    ids=["csc-without-policy", "no-code-sha256", "no-architectures", "layer", "profile"],
)
def test_the_access_layer_turns_a_response_error_into_unavailable(
    operation: str, parser: Any, document: Any
) -> None:
    aws = AwsReader(session(), region=b.REGION, max_attempts=1)
    found = aws.call(operation, "thing", "id", lambda: parser(document))
    assert isinstance(found, Unavailable)
    assert found.operation == operation
    assert found.reason.startswith("unexpected response: ") and "is missing" in found.reason
