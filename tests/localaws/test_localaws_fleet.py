"""Fleet listings and the seeding helper, on a server of their own (so counts are exact)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.process import AdminCallError
from localaws.testing import LocalAws, running_local_aws
from tests.localaws.localaws_support import assert_required_members, error_code

SEEDED_FUNCTIONS = 30


@pytest.fixture(scope="module")
def fleet_server() -> Iterator[LocalAws]:
    with running_local_aws(tls=False) as local:
        yield local


@pytest.fixture(scope="module")
def fleet(fleet_server: LocalAws) -> dict[str, Any]:
    return fleet_server.seed(SEEDED_FUNCTIONS, layers=2, prefix="fleet-")


def _pages(call: Any, key: str, **kwargs: Any) -> list[list[Any]]:
    """Every page of a Marker/NextMarker listing, following the markers by hand."""
    pages = []
    marker = None
    while True:
        reply = call(**kwargs, **({"Marker": marker} if marker else {}))
        pages.append(reply[key])
        marker = reply.get("NextMarker")
        if not marker:
            return pages


def test_seeded_functions_look_like_a_signed_deploy(
    fleet_server: LocalAws, fleet: dict[str, Any]
) -> None:
    lambda_, s3, signer = (fleet_server.client(s) for s in ("lambda", "s3", "signer"))
    assert len(fleet["functionNames"]) == SEEDED_FUNCTIONS
    signed = fleet["signedObject"]
    signed_bytes = s3.get_object(
        Bucket=signed["S3Bucket"], Key=signed["S3Key"], VersionId=signed["S3ObjectVersion"]
    )["Body"].read()
    expected_sha = base64.b64encode(hashlib.sha256(signed_bytes).digest()).decode()
    assert fleet["codeSha256"] == expected_sha

    job = signer.describe_signing_job(jobId=fleet["signingJobArn"].rsplit("/", 1)[-1])
    assert job["status"] == "Succeeded"
    assert job["signedObject"]["s3"]["key"] == signed["S3Key"]
    assert job["profileName"] == fleet["profileName"]

    layer_jobs = set()
    for layer_arn in fleet["layerVersionArns"]:
        content = lambda_.get_layer_version_by_arn(Arn=layer_arn)["Content"]
        assert content["SigningProfileVersionArn"] == fleet["profileVersionArn"]
        layer_jobs.add(content["SigningJobArn"])

    for name in (fleet["functionNames"][0], fleet["functionNames"][-1]):
        got = lambda_.get_function(FunctionName=name)
        assert_required_members("lambda", "GetFunction", got)
        versions = lambda_.list_versions_by_function(FunctionName=name)["Versions"]
        assert [v["Version"] for v in versions] == ["$LATEST", "1"]
        for configuration in versions:
            assert configuration["CodeSha256"] == expected_sha
            assert configuration["SigningJobArn"] == fleet["signingJobArn"]
            assert configuration["SigningProfileVersionArn"] == fleet["profileVersionArn"]
            assert [entry["Arn"] for entry in configuration["Layers"]] == fleet["layerVersionArns"]
            assert {entry["SigningJobArn"] for entry in configuration["Layers"]} == layer_jobs
        csc = lambda_.get_function_code_signing_config(FunctionName=name)
        assert csc["CodeSigningConfigArn"] == fleet["codeSigningConfigArn"]
    config = lambda_.get_code_signing_config(CodeSigningConfigArn=fleet["codeSigningConfigArn"])
    policies = config["CodeSigningConfig"]["CodeSigningPolicies"]
    assert policies["UntrustedArtifactOnDeployment"] == "Enforce"


def test_list_functions_all_pages_every_version(
    fleet_server: LocalAws, fleet: dict[str, Any]
) -> None:
    lambda_ = fleet_server.client("lambda")
    pages = _pages(lambda_.list_functions, "Functions", FunctionVersion="ALL", MaxItems=7)
    assert all(len(page) <= 7 for page in pages) and len(pages) > 1
    entries = [fn for page in pages for fn in page]
    arns = [fn["FunctionArn"] for fn in entries]
    assert len(arns) == len(set(arns))
    expected = {f"{name}:{q}" for name in fleet["functionNames"] for q in ("$LATEST", "1")}
    assert {arn.split(":function:")[1] for arn in arns} == expected
    for fn in entries:
        assert fn["CodeSha256"] == fleet["codeSha256"]
        assert fn["SigningJobArn"] == fleet["signingJobArn"]
        assert fn["SigningProfileVersionArn"] == fleet["profileVersionArn"]
        assert fn["PackageType"] == "Zip"
        assert [entry["Arn"] for entry in fn["Layers"]] == fleet["layerVersionArns"]
        assert all(entry["SigningJobArn"] for entry in fn["Layers"])
    first = lambda_.list_functions(FunctionVersion="ALL", MaxItems=7)
    assert_required_members("lambda", "ListFunctions", first)


def test_list_functions_returns_at_most_50_a_page(fleet_server: LocalAws, fleet: Any) -> None:
    lambda_ = fleet_server.client("lambda")
    pages = _pages(lambda_.list_functions, "Functions", FunctionVersion="ALL", MaxItems=1000)
    assert [len(page) for page in pages] == [50, 2 * SEEDED_FUNCTIONS - 50]
    latest = [fn for page in _pages(lambda_.list_functions, "Functions") for fn in page]
    assert sorted(fn["FunctionName"] for fn in latest) == sorted(fleet["functionNames"])
    assert {fn["Version"] for fn in latest} == {"$LATEST"}


def test_paginators_follow_next_marker(fleet_server: LocalAws, fleet: dict[str, Any]) -> None:
    lambda_ = fleet_server.client("lambda")
    pages = lambda_.get_paginator("list_functions").paginate(
        FunctionVersion="ALL", PaginationConfig={"PageSize": 9}
    )
    assert sum(len(page["Functions"]) for page in pages) == 2 * SEEDED_FUNCTIONS
    arns = lambda_.get_paginator("list_functions_by_code_signing_config").paginate(
        CodeSigningConfigArn=fleet["codeSigningConfigArn"], PaginationConfig={"PageSize": 4}
    )
    listed = [arn for page in arns for arn in page["FunctionArns"]]
    assert sorted(arn.split(":")[-1] for arn in listed) == sorted(fleet["functionNames"])


def test_list_functions_by_code_signing_config_pages(
    fleet_server: LocalAws, fleet: dict[str, Any]
) -> None:
    lambda_ = fleet_server.client("lambda")
    pages = _pages(
        lambda_.list_functions_by_code_signing_config,
        "FunctionArns",
        CodeSigningConfigArn=fleet["codeSigningConfigArn"],
        MaxItems=7,
    )
    assert [len(page) for page in pages] == [7, 7, 7, 7, SEEDED_FUNCTIONS - 28]
    arns = [arn for page in pages for arn in page]
    assert sorted(arn.split(":")[-1] for arn in arns) == sorted(fleet["functionNames"])


def test_list_versions_by_function_pages(fleet_server: LocalAws, fleet: dict[str, Any]) -> None:
    lambda_ = fleet_server.client("lambda")
    name = fleet["functionNames"][0]
    pages = _pages(lambda_.list_versions_by_function, "Versions", FunctionName=name, MaxItems=1)
    assert [[v["Version"] for v in page] for page in pages] == [["$LATEST"], ["1"]]


def test_a_foreign_or_broken_marker_is_invalid(fleet_server: LocalAws, fleet: Any) -> None:
    lambda_ = fleet_server.client("lambda")
    marker = lambda_.list_functions(FunctionVersion="ALL", MaxItems=1)["NextMarker"]
    for call in (
        lambda: lambda_.list_functions(Marker=marker),  # issued for FunctionVersion=ALL
        lambda: lambda_.list_functions(Marker="not-a-marker"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert error_code(error) == "InvalidParameterValueException"


def test_seed_rejects_bad_requests(fleet_server: LocalAws) -> None:
    for payload in (
        {"functions": 0},
        {"functions": 2, "layers": 9},
        {"functions": 1, "x": 1},
        {"functions": 1, "prefix": "a" * 21},
        {"functions": 1, "prefix": "no spaces"},
    ):
        with pytest.raises(AdminCallError) as error:
            fleet_server.admin("POST", "seed", payload)
        assert error.value.status == 400, payload


def test_seed_command_line() -> None:
    # A server of its own: the fleet server's counts must stay exact.
    with running_local_aws(tls=False) as local:
        _seed_from_the_command_line(local)


def _seed_from_the_command_line(server: LocalAws) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "localaws",
            "seed",
            "--functions",
            "3",
            "--prefix",
            "cli-",
            "--endpoint-url",
            server.endpoint_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["functions"] == 3
    assert "seeded 3 functions" in result.stderr
    got = server.client("lambda").get_function(FunctionName=summary["firstFunction"])
    assert got["Configuration"]["SigningJobArn"] == summary["signingJobArn"]
