"""Benchmark ``signed-lambda audit`` against the naive per-function loop scanners use.

``make bench-audit`` (not part of ``make test``). For each fleet size: a fresh local AWS with
AWS-like rate limits (Lambda: GetFunction 100/s, the rest 15/s shared) and added latency, seeded
with N functions (each ``$LATEST`` + one published version, each its own signed package, some
sharing a few signed layers); then, in the same run and against the same fleet:

1. the audit with a cold hash cache, in a fresh interpreter (its peak memory is the CLI's);
2. the audit again with the warm cache;
3. the naive loop: per function GetFunction, GetFunctionCodeSigningConfig,
   ListVersionsByFunction, ListAliases, DescribeSigningJob and a streamed GetObject, one
   function after the other, with botocore's adaptive retries (above ``--naive-sample``
   functions it runs on a sample and is extrapolated: it is linear in the fleet;
   ``--skip-naive`` leaves it out, and the speedup with it).

Writes ``build/bench-audit.json`` (keys ``functions``, ``audit_seconds``,
``audit_warm_seconds``, ``naive_seconds``, ``speedup``, ``lambda_requests``,
``max_lambda_rps_used``, ``peak_memory_mb``, ... and one entry per size in ``rows``) and prints
a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from localaws.testing import LocalAws, running_local_aws  # noqa: E402
from localaws.world import Clients, FunctionSpec, LayerSpec, World, make_zip  # noqa: E402
from verifier.api import AuditPlan, audit  # noqa: E402
from verifier.checks.scope import Scope  # noqa: E402
from verifier.collect.budget import DEFAULT_MAX_LAMBDA_RPS, RateBudget, RequestLog  # noqa: E402
from verifier.collect.progress import ProgressReporter  # noqa: E402
from verifier.contract.targets import Trust  # noqa: E402

REGION = "us-east-1"
DEFAULT_FUNCTIONS = 1000
DEFAULT_LATENCY_MS = 20
DEFAULT_LAYERS = 3
DEFAULT_NAIVE_SAMPLE = 1000
DEFAULT_JSON = REPO_ROOT / "build" / "bench-audit.json"
SEED_WORKERS = 8
#: The issue's targets at 1,000 functions.
TARGET_COLD_SECONDS = 20.0
TARGET_SPEEDUP = 15.0
TARGET_MEMORY_MB = 300.0


def _log(message: str) -> None:
    print(f"bench-audit: {message}", file=sys.stderr, flush=True)


# --- the fleet -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededFleet:
    prefix: str
    trusted_profile_version_arn: str
    function_names: tuple[str, ...]
    layer_version_arns: tuple[str, ...]
    seconds: float


def seed_fleet(local: LocalAws, functions: int, layers: int = DEFAULT_LAYERS) -> SeededFleet:
    """N signed functions (``$LATEST`` + version 1), each from its own signed package, under
    one Enforce CSC; function i uses layer ``i % (layers + 1)`` (none for 0), so a few signed
    layer versions are shared by many functions.

    The signed-world builder (:mod:`localaws.world`) over the public API with boto3, several
    functions at a time (the server's rate limits pace them). The builder's in-process
    transport (``python -m localaws seed``) is faster but gives every function the same
    signed package.
    """
    started = time.perf_counter()
    clients = Clients.for_endpoint(
        local.endpoint_url,
        ca_bundle=str(local.ca_bundle) if local.ca_bundle is not None else None,
        region=REGION,
        retries={"mode": "adaptive", "max_attempts": 20},
        max_pool_connections=SEED_WORKERS * 2,
    )
    run = uuid.uuid4().hex[:8]
    prefix = f"bench-{run}-"
    world = World.create(clients, bucket=f"bench-artifacts-{run}", role=f"bench-role-{run}")

    def uses(index: int) -> tuple[int, ...]:
        layer = index % (layers + 1)
        return (layer - 1,) if layer else ()

    def progress(done: int) -> None:
        if done % 250 == 0:
            _log(f"seeded {done}/{functions} functions")

    deployment = world.deployment(
        (
            FunctionSpec(
                make_zip(f"def handler(event, context):\n    return {index}\n"),
                name=f"{prefix}fn-{index:05d}",
                layers=uses(index),
                publish=True,
            )
            for index in range(functions)
        ),
        layers=[
            LayerSpec(make_zip(f"LAYER = {index}\n"), name=f"{prefix}layer-{index}")
            for index in range(layers)
        ],
        profile_name=f"bench_{run}",
        validity={"value": 12, "type": "MONTHS"},
        workers=SEED_WORKERS,
        progress=progress,
    )
    return SeededFleet(
        prefix=prefix,
        trusted_profile_version_arn=deployment.profile.version_arn,
        function_names=tuple(function.name for function in deployment.functions),
        layer_version_arns=tuple(layer.arn for layer in deployment.layers),
        seconds=time.perf_counter() - started,
    )


# --- the audit, measured in a fresh interpreter ----------------------------------------------


def local_env(local: LocalAws) -> dict[str, str]:
    return {
        **local.env(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def _audit_child(
    environment: dict[str, str],
    trusted: str,
    prefix: str,
    cache_dir: str,
    max_lambda_rps: float,
    results: Any,
) -> None:
    """Runs in a spawned interpreter: its peak RSS is the audit's own."""
    os.environ.update(environment)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    plan = AuditPlan(
        trust=Trust(frozenset({trusted}), "--trust"),
        regions=(REGION,),
        scope=Scope(function_prefix=prefix),
        cache_dir=Path(cache_dir),
        max_lambda_rps=max_lambda_rps,
    )
    result = audit(plan, boto3.Session(), progress=ProgressReporter(sys.stderr, tty=False))
    results.put(
        {
            "seconds": result.seconds,
            "result": result.report.result.value,
            "functions": result.functions,
            "checks": len(result.report.findings),
            "requests_by_api": dict(sorted(result.requests.counts.items())),
            "lambda_requests": result.requests.total("lambda"),
            "max_lambda_rps_used": result.requests.max_lambda_rps(),
            "budget_wait_seconds": round(result.requests.waited_seconds, 2),
            "cache_hits": result.cache.hits,
            "phase_seconds": result.phase_seconds,
            "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def measure_audit(
    local: LocalAws, fleet: SeededFleet, cache_dir: Path, max_lambda_rps: float
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(
        target=_audit_child,
        args=(
            local_env(local),
            fleet.trusted_profile_version_arn,
            fleet.prefix,
            str(cache_dir),
            max_lambda_rps,
            results,
        ),
    )
    child.start()
    measured: dict[str, Any] = results.get(timeout=3600)
    child.join(timeout=60)
    if child.exitcode != 0:
        raise RuntimeError(f"the audit child exited with {child.exitcode}")
    return measured


# --- the naive loop --------------------------------------------------------------------------


def naive_loop(local: LocalAws, names: Sequence[str]) -> dict[str, Any]:
    """What scanners do: one function after the other, every call per function."""
    log = RequestLog()
    counter = RateBudget(log=log, enforce=False)
    lam, signer, s3 = (
        counter.attach(local.client(name, retries={"mode": "adaptive", "max_attempts": 10}))
        for name in ("lambda", "signer", "s3")
    )
    started = time.perf_counter()
    for name in names:
        function = lam.get_function(FunctionName=name)["Configuration"]
        lam.get_function_code_signing_config(FunctionName=name)
        lam.list_versions_by_function(FunctionName=name)
        lam.list_aliases(FunctionName=name)
        job = signer.describe_signing_job(jobId=function["SigningJobArn"].rsplit("/", 1)[-1])
        signed = job["signedObject"]["s3"]
        body = s3.get_object(Bucket=signed["bucketName"], Key=signed["key"])["Body"]
        digest = hashlib.sha256()
        for chunk in body.iter_chunks(1024 * 1024):
            digest.update(chunk)
    return {
        "seconds": time.perf_counter() - started,
        "functions": len(names),
        "requests_by_api": dict(sorted(log.counts.items())),
        "lambda_requests": log.total("lambda"),
        "max_lambda_rps_used": log.max_lambda_rps(),
    }


# --- one row, the table ----------------------------------------------------------------------


def throttled_requests(local: LocalAws) -> int:
    with urllib.request.urlopen(f"{local.endpoint_url}/_localaws/health", timeout=10) as reply:
        return int(json.loads(reply.read()).get("throttledRequests", 0))


@contextmanager
def _server(latency_ms: int) -> Iterator[LocalAws]:
    with running_local_aws(tls=False, rate_limits=True, latency_ms=latency_ms) as local:
        yield local


def bench_row(
    functions: int,
    *,
    latency_ms: int = DEFAULT_LATENCY_MS,
    layers: int = DEFAULT_LAYERS,
    naive_sample: int = DEFAULT_NAIVE_SAMPLE,
    max_lambda_rps: float = DEFAULT_MAX_LAMBDA_RPS,
    server: Callable[[int], Any] = _server,
    skip_naive: bool = False,
) -> dict[str, Any]:
    with server(latency_ms) as local, tempfile.TemporaryDirectory() as scratch:
        _log(f"seeding {functions} functions (latency {latency_ms} ms, rate limits on)")
        fleet = seed_fleet(local, functions, layers)
        _log(f"seeded in {fleet.seconds:.1f}s")
        time.sleep(1.5)  # let the server's rate-limit buckets refill after seeding
        throttled_before = throttled_requests(local)
        load_before = os.getloadavg()
        cache_dir = Path(scratch) / "cache"
        cold = measure_audit(local, fleet, cache_dir, max_lambda_rps)
        _log(f"cold audit {cold['seconds']:.1f}s ({cold['result']})")
        warm = measure_audit(local, fleet, cache_dir, max_lambda_rps)
        _log(f"warm audit {warm['seconds']:.1f}s ({warm['result']})")
        audit_throttled = throttled_requests(local) - throttled_before
        load_after_audits = os.getloadavg()
        sample = list(fleet.function_names[: max(1, min(naive_sample, functions))])
        naive: dict[str, Any] = {"requests_by_api": {}, "max_lambda_rps_used": None}
        naive_seconds: float | None = None
        if not skip_naive:
            _log(f"naive loop over {len(sample)} function(s)")
            naive = naive_loop(local, sample)
            naive_seconds = naive["seconds"] * functions / len(sample)
    return {
        "functions": functions,
        "audit_seconds": round(cold["seconds"], 2),
        "audit_warm_seconds": round(warm["seconds"], 2),
        "naive_seconds": round(naive_seconds, 2) if naive_seconds is not None else None,
        "naive_extrapolated_from": (
            len(sample) if naive_seconds is not None and len(sample) < functions else None
        ),
        "speedup": round(naive_seconds / cold["seconds"], 2) if naive_seconds else None,
        "lambda_requests": cold["lambda_requests"],
        "max_lambda_rps_used": cold["max_lambda_rps_used"],
        "max_lambda_rps_budget": max_lambda_rps,
        "peak_memory_mb": round(cold["peak_memory_mb"], 1),
        "audit_result": cold["result"],
        "audit_checks": cold["checks"],
        "audit_throttled_requests": audit_throttled,
        "budget_wait_seconds": cold["budget_wait_seconds"],
        "phase_seconds": cold["phase_seconds"],
        "warm_phase_seconds": warm["phase_seconds"],
        "requests_by_api": cold["requests_by_api"],
        "warm_requests_by_api": warm["requests_by_api"],
        "warm_cache_hits": warm["cache_hits"],
        "naive_requests_by_api": naive["requests_by_api"],
        "naive_max_lambda_rps_used": naive["max_lambda_rps_used"],
        "seed_seconds": round(fleet.seconds, 1),
        #: 1/5/15-minute load averages before the cold audit and after the warm one (the
        #: machine may be shared: the numbers are only as quiet as it was).
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after_audits],
        "latency_ms": latency_ms,
        "layers": layers,
    }


def render_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| functions | audit, cold cache | audit, warm cache | naive loop | speedup "
        "| Lambda requests | peak Lambda req/s (budget) | peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        naive, speedup = "not run", "-"
        if row["naive_seconds"] is not None:
            naive = f"{row['naive_seconds']:.1f} s"
            speedup = f"{row['speedup']:.1f}x"
        if row.get("naive_extrapolated_from"):
            naive += f" (from {row['naive_extrapolated_from']})"
        lines.append(
            f"| {row['functions']:,} | {row['audit_seconds']:.1f} s | "
            f"{row['audit_warm_seconds']:.1f} s | {naive} | {speedup} | "
            f"{row['lambda_requests']} | {row['max_lambda_rps_used']} "
            f"({row['max_lambda_rps_budget']:g}) | {row['peak_memory_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def targets_met(row: dict[str, Any]) -> dict[str, bool]:
    return {
        "cold_seconds": row["audit_seconds"] <= TARGET_COLD_SECONDS,
        "speedup": row["speedup"] is not None and row["speedup"] >= TARGET_SPEEDUP,
        "rate_budget": row["max_lambda_rps_used"] <= row["max_lambda_rps_budget"],
        "memory": row["peak_memory_mb"] <= TARGET_MEMORY_MB,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--functions",
        type=int,
        action="append",
        help=f"fleet size (repeatable, one row each; default {DEFAULT_FUNCTIONS})",
    )
    parser.add_argument("--latency-ms", type=int, default=DEFAULT_LATENCY_MS)
    parser.add_argument("--layers", type=int, default=DEFAULT_LAYERS)
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=DEFAULT_NAIVE_SAMPLE,
        help="run the naive loop on at most this many functions and extrapolate",
    )
    parser.add_argument(
        "--skip-naive",
        action="store_true",
        help="measure the audit only (no naive loop, no speedup): a quicker run while tuning",
    )
    parser.add_argument("--max-lambda-rps", type=float, default=DEFAULT_MAX_LAMBDA_RPS)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="raw numbers file")
    args = parser.parse_args(argv)
    sizes = args.functions or [DEFAULT_FUNCTIONS]
    if any(size < 1 for size in sizes):
        parser.error("--functions must be at least 1")
    rows = [
        bench_row(
            size,
            latency_ms=args.latency_ms,
            layers=args.layers,
            naive_sample=args.naive_sample,
            max_lambda_rps=args.max_lambda_rps,
            skip_naive=args.skip_naive,
        )
        for size in sizes
    ]
    for row in rows:
        row["targets_met"] = targets_met(row) if row["functions"] == 1000 else None
    document = {**rows[0], "rows": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n")
    print(render_table(rows))
    _log(f"raw numbers in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
