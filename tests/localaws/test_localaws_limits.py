"""AWS-like throttling and latency (off by default), and the token bucket behind them.

Each throttling test starts from full buckets (the ``fresh_limits`` fixture calls the admin
reset), so no test waits for another's burst to drain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.limits import (
    GET_FUNCTION_RATE,
    LAMBDA_CONTROL_PLANE_RATE,
    SECURITY_HUB_IMPORT_BURST,
    SIGNER_RATES,
    AccountBuckets,
    LimitSettings,
    LimitsMiddleware,
    TokenBucket,
    signer_operation,
)
from localaws.testing import LocalAws, running_local_aws
from tests.localaws.localaws_support import asff_finding, make_client


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_its_rate_per_second_then_refills() -> None:
    clock = FakeClock()
    bucket = TokenBucket(15, clock=clock)
    assert sum(bucket.take() for _ in range(20)) == 15
    clock.now += 0.2  # 3 tokens
    assert sum(bucket.take() for _ in range(5)) == 3
    bucket.refill()
    assert sum(bucket.take() for _ in range(20)) == 15


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/signing-jobs/abc", "DescribeSigningJob"),
        ("GET", "/signing-jobs", "ListSigningJobs"),
        ("POST", "/signing-jobs", "StartSigningJob"),
        ("GET", "/signing-profiles/p", "GetSigningProfile"),
        ("GET", "/signing-profiles", "*"),
        ("PUT", "/signing-jobs/abc/revoke", "*"),
    ],
)
def test_signer_requests_map_to_their_bucket(method: str, path: str, operation: str) -> None:
    assert signer_operation(method, path) == operation
    assert operation in SIGNER_RATES


@pytest.fixture(scope="module")
def throttled() -> Iterator[LocalAws]:
    with running_local_aws(tls=False, rate_limits=True) as local:
        yield local


@pytest.fixture
def fresh_limits(throttled: LocalAws) -> LocalAws:
    throttled.reset_limits()
    assert throttled.health()["throttledRequests"] == 0
    return throttled


def burst(call: Callable[[], Any], count: int) -> list[dict[str, Any]]:
    """Make ``count`` calls back to back; the error responses, in order."""
    errors = []
    for _ in range(count):
        try:
            call()
        except ClientError as error:
            errors.append(error.response)
    return errors


def no_retries(local: LocalAws, service: str) -> Any:
    # One attempt per call, so botocore's retry on TooManyRequestsException does not hide it.
    return make_client(local.endpoint_url, service, retries={"total_max_attempts": 1})


def assert_throttled(response: dict[str, Any]) -> None:
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["Error"]["Message"] == "Rate exceeded"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"


def test_control_plane_calls_are_throttled_with_429(fresh_limits: LocalAws) -> None:
    lambda_ = no_retries(fresh_limits, "lambda")
    throttled = burst(lambda_.list_functions, 40)
    # On a busy machine a call can take tens of ms, so count on some 429s, not on how many.
    assert throttled, "40 ListFunctions calls in a burst should exceed 15 req/s"
    assert_throttled(throttled[0])
    assert fresh_limits.health()["throttledRequests"] == len(throttled)


def test_get_function_has_its_own_higher_limit(fresh_limits: LocalAws) -> None:
    lambda_ = no_retries(fresh_limits, "lambda")
    burst(lambda_.list_functions, int(LAMBDA_CONTROL_PLANE_RATE) + 5)  # drain the shared bucket
    errors = burst(lambda: lambda_.get_function(FunctionName="missing"), 40)
    # 40 < 100/s: every call reaches Lambda (and finds no function) instead of being throttled.
    assert GET_FUNCTION_RATE > 40
    assert {e["Error"]["Code"] for e in errors} == {"ResourceNotFoundException"}


def test_signer_reads_are_throttled_per_operation(fresh_limits: LocalAws) -> None:
    signer = no_retries(fresh_limits, "signer")
    described = burst(lambda: signer.describe_signing_job(jobId="no-such-job"), 40)
    throttled = [e for e in described if e["Error"]["Code"] == "TooManyRequestsException"]
    assert throttled, "40 DescribeSigningJob calls in a burst should exceed 10 req/s"
    assert_throttled(throttled[0])
    assert throttled[0]["code"] == "TooManyRequestsException"  # Signer's error members
    # ListSigningJobs has a bucket of its own, still full.
    list_rate = int(SIGNER_RATES["ListSigningJobs"])
    assert burst(lambda: signer.list_signing_jobs(maxResults=1), list_rate) == []


def test_each_account_has_its_own_budget(fresh_limits: LocalAws) -> None:
    organizations = fresh_limits.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    member = organizations.create_account(AccountName="budget", Email="budget@example.com")
    account_id = member["CreateAccountStatus"]["AccountId"]
    credentials = fresh_limits.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="budget",
    )["Credentials"]
    # Drain the management account's shared Lambda bucket ...
    assert burst(no_retries(fresh_limits, "lambda").list_functions, 40)
    # ... the member's own 15 req/s are untouched (a burst of 10 < 15 all gets through).
    member_lambda = fresh_limits.client_for(
        "lambda", credentials, retries={"total_max_attempts": 1}
    )
    assert burst(member_lambda.list_functions, 10) == []


def test_security_hub_imports_are_throttled_past_their_burst(fresh_limits: LocalAws) -> None:
    hub = no_retries(fresh_limits, "securityhub")
    hub.enable_security_hub(EnableDefaultStandards=False)
    finding = asff_finding("123456789012", "throttle-1", datetime.now(UTC))
    errors = burst(lambda: hub.batch_import_findings(Findings=[finding]), 45)
    assert errors, "45 imports in a burst should exceed 10 req/s with a burst of 30"
    assert 45 - len(errors) >= SECURITY_HUB_IMPORT_BURST
    assert errors[0]["Error"]["Code"] == "LimitExceededException"
    assert errors[0]["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_reset_refills_every_bucket_and_zeroes_the_count() -> None:
    limiter = LimitsMiddleware(lambda environ, start_response: [], LimitSettings(rate_limits=True))
    limiter.account_buckets("111111111111", "us-east-1")
    limiter.account_buckets("222222222222", "eu-west-1")
    assert len(limiter.buckets()) == 2 * len(AccountBuckets().all())
    for bucket in limiter.buckets():
        while bucket.take():  # drain (in-process, so no time passes to refill)
            pass
    limiter.reset()
    assert [sum(b.take() for _ in range(int(b.rate))) for b in limiter.buckets()] == [
        int(b.rate) for b in limiter.buckets()
    ]


def test_reset_endpoint_zeroes_the_throttled_count(fresh_limits: LocalAws) -> None:
    lambda_ = no_retries(fresh_limits, "lambda")
    assert burst(lambda_.list_functions, 40)
    assert fresh_limits.health()["throttledRequests"] > 0
    fresh_limits.reset_limits()
    assert fresh_limits.health()["throttledRequests"] == 0


def test_rate_limits_are_off_by_default(local_http: LocalAws) -> None:
    lambda_ = no_retries(local_http, "lambda")
    signer = no_retries(local_http, "signer")
    assert burst(lambda_.list_functions, 40) == []
    assert burst(lambda: signer.list_signing_jobs(maxResults=1), 40) == []


def test_latency_is_added_to_each_request() -> None:
    with running_local_aws(tls=False, latency_ms=300) as local:
        s3 = local.client("s3")
        started = time.monotonic()
        s3.list_buckets()
        assert time.monotonic() - started >= 0.3
