"""AWS-like throttling and latency (off by default), and the token bucket behind them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from localaws.limits import TokenBucket
from localaws.testing import running_server
from tests.localaws.localaws_support import make_client


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


@pytest.fixture(scope="module")
def throttled_endpoint() -> Iterator[str]:
    with running_server(rate_limits=True) as endpoint_url:
        yield endpoint_url


def test_control_plane_calls_are_throttled_with_429(throttled_endpoint: str) -> None:
    # One attempt per call, so botocore's retry on TooManyRequestsException does not hide it.
    lambda_ = make_client(throttled_endpoint, "lambda", retries={"total_max_attempts": 1})
    throttled = []
    for _ in range(40):
        try:
            lambda_.list_functions()
        except ClientError as error:
            throttled.append(error.response)
    assert throttled, "40 ListFunctions calls in a burst should exceed 15 req/s"
    response = throttled[0]
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"


def test_get_function_has_its_own_higher_limit(throttled_endpoint: str) -> None:
    time.sleep(1.1)  # let the buckets refill after the burst above
    lambda_ = make_client(throttled_endpoint, "lambda", retries={"total_max_attempts": 1})
    codes = []
    for _ in range(40):
        try:
            lambda_.get_function(FunctionName="missing")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    # 40 < 100/s: every call reaches Lambda (and finds no function) instead of being throttled.
    assert set(codes) == {"ResourceNotFoundException"}


def test_rate_limits_are_off_by_default(local_aws_endpoint: str) -> None:
    lambda_ = make_client(local_aws_endpoint, "lambda", retries={"total_max_attempts": 1})
    for _ in range(40):
        lambda_.list_functions()


def test_latency_is_added_to_each_request() -> None:
    with running_server(latency_ms=300) as endpoint_url:
        s3 = make_client(endpoint_url, "s3")
        started = time.monotonic()
        s3.list_buckets()
        assert time.monotonic() - started >= 0.3
