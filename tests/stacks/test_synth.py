"""Concrete properties of the synthesized stack (one synth per session)."""

from __future__ import annotations

from typing import Any

from stacks.config import LAMBDA_SIGNING_PLATFORM, PROVIDER_VERSION_CONSTRAINT
from tests.conftest import Synth


def resources(synth: Synth, kind: str) -> dict[str, dict[str, Any]]:
    found = synth.config["resource"].get(kind, {})
    return {name: {k: v for k, v in body.items() if k != "//"} for name, body in found.items()}


def only(synth: Synth, kind: str) -> tuple[str, dict[str, Any]]:
    found = resources(synth, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def ref(kind: str, name: str, attribute: str) -> str:
    return "${" + f"{kind}.{name}.{attribute}" + "}"


def test_provider_constraint_accepts_mirrored_5x_and_current_6x(synth: Synth) -> None:
    aws = synth.config["terraform"]["required_providers"]["aws"]
    assert aws["version"] == PROVIDER_VERSION_CONSTRAINT == ">= 5.100, < 7"
    assert aws["source"] in {"aws", "hashicorp/aws"}


def test_default_backend_is_local(synth: Synth) -> None:
    assert list(synth.config["terraform"]["backend"]) == ["local"]


def test_bucket_versioning_is_enabled(synth: Synth) -> None:
    bucket, _ = only(synth, "aws_s3_bucket")
    _, versioning = only(synth, "aws_s3_bucket_versioning")
    assert versioning["bucket"] == ref("aws_s3_bucket", bucket, "id")
    assert versioning["versioning_configuration"] == {"status": "Enabled"}


def test_bucket_default_encryption(synth: Synth) -> None:
    _, encryption = only(synth, "aws_s3_bucket_server_side_encryption_configuration")
    rule = encryption["rule"][0]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}


