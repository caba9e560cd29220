"""`signed-lambda drift` after a real deploy: clean is 0; each out-of-band change is 1 with a
summary naming it; a drift run changes nothing. The expectations are the README's "what catches
what" table (tests/e2e/scenarios.py): which changes `terraform plan` sees, which only the
verifier, and which verifier checks fail.

Reversible changes share one apply (restored and checked after each test), a few rows per drift
run (REVERSIBLE_RUNS); the cancel and the two revocations, which nothing can undo, run in order
on the apply of test_attacks.py's irreversible steps (test_7), each attributable to its own
change.
"""

from __future__ import annotations

import inspect
import json

import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.drifting import assert_drift_caught, live_snapshot, run_drift
from tests.e2e.scenarios import DRIFT_SCENARIOS, SCENARIO

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


#: The reversible rows, a few per drift run (one run costs a plan and a verify). The rows of a
#: run touch different settings and name different things in the summary, and agree on whether
#: the plan sees them (assert_drift_caught checks both), so each row's evidence is its own.
#: Each row's failing checks on their own: test_verify_world.py.
REVERSIBLE_RUNS = (
    # The plan sees neither: it stays clean with both in place. The verifier fails each.
    ("code replaced under a temporary Warn CSC", "signed key overwritten"),
    # The plan shows each one's attribute; the verifier fails each.
    ("CSC detached", "CSC switched to Warn", "bucket versioning suspended"),
    # The plan shows each one's attribute; the verifier passes (not its business).
    ("function environment changed", "function role changed"),
)


@pytest.mark.parametrize("rows", REVERSIBLE_RUNS, ids=" + ".join)
def test_reversible_changes_are_drift(deployment: Deployment, rows: tuple[str, ...]) -> None:
    assert_drift_caught(deployment, [SCENARIO[name] for name in rows])


def test_every_drift_scenario_runs_here() -> None:
    """The table's rows are all exercised (no scenario silently dropped): the reversible ones
    above; the irreversible ones (a cancel, two revocations) in order on one apply, in
    test_attacks.py's test_7."""
    from tests.e2e import test_attacks

    irreversible = {"job signature revoked", "profile revoked", "profile canceled"}
    assert {s.name for s in DRIFT_SCENARIOS if not s.reversible} == irreversible
    in_runs = [name for rows in REVERSIBLE_RUNS for name in rows]
    assert sorted(in_runs) == sorted(s.name for s in DRIFT_SCENARIOS if s.reversible)
    source = inspect.getsource(test_attacks.test_7_irreversible_in_order)
    for name in sorted(irreversible):
        assert f'SCENARIO["{name}"]' in source, name
