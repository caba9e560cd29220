"""Concrete properties of the synthesized stack (one synth per session)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from stacks.config import PROVIDER_VERSION_CONSTRAINT, StackConfig
from stacks.packages import function_build, layer_build
from tests.conftest import CUSTOM_CONFIG, REPO_ROOT, STACK_NAME, Synth
from verifier.contract.manifest import (
    LAMBDA_SIGNING_PLATFORM,
    SCHEMA_VERSION,
    FunctionManifest,
    LayerManifest,
    Manifest,
    environment_digest,
)
from verifier.package import BuildSpec, build_package, package_sha256

#: The config the session's synth fixture builds (the committed signed-lambda.json, which
#: restates defaults only: tests/stacks/test_config.py).
DEFAULT = StackConfig()


def resources(synth: Synth, kind: str) -> dict[str, dict[str, Any]]:
    found = synth.config["resource"].get(kind, {})
    return {name: {k: v for k, v in body.items() if k != "//"} for name, body in found.items()}


def only(synth: Synth, kind: str) -> tuple[str, dict[str, Any]]:
    found = resources(synth, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def ref(kind: str, name: str, attribute: str) -> str:
    return "${" + f"{kind}.{name}.{attribute}" + "}"


def at(config: dict[str, Any], kind: str, construct_path: str) -> tuple[str, dict[str, Any]]:
    """The one resource of ``kind`` whose construct path is ``stack/construct_path``."""
    found = [
        (name, body)
        for name, body in config["resource"].get(kind, {}).items()
        if body["//"]["metadata"]["path"] == f"{STACK_NAME}/{construct_path}"
    ]
    assert len(found) == 1, f"expected one {kind} at {construct_path}, found {len(found)}"
    return found[0]


def output_keys(cls: type) -> set[str]:
    """The keys ``cls.to_output()`` writes, taken from verifier.contract.manifest itself."""
    required = {
        f.name: () if f.name == "functions" else ""
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    return set(cls(**required).to_output())


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


def test_each_function_and_layer_has_its_own_upload_and_job(synth: Synth) -> None:
    functions, layers = len(DEFAULT.functions), len(DEFAULT.layers)
    assert (functions, layers) == (2, 1)
    for kind in ("aws_lambda_function", "aws_iam_role", "aws_iam_role_policy"):
        assert len(resources(synth, kind)) == functions, kind
    assert len(resources(synth, "aws_cloudwatch_log_group")) == functions
    assert len(resources(synth, "aws_lambda_layer_version")) == layers
    for kind in ("aws_s3_object", "aws_signer_signing_job"):
        assert len(resources(synth, kind)) == functions + layers, kind
    names = sorted(f["function_name"] for f in resources(synth, "aws_lambda_function").values())
    assert names == ["signed-lambda-audit", "signed-lambda-hello"]
    layer_names = [v["layer_name"] for v in resources(synth, "aws_lambda_layer_version").values()]
    assert layer_names == ["signed-lambda-shared"]


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

    groups = resources(synth, "aws_cloudwatch_log_group")
    for policy in resources(synth, "aws_iam_role_policy").values():
        (statement,) = json.loads(policy["policy"])["Statement"]
        assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert any(
            statement["Resource"] == ref("aws_cloudwatch_log_group", g, "arn") + ":*"
            for g in groups
        )


def test_the_default_hello_uses_the_default_signed_layer() -> None:
    assert [layer.key for layer in DEFAULT.layers] == ["shared"]
    assert {fn.key: fn.layers for fn in DEFAULT.functions} == {"hello": ("shared",), "audit": ()}


def test_layers_are_signed_from_the_exact_unsigned_version_and_published_signed(
    synth: Synth,
) -> None:
    bucket, _ = only(synth, "aws_s3_bucket")
    profile, _ = only(synth, "aws_signer_signing_profile")
    for layer in DEFAULT.layers:
        obj_name, obj = at(synth.config, "aws_s3_object", f"layer-{layer.key}/unsigned-package")
        job_name, job = at(synth.config, "aws_signer_signing_job", f"layer-{layer.key}/signing-job")
        _, published = at(
            synth.config, "aws_lambda_layer_version", f"layer-{layer.key}/layer-version"
        )
        assert obj["key"] == f"unsigned/layers/{layer.key}/{obj['source_hash']}.zip"
        assert job["source"] == {
            "s3": {
                "bucket": ref("aws_s3_bucket", bucket, "id"),
                "key": ref("aws_s3_object", obj_name, "key"),
                "version": ref("aws_s3_object", obj_name, "version_id"),
            }
        }
        assert job["destination"] == {
            "s3": {
                "bucket": ref("aws_s3_bucket", bucket, "id"),
                "prefix": f"signed/layers/{layer.key}/",
            }
        }
        assert job["profile_name"] == ref("aws_signer_signing_profile", profile, "name")
        assert job["ignore_signing_job_failure"] is False
        # Only attributes provider 5.x and 6.x both accept (6.x's per-resource `region` is not).
        signed = "signed_object[0].s3[0]"
        assert {k: v for k, v in published.items() if k != "//"} == {
            "layer_name": f"signed-lambda-{layer.key}",
            "description": layer.description,
            "compatible_runtimes": list(layer.compatible_runtimes),
            "s3_bucket": ref("aws_signer_signing_job", job_name, f"{signed}.bucket"),
            "s3_key": ref("aws_signer_signing_job", job_name, f"{signed}.key"),
        }


def test_functions_reference_their_layers_and_set_their_architecture(synth: Synth) -> None:
    for fn in DEFAULT.functions:
        _, function = at(synth.config, "aws_lambda_function", f"fn-{fn.key}/function")
        expected = [
            ref(
                "aws_lambda_layer_version",
                at(synth.config, "aws_lambda_layer_version", f"layer-{key}/layer-version")[0],
                "arn",
            )
            for key in fn.layers
        ]
        assert function.get("layers", []) == expected
        assert function["architectures"] == list(fn.architectures) == ["x86_64"]
    hello = at(synth.config, "aws_lambda_function", "fn-hello/function")[1]
    assert len(hello["layers"]) == 1


def test_manifest_output_has_exactly_the_keys_verifier_manifest_defines(synth: Synth) -> None:
    manifest = synth.config["output"]["manifest"]["value"]
    assert set(manifest) == output_keys(Manifest)
    assert set(manifest["functions"]) == {fn.key for fn in DEFAULT.functions}
    assert set(manifest["layers"]) == {layer.key for layer in DEFAULT.layers}
    for entry in manifest["functions"].values():
        assert set(entry) == output_keys(FunctionManifest)
    for entry in manifest["layers"].values():
        assert set(entry) == output_keys(LayerManifest)


def test_manifest_header_points_at_the_stack_resources(synth: Synth) -> None:
    manifest = synth.config["output"]["manifest"]["value"]
    bucket, _ = only(synth, "aws_s3_bucket")
    profile, _ = only(synth, "aws_signer_signing_profile")
    csc, _ = only(synth, "aws_lambda_code_signing_config")
    assert manifest["schema_version"] == SCHEMA_VERSION == 3
    assert manifest["platform_id"] == LAMBDA_SIGNING_PLATFORM
    assert manifest["region"] == "us-east-1"
    assert manifest["expected_policy"] == "Enforce"
    assert manifest["bucket"] == ref("aws_s3_bucket", bucket, "id")
    assert manifest["signing_profile_name"] == ref("aws_signer_signing_profile", profile, "name")
    assert manifest["signing_profile_version_arn"] == ref(
        "aws_signer_signing_profile", profile, "version_arn"
    )
    assert manifest["code_signing_config_arn"] == ref("aws_lambda_code_signing_config", csc, "arn")


def artifact_refs(config: dict[str, Any], construct: str) -> dict[str, str]:
    """What a manifest entry must say about the package built in ``construct``."""
    obj, _ = at(config, "aws_s3_object", f"{construct}/unsigned-package")
    job, _ = at(config, "aws_signer_signing_job", f"{construct}/signing-job")
    return {
        "signing_job_id": ref("aws_signer_signing_job", job, "job_id"),
        "unsigned_key": ref("aws_s3_object", obj, "key"),
        "unsigned_version": ref("aws_s3_object", obj, "version_id"),
        "signed_bucket": ref("aws_signer_signing_job", job, "signed_object[0].s3[0].bucket"),
        "signed_key": ref("aws_signer_signing_job", job, "signed_object[0].s3[0].key"),
    }


def declared_package(spec: BuildSpec, scratch: Path) -> dict[str, Any]:
    """What the manifest must say about how ``spec`` was built: the builder's own record."""
    return build_package(spec, scratch / "declared.zip").declaration.to_output()


