"""``make bench``: the verifier's wall time, AWS calls and peak memory against the local AWS.

Usage: python scripts/bench.py [--runs N] [--json FILE]

Starts the local AWS (HTTPS, private CA), builds signed deployments with boto3 through the
signed-world builder (localaws.world: versioned bucket, unsigned upload, signing job, CSC,
function from the signed object), writes outputs files in the shape ``cdktf deploy`` writes
(localaws.world_outputs), and measures:

- the wall time of ``python -m verifier verify --outputs FILE --format json`` for one function:
  each run a fresh process (interpreter start included); median, min and max of ``--runs``;
- the AWS requests one verify run makes, for 1 and for N functions (counted by a botocore
  ``before-send`` hook installed from outside the verifier, in a child process), so the
  per-function and the shared (cached) requests are visible;
- the verifier process's peak RSS (``os.wait4``) for a 1 MB and a 50 MB package: the signed
  object is streamed to hash it, so both should be the same within 10 %;
- the same wall time under the local AWS's AWS-like rate limits and 20 ms added latency.

The Markdown table goes to stdout, progress to stderr, raw numbers to build/bench.json. Exit 0
when the benchmark ran (missed targets are reported in the table), 1 with a one-line error when
the setup fails (a benchmark of a failing verify run would be meaningless).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from localaws import world_outputs
from localaws.world import Clients, Deployment, FunctionSpec, World, WorldError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO_ROOT / "build" / "bench.json"

REGION = "us-east-1"
STACK = "bench"
MB = 1024 * 1024
SMALL_PACKAGE = 1 * MB
LARGE_PACKAGE = 50 * MB
FLEET_SIZE = 5
DEFAULT_RUNS = 10
MEMORY_RUNS = 3
FLEET_RUNS = 3
REALISTIC_LATENCY_MS = 20
VERIFY_TIMEOUT_SECONDS = 60

TARGET_SECONDS = 1.0
TARGET_CALLS_PER_FUNCTION = 10
TARGET_MEMORY_TOLERANCE = 0.10


class BenchError(RuntimeError):
    """The benchmark could not be set up; the message is one line for the user."""


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- pure helpers (tested in tests/scripts/test_bench.py) ----------------------------------


def make_package(size: int, seed: int) -> bytes:
    """A real Lambda zip of about ``size`` bytes: a handler plus incompressible random bytes,
    stored (not deflated) so the package's size is its real size."""
    handler = b"def handler(event, context):\n    return 'ok'\n"
    payload = random.Random(seed).randbytes(max(0, size - 512))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        stamp = (2020, 1, 1, 0, 0, 0)
        archive.writestr(zipfile.ZipInfo("index.py", date_time=stamp), handler)
        archive.writestr(zipfile.ZipInfo("payload.bin", date_time=stamp), payload)
    return buffer.getvalue()


@dataclass(frozen=True)
class Spread:
    median: float
    minimum: float
    maximum: float
    samples: tuple[float, ...]


def spread(samples: Sequence[float]) -> Spread:
    if not samples:
        raise ValueError("no samples")
    return Spread(statistics.median(samples), min(samples), max(samples), tuple(samples))


@dataclass(frozen=True)
class CallSplit:
    """AWS requests of a 1-function and an N-function run, split into per-function and shared."""

    one: int
    many: int
    functions: int

    @property
    def per_function(self) -> float:
        return (self.many - self.one) / (self.functions - 1)

    @property
    def shared(self) -> float:
        return self.one - self.per_function

    @property
    def average(self) -> float:
        return self.many / self.functions


def split_operations(
    one: dict[str, int], many: dict[str, int], functions: int
) -> tuple[list[str], list[str]]:
    """Operations made once per function, and those made once per run (cached, shared)."""
    per_function = sorted(op for op, n in many.items() if n == functions * one.get(op, 0))
    shared = sorted(op for op in many if op not in per_function)
    return per_function, shared


def relative_change(base: float, other: float) -> float:
    return (other - base) / base


def status(met: bool) -> str:
    return "met" if met else "**missed**"


def _mb(kib: float) -> str:
    return f"{kib / 1024:.1f} MB"


