"""The shared apply of the default stack (Terraform and the AWS provider against the local AWS):
what ``terraform output -json`` gives is a manifest that
:func:`verifier.contract.manifest.parse` accepts, and every layer and function runs exactly what
the manifest says was signed. (That a plan of the shared apply has no changes is test_drift.py's
clean run: its plan is that plan.)"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from stacks.config import StackConfig
from tests.e2e.deployment import Deployment
from verifier.contract.manifest import OUTPUT_NAME, SCHEMA_VERSION, Manifest, parse

pytestmark = pytest.mark.e2e


@pytest.fixture
def deployment(shared_deployment: Deployment) -> Deployment:
    """The shared apply (tests/conftest.py), read only here."""
    return shared_deployment


@pytest.fixture
def raw_manifest(deployment: Deployment) -> dict[str, Any]:
    shown = json.loads(deployment.terraform("output", "-json").stdout)
    value: dict[str, Any] = shown[OUTPUT_NAME]["value"]
    return value


@pytest.fixture
def manifest(raw_manifest: dict[str, Any]) -> Manifest:
    return parse(raw_manifest, "terraform output -json")


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def object_bytes(
    deployment: Deployment, bucket: str, key: str, version: str | None = None
) -> bytes:
    s3 = deployment.client("s3")
    extra = {"VersionId": version} if version else {}
    body: bytes = s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    return body


def test_terraform_output_parses_as_the_declared_manifest(
    manifest: Manifest, raw_manifest: dict[str, Any]
) -> None:
    config = StackConfig()
    assert manifest.schema_version == SCHEMA_VERSION
    assert manifest.expected_policy == config.untrusted_artifact_policy.value
    assert [fn.key for fn in manifest.functions] == sorted(fn.key for fn in config.functions)
    assert [layer.key for layer in manifest.layers] == sorted(layer.key for layer in config.layers)
    declared = {fn.key: fn for fn in config.functions}
    for fn in manifest.functions:
        assert (fn.handler, fn.runtime) == (declared[fn.key].handler, declared[fn.key].runtime)
        assert fn.architectures == declared[fn.key].architectures
        assert fn.layers == declared[fn.key].layers
        assert fn.allow_earlier_versions is declared[fn.key].allow_earlier_versions
    # Nothing is lost between the stack's Manifest and what Terraform hands back.
    assert manifest.to_output() == raw_manifest


def test_layers_are_published_from_the_signed_object_of_the_exact_unsigned_version(
    deployment: Deployment, manifest: Manifest
) -> None:
    lambda_ = deployment.client("lambda")
    signer = deployment.client("signer")
    assert manifest.layers, "the default stack has a signed layer"
    for layer in manifest.layers:
        unsigned = object_bytes(
            deployment, manifest.bucket, layer.unsigned_key, layer.unsigned_version
        )
        assert hashlib.sha256(unsigned).hexdigest() == layer.package_sha256
        job = signer.describe_signing_job(jobId=layer.signing_job_id)
        assert job["status"] == "Succeeded"
        assert job["source"]["s3"] == {
            "bucketName": manifest.bucket,
            "key": layer.unsigned_key,
            "version": layer.unsigned_version,
        }
        assert job["signedObject"]["s3"] == {
            "bucketName": layer.signed_bucket,
            "key": layer.signed_key,
        }
        assert layer.signed_key.startswith(f"signed/layers/{layer.key}/")
        name, number = layer.layer_version_arn.rsplit(":", 2)[-2:]
        assert name == layer.layer_name
        published = lambda_.get_layer_version(LayerName=name, VersionNumber=int(number))
        signed = object_bytes(deployment, layer.signed_bucket, layer.signed_key)
        assert published["Content"]["CodeSha256"] == sha256_b64(signed)
        assert published["Content"]["SigningJobArn"].endswith(layer.signing_job_id)
        assert (
            published["Content"]["SigningProfileVersionArn"] == manifest.signing_profile_version_arn
        )


def test_functions_run_their_signed_code_layers_and_architecture(
    deployment: Deployment, manifest: Manifest
) -> None:
    lambda_ = deployment.client("lambda")
    for fn in manifest.functions:
        unsigned = object_bytes(deployment, manifest.bucket, fn.unsigned_key, fn.unsigned_version)
        assert hashlib.sha256(unsigned).hexdigest() == fn.package_sha256
        config = lambda_.get_function(FunctionName=fn.function_name)["Configuration"]
        signed = object_bytes(deployment, fn.signed_bucket, fn.signed_key)
        assert config["CodeSha256"] == sha256_b64(signed)
        assert config["SigningJobArn"].endswith(fn.signing_job_id)
        assert config["Architectures"] == list(fn.architectures)
        assert (config["Handler"], config["Runtime"]) == (fn.handler, fn.runtime)
        expected_layers = []
        for key in fn.layers:
            layer = manifest.layer(key)
            assert layer is not None
            expected_layers.append(layer.layer_version_arn)
        assert [entry["Arn"] for entry in config.get("Layers", [])] == expected_layers