def test_manifest_functions_say_where_the_code_came_from_and_what_it_runs(
    synth: Synth, tmp_path: Path
) -> None:
    manifest = synth.config["output"]["manifest"]["value"]
    for fn in DEFAULT.functions:
        entry = manifest["functions"][fn.key]
        function, _ = at(synth.config, "aws_lambda_function", f"fn-{fn.key}/function")
        assert entry == {
            "function_name": ref("aws_lambda_function", function, "function_name"),
            "function_arn": ref("aws_lambda_function", function, "arn"),
            **artifact_refs(synth.config, f"fn-{fn.key}"),
            "source_dir": f"functions/{fn.key}",
            "package_sha256": package_sha256(REPO_ROOT / "functions" / fn.key),
            "package": declared_package(function_build(fn), tmp_path),
            "handler": "handler.handler",
            "runtime": "python3.12",
            "architectures": ["x86_64"],
            "layers": list(fn.layers),
            "environment": {name: environment_digest(value) for name, value in fn.environment},
            "allow_earlier_versions": False,
            "publish": False,
            "alias": {},
        }


def test_manifest_layers_say_where_the_code_came_from(synth: Synth, tmp_path: Path) -> None:
    manifest = synth.config["output"]["manifest"]["value"]
    for layer in DEFAULT.layers:
        published, _ = at(
            synth.config, "aws_lambda_layer_version", f"layer-{layer.key}/layer-version"
        )
        assert manifest["layers"][layer.key] == {
            "layer_name": ref("aws_lambda_layer_version", published, "layer_name"),
            "layer_version_arn": ref("aws_lambda_layer_version", published, "arn"),
            **artifact_refs(synth.config, f"layer-{layer.key}"),
            "source_dir": f"layers/{layer.key}",
            "package_sha256": package_sha256(REPO_ROOT / "layers" / layer.key),
            "package": declared_package(layer_build(DEFAULT, layer), tmp_path),
        }


