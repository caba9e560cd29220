"""The verifier against the local AWS over real HTTP: a good deployment passes, and each
tampering the verifier exists to catch makes the right check fail.

Builds the deployment with boto3 (the stack's recipe: versioned bucket, unsigned upload,
signing job, CSC, function from the signed object) and writes the manifest the stack would
output. The ``cdktf deploy`` end-to-end run is wired in tests/e2e.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from localaws.testing import running_server
from tests.localaws.localaws_support import (
    REGION,
    SigningWorld,
    make_zip,
)
from verifier.checks import REGISTRY, Context, run_checks
from verifier.cli import app
from verifier.collect import Collector
from verifier.model import LAMBDA_SIGNING_PLATFORM, Policy, Status, VerificationTarget

runner = CliRunner()
READ_PREFIXES = ("Get", "List", "Describe", "Head")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_server() as endpoint_url:
        yield endpoint_url


@pytest.fixture(scope="module")
def world(endpoint: str) -> SigningWorld:
    return SigningWorld.create(endpoint)


@pytest.fixture(autouse=True)
def local_env(endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")


@dataclass(frozen=True)
class Deployment:
    manifest: dict[str, Any]
    function_name: str
    job: dict[str, Any]
    csc_arn: str
    profile_name: str


def deploy(world: SigningWorld, policy: str = "Enforce") -> Deployment:
    """The stack's recipe, one function, with a profile and CSC of its own."""
    profile = world.profile({"value": 365, "type": "DAYS"})
    job = world.sign(profile)
    csc_arn = world.csc(policy, [profile.version_arn])
    signed = job["signedObject"]["s3"]
    function = world.create_function(
        {"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}, csc_arn
    )
    source = job["source"]["s3"]
    manifest = {
        "schema_version": 1,
        "region": REGION,
        "bucket": world.bucket,
        "signing_profile_name": profile.name,
        "signing_profile_version_arn": profile.version_arn,
        "platform_id": LAMBDA_SIGNING_PLATFORM,
        "code_signing_config_arn": csc_arn,
        "expected_policy": "Enforce",
        "functions": {
            "hello": {
                "function_name": function["FunctionName"],
                "function_arn": function["FunctionArn"],
                "signing_job_id": job["jobId"],
                "unsigned_key": source["key"],
                "unsigned_version": source["version"],
                "signed_bucket": signed["bucketName"],
                "signed_key": signed["key"],
            }
        },
    }
    return Deployment(manifest, function["FunctionName"], job, csc_arn, profile.name)


def verify(tmp_path: Path, deployment: Deployment, *extra: str) -> tuple[int, dict[str, Any], str]:
    outputs = tmp_path / "cdktf-outputs.json"
    outputs.write_text(json.dumps({"signed-lambda": {"manifest": deployment.manifest}}))
    result = runner.invoke(app, ["verify", "--outputs", str(outputs), "--format", "json", *extra])
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout) if result.stdout else {}
    return result.exit_code, document, result.stderr


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {check["id"]: check["status"] for check in document["checks"]}


def not_passing(document: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in statuses(document).items() if v != "pass"}


def test_good_deployment_passes(world: SigningWorld, tmp_path: Path) -> None:
    code, document, stderr = verify(tmp_path, deploy(world))
    assert code == 0, (not_passing(document), stderr)
    assert document["result"] == "pass"
    assert document["summary"]["pass"] == document["summary"]["total"] == len(REGISTRY)


def test_revoked_signature_fails(world: SigningWorld, tmp_path: Path) -> None:
    deployment = deploy(world)
    world.c.signer.revoke_signature(jobId=deployment.job["jobId"], reason="key leaked")
    code, document, _ = verify(tmp_path, deployment)
    assert code == 1
    assert not_passing(document) == {"job.not_revoked": "fail"}


def test_revoked_profile_fails(world: SigningWorld, tmp_path: Path) -> None:
    deployment = deploy(world)
    profile = world.c.signer.get_signing_profile(profileName=deployment.profile_name)
    world.c.signer.revoke_signing_profile(
        profileName=deployment.profile_name,
        profileVersion=profile["profileVersion"],
        reason="compromised",
        effectiveTime="2020-01-01T00:00:00Z",
    )
    code, document, _ = verify(tmp_path, deployment)
    assert code == 1
    assert statuses(document)["profile.active"] == "fail"


