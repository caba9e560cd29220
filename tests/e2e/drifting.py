"""Running `signed-lambda drift` on a real deploy and asserting one row of the README's "what
catches what" table (tests/e2e/scenarios.py): test_drift.py, and test_attacks.py for the
canceled profile, on the apply its irreversible steps share."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT, tool_env
from tests.e2e.deployment import Deployment
from tests.e2e.scenarios import Scenario, check_statuses


def run_drift(deployment: Deployment) -> tuple[int, str, Path]:
    reports = deployment.workdir.parent / "reports"
    reports.mkdir(exist_ok=True)
    for stale in reports.iterdir():  # the shared apply is drift-checked once per scenario
        stale.unlink()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "verifier",
            "drift",
            "--stacks-dir",
            str(deployment.workdir.parent),
            "--reports",
            str(reports),
            "--lock",
            str(deployment.lock_file),
            "--source",
            str(REPO_ROOT),
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


def assert_drift_caught(
    deployment: Deployment, scenario: Scenario, already_failing: frozenset[str] = frozenset()
) -> set[str]:
    """Make the change, run drift, and assert the scenario's row of the table. Returns the
    verifier's failing checks. ``already_failing``: checks an earlier, irreversible change on
    this deployment left failing (they must not be what proves this scenario)."""
    scenario.change(deployment)
    before = (live_snapshot(deployment), deployment.state_file())
    code, summary, reports = run_drift(deployment)
    assert code == 1, summary
    assert summary.startswith("## Drift check: ❌ drift found")
    assert scenario.drift_names is not None and scenario.drift_names in summary, summary

    plan = json.loads((reports / "plan-signed-lambda.json").read_text())
    planned = [c for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
    assert bool(planned) == scenario.plan_sees_it, [c["address"] for c in planned]
    report = json.loads((reports / "verify-signed-lambda.json").read_text())
    failed = check_statuses(report).get("fail", set())
    assert (report["result"] == "fail") == bool(scenario.verifier_fails), report["result"]
    assert scenario.verifier_fails <= failed, f"failed: {sorted(failed)}"
    assert not scenario.verifier_fails & already_failing, "not attributable to this change"

    after = (live_snapshot(deployment), deployment.state_file())
    assert after == before, "a drift run must not change the infrastructure or its state"
    return failed