def render_table(results: dict[str, Any]) -> str:
    """The Markdown table for the README's "Measured numbers"."""
    wall = Spread(**results["wall_time"])
    calls = CallSplit(**results["calls"])
    small_rss = results["memory"]["small_kib"]
    large_rss = results["memory"]["large_kib"]
    change = relative_change(small_rss, large_rss)
    fleet = Spread(**results["fleet_wall_time"])
    large_wall = Spread(**results["large_wall_time"])
    n = calls.functions
    rows = [
        (
            f"`verify` wall time, 1 function, 1 MB package (median of {len(wall.samples)}; "
            "fresh process each run)",
            f"**{wall.median:.2f} s** (min {wall.minimum:.2f}, max {wall.maximum:.2f})",
            f"≤ {TARGET_SECONDS:.1f} s",
            status(wall.median <= TARGET_SECONDS),
        ),
        (
            "AWS requests, 1 function",
            f"**{calls.one}**",
            f"≤ {TARGET_CALLS_PER_FUNCTION} per function",
            status(calls.one <= TARGET_CALLS_PER_FUNCTION),
        ),
        (
            f"AWS requests, {n} functions (shared resources fetched once)",
            f"**{calls.many}** = {calls.shared:g} shared + {calls.per_function:g} per function "
            f"({calls.average:.1f} per function)",
            f"≤ {TARGET_CALLS_PER_FUNCTION} per function",
            status(calls.average <= TARGET_CALLS_PER_FUNCTION),
        ),
        (
            "peak RSS of the verifier, 1 MB package",
            f"**{_mb(small_rss)}**",
            "—",
            "—",
        ),
        (
            "peak RSS of the verifier, 50 MB package",
            f"**{_mb(large_rss)}** ({change:+.1%} vs 1 MB)",
            f"within {TARGET_MEMORY_TOLERANCE:.0%} of 1 MB",
            status(abs(change) <= TARGET_MEMORY_TOLERANCE),
        ),
        (
            f"`verify` wall time, 1 function, 50 MB package (median of {len(large_wall.samples)})",
            f"{large_wall.median:.2f} s (min {large_wall.minimum:.2f}, "
            f"max {large_wall.maximum:.2f})",
            "—",
            "—",
        ),
        (
            f"`verify` wall time, {n} functions (median of {len(fleet.samples)})",
            f"{fleet.median:.2f} s (min {fleet.minimum:.2f}, max {fleet.maximum:.2f})",
            "—",
            "—",
        ),
    ]
    startup = results.get("startup_wall_time")
    if startup is not None:
        start = Spread(**startup)
        rows.insert(
            1,
            (
                f"of which interpreter start + imports (`python -m verifier --help`, median of "
                f"{len(start.samples)})",
                f"{start.median:.2f} s (min {start.minimum:.2f}, max {start.maximum:.2f})",
                "—",
                "—",
            ),
        )
    realistic = results.get("realistic")
    if realistic is not None:
        real = Spread(**realistic["wall_time"])
        rows.append(
            (
                f"`verify` wall time, 1 function, AWS-like rate limits + "
                f"{realistic['latency_ms']} ms latency per request (median of "
                f"{len(real.samples)})",
                f"**{real.median:.2f} s** (min {real.minimum:.2f}, max {real.maximum:.2f}); "
                f"{realistic['requests']} requests",
                f"≤ {TARGET_SECONDS:.1f} s",
                status(real.median <= TARGET_SECONDS),
            )
        )
    detail = results.get("calls_detail")
    notes = [
        f"_`make bench` on {results['machine']}, {results['date']}. The local AWS runs over "
        "HTTPS on loopback, so the wall times are the verifier's own cost (interpreter start, "
        "imports, client set-up, TLS, hashing) plus the local AWS's response times; the "
        "rate-limited row adds a fixed delay to every request._",
        "_Each run is a fresh `python -m verifier verify --outputs FILE --format json` "
        "process, with bytecode cached (after untimed warm-up runs) as an installed copy has "
        "it._",
        "_AWS requests are HTTP requests, counted by a botocore `before-send` hook installed "
        "from outside the verifier (pages and retries would count too)._",
    ]
    if detail is not None:
        per_function, shared = split_operations(
            detail["one"]["by_operation"], detail["many"]["by_operation"], n
        )
        names = ", ".join
        notes.append(
            f"_Per function: {names(op.split('.', 1)[1] for op in per_function)}. "
            f"Once per run: {names(op.split('.', 1)[1] for op in shared)}._"
        )
    notes.append(
        "_The 50 MB row includes the local AWS's own cost of serving 50 MB over TLS; peak "
        "memory is what the issue's target is about._"
    )
    lines = [
        "| measurement | result | target | status |",
        "|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
        *(f"{note}\n" for note in notes),
    ]
    return "\n".join(lines) + "\n"


# --- the verifier as a child process ----------------------------------------------------------


