"""``make bench-synth``: synth wall time and peak memory for each CDK toolchain, cold and warm.

Each run is what a user runs, ``scripts/cdk-cli.sh synth`` (the CLI on node_modules' Node 22,
which starts ``main.py``, whose jsii runtime starts another Node), timed from start to exit.

- *cold*: jsii's package cache (where its runtime unpacks each library's assembly) is empty,
  as on a first synth after install or in CI without a cache;
- *warm*: the same cache, already filled by the cold run.

Memory is the whole process tree: every 50 ms the resident set sizes of the CLI and all its
descendants are summed (from ``/proc``, Linux only), and the peak sum is reported. Shared pages
count once per process, so this is an upper bound. ``os.wait4``'s ``ru_maxrss`` adds the largest
single process.

The Markdown table goes to stdout; raw numbers to ``build/bench-synth.json``; progress to stderr.
On a shared machine the numbers are noisy: run it twice and compare.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = REPO_ROOT / "scripts" / "cdk-cli.sh"
TOOLCHAINS = ("cdktf", "cdktn")
SAMPLE_SECONDS = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    toolchain: str
    cache: str  # "cold" or "warm"
    wall_seconds: float
    tree_peak_mib: float
    largest_process_mib: float


def children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # the process exited between listing and reading
        # The command name (field 2) may hold spaces or parentheses: split after its last ')'.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss_bytes(root: int) -> int:
    tree = children_by_parent()
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, []))
        try:
            resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident_pages * PAGE_SIZE
    return total


def measure(toolchain: str, cache: str, cache_root: Path, env: dict[str, str]) -> Run:
    outdir = Path(tempfile.mkdtemp(prefix=f"bench-synth-{toolchain}-"))
    run_env = {
        **env,
        "SIGNED_LAMBDA_CDK": toolchain,
        "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(cache_root),
    }
    peak = 0
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(CLI), "synth", "--output", str(outdir)],
        cwd=REPO_ROOT,
        env=run_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr_chunks: list[str] = []
    stderr_pipe = process.stderr
    assert stderr_pipe is not None
    # Drained on a thread so a chatty CLI never blocks on a full pipe while we sample.
    reader = threading.Thread(target=lambda: stderr_chunks.append(stderr_pipe.read()))
    reader.start()
    while True:
        # wait4 reaps the CLI and returns its rusage, whose ru_maxrss (KiB, Linux) covers the
        # descendants it reaped: the largest single process of the tree.
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, tree_rss_bytes(process.pid))
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    shutil.rmtree(outdir, ignore_errors=True)
    if process.returncode != 0:
        stderr = "".join(stderr_chunks)
        sys.exit(f"error: {toolchain} synth failed ({process.returncode}):\n{stderr}")
    return Run(
        toolchain=toolchain,
        cache=cache,
        wall_seconds=round(wall, 2),
        tree_peak_mib=round(peak / 2**20),
        largest_process_mib=round(usage.ru_maxrss / 1024),
    )


def markdown(runs: list[Run]) -> str:
    lines = [
        "| toolchain | jsii cache | runs | synth wall time (s) | whole-tree peak RSS (MiB) "
        "| largest process (MiB) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for toolchain in TOOLCHAINS:
        for cache in ("cold", "warm"):
            chosen = [r for r in runs if r.toolchain == toolchain and r.cache == cache]
            if not chosen:
                continue
            walls = [r.wall_seconds for r in chosen]
            peaks = [r.tree_peak_mib for r in chosen]
            wall = f"{statistics.median(walls):.1f}" + (
                f" ({min(walls):.1f}-{max(walls):.1f})" if len(walls) > 1 else ""
            )
            peak = f"{statistics.median(peaks):,.0f}" + (
                f" ({min(peaks):,.0f}-{max(peaks):,.0f})" if len(peaks) > 1 else ""
            )
            largest = f"{statistics.median(r.largest_process_mib for r in chosen):,.0f}"
            lines.append(f"| {toolchain} | {cache} | {len(chosen)} | {wall} | {peak} | {largest} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=2, help="warm runs per toolchain")
    parser.add_argument(
        "--toolchains", default=",".join(TOOLCHAINS), help="comma-separated (cdktf,cdktn)"
    )
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "build" / "bench-synth.json")
    args = parser.parse_args(argv)
    toolchains = [t for t in args.toolchains.split(",") if t]
    unknown = sorted(set(toolchains) - set(TOOLCHAINS))
    if unknown or args.warm_runs < 0:
        print(
            f"error: --toolchains takes {','.join(TOOLCHAINS)}; --warm-runs >= 0", file=sys.stderr
        )
        return 2
    if not Path("/proc/self/statm").exists():
        print("error: bench-synth reads /proc (Linux only)", file=sys.stderr)
        return 2

    env = dict(os.environ)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env.setdefault("SIGNED_LAMBDA_CONFIG", "")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-synth-jsii-") as scratch:
        for toolchain in toolchains:
            cache_root = Path(scratch) / toolchain
            cache_root.mkdir(mode=0o700)
            for index in range(1 + args.warm_runs):
                cache = "cold" if index == 0 else "warm"
                print(f"bench-synth: {toolchain} {cache} run {index + 1}...", file=sys.stderr)
                run = measure(toolchain, cache, cache_root, env)
                print(f"  {run.wall_seconds:.1f} s, {run.tree_peak_mib:,.0f} MiB", file=sys.stderr)
                runs.append(run)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    meta = {"cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0]}
    args.json.write_text(json.dumps({"meta": meta, "runs": [asdict(r) for r in runs]}, indent=2))
    print(markdown(runs))
    print(
        f"\n{os.cpu_count()} CPUs, 1-minute load average {meta['load_average_1m']:.1f} at the end;"
        f" median (min-max). Raw numbers: {args.json}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
