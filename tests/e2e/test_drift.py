"""`python -m drift` after a real deploy: clean is 0; each out-of-band change is 1 with a
summary naming it; a drift run changes nothing. The expectations below are the README's
"what catches what" table: which changes `terraform plan` sees, and which only the verifier."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import tool_env
from tests.e2e.deployment import Deployment
from tests.e2e.test_verify_out_of_band import (
    cancel_profile,
    detach_csc,
    overwrite_signed_key,
    replace_code_under_temporary_warn,
    revoke_job_signature,
    revoke_profile,
    suspend_versioning,
    switch_csc_to_warn,
)

pytestmark = pytest.mark.e2e


def run_drift(deployment: Deployment) -> tuple[int, str, Path]:
    reports = deployment.workdir.parent / "reports"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "drift",
            "--stacks-dir",
            str(deployment.workdir.parent),
            "--reports",
            str(reports),
        ],
        env=tool_env(deployment.env),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr
    summary = (reports / "drift-summary.md").read_text()
    assert summary in result.stderr  # the summary also goes to stderr for the CI log
    return result.returncode, summary, reports


def live_snapshot(deployment: Deployment) -> dict[str, Any]:
    """What a drift run must never change, read straight from AWS."""
    lambda_ = deployment.client("lambda")
    manifest = deployment.manifest
    functions = {}
    for key, entry in manifest["functions"].items():
        config = lambda_.get_function(FunctionName=entry["function_name"])["Configuration"]
        config.pop("ResponseMetadata", None)
        csc = lambda_.get_function_code_signing_config(FunctionName=entry["function_name"])
        functions[key] = {"config": config, "csc": csc["CodeSigningConfigArn"]}
    policy = lambda_.get_code_signing_config(
        CodeSigningConfigArn=manifest["code_signing_config_arn"]
    )
    versioning = deployment.client("s3").get_bucket_versioning(Bucket=manifest["bucket"])
    return {
        "functions": functions,
        "csc": policy["CodeSigningConfig"],
        "versioning": versioning.get("Status"),
    }


def change_environment(deployment: Deployment) -> None:
    deployment.client("lambda").update_function_configuration(
        FunctionName=deployment.manifest["functions"]["audit"]["function_name"],
        Environment={"Variables": {"AUDIT_LEVEL": "off"}},
    )


def change_role(deployment: Deployment) -> None:
    iam = deployment.client("iam")
    role = iam.create_role(
        RoleName="out-of-band-admin",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    deployment.client("lambda").update_function_configuration(
        FunctionName=deployment.manifest["functions"]["hello"]["function_name"], Role=role
    )


# name, change, terraform plan sees it, the verifier fails, text the summary must contain
CATCHES: list[tuple[str, Callable[[Deployment], None], bool, bool, str]] = [
    ("CSC policy set to Warn", switch_csc_to_warn, True, True, "`policies`"),
    ("CSC detached from the function", detach_csc, True, True, "`code_signing_config_arn`"),
    (
        "function code replaced",
        replace_code_under_temporary_warn,
        False,
        True,
        "`function.code_sha256`",
    ),
    ("bucket versioning suspended", suspend_versioning, True, True, "`versioning_configuration`"),
    ("function environment changed", change_environment, True, False, "`environment`"),
    ("function role changed", change_role, True, False, "`role`"),
    ("signing profile revoked", revoke_profile, False, True, "`profile.active`"),
    ("signing profile canceled", cancel_profile, True, True, "`profile.active`"),
    ("job signature revoked", revoke_job_signature, False, True, "`job.not_revoked`"),
    ("signed key overwritten", overwrite_signed_key, False, True, "`object.not_overwritten`"),
]


def test_clean_deploy_has_no_drift(deployment: Deployment) -> None:
    before = (live_snapshot(deployment), deployment.state_resources())
    code, summary, reports = run_drift(deployment)
    assert code == 0, summary
    assert summary.startswith("## Drift check: ✅ no drift")
    assert "✅ no changes" in summary
    after = (live_snapshot(deployment), deployment.state_resources())
    assert after == before, "a drift run must not change the infrastructure or its state"
    for name in (
        "plan-signed-lambda.json",
        "verify-signed-lambda.json",
        "verify-signed-lambda.sarif",
    ):
        assert (reports / name).is_file(), name
    sarif = json.loads((reports / "verify-signed-lambda.sarif").read_text())
    assert sarif["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("change", "plan_sees_it", "verifier_fails", "named_in_summary"),
    [(c, p, v, n) for _, c, p, v, n in CATCHES],
    ids=[name for name, *_ in CATCHES],
)
def test_out_of_band_change_is_drift(
    deployment: Deployment,
    change: Callable[[Deployment], None],
    plan_sees_it: bool,
    verifier_fails: bool,
    named_in_summary: str,
) -> None:
    change(deployment)
    before = (live_snapshot(deployment), deployment.state_resources())
    code, summary, reports = run_drift(deployment)
    assert code == 1, summary
    assert summary.startswith("## Drift check: ❌ drift found")
    assert named_in_summary in summary, summary

    plan = json.loads((reports / "plan-signed-lambda.json").read_text())
    planned = [c for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
    assert bool(planned) == plan_sees_it, [c["address"] for c in planned]
    report = json.loads((reports / "verify-signed-lambda.json").read_text())
    assert (report["result"] == "fail") == verifier_fails, report["result"]

    after = (live_snapshot(deployment), deployment.state_resources())
    assert after == before, "a drift run must not change the infrastructure or its state"
