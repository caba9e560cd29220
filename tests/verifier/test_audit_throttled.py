"""The audit under Lambda's rate limits, sharing the quota with a deploy: it completes with the
same verdicts, and when retries run out it reports errors, never a false pass."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import pytest
from botocore.retries.standard import ThrottlingErrorDetector
from typer.testing import CliRunner

from localaws.testing import LocalAws
from localaws.world import Clients, World
from tests.localaws.localaws_support import make_client
from tests.verifier.audit_fleet import FAILING, WARNING_ONLY, Fleet, build_fleet
from verifier.cli import app

runner = CliRunner()
#: Busy deploy pipelines: together they ask for far more than the 15 requests/s quota.
DEPLOY_THREADS = 6
SATURATE_PAUSE = 0.005
#: How long the deploys run before the audit starts, and how long in all.
QUOTA_IN_USE = 0.5
DEPLOY_BURST = 3.0

# The module's local AWS enforces Lambda's and Signer's rate limits.
pytestmark = [pytest.mark.local_aws(rate_limits=True), pytest.mark.usefixtures("local_env")]


@pytest.fixture(scope="module")
def fleet(endpoint: str) -> Fleet:
    return build_fleet(World.create(Clients.for_endpoint(endpoint)), clean=2)


class Deploys:
    """Another caller using Lambda's shared control-plane quota while the audit runs.

    A burst of deploys: so many calls (each thread every SATURATE_PAUSE) that the shared quota is
    empty whenever the audit asks, not only on average (a token, one per 1/15 s, is gone within a
    millisecond or two), for ``seconds`` from the start (then nothing), or until the audit ends.
    A bounded burst bounds the test's time: under endless saturation botocore's adaptive limiter
    keeps slowing the audit down (5 to 100 s here, depending on the machine). Not a busy loop:
    that would hold the GIL the in-process audit needs, and both cores.
    """

    def __init__(self, endpoint: str, *, seconds: float = float("inf")) -> None:
        # Legacy retry mode, one attempt: a throttled deploy call is simply tried again later,
        # and is never counted by `audit_throttles` (which counts adaptive mode's).
        retries = {"mode": "legacy", "total_max_attempts": 1}
        self.client = make_client(endpoint, "lambda", retries=retries)
        self.stop = threading.Event()
        self.seconds = seconds
        self.threads = [
            threading.Thread(target=self.run, daemon=True) for _ in range(DEPLOY_THREADS)
        ]

    def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                self.client.list_code_signing_configs(MaxItems=1)
            time.sleep(SATURATE_PAUSE)

    def __enter__(self) -> Deploys:
        for thread in self.threads:
            thread.start()
        time.sleep(QUOTA_IN_USE)  # the quota is empty before the audit starts
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)


@pytest.fixture
def audit_throttles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Throttling errors the audit's own clients received: counted where botocore's adaptive
    retry mode (the verifier's) detects them; the deploys' legacy mode never gets there."""
    seen: list[int] = []
    detect = ThrottlingErrorDetector.is_throttling_error

    def counting(self: ThrottlingErrorDetector, **kwargs: Any) -> bool:
        throttled = bool(detect(self, **kwargs))
        if throttled:
            seen.append(1)
        return throttled

    monkeypatch.setattr(ThrottlingErrorDetector, "is_throttling_error", counting)
    return seen


def worst(document: dict[str, Any], fleet: Fleet) -> dict[str, str]:
    order = ["pass", "warn", "error", "fail"]
    found: dict[str, str] = {}
    for check in document["checks"]:
        key = fleet.keys_of({check["function"]})
        if key:
            (name,) = key
            found[name] = max(found.get(name, "pass"), check["status"], key=order.index)
    return found


def run_audit(fleet: Fleet) -> tuple[int, dict[str, Any], str]:
    args = ["audit", "--trust", fleet.trusted.version_arn, "--function-prefix", fleet.prefix]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_throttled_audit_completes_with_the_same_verdicts(
    endpoint: str, fleet: Fleet, audit_throttles: list[int]
) -> None:
    with Deploys(endpoint, seconds=DEPLOY_BURST):
        code, document, stderr = run_audit(fleet)
    assert audit_throttles, "the audit itself was never throttled: the test proves nothing"
    assert code == 1, stderr
    verdicts = worst(document, fleet)
    assert {k for k, v in verdicts.items() if v == "fail"} == FAILING
    assert {k for k, v in verdicts.items() if v == "warn"} == WARNING_ONLY
    assert {k for k, v in verdicts.items() if v == "pass"} == {"clean-0", "clean-1"}


def test_retries_exhausted_is_an_error_never_a_pass(
    endpoint: str, fleet: Fleet, monkeypatch: pytest.MonkeyPatch, audit_throttles: list[int]
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with Deploys(endpoint):
        code, document, _ = run_audit(fleet)
    assert audit_throttles
    assert code in (1, 3)
    verdicts = worst(document, fleet)
    # Nothing broken passes; whatever could not be read is an error.
    assert not {k for k, v in verdicts.items() if v == "pass"} & (FAILING | WARNING_ONLY)
    statuses = {c["status"] for c in document["checks"]}
    assert "error" in statuses


def test_an_organization_member_throttled_past_its_retries_is_one_line(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another caller floods one member account's Lambda quota: that account-region is one
    ERROR naming the listing that failed and why (never "no Lambda functions"), the others
    complete."""
    local = LocalAws(endpoint_url=endpoint, ca_bundle=None)
    organization = local.seed(3, layers=1, prefix="thr-", accounts=3)
    victim = next(a for a in organization["accounts"] if a["accessRoleArn"])
    credentials = local.client("sts").assume_role(
        RoleArn=victim["accessRoleArn"], RoleSessionName="flood"
    )["Credentials"]
    stop = threading.Event()

    def flood() -> None:
        # As a deploy pipeline's calls (Deploys): one attempt each, tried again at once.
        retries = {"mode": "legacy", "total_max_attempts": 1}
        client = local.client_for("lambda", credentials, retries=retries)
        while not stop.is_set():
            with contextlib.suppress(Exception):
                client.list_code_signing_configs()
            time.sleep(SATURATE_PAUSE)

    threads = [threading.Thread(target=flood, daemon=True) for _ in range(DEPLOY_THREADS)]
    for thread in threads:
        thread.start()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    time.sleep(QUOTA_IN_USE)
    try:
        args = ["audit", "--organization", "--role-name", "OrganizationAccountAccessRole"]
        for arn in sorted({a["profileVersionArn"] for a in organization["accounts"]}):
            args += ["--trust", arn]
        result = runner.invoke(app, [*args, "--function-prefix", "thr-", "--format", "json"])
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 3, result.stderr
    document: Any = json.loads(result.stdout)
    statuses: dict[str, set[str]] = {}
    for check in document["checks"]:
        statuses.setdefault(check["account"], set()).add(check["status"])
    assert "error" in statuses.pop(victim["accountId"])
    assert all(found == {"pass"} for found in statuses.values()), statuses
    # Whichever listings the flood made fail: one finding, one line, saying which and why.
    [listed] = [c for c in document["checks"] if c["id"] == "fleet.listed"]
    assert listed["account"] == victim["accountId"] and "failed: " in listed["actual"]
    account_lines = [
        line
        for line in result.stderr.splitlines()
        if line.startswith(f"could not audit account {victim['accountId']}")
    ]
    assert account_lines == [
        f"could not audit account {victim['accountId']} us-east-1: "
        + listed["actual"].removeprefix("not evaluated: ")
    ]
    assert "no Lambda functions" not in result.stderr
