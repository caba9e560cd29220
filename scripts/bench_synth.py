"""``make bench-synth``: synth wall time and peak memory for each CDK toolchain, cold and warm;
then synth with three dependency-carrying functions, build cache cold and warm, and their sizes.

Each run is what a user runs, ``scripts/cdk-cli.sh synth`` (the CLI on node_modules' Node 22,
which starts ``main.py``, whose jsii runtime starts another Node), timed from start to exit.

- *cold*: jsii's package cache (where its runtime unpacks each library's assembly) is empty,
  as on a first synth after install or in CI without a cache;
- *warm*: the same cache, already filled by the cold run.

The packages section synthesizes a config of three functions with dependencies (``tabulate``
from ``demo/wheelhouse`` for x86_64 and for arm64; a Node function whose lock pins an ``npm
pack`` tarball), sources under ``build/bench-synth/``, on cdktf with a warm jsii cache:

- *build cache cold*: sources the package cache has never seen (a new directory per run), so
  pip and npm run for each function;
- *build cache warm*: the same sources again, every package a cache hit.

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
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # the packages section builds with stacks/ and verifier/
    sys.path.insert(0, str(REPO_ROOT))
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


@dataclass(frozen=True)
class PackageSize:
    key: str
    kind: str
    dependencies: int
    zip_bytes: int
    unzipped_bytes: int
    files: int
    #: The build alone (in process, no synth): from scratch, and as a build cache hit.
    build_cold_seconds: float = 0.0
    build_hit_seconds: float = 0.0


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


# --- three dependency-carrying functions ----------------------------------------------------

BENCH_ROOT = REPO_ROOT / "build" / "bench-synth"
WHEELHOUSE = REPO_ROOT / "demo" / "wheelhouse"
PACKAGE_KEYS = ("bench-py", "bench-arm", "bench-web")


def _npm(*args: str, cwd: Path, env: dict[str, str]) -> str:
    node_bin = REPO_ROOT / "node_modules" / ".bin"
    path = os.pathsep.join([str(node_bin), env.get("PATH", os.defpath)])
    npm = shutil.which("npm", path=path)
    if npm is None:
        sys.exit("error: bench-synth needs npm on PATH for its Node function")
    result = subprocess.run(
        [npm, *args], cwd=cwd, env={**env, "PATH": path}, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"error: npm {args[0]} failed: {result.stderr[-2000:]}")
    return result.stdout


def package_project(run: Path, env: dict[str, str]) -> Path:
    """Sources for the three functions under ``run`` (inside the repo, as source_dir must be)
    and their config; returns the config file."""
    requirements = (REPO_ROOT / "functions" / "table" / "requirements.txt").read_text()
    for key in ("bench-py", "bench-arm"):
        source = run / "functions" / key
        source.mkdir(parents=True)
        shutil.copyfile(REPO_ROOT / "functions" / "table" / "handler.py", source / "handler.py")
        (source / "requirements.txt").write_text(requirements)
    library = run / "npm-src" / "bench-lib"
    library.mkdir(parents=True)
    (library / "package.json").write_text(json.dumps({"name": "bench-lib", "version": "1.0.0"}))
    (library / "index.js").write_text("module.exports = (rows) => rows.map(String).join('\\n');\n")
    (run / "vendor").mkdir()
    _npm("pack", "--pack-destination", str(run / "vendor"), cwd=library, env=env)
    web = run / "functions" / "bench-web"
    web.mkdir(parents=True)
    (web / "index.js").write_text(
        "const lib = require('bench-lib');\nexports.handler = async (e) => lib(Object.keys(e));\n"
    )
    manifest = {
        "name": "bench-web",
        "dependencies": {"bench-lib": "file:../../vendor/bench-lib-1.0.0.tgz"},
    }
    (web / "package.json").write_text(json.dumps(manifest))
    _npm("install", "--package-lock-only", "--offline", "--ignore-scripts", cwd=web, env=env)
    relative = run.relative_to(REPO_ROOT).as_posix()
    config = {
        "stack_name": "signed-lambda-bench",
        "name_prefix": "signed-lambda-bench",
        "layers": [],
        "functions": [
            {"key": "bench-py", "source_dir": f"{relative}/functions/bench-py"},
            {
                "key": "bench-arm",
                "source_dir": f"{relative}/functions/bench-arm",
                "architectures": ["arm64"],
            },
            {
                "key": "bench-web",
                "source_dir": f"{relative}/functions/bench-web",
                "runtime": "nodejs22.x",
                "handler": "index.handler",
            },
        ],
    }
    path = run / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def build_seconds(config: Path, key: str, env: dict[str, str]) -> tuple[float, float]:
    """The package build alone, from scratch and then from a fresh cache (hit)."""
    # Imported here: the toolchain section must not pay for the stacks' imports.
    from stacks.config import config_from_mapping
    from stacks.packages import TOOLS, function_build
    from verifier.package import BuildCache, build_package

    stack = config_from_mapping(json.loads(config.read_text()))
    spec = function_build(next(fn for fn in stack.functions if fn.key == key))
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-synth-build-") as scratch:
            cache = BuildCache(Path(scratch) / "cache")
            timings = []
            for name in ("cold", "hit"):
                start = time.perf_counter()
                build_package(spec, Path(scratch) / f"{name}.zip", cache=cache, tools=TOOLS)
                timings.append(round(time.perf_counter() - start, 3))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return timings[0], timings[1]


def package_sizes(config: Path, env: dict[str, str]) -> list[PackageSize]:
    packages = REPO_ROOT / "build" / "packages"
    sizes = []
    for key in PACKAGE_KEYS:
        zip_path = packages / f"{key}.zip"
        sbom = json.loads((packages / f"{key}.cdx.json").read_text())
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
        kind = next(
            p["value"]
            for p in sbom["metadata"]["component"]["properties"]
            if p["name"] == "signed-lambda:package:kind"
        )
        sizes.append(
            PackageSize(
                key=key,
                kind=kind,
                dependencies=len(sbom["components"]),
                zip_bytes=zip_path.stat().st_size,
                unzipped_bytes=sum(i.file_size for i in infos),
                files=len(infos),
                **dict(
                    zip(
                        ("build_cold_seconds", "build_hit_seconds"),
                        build_seconds(config, key, env),
                        strict=True,
                    )
                ),
            )
        )
    return sizes


def measure_packages(
    runs: int, env: dict[str, str], jsii_cache: Path
) -> tuple[list[Run], list[PackageSize]]:
    """One warm-up synth (fills the jsii cache), then per round one synth with new sources
    (build cache cold) and ``runs`` with the same sources (build cache warm)."""
    package_env = {**env, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE)}
    results: list[Run] = []
    shutil.rmtree(BENCH_ROOT, ignore_errors=True)
    BENCH_ROOT.mkdir(parents=True)
    warm_up = package_project(BENCH_ROOT / "warm-up", env)
    measure("cdktf", "warm-up", jsii_cache, {**package_env, "SIGNED_LAMBDA_CONFIG": str(warm_up)})
    config = package_project(BENCH_ROOT / "measured", env)
    run_env = {**package_env, "SIGNED_LAMBDA_CONFIG": str(config)}
    for index in range(1 + runs):
        cache = "cold" if index == 0 else "warm"
        print(f"bench-synth: 3 packages, build cache {cache} run {index + 1}...", file=sys.stderr)
        run = measure("cdktf", cache, jsii_cache, run_env)
        print(f"  {run.wall_seconds:.1f} s, {run.tree_peak_mib:,.0f} MiB", file=sys.stderr)
        results.append(run)
    return results, package_sizes(config, package_env)


def packages_markdown(runs: list[Run], sizes: list[PackageSize]) -> str:
    lines = [
        "| 3 functions with dependencies (cdktf, jsii cache warm) | runs | synth wall time (s) "
        "| whole-tree peak RSS (MiB) |",
        "|---|---:|---:|---:|",
    ]
    for cache, label in (
        ("cold", "build cache cold (pip, npm run)"),
        ("warm", "build cache warm (hits)"),
    ):
        chosen = [r for r in runs if r.cache == cache]
        if chosen:
            walls = [r.wall_seconds for r in chosen]
            wall = f"{statistics.median(walls):.1f}" + (
                f" ({min(walls):.1f}-{max(walls):.1f})" if len(walls) > 1 else ""
            )
            peak = statistics.median(r.tree_peak_mib for r in chosen)
            lines.append(f"| {label} | {len(chosen)} | {wall} | {peak:,.0f} |")
    lines += [
        "",
        "| package | kind | dependencies | zip (bytes) | unzipped (bytes) | files "
        "| build from scratch (s) | build, cache hit (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s.key} | {s.kind} | {s.dependencies} | {s.zip_bytes:,} | {s.unzipped_bytes:,} "
        f"| {s.files} | {s.build_cold_seconds:.2f} | {s.build_hit_seconds:.3f} |"
        for s in sizes
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=2, help="warm runs per toolchain")
    parser.add_argument(
        "--toolchains", default=",".join(TOOLCHAINS), help="comma-separated (cdktf,cdktn)"
    )
    parser.add_argument(
        "--package-runs",
        type=int,
        default=2,
        help="warm (cache hit) synths of the three dependency-carrying functions; -1 skips them",
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
    package_runs: list[Run] = []
    sizes: list[PackageSize] = []
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
        if args.package_runs >= 0:
            jsii_cache = Path(scratch) / "packages"
            jsii_cache.mkdir(mode=0o700)
            package_runs, sizes = measure_packages(args.package_runs, env, jsii_cache)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    meta = {"cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0]}
    document = {
        "meta": meta,
        "runs": [asdict(r) for r in runs],
        "package_runs": [asdict(r) for r in package_runs],
        "package_sizes": [asdict(s) for s in sizes],
    }
    args.json.write_text(json.dumps(document, indent=2))
    if runs:
        print(markdown(runs) + "\n")
    if package_runs:
        print(packages_markdown(package_runs, sizes))
    print(
        f"\n{os.cpu_count()} CPUs, 1-minute load average {meta['load_average_1m']:.1f} at the end;"
        f" median (min-max). Raw numbers: {args.json}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
