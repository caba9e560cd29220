"""The real Terraform binary and AWS provider on the synthesized stack: init from the local
mirror, validate, and a plan against the local AWS whose JSON is asserted, then checkov."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from localaws.testing import LocalAws
from stacks.config import StackConfig
from tests.conftest import (
    LOCAL_CREDENTIALS,
    REPO_ROOT,
    Synth,
    terraform,
    terraform_workdir,
)


@pytest.fixture(scope="module")
def initialized(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = terraform_workdir(synth, tmp_path_factory.mktemp("tf") / "stack")
    terraform(workdir, "init", "-input=false", "-no-color")
    return workdir


@pytest.fixture(scope="module")
def plan(initialized: Path, local_aws: LocalAws) -> dict[str, Any]:
    env = {**local_aws.env(), **LOCAL_CREDENTIALS}
    terraform(initialized, "plan", "-input=false", "-no-color", "-out=tfplan", env=env)
    shown = terraform(initialized, "show", "-json", "tfplan", env=env)
    (initialized / "plan.json").write_text(shown.stdout)
    return json.loads(shown.stdout)


def test_init_uses_a_provider_both_majors_allow(initialized: Path) -> None:
    lock = (initialized / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    version = lock.split('version     = "', 1)[1].split('"', 1)[0]
    assert 5 <= int(version.split(".")[0]) <= 6


def test_validate(initialized: Path) -> None:
    result = terraform(initialized, "validate", "-json", "-no-color")
    assert json.loads(result.stdout)["valid"] is True


def planned(plan: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in plan["planned_values"]["root_module"]["resources"] if r["type"] == kind]


def references(plan: dict[str, Any], address: str, attribute: str) -> list[str]:
    for resource in plan["configuration"]["root_module"]["resources"]:
        if resource["address"] == address:
            expression = resource["expressions"][attribute]
            return list(expression.get("references", []))
    raise AssertionError(f"{address} not in plan configuration")


def nested_references(plan: dict[str, Any], address: str, *path: str) -> list[str]:
    for resource in plan["configuration"]["root_module"]["resources"]:
        if resource["address"] == address:
            node: Any = resource["expressions"]
            for step in path:
                node = node[0] if isinstance(node, list) else node
                node = node[step]
            return list(node.get("references", []))
    raise AssertionError(f"{address} not in plan configuration")


def test_plan_creates_every_resource_for_the_functions_and_layers(plan: dict[str, Any]) -> None:
    config = StackConfig()
    functions, layers = len(config.functions), len(config.layers)
    counts: dict[str, int] = {}
    for change in plan["resource_changes"]:
        assert change["change"]["actions"] == ["create"], change["address"]
        counts[change["type"]] = counts.get(change["type"], 0) + 1
    assert (functions, layers) == (2, 1)
    assert counts == {
        "aws_s3_bucket": 1,
        "aws_s3_bucket_versioning": 1,
        "aws_s3_bucket_server_side_encryption_configuration": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_ownership_controls": 1,
        "aws_s3_bucket_policy": 1,
        "aws_signer_signing_profile": 1,
        "aws_lambda_code_signing_config": 1,
        "aws_s3_object": functions + layers,
        "aws_signer_signing_job": functions + layers,
        "aws_iam_role": functions,
        "aws_iam_role_policy": functions,
        "aws_cloudwatch_log_group": functions,
        "aws_lambda_function": functions,
        "aws_lambda_layer_version": layers,
    }


def test_plan_values_pin_the_security_defaults(plan: dict[str, Any]) -> None:
    (csc,) = planned(plan, "aws_lambda_code_signing_config")
    assert csc["values"]["policies"] == [{"untrusted_artifact_on_deployment": "Enforce"}]
    (versioning,) = planned(plan, "aws_s3_bucket_versioning")
    assert versioning["values"]["versioning_configuration"][0]["status"] == "Enabled"
    (profile,) = planned(plan, "aws_signer_signing_profile")
    assert profile["values"]["platform_id"] == "AWSLambda-SHA384-ECDSA"
    for job in planned(plan, "aws_signer_signing_job"):
        assert job["values"]["ignore_signing_job_failure"] is False


def test_plan_wiring_job_source_version_and_function_code(plan: dict[str, Any]) -> None:
    for job in planned(plan, "aws_signer_signing_job"):
        refs = nested_references(plan, job["address"], "source", "s3", "version")
        assert any(r.endswith(".version_id") and r.startswith("aws_s3_object.") for r in refs)
    (csc,) = planned(plan, "aws_lambda_code_signing_config")
    for function in planned(plan, "aws_lambda_function"):
        assert f"{csc['address']}.arn" in references(
            plan, function["address"], "code_signing_config_arn"
        )
        key_refs = references(plan, function["address"], "s3_key")
        assert any(".signed_object[0].s3[0].key" in r for r in key_refs), key_refs
    for layer in planned(plan, "aws_lambda_layer_version"):
        key_refs = references(plan, layer["address"], "s3_key")
        assert any(".signed_object[0].s3[0].key" in r for r in key_refs), key_refs
        assert layer["values"]["compatible_runtimes"] == ["python3.12"]
    (hello,) = [f for f in planned(plan, "aws_lambda_function") if f["name"].startswith("fn-hello")]
    layer_refs = references(plan, hello["address"], "layers")
    assert any(r.startswith("aws_lambda_layer_version.") for r in layer_refs), layer_refs
    for function in planned(plan, "aws_lambda_function"):
        assert function["values"]["architectures"] == ["x86_64"]


def test_checkov_on_the_plan_has_no_failed_checks(
    plan: dict[str, Any], initialized: Path, record_property: Any
) -> None:
    checkov = REPO_ROOT / ".venv-tools" / "bin" / "checkov"
    if not checkov.exists():
        pytest.fail("checkov is not installed: run `make install`")
    result = subprocess.run(
        [
            str(checkov),
            "--config-file",
            str(REPO_ROOT / ".checkov.yaml"),
            "-f",
            str(initialized / "plan.json"),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(initialized), "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 0
    # The signing check itself must be among those that ran and passed.
    passed_ids = {c["check_id"] for c in report["results"]["passed_checks"]}
    assert "CKV_AWS_272" in passed_ids
    # Shown in the run's "measurements" section (tests never write into the checkout).
    record_property("measure: checkov on the plan", json.dumps(summary, sort_keys=True))
