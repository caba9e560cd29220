"""Running `signed-lambda drift` on a real deploy and asserting one row of the README's "what
catches what" table (tests/e2e/scenarios.py): test_drift.py, and test_attacks.py for the
canceled profile, on the apply its irreversible steps share."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
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


def planned_changes(plan: dict[str, Any]) -> frozenset[str]:
    """The plan's changes, one ``address actions`` string each (no-ops left out)."""
    return frozenset(
        f"{c['address']} {'/'.join(c['change']['actions'])}"
        for c in plan["resource_changes"]
        if c["change"]["actions"] != ["no-op"]
    )


def planned_now(deployment: Deployment) -> frozenset[str]:
    """What a plan of the deployment changes now (a baseline for the next scenario)."""
    deployment.terraform("plan", "-input=false", "-no-color", "-lock=false", "-out=now.tfplan")
    shown = deployment.terraform("show", "-json", "now.tfplan")
    return planned_changes(json.loads(shown.stdout))


def assert_drift_caught(
    deployment: Deployment,
    rows: Scenario | Sequence[Scenario],
    already_failing: frozenset[str] = frozenset(),
    planned_before: frozenset[str] = frozenset(),
) -> tuple[set[str], frozenset[str]]:
    """Make the change of each row, run drift once, and assert each row of the table. Returns
    the verifier's failing checks and the plan's changes.

    Rows checked in one run must agree on whether the plan sees them and must name different
    things in the summary, so each row's evidence is its own: the summary names each row's
    attribute or check, and the plan is clean exactly when none of them is a plan change.
    ``already_failing`` and ``planned_before``: what an earlier, irreversible change on this
    deployment left failing and left in the plan (the default: a clean apply). They must not be
    what proves a row: the plan sees a change when its changes differ from ``planned_before``."""
    rows = (rows,) if isinstance(rows, Scenario) else tuple(rows)
    assert len({row.plan_sees_it for row in rows}) == 1, "the plan sees all of them or none"
    assert len({row.drift_names for row in rows}) == len(rows), "each row names its own"
    for row in rows:
        row.change(deployment)
    before = (live_snapshot(deployment), deployment.state_file())
    code, summary, reports = run_drift(deployment)
    assert code == 1, summary
    assert summary.startswith("## Drift check: ❌ drift found")
    for row in rows:
        assert row.drift_names is not None and row.drift_names in summary, (row.name, summary)

    plan = json.loads((reports / "plan-signed-lambda.json").read_text())
    planned = planned_changes(plan)
    assert (planned != planned_before) == rows[0].plan_sees_it, sorted(planned ^ planned_before)
    report = json.loads((reports / "verify-signed-lambda.json").read_text())
    failed = check_statuses(report).get("fail", set())
    expected_failures = frozenset().union(*(row.verifier_fails for row in rows))
    assert (report["result"] == "fail") == bool(expected_failures | already_failing), report[
        "result"
    ]
    for row in rows:
        assert row.verifier_fails <= failed, f"{row.name}: failed {sorted(failed)}"
        assert not row.verifier_fails & already_failing, f"{row.name}: not attributable"

    after = (live_snapshot(deployment), deployment.state_file())
    assert after == before, "a drift run must not change the infrastructure or its state"
    return failed, planned
