"""The rate budget (verifier.collect.budget): a ceiling in every one-second window, never an
average, on a fake clock."""

from __future__ import annotations

import pytest

from tests.verifier.collect.conftest import FakeClock
from verifier.collect.budget import SIGNER_RPS, RateBudget, RequestLog, TokenBucket


def test_token_bucket_never_exceeds_its_rate_in_any_second(clock: FakeClock) -> None:
    bucket = TokenBucket(10, clock=clock, sleep=clock.sleep)
    log = RequestLog()
    for _ in range(55):
        bucket.acquire()
        log.record("lambda", "ListFunctions", clock.now, 0.0)
    assert log.max_lambda_rps() <= 10
    assert clock.now == pytest.approx(5.4, abs=0.01)  # evenly spaced, not slower


def test_a_burst_saves_up_at_most_its_size(clock: FakeClock) -> None:
    bucket = TokenBucket(2, burst=3, clock=clock, sleep=clock.sleep)
    clock.now = 100.0  # idle for a long time: still only 3 tokens saved
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert all(wait > 0 for wait in waits[3:])


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        TokenBucket(0)


def test_the_request_log_counts_by_service_and_finds_the_busiest_second() -> None:
    log = RequestLog()
    for moment in (0.0, 0.2, 0.9, 1.0, 1.95, 5.0):
        log.record("lambda", "GetFunction", moment, 0.5)
    log.record("signer", "DescribeSigningJob", 0.1, 0.0)
    assert log.total("lambda") == 6 and log.total("signer") == 1 and log.total("s3") == 0
    assert log.counts["lambda:GetFunction"] == 6
    assert log.max_lambda_rps() == 3  # [0.2, 1.2) holds 0.2, 0.9, 1.0
    assert log.waited_seconds == pytest.approx(3.0)


def test_lambda_shares_one_bucket_signer_has_one_per_operation_s3_none() -> None:
    budget = RateBudget(max_lambda_rps=5)
    assert budget.bucket_for("lambda", "ListFunctions") is budget.bucket_for(
        "lambda", "GetFunction"
    )
    describe = budget.bucket_for("signer", "DescribeSigningJob")
    assert describe is not None and describe.rate == SIGNER_RPS
    assert describe is budget.bucket_for("signer", "DescribeSigningJob")
    assert describe is not budget.bucket_for("signer", "ListSigningJobs")
    assert budget.bucket_for("s3", "GetObject") is None
    # Measuring another client: count only, never wait.
    assert RateBudget(enforce=False).bucket_for("lambda", "GetFunction") is None
