"""With the local AWS's AWS-like rate limits on, a deploy and concurrent verifies still
complete correctly: botocore's retries absorb the 429s instead of turning them into errors."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from localaws import process
from localaws.testing import LocalAws, running_local_aws
from tests.conftest import REPO_ROOT, Synth, tool_env
from tests.e2e.deployment import Deployment
from verifier.checks import Mode
from verifier.checks.registry import checks_for

pytestmark = pytest.mark.e2e

CONCURRENT_VERIFIES = 4
#: The competing client alternates: it holds Lambda's control-plane budget (15 requests/s) at
#: zero for HOLD_SECONDS, then leaves it alone for PAUSE_SECONDS (a full second's budget).
HOLD_SECONDS = 1.0
PAUSE_SECONDS = 1.0
DRAIN_THREADS = 4
HOLD_CALL_PAUSE = 0.005
#: How often the competitor asks the server whether the verifiers have met the limits yet.
WATCH_PAUSE = 0.25


@contextmanager
def competing_client(local: LocalAws) -> Iterator[list[int]]:
    """Another Lambda client in the account that keeps spending the control-plane budget half
    of the time, so the verifiers meet 429s however slowly a busy machine starts them (without
    it, verifiers that start seconds apart never exceed the rate), and still get a full budget
    every other second. It stops once the verifiers have surely been throttled (the server's
    429 count less its own, by more than the responses it may still have in flight): endless
    competition only kept slowing botocore's adaptive limiter (50 s and more on a busy
    machine). Yields [its own 429 count]."""
    import boto3

    lambda_ = boto3.client(
        "lambda",
        endpoint_url=local.endpoint_url,
        verify=str(local.ca_bundle) if local.ca_bundle else None,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )
    throttled = [0]
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def holding() -> bool:
        return (time.monotonic() - started) % (HOLD_SECONDS + PAUSE_SECONDS) < HOLD_SECONDS

    def verifiers_throttled() -> bool:
        health = process.health(local.endpoint_url, ca_file=local.ca_bundle) or {}
        served = int(str(health.get("throttledRequests", 0)))
        with lock:
            own = throttled[0]
        return served - own > DRAIN_THREADS

    def watch() -> None:
        while not stop.is_set():
            if verifiers_throttled():
                stop.set()
            stop.wait(WATCH_PAUSE)

    def drain() -> None:
        while not stop.is_set():
            if not holding():
                stop.wait(0.05)
                continue
            try:
                lambda_.list_functions(MaxItems=1)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TooManyRequestsException":
                    raise
                with lock:
                    throttled[0] += 1
            except BotoCoreError:
                # The competitor's own connection trouble (once: a TLS handshake refused under
                # this load) is not what the test is about; the verifiers' runs are asserted.
                pass
            # Still hundreds of calls a second against a budget of 15, so a token is gone
            # within milliseconds; not a busy loop, which would hold both cores (and the GIL)
            # from the verifiers and the other tests.
            stop.wait(HOLD_CALL_PAUSE)

    # Several threads: one call at a time is slower than 15/s on a busy machine.
    workers = [threading.Thread(target=drain, daemon=True) for _ in range(DRAIN_THREADS)]
    workers.append(threading.Thread(target=watch, daemon=True))
    for worker in workers:
        worker.start()
    try:
        yield throttled
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)


def test_verify_under_rate_limits(synth: Synth, tmp_path: Path) -> None:
    with running_local_aws(tls=True, rate_limits=True) as local:
        deployment = Deployment.apply(synth, tmp_path, local)
        command = [
            sys.executable,
            "-m",
            "verifier",
            "verify",
            "--outputs",
            str(deployment.outputs_file),
            "--lock",
            str(deployment.lock_file),
            "--source",
            str(REPO_ROOT),
            "--format",
            "json",
        ]
        with competing_client(local) as competitor_throttled:
            runs = [
                subprocess.Popen(
                    command,
                    env=tool_env(deployment.env),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(CONCURRENT_VERIFIES)
            ]
            # communicate() reads both pipes while waiting: a report larger than a pipe's
            # buffer (64 KiB) cannot block the verifier.
            try:
                outputs = [run.communicate(timeout=300) for run in runs]
            finally:
                for run in runs:
                    if run.poll() is None:
                        run.kill()
                        run.wait()
        results = [
            (run.returncode, stdout, stderr)
            for run, (stdout, stderr) in zip(runs, outputs, strict=True)
        ]
        health = process.health(local.endpoint_url, ca_file=local.ca_bundle)
    assert health is not None
    # 429s served to the verifiers: everything throttled minus the competitor's own.
    verifier_throttled = int(str(health["throttledRequests"])) - competitor_throttled[0]
    assert verifier_throttled > 0, "the verifiers never met the limits"
    for code, stdout, stderr in results:
        assert code == 0, stderr
        report = json.loads(stdout)
        assert report["result"] == "pass"
        assert {check["status"] for check in report["checks"]} == {"pass"}
        for key in deployment.manifest["functions"]:
            ran = {check["id"] for check in report["checks"] if check["function"] == key}
            assert ran == {c.id for c in checks_for(Mode.MANIFEST)}
