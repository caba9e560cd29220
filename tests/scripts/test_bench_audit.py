"""scripts/bench_audit.py end to end on a tiny fleet (``make bench-audit`` runs 1,000)."""

from __future__ import annotations

import json
from pathlib import Path

import bench_audit  # scripts/ is on sys.path (tests/conftest.py)
import pytest

FUNCTIONS = 4


def test_bench_on_a_tiny_fleet_writes_every_key_and_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / "bench-audit.json"
    args = ["--functions", str(FUNCTIONS), "--latency-ms", "0", "--layers", "1"]
    assert bench_audit.main([*args, "--json", str(output)]) == 0
    document = json.loads(output.read_text())
    for key in (
        "functions",
        "audit_seconds",
        "audit_warm_seconds",
        "naive_seconds",
        "speedup",
        "lambda_requests",
        "max_lambda_rps_used",
        "peak_memory_mb",
    ):
        assert key in document, key
    assert document["functions"] == FUNCTIONS
    assert document["audit_result"] == "pass"
    # $LATEST and version 1 per function: checks for every code path ran.
    assert document["audit_checks"] >= FUNCTIONS * 6
    assert document["max_lambda_rps_used"] <= document["max_lambda_rps_budget"]
    assert document["speedup"] == pytest.approx(
        document["naive_seconds"] / document["audit_seconds"], rel=0.05, abs=0.02
    )
    cold, warm = document["requests_by_api"], document["warm_requests_by_api"]
    # One hash per signed object (functions + the layer), none on a warm cache.
    assert cold["s3:GetObject"] == FUNCTIONS + 1
    assert "s3:GetObject" not in warm
    assert document["warm_cache_hits"] == FUNCTIONS + 1
    assert "lambda:GetFunction" not in cold and "lambda:GetFunctionCodeSigningConfig" not in cold
    # The naive loop: six calls per function.
    assert sum(document["naive_requests_by_api"].values()) == 6 * FUNCTIONS
    table = capsys.readouterr().out
    assert table.splitlines()[0].startswith("| functions | audit, cold cache")
    assert table.splitlines()[2].startswith(f"| {FUNCTIONS} | ")


def test_targets_are_judged_at_1000() -> None:
    row = {
        "audit_seconds": 12.0,
        "speedup": 16.0,
        "max_lambda_rps_used": 10,
        "max_lambda_rps_budget": 10.0,
        "peak_memory_mb": 120.0,
    }
    assert all(bench_audit.targets_met(row).values())
    assert not bench_audit.targets_met({**row, "max_lambda_rps_used": 11})["rate_budget"]


def test_a_row_without_the_naive_loop_renders_and_misses_the_speedup_target() -> None:
    row = {
        "functions": 1000,
        "audit_seconds": 12.0,
        "audit_warm_seconds": 6.0,
        "naive_seconds": None,
        "naive_extrapolated_from": None,
        "speedup": None,
        "lambda_requests": 46,
        "max_lambda_rps_used": 10,
        "max_lambda_rps_budget": 10.0,
        "peak_memory_mb": 80.0,
    }
    line = bench_audit.render_table([row]).splitlines()[2]
    assert "| not run | - |" in line
    assert not bench_audit.targets_met(row)["speedup"]
