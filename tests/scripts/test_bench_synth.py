"""The pure parts of scripts/bench_synth.py (``make bench-synth`` itself runs four synths)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from typing import Any

from tests.conftest import REPO_ROOT

# Loaded by path: scripts/ is not a package, and this needs no sys.path set-up elsewhere.
SCRIPT = REPO_ROOT / "scripts" / "bench_synth.py"
_spec = importlib.util.spec_from_file_location("bench_synth", SCRIPT)
assert _spec is not None and _spec.loader is not None
bench_synth = importlib.util.module_from_spec(_spec)
sys.modules["bench_synth"] = bench_synth  # dataclasses look their module up by name
_spec.loader.exec_module(bench_synth)


def run(toolchain: str, cache: str, wall: float, peak: float) -> Any:
    return bench_synth.Run(toolchain, cache, wall, peak, largest_process_mib=peak / 2)


def test_tree_rss_counts_descendants() -> None:
    alone = bench_synth.tree_rss_bytes(os.getpid())
    # A child holding 64 MiB: the tree's total grows by at least that much.
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; b = bytearray(64 * 2**20); time.sleep(30)"]
    )
    try:
        deadline = time.monotonic() + 20
        grown = 0
        while time.monotonic() < deadline and grown < 64 * 2**20:
            grown = bench_synth.tree_rss_bytes(os.getpid()) - alone
            time.sleep(0.05)
        assert grown >= 64 * 2**20
    finally:
        child.kill()
        child.wait(timeout=30)


def test_table_has_a_row_per_toolchain_and_cache_with_median_and_range() -> None:
    runs = [
        run("cdktf", "cold", 20.0, 2000),
        run("cdktf", "warm", 15.0, 1500),
        run("cdktf", "warm", 17.0, 1600),
        run("cdktn", "cold", 11.0, 1300),
        run("cdktn", "warm", 5.5, 1250),
        run("cdktn", "warm", 6.5, 1350),
    ]
    rows = bench_synth.markdown(runs).splitlines()[2:]
    assert rows == [
        "| cdktf | cold | 1 | 20.0 | 2,000 | 1,000 |",
        "| cdktf | warm | 2 | 16.0 (15.0-17.0) | 1,550 (1,500-1,600) | 775 |",
        "| cdktn | cold | 1 | 11.0 | 1,300 | 650 |",
        "| cdktn | warm | 2 | 6.0 (5.5-6.5) | 1,300 (1,250-1,350) | 650 |",
    ]


def test_unknown_toolchain_is_a_usage_error() -> None:
    assert bench_synth.main(["--toolchains", "cdk8s"]) == 2


def test_the_packages_tables_have_a_row_per_build_cache_state_and_package() -> None:
    runs = [
        run("cdktf", "cold", 20.0, 1100),
        run("cdktf", "warm", 8.0, 1000),
        run("cdktf", "warm", 10.0, 1020),
    ]
    sizes = [bench_synth.PackageSize("bench-py", "python", 1, 153_798, 152_168, 12, 2.5, 0.01)]
    lines = bench_synth.packages_markdown(runs, sizes).splitlines()
    assert lines[2:4] == [
        "| build cache cold (pip, npm run) | 1 | 20.0 | 1,100 |",
        "| build cache warm (hits) | 2 | 9.0 (8.0-10.0) | 1,010 |",
    ]
    assert lines[-1] == "| bench-py | python | 1 | 153,798 | 152,168 | 12 | 2.50 | 0.010 |"