def test_manifest_package_sha256_is_the_uploaded_zip(synth: Synth) -> None:
    manifest = synth.config["output"]["manifest"]["value"]
    objects = resources(synth, "aws_s3_object")
    entries = [*manifest["functions"].values(), *manifest["layers"].values()]
    assert len(entries) == len(objects)
    for entry in entries:
        (obj,) = [
            o for n, o in objects.items() if entry["unsigned_key"] == ref("aws_s3_object", n, "key")
        ]
        uploaded = (synth.stack_dir / obj["source"]).read_bytes()
        assert entry["package_sha256"] == obj["source_hash"] == hashlib.sha256(uploaded).hexdigest()


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_restating_every_default_synthesizes_the_same_bytes(
    synth: Synth, restated_synth: Synth
) -> None:
    """A config file that spells out every default field changes no resource, no output and
    no asset: the synthesized trees are byte-identical."""
    restated, default = tree(restated_synth.outdir), tree(synth.outdir)
    assert sorted(restated) == sorted(default)
    assert [name for name in default if restated[name] != default[name]] == []


# --- A non-default config: Warn, a remote backend, three functions, two layers -------------


@pytest.fixture(scope="module")
def custom(custom_synth: Synth) -> dict[str, Any]:
    """tests/conftest.py's CUSTOM_CONFIG, synthesized in the session synth's process."""
    return custom_synth.config


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