def verifier_env(local_env: dict[str, str], scratch: Path) -> dict[str, str]:
    """The caller's environment without any AWS_* setting, plus the local AWS's.

    Bytecode is cached (as in any installed copy) but in ``scratch``: a PYTHONDONTWRITEBYTECODE
    in the caller's environment would make every run recompile the verifier's modules, and the
    source tree is left untouched. The untimed check runs warm the cache.
    """
    aws_config = scratch / "empty-aws-config"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(local_env)
    env.update(
        {
            "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            # An empty config: a user's ~/.aws/config (retry mode, profiles) must not apply.
            "AWS_CONFIG_FILE": str(aws_config),
            "AWS_SHARED_CREDENTIALS_FILE": str(aws_config),
        }
    )
    return env


@dataclass(frozen=True)
class Run:
    exit_code: int
    seconds: float
    max_rss_kib: int
    stdout: str
    stderr: str


# A lean launcher measures the verifier, not this script: on Linux a child's ru_maxrss starts
# from the RSS of the process that spawned it (the pre-exec address space is counted), and this
# script holds boto3 and a 50 MB package. The launcher (stdlib only, no site) is ~10 MB, far
# below the verifier, so the verifier's own peak is what wait4 reports. It also times the run
# from spawn to reap, so the launcher's own start-up is not counted.
LAUNCHER = """
import json, os, signal, sys, time
result_file, timeout, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
timed_out = []
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
def expire(signum, frame):
    timed_out.append(True)
    os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, expire)
signal.alarm(timeout)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
signal.alarm(0)
with open(result_file, "w") as out:
    json.dump({"exit_code": os.waitstatus_to_exitcode(status), "seconds": seconds,
               "max_rss_kib": usage.ru_maxrss, "timed_out": bool(timed_out)}, out)
"""