def test_bucket_blocks_all_public_access_and_enforces_ownership(synth: Synth) -> None:
    _, block = only(synth, "aws_s3_bucket_public_access_block")
    assert {k: block[k] for k in block if k != "bucket"} == {
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    _, ownership = only(synth, "aws_s3_bucket_ownership_controls")
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


def test_bucket_policy_denies_insecure_transport(synth: Synth) -> None:
    import json

    _, policy = only(synth, "aws_s3_bucket_policy")
    document = json.loads(policy["policy"])
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_signing_profile_platform_and_explicit_validity(synth: Synth) -> None:
    _, profile = only(synth, "aws_signer_signing_profile")
    assert profile["platform_id"] == LAMBDA_SIGNING_PLATFORM
    assert profile["signature_validity_period"] == {"type": "MONTHS", "value": 135}


def test_code_signing_config_enforces_and_trusts_the_profile_version(synth: Synth) -> None:
    profile, _ = only(synth, "aws_signer_signing_profile")
    _, csc = only(synth, "aws_lambda_code_signing_config")
    assert csc["policies"] == {"untrusted_artifact_on_deployment": "Enforce"}
    assert csc["allowed_publishers"] == {
        "signing_profile_version_arns": [ref("aws_signer_signing_profile", profile, "version_arn")]
    }


def test_two_functions_each_with_its_own_upload_job_role_and_log_group(synth: Synth) -> None:
    for kind in (
        "aws_lambda_function",
        "aws_s3_object",
        "aws_signer_signing_job",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_cloudwatch_log_group",
    ):
        assert len(resources(synth, kind)) == 2, kind
    names = sorted(f["function_name"] for f in resources(synth, "aws_lambda_function").values())
    assert names == ["signed-lambda-audit", "signed-lambda-hello"]


def test_signing_job_signs_the_uploaded_object_version(synth: Synth) -> None:
    bucket, _ = only(synth, "aws_s3_bucket")
    objects = resources(synth, "aws_s3_object")
    for job in resources(synth, "aws_signer_signing_job").values():
        source = job["source"]["s3"]
        (object_name,) = [
            name for name in objects if source["key"] == ref("aws_s3_object", name, "key")
        ]
        assert source["version"] == ref("aws_s3_object", object_name, "version_id")
        assert source["bucket"] == ref("aws_s3_bucket", bucket, "id")
        assert job["destination"]["s3"]["prefix"].startswith("signed/")
        assert job["ignore_signing_job_failure"] is False
        assert job["profile_name"].startswith("${aws_signer_signing_profile.")


def test_unsigned_packages_are_content_addressed_under_their_own_prefix(synth: Synth) -> None:
    for obj in resources(synth, "aws_s3_object").values():
        assert obj["key"].startswith("unsigned/")
        assert obj["key"].endswith(f"/{obj['source_hash']}.zip")
        assert (synth.stack_dir / obj["source"]).is_file()


def test_functions_run_the_signed_object_under_the_code_signing_config(synth: Synth) -> None:
    csc, _ = only(synth, "aws_lambda_code_signing_config")
    jobs = resources(synth, "aws_signer_signing_job")
    for function in resources(synth, "aws_lambda_function").values():
        assert function["code_signing_config_arn"] == ref(
            "aws_lambda_code_signing_config", csc, "arn"
        )
        (job,) = [j for j in jobs if f"aws_signer_signing_job.{j}." in function["s3_key"]]
        assert function["s3_bucket"] == ref(
            "aws_signer_signing_job", job, "signed_object[0].s3[0].bucket"
        )
        assert function["s3_key"] == ref(
            "aws_signer_signing_job", job, "signed_object[0].s3[0].key"
        )
        assert "filename" not in function and "image_uri" not in function


def test_function_role_may_only_write_its_own_logs(synth: Synth) -> None:
    import json

    groups = resources(synth, "aws_cloudwatch_log_group")
    for policy in resources(synth, "aws_iam_role_policy").values():
        (statement,) = json.loads(policy["policy"])["Statement"]
        assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert any(
            statement["Resource"] == ref("aws_cloudwatch_log_group", g, "arn") + ":*"
            for g in groups
        )


def test_outputs_carry_everything_the_verifier_needs(synth: Synth) -> None:
    manifest = synth.config["output"]["manifest"]["value"]
    assert set(manifest) == {
        "schema_version",
        "region",
        "bucket",
        "signing_profile_name",
        "signing_profile_version_arn",
        "platform_id",
        "code_signing_config_arn",
        "expected_policy",
        "functions",
    }
    assert manifest["expected_policy"] == "Enforce"
    assert manifest["region"] == "us-east-1"
    assert set(manifest["functions"]) == {"hello", "audit"}
    for entry in manifest["functions"].values():
        assert set(entry) == {
            "function_name",
            "function_arn",
            "signing_job_id",
            "unsigned_key",
            "unsigned_version",
            "signed_bucket",
            "signed_key",
        }


# --- A non-default config: Warn, a remote backend, three functions ------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.conftest import STACK_NAME, run_synth  # noqa: E402


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("custom")
    config = {
        "untrusted_artifact_policy": "Warn",
        "region": "eu-west-1",
        "backend": {"bucket": "team-tf-state", "key": "apps/signed.tfstate"},
        "functions": [
            {"key": "hello"},
            {"key": "audit"},
            {"key": "hello-again", "source_dir": "functions/hello", "memory_mb": 256},
        ],
    }
    (root / "config.json").write_text(json.dumps(config))
    result = run_synth(root / "out", {"SIGNED_LAMBDA_CONFIG": str(root / "config.json")})
    assert result.returncode == 0, result.stderr
    return json.loads((Path(root / "out") / "stacks" / STACK_NAME / "cdk.tf.json").read_text())


def test_custom_policy_region_and_functions(custom: dict[str, Any]) -> None:
    (csc,) = custom["resource"]["aws_lambda_code_signing_config"].values()
    assert csc["policies"] == {"untrusted_artifact_on_deployment": "Warn"}
    assert custom["provider"]["aws"][0]["region"] == "eu-west-1"
    functions = custom["resource"]["aws_lambda_function"].values()
    assert sorted(f["function_name"] for f in functions) == [
        "signed-lambda-audit",
        "signed-lambda-hello",
        "signed-lambda-hello-again",
    ]
    assert len(custom["resource"]["aws_signer_signing_profile"]) == 1
    assert custom["output"]["manifest"]["value"]["expected_policy"] == "Warn"


def test_remote_backend_with_lockfile(custom: dict[str, Any]) -> None:
    assert custom["terraform"]["backend"] == {
        "s3": {
            "bucket": "team-tf-state",
            "key": "apps/signed.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }
