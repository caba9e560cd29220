"""Every verifier scenario of the end-to-end suite, against a boto3-built world in under a second.

The world is the stack's shape built with plain API calls on the local AWS (over real HTTP):
a versioned bucket, one signing profile, one Enforce CSC, and two functions ("hello", "audit")
each deployed from its own signing job's signed object. The verifier runs in flag mode
(``--function/--job-id/--csc-arn``), so nothing here depends on the manifest's shape.

These used to need a Terraform apply each; the drift table's scenarios still run through
Terraform (test_drift.py), and the clean deploy verifies through Terraform
(test_verify_out_of_band.py). Not marked e2e: `make test-fast` runs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.e2e.scenarios import (
    SCENARIOS,
    VERIFIER_SCENARIOS,
    Scenario,
    add_extra_publisher,
    check_statuses,
)
from tests.localaws.localaws_support import SigningWorld, make_client, make_zip
from verifier.checks.registry import Mode, checks_for
from verifier.cli import app

runner = CliRunner()

pytestmark = [
    pytest.mark.local_aws(default_region=True, max_attempts=2),
    pytest.mark.usefixtures("local_env"),
]


@dataclass
class World:
    """The stack's resources, built with boto3; ``manifest`` has the keys the scenarios use."""

    endpoint: str
    manifest: dict[str, Any]
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = make_client(self.endpoint, service)
        return self.clients[service]

    def verify(self, function_key: str = "hello") -> tuple[int, dict[str, Any], str]:
        entry = self.manifest["functions"][function_key]
        result = runner.invoke(
            app,
            [
                "verify",
                "--function",
                entry["function_name"],
                "--job-id",
                entry["signing_job_id"],
                "--csc-arn",
                self.manifest["code_signing_config_arn"],
                "--trusted-profile-version-arn",
                self.manifest["signing_profile_version_arn"],
                "--format",
                "json",
            ],
        )
        assert "Traceback" not in result.stderr, result.stderr
        report = json.loads(result.stdout) if result.stdout.strip() else {}
        return result.exit_code, report, result.stderr


@pytest.fixture
def world(endpoint: str) -> World:
    """A fresh world per test: scenarios here may be irreversible (revocations, cancels)."""
    signing = SigningWorld.create(endpoint)
    profile = signing.profile({"value": 365, "type": "DAYS"})
    csc_arn = signing.csc("Enforce", [profile.version_arn])
    functions = {}
    for key in ("hello", "audit"):
        job = signing.sign(profile, make_zip(f"def handler(event, context):\n    return {key!r}\n"))
        signed = job["signedObject"]["s3"]
        extra = {"Environment": {"Variables": {"AUDIT_LEVEL": "full"}}} if key == "audit" else {}
        function = signing.create_function(
            {"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}, csc_arn, **extra
        )
        functions[key] = {
            "function_name": function["FunctionName"],
            "signing_job_id": job["jobId"],
            "signed_bucket": signed["bucketName"],
            "signed_key": signed["key"],
        }
    manifest = {
        "bucket": signing.bucket,
        "signing_profile_name": profile.name,
        "signing_profile_version_arn": profile.version_arn,
        "code_signing_config_arn": csc_arn,
        "functions": functions,
    }
    return World(endpoint, manifest)


def test_clean_world_verifies(world: World) -> None:
    for key in ("hello", "audit"):
        code, report, stderr = world.verify(key)
        assert code == 0, (check_statuses(report), stderr)
        assert check_statuses(report).keys() == {"pass"}
        # Flag mode runs every check that needs no stack declaration.
        assert {c["id"] for c in report["checks"]} == {c.id for c in checks_for(Mode.FLAGS)}


#: What flag mode cannot fail: it has no declaration (only code-loading variables fail there).
FLAG_BLIND = frozenset({"function.environment"})


@pytest.mark.parametrize(
    "scenario",
    [s for s in VERIFIER_SCENARIOS if s.verifier_fails - FLAG_BLIND],
    ids=lambda s: s.name,
)
def test_out_of_band_change_fails_the_right_check(world: World, scenario: Scenario) -> None:
    scenario.change(world)
    code, report, stderr = world.verify("hello")
    failed = check_statuses(report).get("fail", set())
    assert code == 1, (check_statuses(report), stderr)
    assert report["result"] == "fail"
    assert scenario.verifier_fails <= failed, f"failed: {sorted(failed)}"
    assert not check_statuses(report).get("error"), report


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if not s.verifier_fails - FLAG_BLIND], ids=lambda s: s.name
)
def test_changes_outside_the_signing_chain_pass_the_verifier(
    world: World, scenario: Scenario
) -> None:
    """A role change, and (in flag mode, which has no declaration) a variable that loads no
    code, are Terraform's to see (the drift table), not the verifier's."""
    scenario.change(world)
    for key in ("hello", "audit"):
        code, report, stderr = world.verify(key)
        assert code == 0, (check_statuses(report), stderr)


def test_an_extra_publisher_fails(world: World) -> None:
    """Only the trusted profile versions may be publishers: another could sign accepted code."""
    add_extra_publisher(world)
    code, report, stderr = world.verify("hello")
    assert code == 1, (check_statuses(report), stderr)
    assert check_statuses(report).get("fail") == {"csc.publishers"}