def run_child(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` through the launcher: wall time (spawn to reap) and peak RSS (wait4)."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-run-") as scratch,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        result_file = Path(scratch) / "run.json"
        launcher = [sys.executable, "-S", "-c", LAUNCHER, str(result_file)]
        try:
            subprocess.run(
                [*launcher, str(VERIFY_TIMEOUT_SECONDS), *command],
                env=env,
                cwd=REPO_ROOT,
                stdout=out,
                stderr=err,
                timeout=VERIFY_TIMEOUT_SECONDS + 30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"the launcher of {command[1:4]} did not return") from None
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if not result_file.exists():
            last = (stderr.strip().splitlines() or ["(no output)"])[-1]
            raise BenchError(f"the launcher of {command[1:4]} failed: {last}")
        measured = json.loads(result_file.read_text())
        if measured["timed_out"]:
            raise BenchError(f"{command[1:4]} did not finish within {VERIFY_TIMEOUT_SECONDS}s")
        return Run(
            exit_code=int(measured["exit_code"]),
            seconds=float(measured["seconds"]),
            max_rss_kib=int(measured["max_rss_kib"]),  # KiB on Linux
            stdout=stdout,
            stderr=stderr,
        )


def lock_path(outputs: Path) -> Path:
    return outputs.with_name(f"{outputs.stem}.lock.json")


def verify_command(outputs: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "verifier",
        "verify",
        "--outputs",
        str(outputs),
        "--lock",
        str(lock_path(outputs)),
        "--format",
        "json",
    ]


def check_passes(outputs: Path, env: dict[str, str]) -> Run:
    """One verify run that must pass; anything else makes the benchmark meaningless."""
    run = run_child(verify_command(outputs), env)
    try:
        result = json.loads(run.stdout).get("result")
    except ValueError:
        result = None
    if run.exit_code != 0 or result != "pass":
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchError(
            f"verify of {outputs.name} exited {run.exit_code} (result {result!r}): {last}"
        )
    return run


def count_requests(outputs: Path, env: dict[str, str]) -> dict[str, Any]:
    """The AWS requests of one passing verify run, counted by this script in a child process."""
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as scratch:
        counts_file = Path(scratch) / "counts.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--count-calls",
            str(outputs),
            "--counts-file",
            str(counts_file),
        ]
        run = run_child(command, env)
        if run.exit_code != 0 or not counts_file.exists():
            last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise BenchError(
                f"counting the calls of {outputs.name} failed ({run.exit_code}): {last}"
            )
        counts: dict[str, Any] = json.loads(counts_file.read_text())
        return counts


def _counting_child(outputs: str, counts_file: str) -> int:
    """Child mode: run the verifier in this process with botocore hooks on every session.

    ``before-call`` fires once per API call (each page of a paginator is one); ``before-send``
    once per HTTP request, so retries are counted too. The verifier itself is unchanged.
    """
    import botocore.session

    from verifier.cli import app

    requests: Counter[str] = Counter()
    api_calls: Counter[str] = Counter()

    def on_send(**kwargs: Any) -> None:
        requests[str(kwargs["event_name"]).split(".", 1)[1]] += 1

    def on_call(**kwargs: Any) -> None:
        api_calls[str(kwargs["event_name"]).split(".", 1)[1]] += 1

    original_init = botocore.session.Session.__init__

    def init(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.register("before-send", on_send)
        self.register("before-call", on_call)

    botocore.session.Session.__init__ = init  # type: ignore[method-assign]
    sys.argv = ["signed-lambda", *verify_command(Path(outputs))[3:]]
    saved_stdout = sys.stdout
    sys.stdout = io.StringIO()
    try:
        app()  # not verifier.cli.main, which ends the process (os._exit) when done
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdout = saved_stdout
    Path(counts_file).write_text(
        json.dumps(
            {
                "exit_code": code,
                "requests": sum(requests.values()),
                "api_calls": sum(api_calls.values()),
                "by_operation": dict(sorted(requests.items())),
            }
        )
    )
    return 0 if code == 0 else 1


# --- deployments on the local AWS -----------------------------------------------------------


def function_spec(key: str, package: bytes, tag: str) -> FunctionSpec:
    """A function of a deployment, its package under ``unsigned/<key>/``, signed into
    ``signed/<key>/``, as the stack keys them."""
    return FunctionSpec(
        package,
        name=f"bench-{key}-{tag}",
        unsigned_key=f"unsigned/{key}/package.zip",
        signed_prefix=f"signed/{key}/",
    )


def outputs_of(deployment: Deployment, specs: dict[str, FunctionSpec], path: Path) -> Path:
    """The outputs file of ``deployment``, and beside it the lock that pins it."""
    manifest = world_outputs.manifest_of(
        deployment,
        functions=tuple(
            # A generated package with no source directory: provenance is not measured here.
            world_outputs.function_manifest(key, function, spec, source_dir=f"bench/{key}")
            for (key, spec), function in zip(specs.items(), deployment.functions, strict=True)
        ),
    )
    world_outputs.write_outputs(path, STACK, manifest)
    world_outputs.write_lock(lock_path(path), STACK, manifest)
    return path


def deploy(clients: Clients, path: Path, packages: dict[str, bytes]) -> Path:
    """One deployment as a stack has it (its own bucket, role, profile and Enforce CSC), one
    function per package; its outputs file."""
    tag = f"{random.randrange(16**8):08x}"
    world = World.create(clients, bucket=f"bench-artifacts-{tag}", role=f"bench-role-{tag}")
    specs = {key: function_spec(key, package, tag) for key, package in packages.items()}
    deployment = world.deployment(
        specs.values(), profile_name=f"bench_{tag}", validity={"value": 365, "type": "DAYS"}
    )
    return outputs_of(deployment, specs, path)


@contextmanager
def local_aws(
    scratch: Path, *, rate_limits: bool, latency_ms: int
) -> Iterator[tuple[Clients, dict[str, str]]]:
    """A local AWS for one scenario: the builder's clients, and the env the verifier processes
    get."""
    from localaws.testing import running_local_aws

    with running_local_aws(tls=True, rate_limits=rate_limits, latency_ms=latency_ms) as local:
        ca = str(local.ca_bundle) if local.ca_bundle is not None else None
        yield (
            Clients.for_endpoint(local.endpoint_url, ca_bundle=ca, region=REGION),
            verifier_env(local.env(), scratch),
        )


def timed_runs(command: list[str], env: dict[str, str], runs: int, label: str) -> list[Run]:
    done: list[Run] = []
    for index in range(runs):
        run = run_child(command, env)
        if run.exit_code != 0:
            raise BenchError(f"timed verify run {index + 1} of {label} exited {run.exit_code}")
        done.append(run)
    _progress(f"{label}: {', '.join(f'{r.seconds:.2f}' for r in done)} s")
    return done


def _spread_dict(samples: Sequence[float]) -> dict[str, Any]:
    result = asdict(spread(samples))
    result["samples"] = list(result["samples"])
    return result


def bench(runs: int, scratch: Path) -> dict[str, Any]:
    (scratch / "empty-aws-config").write_text("")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}",
        "runs": runs,
    }
    _progress("starting the local AWS (HTTPS)")
    with local_aws(scratch, rate_limits=False, latency_ms=0) as (clients, env):
        # Three deployments, each with its own bucket, as a stack has.
        _progress("deploying 1 function (1 MB package)")
        small_package = make_package(SMALL_PACKAGE, seed=0)
        single_file = deploy(clients, scratch / "single.json", {"fn": small_package})
        _progress(f"deploying {FLEET_SIZE} functions (1 MB packages) sharing bucket, profile, CSC")
        fleet_file = deploy(
            clients,
            scratch / "fleet.json",
            {f"fn{i}": make_package(SMALL_PACKAGE, seed=i) for i in range(FLEET_SIZE)},
        )
        _progress("deploying 1 function (50 MB package)")
        large_package = make_package(LARGE_PACKAGE, seed=1000)
        large_file = deploy(clients, scratch / "large.json", {"fn": large_package})
        results["package_bytes"] = {"small": len(small_package), "large": len(large_package)}
        del large_package
        _progress("checking that verify passes on each deployment")
        for path in (single_file, fleet_file, large_file):
            check_passes(path, env)

        _progress("counting AWS requests")
        one = count_requests(single_file, env)
        many = count_requests(fleet_file, env)
        results["calls"] = asdict(
            CallSplit(one=one["requests"], many=many["requests"], functions=FLEET_SIZE)
        )
        results["calls_detail"] = {"one": one, "many": many}

        _progress(f"timing {runs} runs of `python -m verifier --help` (start-up and imports)")
        help_command = [sys.executable, "-m", "verifier", "--help"]
        startup = timed_runs(help_command, env, runs, "--help")
        results["startup_wall_time"] = _spread_dict([r.seconds for r in startup])
        _progress(f"timing {runs} runs, 1 function, 1 MB")
        small_runs = timed_runs(verify_command(single_file), env, runs, "1 function, 1 MB")
        results["wall_time"] = _spread_dict([r.seconds for r in small_runs])
        _progress(f"timing {MEMORY_RUNS} runs, 1 function, 50 MB")
        large_runs = timed_runs(verify_command(large_file), env, MEMORY_RUNS, "1 function, 50 MB")
        results["large_wall_time"] = _spread_dict([r.seconds for r in large_runs])
        results["memory"] = {
            "small_kib": statistics.median(r.max_rss_kib for r in small_runs),
            "large_kib": statistics.median(r.max_rss_kib for r in large_runs),
            "small_samples_kib": [r.max_rss_kib for r in small_runs],
            "large_samples_kib": [r.max_rss_kib for r in large_runs],
        }
        _progress(f"timing {FLEET_RUNS} runs, {FLEET_SIZE} functions")
        fleet_runs = timed_runs(
            verify_command(fleet_file), env, FLEET_RUNS, f"{FLEET_SIZE} functions"
        )
        results["fleet_wall_time"] = _spread_dict([r.seconds for r in fleet_runs])

    _progress(f"restarting the local AWS with rate limits and {REALISTIC_LATENCY_MS} ms latency")
    with local_aws(scratch, rate_limits=True, latency_ms=REALISTIC_LATENCY_MS) as (clients, env):
        real_file = deploy(clients, scratch / "realistic.json", {"fn": small_package})
        check_passes(real_file, env)
        counted = count_requests(real_file, env)
        real_runs = timed_runs(verify_command(real_file), env, runs, "realistic, 1 function")
        results["realistic"] = {
            "latency_ms": REALISTIC_LATENCY_MS,
            "rate_limits": True,
            "requests": counted["requests"],
            "wall_time": _spread_dict([r.seconds for r in real_runs]),
        }
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed runs per median")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="raw numbers file")
    parser.add_argument("--count-calls", metavar="OUTPUTS", help=argparse.SUPPRESS)
    parser.add_argument("--counts-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count_calls:
        return _counting_child(args.count_calls, args.counts_file)
    if not 1 <= args.runs <= 100:
        print("error: bench: --runs must be between 1 and 100", file=sys.stderr)
        return 2

    from botocore.exceptions import BotoCoreError, ClientError

    from localaws.process import StartError

    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
            results = bench(args.runs, Path(scratch))
    except (BenchError, WorldError, StartError, ClientError, BotoCoreError, OSError) as error:
        print(f"error: bench: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    results["bench_seconds"] = round(time.monotonic() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.write(render_table(results))
    _progress(f"done in {results['bench_seconds']} s; raw numbers in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
