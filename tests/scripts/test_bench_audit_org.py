"""scripts/bench_audit_org.py end to end on a tiny organization (``make bench-audit ORG=1``
runs 20 accounts x 100 functions)."""

from __future__ import annotations

import json
from pathlib import Path

import bench_audit_org  # scripts/ is on sys.path (tests/conftest.py)
import pytest

ACCOUNTS = 2
FUNCTIONS = 2


def test_bench_on_a_tiny_organization_writes_every_key_and_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / "bench-audit-org.json"
    args = ["--accounts", str(ACCOUNTS), "--functions", str(FUNCTIONS), "--latency-ms", "0"]
    assert bench_audit_org.main([*args, "--layers", "1", "--json", str(output)]) == 0
    document = json.loads(output.read_text())
    for key in (
        "accounts",
        "functions",
        "org_seconds",
        "sequential_seconds",
        "speedup",
        "max_lambda_rps_used_per_account",
        "peak_memory_mb",
    ):
        assert key in document, key
    assert (document["accounts"], document["functions"]) == (ACCOUNTS, FUNCTIONS)
    assert document["org_result"] == "pass"
    assert document["functions_audited"] == ACCOUNTS * FUNCTIONS
    assert set(document["org_per_account"]) == set(document["sequential_per_account"])
    assert all(a["result"] == "pass" for a in document["sequential_per_account"].values())
    assert document["speedup"] == pytest.approx(
        document["sequential_seconds"] / document["org_seconds"], rel=0.05, abs=0.02
    )
    calls = document["calls_per_account_by_api"]
    assert calls["discovery"]["sts:AssumeRole"] == ACCOUNTS - 1
    assert calls["per_account_region"]["lambda:ListFunctions"] == {"min": 1, "max": 1}
    assert "lambda:GetFunction" not in calls["per_account_region"]
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("| accounts x functions | organization audit")
    assert table[2].startswith(f"| {ACCOUNTS} x {FUNCTIONS} | ")


def test_targets() -> None:
    row = {
        "speedup": 4.0,
        "max_lambda_rps_used_per_account": 10,
        "max_lambda_rps_budget": 10.0,
        "peak_memory_mb": 400.0,
    }
    assert all(bench_audit_org.targets_met(row).values())
    assert bench_audit_org.targets_met({**row, "speedup": 3.9})["speedup"] is False
    assert (
        bench_audit_org.targets_met({**row, "max_lambda_rps_used_per_account": 11})["rate_budget"]
        is False
    )
