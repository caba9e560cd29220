"""The command line: opt-in, credentials, the run, the record. Errors become exit codes here."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from .errors import AwsRunError, ConformanceError, UsageError, one_line
from .items import ITEMS, Item, judge
from .recipe import Names, Run, execute, progress
from .record import (
    assumptions_table,
    document,
    exit_code_of,
    redact_account,
    summary_lines,
    write_atomically,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "build" / "conformance.json"
OPT_IN_FLAG = "--yes-create-resources"
OPT_IN_ENV = "SIGNED_LAMBDA_CONFORMANCE"
INTERRUPTED = 130


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Record, in a real AWS sandbox account, what the verifier assumes. "
        "Creates (and deletes) an S3 bucket, an IAM role, a Signer profile, a code signing "
        "config, a layer and a function.",
    )
    parser.add_argument(
        OPT_IN_FLAG,
        dest="opt_in",
        action="store_true",
        help=f"create AWS resources in the current account (or set {OPT_IN_ENV}=1)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="skip cleanup, leaving everything for inspection"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON record"
    )
    parser.add_argument(
        "--list-assumptions",
        action="store_true",
        help="print the assumption -> item table (Markdown) and exit; no AWS calls",
    )
    return parser.parse_args(argv)


def _credentials_session() -> tuple[Any, str]:
    """A session with credentials and a region, and the caller's account id (or UsageError)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.Session()
    if not session.region_name:
        raise UsageError("no AWS region: set AWS_REGION (and AWS_DEFAULT_REGION) or a profile")
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise UsageError(f"cannot load AWS credentials: {one_line(error)}") from None
    if credentials is None:
        raise UsageError(
            "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
            "for a sandbox account"
        )
    try:
        identity = session.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise UsageError("no AWS credentials: set AWS_PROFILE for a sandbox account") from None
    except ClientError as error:
        raise UsageError(f"the AWS credentials were refused: {one_line(error)}") from None
    except BotoCoreError as error:
        raise AwsRunError(f"cannot reach AWS STS: {one_line(error)}") from None
    return session, str(identity["Account"])


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_assumptions:
        sys.stdout.write(assumptions_table())
        return 0
    if not (args.opt_in or os.environ.get(OPT_IN_ENV) == "1"):
        print(
            f"error: conformance creates AWS resources; pass {OPT_IN_FLAG} "
            f"or set {OPT_IN_ENV}=1 (use a sandbox account)",
            file=sys.stderr,
        )
        return UsageError.exit_code
    try:
        session, account_id = _credentials_session()
    except ConformanceError as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return refusal.exit_code
    except KeyboardInterrupt:  # nothing was created yet
        print("error: interrupted", file=sys.stderr)
        return INTERRUPTED

    previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return _record(args, session, account_id)
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)


def _record(args: argparse.Namespace, session: Any, account_id: str) -> int:
    import boto3
    import botocore
    from botocore.exceptions import BotoCoreError, ClientError

    now = datetime.now(UTC)
    names = Names.for_run(now, uuid.uuid4().hex[:8])
    run_info = {
        "run_id": names.run_id,
        "account": redact_account(account_id),
        "region": session.region_name,
        "date": now.isoformat(timespec="seconds"),
        "endpoint": "custom (AWS_ENDPOINT_URL)" if os.environ.get("AWS_ENDPOINT_URL") else "aws",
        "boto3_version": boto3.__version__,
        "botocore_version": botocore.__version__,
    }
    progress(f"run {names.run_id} in {session.region_name}, account {run_info['account']}")
    run = Run(session, names, account_id)  # clients only: nothing exists yet
    cleanup = run.cleanup
    items: list[Item] = []
    error: str | None = None
    interrupted = False
    failures: list[str] = []
    try:
        evidence = execute(run)
        items = judge(evidence)
    except KeyboardInterrupt:
        interrupted = True
        error = "interrupted"
    except ConformanceError as problem:
        error = str(problem)
    except (ClientError, BotoCoreError) as problem:  # WaiterError is a BotoCoreError
        error = one_line(problem)
    except Exception as problem:  # a defect here: still clean up and record, then surface it
        error = f"internal error: {one_line(problem)}"
        raise
    finally:
        if args.keep:
            kept = cleanup.describe()
            cleanup_record: dict[str, Any] = {"performed": False, "left_for_you": kept}
            for description in kept:
                progress(f"kept (--keep): {description}")
        else:
            progress("cleaning up (Ctrl-C is ignored until it ends)")
            previous_sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                failures = cleanup.run()
            finally:
                signal.signal(signal.SIGINT, previous_sigint)
            cleanup_record = {"performed": True, "failures": failures}
        doc = document(run_info, items, error, cleanup_record)
        write_atomically(args.output, json.dumps(doc, indent=2, sort_keys=False) + "\n")
    for failure in failures:
        print(failure, file=sys.stderr)
    if error is not None:
        print(f"error: {error}", file=sys.stderr)
    for line in summary_lines(doc):
        print(line, file=sys.stderr)
    code = exit_code_of(doc["result"], failures, interrupted)
    print(
        f"conformance: {doc['result']} ({doc['summary']['held']}/{len(ITEMS)} held), "
        f"recorded in {args.output}; exit {code}",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