def test_overwritten_signed_object_fails(world: SigningWorld, tmp_path: Path) -> None:
    deployment = deploy(world)
    signed = deployment.job["signedObject"]["s3"]
    world.c.s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=b"replaced")
    code, document, _ = verify(tmp_path, deployment)
    assert code == 1
    assert not_passing(document) == {"object.not_overwritten": "fail"}
    actual = next(c["actual"] for c in document["checks"] if c["id"] == "object.not_overwritten")
    assert "the function's code matches version" in actual


def test_code_swapped_under_warn_fails(world: SigningWorld, tmp_path: Path) -> None:
    deployment = deploy(world, policy="Warn")
    key, _version = world.upload(make_zip("def handler(e, c):\n    return 'evil'\n"))
    world.c.lambda_.update_function_code(
        FunctionName=deployment.function_name, S3Bucket=world.bucket, S3Key=key
    )
    code, document, _ = verify(tmp_path, deployment)
    assert code == 1
    failed = not_passing(document)
    assert failed["function.code_sha256"] == "fail"
    assert failed["csc.policy"] == "fail"  # Warn found, Enforce expected


def test_unknown_job_id_on_command_line_is_exit_2(world: SigningWorld) -> None:
    deployment = deploy(world)
    missing_job = "00000000-0000-4000-8000-000000000000"
    result = runner.invoke(
        app,
        [
            "verify",
            "--function",
            deployment.function_name,
            "--job-id",
            missing_job,
            "--csc-arn",
            deployment.csc_arn,
        ],
    )
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"error: --job-id {missing_job}: no such signing job in {REGION}"
    )


def test_unknown_csc_on_command_line_is_exit_2(world: SigningWorld) -> None:
    deployment = deploy(world)
    missing_csc = f"arn:aws:lambda:{REGION}:123456789012:code-signing-config:csc-00000000000000000"
    result = runner.invoke(
        app,
        [
            "verify",
            "--function",
            deployment.function_name,
            "--job-id",
            deployment.job["jobId"],
            "--csc-arn",
            missing_csc,
        ],
    )
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"error: --csc-arn {missing_csc}: no such")


def test_flags_mode_passes_on_good_deployment(world: SigningWorld) -> None:
    deployment = deploy(world)
    result = runner.invoke(
        app,
        [
            "verify",
            "--function",
            deployment.function_name,
            "--job-id",
            deployment.job["jobId"],
            "--csc-arn",
            deployment.csc_arn,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stdout


def test_missing_job_in_manifest_fails_the_job_check(world: SigningWorld, tmp_path: Path) -> None:
    deployment = deploy(world)
    deployment.manifest["functions"]["hello"]["signing_job_id"] = (
        "00000000-0000-4000-8000-000000000000"
    )
    code, document, _ = verify(tmp_path, deployment)
    assert code == 1
    assert statuses(document)["job.succeeded"] == "fail"


def test_collect_against_local_aws_is_read_only(world: SigningWorld, endpoint: str) -> None:
    deployment = deploy(world)
    calls: list[str] = []
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    session.events.register("before-call.*.*", lambda model, **kw: calls.append(model.name))
    manifest = deployment.manifest
    entry = manifest["functions"]["hello"]
    target = VerificationTarget(
        key="hello",
        function_name=entry["function_name"],
        job_id=entry["signing_job_id"],
        csc_arn=manifest["code_signing_config_arn"],
        expected_policy=Policy.ENFORCE,
        region=REGION,
        profile_name=manifest["signing_profile_name"],
        profile_version_arn=manifest["signing_profile_version_arn"],
        bucket=manifest["bucket"],
        unsigned_key=entry["unsigned_key"],
        unsigned_version=entry["unsigned_version"],
        signed_bucket=entry["signed_bucket"],
        signed_key=entry["signed_key"],
    )
    evidence = Collector(session, region=REGION).collect(target)
    assert calls and all(name.startswith(READ_PREFIXES) for name in calls), calls
    assert len(calls) <= 10
    findings = run_checks([evidence], Context(now=datetime.now(UTC)))
    assert all(f.status is Status.PASS for f in findings)
