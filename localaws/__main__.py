"""Command line: ``python -m localaws [serve|start|stop|seed]``.

- ``serve`` (the default): run in the foreground until Ctrl-C/SIGTERM.
- ``start``: run in the background, wait until ready, print the ``export`` lines a client needs:
  AWS_ENDPOINT_URL, AWS_CA_BUNDLE (HTTPS), dummy AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and
  AWS_REGION plus AWS_DEFAULT_REGION (boto3 reads only the latter).
- ``stop``: stop the background server named by the pid file.
- ``seed --functions N``: create N signed functions (plus profile, config, layers) in a running
  server (see :mod:`localaws.seed`); prints a JSON summary. ``--accounts A`` seeds an
  organization instead: the management account plus A-1 members, N functions in each, every
  member with an assumable OrganizationAccountAccessRole except the last
  ``--unassumable-accounts K``; the summary names each account id and what it holds.

Settings come from flags, else the environment: ``LOCAL_AWS_PORT`` (default 4566),
``LOCAL_AWS_RATE_LIMITS=1``, ``LOCAL_AWS_LATENCY_MS=N``, ``LOCAL_AWS_TLS=0`` (plain HTTP),
``LOCAL_AWS_IAM=1`` (``--iam``: enforce IAM for every key but the admin keys; see
:mod:`localaws.iam`).

HTTPS is the default, with a private CA made once in the state directory (``.local-aws/``), so
TLS-only bucket policies (``aws:SecureTransport``) behave as in AWS; ``start`` prints
``AWS_CA_BUNDLE`` beside ``AWS_ENDPOINT_URL`` for boto3 and Terraform to trust it.
Messages go to stderr; stdout carries only the export lines (``seed``: the JSON summary). Exit
codes: 0 done (or already running / not running), 1 could not start (``seed``: failed), 2 usage
error (a bad flag, or ``--unassumable-accounts`` without ``--accounts``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from localaws.limits import LimitSettings

DEFAULT_PID_FILE = Path(".local-aws/server.pid")
DEFAULT_LOG_FILE = Path(".local-aws/server.log")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"error: {name} must be an integer, not {value!r}") from None


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def _common_options(*, for_command: bool) -> argparse.ArgumentParser:
    """Server options, accepted before or after the command.

    A command's copy uses SUPPRESS defaults so that ``--port 5000 start`` keeps the 5000.
    """
    unset = argparse.SUPPRESS if for_command else None
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--host",
        default=argparse.SUPPRESS if for_command else "127.0.0.1",
        help="address to bind (default 127.0.0.1)",
    )
    common.add_argument(
        "--port", type=int, default=unset, help="port (default $LOCAL_AWS_PORT or 4566)"
    )
    common.add_argument(
        "--rate-limits",
        action="store_true",
        default=unset,
        help="throttle like AWS: Lambda GetFunction 100/s, other control-plane calls 15/s; "
        "Signer 10/s per read/start operation (or LOCAL_AWS_RATE_LIMITS=1)",
    )
    common.add_argument(
        "--tls-dir",
        type=Path,
        default=None,
        help="directory for the CA and server certificate (default: .local-aws)",
    )
    common.add_argument(
        "--no-tls",
        action="store_true",
        default=None,
        help="serve plain HTTP (or LOCAL_AWS_TLS=0); TLS-only bucket policies then deny",
    )
    common.add_argument(
        "--iam",
        action="store_true",
        default=unset,
        help="enforce IAM policies for every caller but the admin keys (or LOCAL_AWS_IAM=1)",
    )
    common.add_argument(
        "--latency-ms",
        type=int,
        default=unset,
        help="fixed delay added to every request (or LOCAL_AWS_LATENCY_MS)",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common_options(for_command=True)
    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--pid-file", type=Path, default=DEFAULT_PID_FILE)
    files.add_argument("--log-file", type=Path, default=DEFAULT_LOG_FILE)

    parser = argparse.ArgumentParser(
        prog="python -m localaws",
        description="moto's server plus AWS code signing",
        parents=[_common_options(for_command=False)],
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", parents=[common], help="run in the foreground (default)")
    start = commands.add_parser("start", parents=[common, files], help="run in the background")
    start.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for ready")
    commands.add_parser("stop", parents=[files], help="stop the background server")
    seed = commands.add_parser(
        "seed", parents=[common], help="create N signed functions in a running server"
    )
    seed.add_argument("--functions", type=int, required=True, help="how many functions")
    seed.add_argument("--layers", type=int, default=2, help="signed layers shared by all (2)")
    seed.add_argument("--prefix", default="seed-", help="name prefix (seed-)")
    seed.add_argument("--policy", choices=("Enforce", "Warn"), default="Enforce")
    seed.add_argument(
        "--accounts",
        type=int,
        default=None,
        help="seed an organization of this many accounts (management + members), "
        "--functions in each",
    )
    seed.add_argument(
        "--unassumable-accounts",
        type=int,
        default=0,
        help="with --accounts: this many members refuse the management account's AssumeRole",
    )
    seed.add_argument(
        "--endpoint-url",
        default=None,
        help="server to seed (default $AWS_ENDPOINT_URL, else this host and port)",
    )
    seed.add_argument(
        "--ca-bundle",
        type=Path,
        default=None,
        help="CA of an HTTPS server (default $AWS_CA_BUNDLE, else .local-aws/ca.pem)",
    )
    return parser


def _tls_dir(args: argparse.Namespace, default: Path) -> Path | None:
    no_tls = args.no_tls if args.no_tls is not None else not _env_flag("LOCAL_AWS_TLS", True)
    if no_tls:
        return None
    return (args.tls_dir or default).resolve()


def _settings(args: argparse.Namespace) -> tuple[str, int, LimitSettings]:
    port = args.port if args.port is not None else _env_int("LOCAL_AWS_PORT", 4566)
    rate_limits = (
        args.rate_limits if args.rate_limits is not None else _env_flag("LOCAL_AWS_RATE_LIMITS")
    )
    latency = (
        args.latency_ms if args.latency_ms is not None else _env_int("LOCAL_AWS_LATENCY_MS", 0)
    )
    if latency < 0:
        raise SystemExit("error: latency must be >= 0 ms")
    return args.host, port, LimitSettings(rate_limits=rate_limits, latency_ms=latency)


def _iam(args: argparse.Namespace) -> bool:
    return bool(args.iam) if args.iam is not None else _env_flag("LOCAL_AWS_IAM")


def _serve(args: argparse.Namespace) -> int:
    from localaws.server import PortInUseError, ServerSettings, serve

    host, port, limits = _settings(args)
    tls_dir = _tls_dir(args, DEFAULT_PID_FILE.parent)
    try:
        serve(ServerSettings(host=host, port=port, limits=limits, tls_dir=tls_dir, iam=_iam(args)))
    except PortInUseError as error:
        print(f"error: {error.strerror}", file=sys.stderr)
        return 1
    return 0


def _start(args: argparse.Namespace) -> int:
    from localaws import process
    from localaws.tls import ensure_tls_files

    host, port, limits = _settings(args)
    tls_dir = _tls_dir(args, args.pid_file.parent)
    ca_file = ensure_tls_files(tls_dir).ca_cert if tls_dir is not None else None
    endpoint_url = f"{'https' if tls_dir else 'http'}://{host}:{port}"
    exports = "\n".join(
        f"export {name}={value}"
        for name, value in process.client_env(endpoint_url, ca_file).items()
    )
    running = process.read_pid(args.pid_file)
    if running is not None and process.health(endpoint_url, ca_file=ca_file) is not None:
        print(f"local AWS is already running (pid {running}) at {endpoint_url}", file=sys.stderr)
        print(exports)
        return 0
    if not process.port_is_free(host, port):
        print(
            f"error: port {port} on {host} is already in use; stop what uses it or set "
            "LOCAL_AWS_PORT/--port",
            file=sys.stderr,
        )
        return 1
    child = process.spawn(host, port, limits, args.log_file, tls_dir, iam=_iam(args))
    try:
        process.wait_until_ready(child, endpoint_url, args.log_file, args.timeout, ca_file)
    except process.StartError as error:
        process.stop_process(child.pid)
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.pid_file.parent.mkdir(parents=True, exist_ok=True)
    args.pid_file.write_text(f"{child.pid}\n")
    print(f"local AWS started (pid {child.pid}), log: {args.log_file}", file=sys.stderr)
    print(exports)
    return 0


def _stop(args: argparse.Namespace) -> int:
    from localaws import process

    pid = process.read_pid(args.pid_file)
    if pid is None:
        print("local AWS is not running", file=sys.stderr)
        args.pid_file.unlink(missing_ok=True)
        return 0
    process.stop_process(pid)
    args.pid_file.unlink(missing_ok=True)
    print(f"local AWS stopped (pid {pid})", file=sys.stderr)
    return 0


def _seed(args: argparse.Namespace) -> int:
    import json

    from localaws import process

    host, port, _ = _settings(args)
    endpoint_url = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL", "").strip()
    tls_dir = _tls_dir(args, DEFAULT_PID_FILE.parent)
    if not endpoint_url:
        endpoint_url = f"{'https' if tls_dir else 'http'}://{host}:{port}"
    ca_file = args.ca_bundle or (
        Path(os.environ["AWS_CA_BUNDLE"]) if os.environ.get("AWS_CA_BUNDLE") else None
    )
    if ca_file is None and endpoint_url.startswith("https:") and tls_dir is not None:
        ca_file = tls_dir / "ca.pem"
    payload: dict[str, object] = {
        "functions": args.functions,
        "layers": args.layers,
        "prefix": args.prefix,
        "policy": args.policy,
    }
    if args.accounts is not None:
        payload.update(accounts=args.accounts, unassumableAccounts=args.unassumable_accounts)
    elif args.unassumable_accounts:
        print("error: --unassumable-accounts needs --accounts", file=sys.stderr)
        return 2
    try:
        result = process.admin_call(endpoint_url, "POST", "seed", payload, ca_file)
    except process.AdminCallError as error:
        print(f"error: seeding failed: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: no local AWS answers at {endpoint_url} ({error})", file=sys.stderr)
        return 1
    assert isinstance(result, dict)
    summary: dict[str, Any]
    if args.accounts is None:
        summary = _fleet_summary(result)
        print(f"seeded {summary['functions']} functions in {result['seconds']}s", file=sys.stderr)
    else:
        accounts = [_fleet_summary(account) for account in result["accounts"]]
        summary = {**result, "accounts": accounts}
        total = sum(account["functions"] for account in accounts)
        print(
            f"seeded an organization of {len(accounts)} accounts, {total} functions, "
            f"in {result['seconds']}s",
            file=sys.stderr,
        )
    print(json.dumps(summary, indent=2))
    return 0


def _fleet_summary(fleet: dict[str, Any]) -> dict[str, Any]:
    """A seeded fleet with its function names shortened to a count and the first name."""
    names = fleet.pop("functionNames")
    assert isinstance(names, list)
    return {"functions": len(names), "firstFunction": names[0], **fleet}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "start":
        return _start(args)
    if args.command == "stop":
        return _stop(args)
    if args.command == "seed":
        return _seed(args)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
