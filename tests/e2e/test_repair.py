"""`signed-lambda repair` after each reversible out-of-band change on the shared apply (the
fixture restores it after each test, and asserts the restore): what repair puts back, what it
leaves (and says so), and where it refuses to touch anything. Expectations per row of
tests/e2e/scenarios.py's table, plus two changes only repair's configuration step undoes.
"""

from __future__ import annotations

import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.drifting import live_snapshot
from tests.e2e.scenarios import SCENARIOS, Change, Target, check_statuses, hello

pytestmark = pytest.mark.e2e


def add_code_loading_variable(target: Target) -> None:
    """A wrapper script slipped into $LATEST's environment (function.environment fails)."""
    target.client("lambda").update_function_configuration(
        FunctionName=hello(target)["function_name"],
        Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/tmp/wrapper"}},
    )


def drop_layers(target: Target) -> None:
    target.client("lambda").update_function_configuration(
        FunctionName=hello(target)["function_name"], Layers=[]
    )


REPAIRED = "repaired"
REFUSED = "refused"
LEFT = "left"
UNCHANGED = "unchanged"
#: change -> (outcome, exit code, a line repair prints). "repaired": verify passes after it.
EXPECTED: dict[str, tuple[str, int, str]] = {
    "code replaced under a temporary Warn CSC": (REPAIRED, 0, "repaired hello: code "),
    "CSC detached": (REPAIRED, 0, "repaired hello: code signing config none -> arn:aws:lambda:"),
    "CSC switched to Warn": (
        REPAIRED,
        0,
        "repaired code signing config: policy Warn -> Enforce",
    ),
    "signed key overwritten": (
        REFUSED,
        1,
        "error: refusing to repair: the signed evidence itself is bad (hello: "
        "object.not_overwritten",
    ),
    "bucket versioning suspended": (
        LEFT,
        1,
        "not repaired hello: bucket.versioning: make deploy",
    ),
    "unsigned version published behind an alias": (
        LEFT,
        1,
        "not repaired hello: versions.signed: delete the published version",
    ),
    # The declaration holds each value's digest only: repair cannot put a value back, it says
    # so (Terraform sees the environment: make deploy undoes it).
    "function environment changed": (
        LEFT,
        1,
        "not repaired audit: function.environment: AUDIT_LEVEL declared by digest only",
    ),
    # Terraform sees this (make deploy undoes it); the verifier passes: nothing to repair.
    "function role changed": (UNCHANGED, 0, "repair: nothing changed: every check passes"),
    "code-loading variable added": (
        REPAIRED,
        0,
        "repaired hello: configuration: Environment as declared",
    ),
    "layers removed": (REPAIRED, 0, "repaired hello: configuration: Layers as declared"),
}
CHANGES: dict[str, Change] = {
    **{s.name: s.change for s in SCENARIOS if s.reversible},
    "code-loading variable added": add_code_loading_variable,
    "layers removed": drop_layers,
}


def test_every_reversible_change_has_an_expectation() -> None:
    assert sorted(EXPECTED) == sorted(CHANGES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_repair_after(deployment: Deployment, name: str) -> None:
    outcome, code, line = EXPECTED[name]
    CHANGES[name](deployment)
    changed = live_snapshot(deployment)
    exit_code, report, stderr = deployment.run_verifier("repair")  # what `make repair` runs
    assert exit_code == code, stderr
    assert line in stderr, stderr
    # Repair verifies first: a "repaired" line means that run failed, "every check passes"
    # that it passed.
    made = [entry for entry in stderr.splitlines() if entry.startswith("repaired ")]
    if outcome == REPAIRED:
        assert made and report["result"] == "pass", stderr
        assert check_statuses(report).keys() <= {"pass", "warn"}
        return
    assert not made, stderr
    assert live_snapshot(deployment) == changed, "nothing was changed"
    if outcome == REFUSED:
        assert report == {}, "a refusal runs no second verify"
        assert "only a redeploy with a new signature helps" in stderr
    elif outcome == LEFT:
        assert report["result"] == "fail" and "repair: nothing changed" in stderr
    else:
        assert report["result"] == "pass"
