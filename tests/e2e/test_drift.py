"""`signed-lambda drift` after a real deploy: clean is 0; each out-of-band change is 1 with a
summary naming it; a drift run changes nothing. The expectations are the README's "what catches
what" table (tests/e2e/scenarios.py): which changes `terraform plan` sees, which only the
verifier, and which verifier checks fail.

Reversible changes share one apply (restored and checked after each test); the cancel and the
two revocations, which nothing can undo, run in order on the apply of test_attacks.py's
irreversible steps (test_7), each attributable to its own change.
"""

from __future__ import annotations

import inspect
import json

import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.drifting import assert_drift_caught, live_snapshot, run_drift
from tests.e2e.scenarios import DRIFT_SCENARIOS, Scenario

pytestmark = pytest.mark.e2e


def test_clean_deploy_has_no_drift(deployment: Deployment) -> None:
    """Also the shared apply's plan-after-apply check: no perpetual diff."""
    before = (live_snapshot(deployment), deployment.state_file())
    code, summary, reports = run_drift(deployment)
    assert code == 0, summary
    plan = json.loads((reports / "plan-signed-lambda.json").read_text())
    assert plan["resource_changes"], "the plan covers the stack's resources"
    assert {tuple(c["change"]["actions"]) for c in plan["resource_changes"]} == {("no-op",)}
    assert summary.startswith("## Drift check: ✅ no drift")
    assert "✅ no changes" in summary
    after = (live_snapshot(deployment), deployment.state_file())
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
    "scenario", [s for s in DRIFT_SCENARIOS if s.reversible], ids=lambda s: s.name
)
def test_reversible_change_is_drift(deployment: Deployment, scenario: Scenario) -> None:
    assert_drift_caught(deployment, scenario)


def test_every_drift_scenario_runs_here() -> None:
    """The table's rows are all exercised (no scenario silently dropped): the reversible ones
    above; the irreversible ones (a cancel, two revocations) in order on one apply, in
    test_attacks.py's test_7."""
    from tests.e2e import test_attacks

    irreversible = {"job signature revoked", "profile revoked", "profile canceled"}
    assert {s.name for s in DRIFT_SCENARIOS if not s.reversible} == irreversible
    source = inspect.getsource(test_attacks.test_7_irreversible_in_order)
    for name in sorted(irreversible):
        assert f'SCENARIO["{name}"]' in source, name