def test_custom_layers_architecture_and_declared_environment(custom: dict[str, Any]) -> None:
    def layer_arn(key: str) -> str:
        name, _ = at(custom, "aws_lambda_layer_version", f"layer-{key}/layer-version")
        return ref("aws_lambda_layer_version", name, "arn")

    hello = at(custom, "aws_lambda_function", "fn-hello/function")[1]
    again = at(custom, "aws_lambda_function", "fn-hello-again/function")[1]
    audit = at(custom, "aws_lambda_function", "fn-audit/function")[1]
    assert hello["layers"] == [layer_arn("tools"), layer_arn("shared")]  # the declared order
    assert again["layers"] == [layer_arn("shared")]
    assert "layers" not in audit
    assert again["architectures"] == ["arm64"]
    tools = at(custom, "aws_lambda_layer_version", "layer-tools/layer-version")[1]
    assert tools["compatible_runtimes"] == ["python3.12", "python3.13"]
    assert tools["layer_name"] == "signed-lambda-tools"

    manifest = custom["output"]["manifest"]["value"]
    entry = manifest["functions"]["hello-again"]
    # The whole environment is declared in the manifest, each value as its digest only.
    assert entry["environment"] == {
        "GREETING": environment_digest("hi"),
        "PYTHONPATH": environment_digest("/opt/python/extra"),
    }
    assert "/opt/python/extra" not in json.dumps(manifest)
    assert again["environment"]["variables"] == {
        "GREETING": "hi",
        "PYTHONPATH": "/opt/python/extra",
    }
    assert entry["architectures"] == ["arm64"]
    assert entry["allow_earlier_versions"] is True
    assert entry["layers"] == ["shared"]
    assert manifest["functions"]["hello"]["layers"] == ["tools", "shared"]
    # Same source, same deterministic zip, normalized source_dir; separate keys per layer.
    assert manifest["layers"]["tools"]["source_dir"] == "layers/shared"
    assert (
        manifest["layers"]["tools"]["package_sha256"]
        == manifest["layers"]["shared"]["package_sha256"]
    )
    keys = {
        at(custom, "aws_s3_object", f"layer-{key}/unsigned-package")[1]["key"]
        for key in ("shared", "tools")
    }
    assert len(keys) == 2


# --- Team settings: permissions, VPC, concurrency, tags, layer architectures ---------------


def test_declared_statements_and_managed_policies_go_to_the_functions_own_role(
    custom: dict[str, Any],
) -> None:
    role, _ = at(custom, "aws_iam_role", "fn-hello-again/role")
    _, declared = at(custom, "aws_iam_role_policy", "fn-hello-again/declared-policy")
    assert declared["role"] == ref("aws_iam_role", role, "id")
    assert declared["name"] == "declared-statements"
    assert json.loads(declared["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOrders",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                "Resource": ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"],
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
            },
            {"Effect": "Deny", "Action": ["dynamodb:DeleteTable"], "Resource": ["*"]},
        ],
    }
    attachment_name, attachment = at(
        custom, "aws_iam_role_policy_attachment", "fn-hello-again/managed-policy-0"
    )
    assert attachment["role"] == ref("aws_iam_role", role, "name")
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    # Least privilege stays the default: the other functions' roles only write their logs.
    policies = custom["resource"]["aws_iam_role_policy"].values()
    others = [
        p
        for p in policies
        if not p["//"]["metadata"]["path"].endswith(
            ("fn-hello-again/declared-policy", "fn-hello-again/vpc-policy")
        )
    ]
    # (the stack's guardrails attach the deployer's policy to the deploy role, not a function)
    assert {p["name"] for p in others} - {"signed-lambda-deployer"} == {"write-own-logs"}
    assert len(custom["resource"]["aws_iam_role_policy_attachment"]) == 1
    # The function waits for every permission its role gets.
    _, function = at(custom, "aws_lambda_function", "fn-hello-again/function")
    assert f"aws_iam_role_policy_attachment.{attachment_name}" in function["depends_on"]
    declared_name, _ = at(custom, "aws_iam_role_policy", "fn-hello-again/declared-policy")
    assert f"aws_iam_role_policy.{declared_name}" in function["depends_on"]


