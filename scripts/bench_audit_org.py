"""Benchmark the organization audit against the same accounts audited one after another.

``make bench-audit ORG=1`` (not part of ``make test``). A fresh local AWS with AWS-like rate
limits (per account and Region: Lambda's GetFunction 100/s and 15/s for the rest, Signer's
chosen defaults) and added latency, seeded in-process with an organization
(:func:`localaws.seed.seed_organization`): ``--accounts`` accounts (the management account and
members, each with ``OrganizationAccountAccessRole``) of ``--functions`` signed functions each
(``$LATEST`` + version 1, two signed layers; an account's functions share one signed package, as
a fleet built from one artifact would). Then, in the same run and against the same fleet, each
in a fresh interpreter with a cold hash cache:

1. ``audit --organization --role-name OrganizationAccountAccessRole``: every account at once,
   each inside its own budget (its peak memory is the CLI's);
2. the same accounts one after another, each a single-account audit with that account's role
   credentials (what a CI matrix of one runner, or a Prowler-style loop, does).

Writes ``build/bench-audit-org.json`` (``accounts``, ``functions``, ``org_seconds``,
``sequential_seconds``, ``speedup``, ``max_lambda_rps_used_per_account``, ``peak_memory_mb``,
the calls per account by API, ...) and prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench_audit import local_env  # noqa: E402  (scripts/ is on the path: one definition)

from localaws.testing import LocalAws, running_local_aws  # noqa: E402

REGION = "us-east-1"
DEFAULT_ACCOUNTS = 20
DEFAULT_FUNCTIONS = 100
DEFAULT_LATENCY_MS = 20
DEFAULT_LAYERS = 2
DEFAULT_JSON = REPO_ROOT / "build" / "bench-audit-org.json"
#: The issue's targets.
TARGET_SPEEDUP = 4.0
TARGET_MEMORY_MB = 400.0


def _log(message: str) -> None:
    print(f"bench-audit-org: {message}", file=sys.stderr, flush=True)


def _child_environment(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)


def _organization_child(
    environment: dict[str, str], trusted: list[str], role_name: str, cache_dir: str, results: Any
) -> None:
    """Runs in a spawned interpreter: the organization audit (its peak RSS is the audit's)."""
    _child_environment(environment)
    import boto3

    from verifier.api import AuditPlan, audit
    from verifier.collect.progress import ProgressReporter
    from verifier.contract.accounts import AccountTargets, RoleOptions
    from verifier.contract.targets import Trust

    plan = AuditPlan(
        trust=Trust(frozenset(trusted), "--trust"),
        regions=(REGION,),
        cache_dir=Path(cache_dir),
        targets=AccountTargets(
            organization=True,
            role=RoleOptions(name=role_name),
            regions=(REGION,),
            home_region=REGION,
        ),
    )
    started = time.perf_counter()
    result = audit(plan, boto3.Session(), progress=ProgressReporter(sys.stderr, tty=False))
    seconds = time.perf_counter() - started
    results.put(
        {
            "seconds": seconds,
            "result": result.report.result.value,
            "functions": result.functions,
            "checks": len(result.report.findings),
            "per_account": {
                run.account: {
                    "functions": run.functions,
                    "seconds": round(run.seconds, 2),
                    "max_lambda_rps_used": run.requests.max_lambda_rps(),
                    "requests_by_api": dict(sorted(run.requests.counts.items())),
                    "unreachable": run.unreachable,
                }
                for run in result.runs
            },
            "discovery_requests_by_api": dict(sorted(result.discovery.counts.items())),
            "requests_by_api": dict(sorted(result.requests.counts.items())),
            "cache_hits": result.cache.hits,
            "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _sequential_child(
    environment: dict[str, str],
    trusted: list[str],
    accounts: list[dict[str, Any]],
    scratch: str,
    results: Any,
) -> None:
    """Runs in a spawned interpreter: one single-account audit per account, one after another,
    each with its own role credentials and a cold cache."""
    _child_environment(environment)
    import boto3

    from verifier.api import AuditPlan, audit
    from verifier.collect.progress import ProgressReporter
    from verifier.contract.targets import Trust

    quiet = ProgressReporter(open(os.devnull, "w"), tty=False)  # noqa: SIM115
    per_account = {}
    started = time.perf_counter()
    for account in accounts:
        began = time.perf_counter()
        session = boto3.Session()
        if account["accessRoleArn"]:
            credentials = session.client("sts", region_name=REGION).assume_role(
                RoleArn=account["accessRoleArn"], RoleSessionName="bench-sequential"
            )["Credentials"]
            session = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        plan = AuditPlan(
            trust=Trust(frozenset(trusted), "--trust"),
            regions=(REGION,),
            cache_dir=Path(scratch) / account["accountId"],
        )
        result = audit(plan, session, progress=quiet)
        per_account[account["accountId"]] = {
            "seconds": round(time.perf_counter() - began, 2),
            "result": result.report.result.value,
            "functions": result.functions,
            "max_lambda_rps_used": result.requests.max_lambda_rps(),
        }
    results.put({"seconds": time.perf_counter() - started, "per_account": per_account})


def _spawned(target: Any, *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=target, args=(*args, results))
    child.start()
    measured: dict[str, Any] = results.get(timeout=3600)
    child.join(timeout=60)
    if child.exitcode != 0:
        raise RuntimeError(f"the bench child exited with {child.exitcode}")
    return measured


def throttled_requests(local: LocalAws) -> int:
    with urllib.request.urlopen(f"{local.endpoint_url}/_localaws/health", timeout=10) as reply:
        return int(json.loads(reply.read()).get("throttledRequests", 0))


def calls_per_account(per_account: dict[str, Any], discovery: dict[str, int]) -> dict[str, Any]:
    """Each API's calls in one account-region: (min, max) over the accounts; discovery's calls
    (GetCallerIdentity, ListAccounts: once per run; AssumeRole: once per member) apart."""
    apis: dict[str, list[int]] = {}
    for account in per_account.values():
        for api, count in account["requests_by_api"].items():
            apis.setdefault(api, []).append(count)
    accounts = len(per_account)
    return {
        "per_account_region": {
            api: {"min": min(counts) if len(counts) == accounts else 0, "max": max(counts)}
            for api, counts in sorted(apis.items())
        },
        "discovery": discovery,
    }


def bench(accounts: int, functions: int, *, latency_ms: int, layers: int) -> dict[str, Any]:
    with (
        running_local_aws(tls=False, rate_limits=True, latency_ms=latency_ms) as local,
        tempfile.TemporaryDirectory() as scratch,
    ):
        _log(f"seeding {accounts} accounts x {functions} functions (latency {latency_ms} ms)")
        seeded = local.seed(functions, layers=layers, prefix="bench-", accounts=accounts)
        _log(f"seeded in {seeded['seconds']:.1f}s")
        trusted = sorted({a["profileVersionArn"] for a in seeded["accounts"]})
        time.sleep(1.5)  # let the rate-limit buckets refill after seeding
        throttled_before = throttled_requests(local)
        load_before = os.getloadavg()
        environment = local_env(local)
        org = _spawned(
            _organization_child,
            environment,
            trusted,
            seeded["roleName"],
            str(Path(scratch) / "org"),
        )
        _log(f"organization audit {org['seconds']:.1f}s ({org['result']})")
        org_throttled = throttled_requests(local) - throttled_before
        time.sleep(1.5)
        sequential = _spawned(
            _sequential_child,
            environment,
            trusted,
            seeded["accounts"],
            str(Path(scratch) / "sequential"),
        )
        _log(f"one after another {sequential['seconds']:.1f}s")
        load_after = os.getloadavg()
    per_account = org["per_account"]
    max_rps = max(account["max_lambda_rps_used"] for account in per_account.values())
    return {
        "accounts": accounts,
        "functions": functions,
        "functions_audited": org["functions"],
        "org_seconds": round(org["seconds"], 2),
        "sequential_seconds": round(sequential["seconds"], 2),
        "speedup": round(sequential["seconds"] / org["seconds"], 2),
        "max_lambda_rps_used_per_account": max_rps,
        "max_lambda_rps_budget": 10.0,
        "peak_memory_mb": round(org["peak_memory_mb"], 1),
        "org_result": org["result"],
        "org_checks": org["checks"],
        "org_throttled_requests": org_throttled,
        "calls_per_account_by_api": calls_per_account(
            per_account, org["discovery_requests_by_api"]
        ),
        "org_requests_by_api": org["requests_by_api"],
        "org_per_account": per_account,
        "sequential_per_account": sequential["per_account"],
        "seed_seconds": seeded["seconds"],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "latency_ms": latency_ms,
        "layers": layers,
    }


def targets_met(row: dict[str, Any]) -> dict[str, bool]:
    return {
        "speedup": row["speedup"] >= TARGET_SPEEDUP,
        "rate_budget": row["max_lambda_rps_used_per_account"] <= row["max_lambda_rps_budget"],
        "memory": row["peak_memory_mb"] <= TARGET_MEMORY_MB,
    }


def render_table(row: dict[str, Any]) -> str:
    lines = [
        "| accounts x functions | organization audit | one after another | speedup "
        "| peak Lambda req/s per account (budget) | peak memory |",
        "|---|---:|---:|---:|---:|---:|",
        f"| {row['accounts']} x {row['functions']} | {row['org_seconds']:.1f} s | "
        f"{row['sequential_seconds']:.1f} s | {row['speedup']:.1f}x | "
        f"{row['max_lambda_rps_used_per_account']} ({row['max_lambda_rps_budget']:g}) | "
        f"{row['peak_memory_mb']:.0f} MB |",
        "",
        "| API | calls per account-region |",
        "|---|---:|",
    ]
    calls = row["calls_per_account_by_api"]
    for api, counts in calls["per_account_region"].items():
        shown = (
            str(counts["max"])
            if counts["min"] == counts["max"]
            else (f"{counts['min']}-{counts['max']}")
        )
        lines.append(f"| `{api}` | {shown} |")
    for api, count in calls["discovery"].items():
        lines.append(f"| `{api}` (per run) | {count} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--functions", type=int, default=DEFAULT_FUNCTIONS)
    parser.add_argument("--latency-ms", type=int, default=DEFAULT_LATENCY_MS)
    parser.add_argument("--layers", type=int, default=DEFAULT_LAYERS)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="raw numbers file")
    args = parser.parse_args(argv)
    if not 2 <= args.accounts <= 100 or args.functions < 1:
        parser.error("--accounts must be from 2 to 100 and --functions at least 1")
    row = bench(args.accounts, args.functions, latency_ms=args.latency_ms, layers=args.layers)
    row["targets_met"] = targets_met(row)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(row, indent=2) + "\n")
    print(render_table(row))
    _log(f"raw numbers in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