def test_vpc_functions_get_subnets_security_groups_and_the_eni_actions(
    custom: dict[str, Any],
) -> None:
    role, _ = at(custom, "aws_iam_role", "fn-hello-again/role")
    _, function = at(custom, "aws_lambda_function", "fn-hello-again/function")
    assert function["vpc_config"] == {
        "subnet_ids": ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d"],
        "security_group_ids": ["sg-0a1b2c3d"],
    }
    vpc_policy_name, vpc_policy = at(custom, "aws_iam_role_policy", "fn-hello-again/vpc-policy")
    assert vpc_policy["role"] == ref("aws_iam_role", role, "id")
    # AWSLambdaVPCAccessExecutionRole's actions, less the logs ones the role has already.
    assert json.loads(vpc_policy["policy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    ]
    assert f"aws_iam_role_policy.{vpc_policy_name}" in function["depends_on"]
    for key in ("hello", "audit"):
        other = at(custom, "aws_lambda_function", f"fn-{key}/function")[1]
        assert "vpc_config" not in other and "reserved_concurrent_executions" not in other


def test_reserved_concurrency_and_tags_per_function_and_stack_wide(custom: dict[str, Any]) -> None:
    _, function = at(custom, "aws_lambda_function", "fn-hello-again/function")
    assert function["reserved_concurrent_executions"] == 5
    # The function's own resources carry its tags; the provider's default_tags the stack's
    # (AWS merges them; a function's tag wins over the stack's of the same name).
    own = {"project": "orders-api", "team": "orders"}
    assert function["tags"] == own
    assert at(custom, "aws_iam_role", "fn-hello-again/role")[1]["tags"] == own
    assert at(custom, "aws_cloudwatch_log_group", "fn-hello-again/log-group")[1]["tags"] == own
    assert custom["provider"]["aws"][0]["default_tags"] == [
        {"tags": {"cost-center": "42", "project": "orders"}}
    ]
    assert "tags" not in at(custom, "aws_lambda_function", "fn-hello/function")[1]


def test_layer_compatible_architectures(custom: dict[str, Any], synth: Synth) -> None:
    tools = at(custom, "aws_lambda_layer_version", "layer-tools/layer-version")[1]
    assert tools["compatible_architectures"] == ["x86_64", "arm64"]
    shared = at(custom, "aws_lambda_layer_version", "layer-shared/layer-version")[1]
    assert "compatible_architectures" not in shared
    for layer in resources(synth, "aws_lambda_layer_version").values():
        assert "compatible_architectures" not in layer


# --- Releases: published versions, an alias, a canary ---------------------------------------


def test_publish_and_an_alias_on_the_newest_version(custom: dict[str, Any]) -> None:
    function_name, function = at(custom, "aws_lambda_function", "fn-hello/function")
    assert function["publish"] is True
    _, alias = at(custom, "aws_lambda_alias", "fn-hello/alias")
    assert {k: v for k, v in alias.items() if k != "//"} == {
        "name": "live",
        "function_name": ref("aws_lambda_function", function_name, "function_name"),
        "function_version": ref("aws_lambda_function", function_name, "version"),
    }
    assert "terraform_data" not in custom["resource"]
    for key in ("audit", "hello-again"):
        assert "publish" not in at(custom, "aws_lambda_function", f"fn-{key}/function")[1]
    entry = custom["output"]["manifest"]["value"]["functions"]["hello"]
    assert (entry["publish"], entry["alias"]) == (True, {"name": "live"})
    default = at(custom, "aws_lambda_function", "fn-audit/function")
    assert "publish" not in default[1]
    other = custom["output"]["manifest"]["value"]["functions"]["audit"]
    assert (other["publish"], other["alias"]) == (False, {})


def test_a_canary_alias_keeps_the_promoted_version_and_weighs_the_newest(
    release_synths: tuple[Synth, Synth],
) -> None:
    release = release_synths[0].config
    function_name, function = at(release, "aws_lambda_function", "fn-hello/function")
    assert function["publish"] is True
    version = ref("aws_lambda_function", function_name, "version")
    marker_name, marker = at(release, "terraform_data", "fn-hello/promoted-version")
    # Set once, from the first build; only `make promote` (which replaces it) moves it.
    assert marker["input"] == version
    assert marker["lifecycle"] == {"ignore_changes": ["input"]}
    promoted = ref("terraform_data", marker_name, "output")
    _, alias = at(release, "aws_lambda_alias", "fn-hello/alias")
    assert alias["name"] == "live"
    assert alias["function_version"] == promoted
    newest, kept = version[2:-1], promoted[2:-1]
    same = f"({newest} == {kept})"
    assert alias["routing_config"] == {
        "additional_version_weights": (
            f"${{zipmap({same} ? [] : [{newest}], {same} ? [] : [0.1])}}"
        )
    }
    entry = release["output"]["manifest"]["value"]["functions"]["hello"]
    assert entry["alias"] == {"name": "live", "canary_percent": 10}


# --- guardrails (config `guardrails`): off by default, on in CUSTOM_CONFIG --------------------


def test_guardrails_are_off_by_default(synth: Synth) -> None:
    assert DEFAULT.guardrails is None
    policies = resources(synth, "aws_iam_role_policy").values()
    assert {p["name"] for p in policies} == {"write-own-logs"}
    # test_bucket_policy_denies_insecure_transport: the TLS-only statement is the only one.


def test_guardrails_attach_the_deployer_policy_to_the_deploy_role(custom: dict[str, Any]) -> None:
    from verifier import guardrails

    _, attached = at(custom, "aws_iam_role_policy", "guardrails/policy")
    assert attached["name"] == "signed-lambda-deployer"
    assert attached["role"] == "signed-lambda-deployer"
    (csc,) = custom["resource"]["aws_lambda_code_signing_config"]
    (profile,) = custom["resource"]["aws_signer_signing_profile"]
    (bucket,) = custom["resource"]["aws_s3_bucket"]
    deploy_role = CUSTOM_CONFIG["guardrails"]["deploy_role_arn"]
    expected = guardrails.deployer_policy(
        guardrails.Scope(
            account_id="123456789012",
            region="eu-west-1",
            code_signing_config_arns=(ref("aws_lambda_code_signing_config", csc, "arn"),),
            signing_profile_name="signed_lambda",
            signing_profile_versions=(ref("aws_signer_signing_profile", profile, "version"),),
            bucket=ref("aws_s3_bucket", bucket, "id"),
            layer_names=("signed-lambda-shared", "signed-lambda-tools"),
            # CUSTOM_CONFIG's functions use an alias, a managed policy, a VPC and reserved
            # concurrency: the deploy role gets what each needs.
            aliases=True,
            reserved_concurrency=True,
            managed_policy_arns=("arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",),
            vpc=True,
        ),
        own_policy_of=deploy_role,
    )
    assert json.loads(attached["policy"]) == expected
    by_sid = {s["Sid"]: s for s in expected["Statement"]}
    assert {
        "ManageTheStacksAliases",
        "SetTheStacksReservedConcurrency",
        "AttachOnlyTheStacksManagedPolicies",
        "DescribeTheFunctionsNetwork",
    } <= set(by_sid)
    assert by_sid["CreateFunctionsOnlyUnderTheLockedCsc"]["Condition"] == {
        "ArnEquals": {
            "lambda:CodeSigningConfigArn": ref("aws_lambda_code_signing_config", csc, "arn")
        }
    }


def test_guardrails_add_the_bucket_statements(custom: dict[str, Any]) -> None:
    from verifier import guardrails

    (bucket,) = custom["resource"]["aws_s3_bucket"]
    (policy,) = custom["resource"]["aws_s3_bucket_policy"].values()
    tls, *added = json.loads(policy["policy"])["Statement"]
    assert tls["Sid"] == "DenyInsecureTransport"
    assert added == guardrails.bucket_policy_statements(
        ref("aws_s3_bucket", bucket, "id"),
        "signed/",
        guardrails.Principals(
            deploy_role_arn=CUSTOM_CONFIG["guardrails"]["deploy_role_arn"],
            admin_role_arns=tuple(CUSTOM_CONFIG["guardrails"]["admin_role_arns"]),
        ),
    )
    assert [s["Sid"] for s in added] == [
        "DenyBucketVersioningChangesOutsideThePipeline",
        "DenySignedPackageWritesOutsideThePipeline",
    ]
