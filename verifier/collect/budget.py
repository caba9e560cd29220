"""The rate budget: a token bucket per API group, enforced on every HTTP attempt.

Lambda shares 15 control-plane requests/s per account and Region between every caller (GetFunction
alone has 100/s); deploys need some of it. The audit takes at most ``--max-lambda-rps`` (10 by
default) so a deploy running beside it is not starved. Signer does not publish its quotas; the
audit keeps each Signer operation at or under :data:`SIGNER_RPS`. S3 has no such per-account
control-plane quota: it is bounded by concurrency only (the collector's thread pool).

The buckets are hooked to botocore's ``before-send`` event, which fires once per HTTP attempt
(retries included), so the budget holds for what is actually sent, not for API calls. The same
hook counts requests per operation and records their times, for the bench and the summary.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

#: Lambda's shared control-plane quota (requests/s per account and Region; AWS docs).
LAMBDA_CONTROL_PLANE_QUOTA = 15.0
DEFAULT_MAX_LAMBDA_RPS = 10.0
#: Per Signer operation (AWS publishes no default; the local AWS allows 10/s per operation).
SIGNER_RPS = 8.0


class TokenBucket:
    """Blocking token bucket: ``rate`` tokens/s, at most ``burst`` saved up.

    With ``burst`` 1 the requests are evenly spaced, so no one-second window ever holds more than
    ``rate`` of them: the budget is a ceiling, never an average.
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return waited
                # At least a tenth of a millisecond: float rounding of the refill must not
                # turn this into a busy loop, and waiting a hair long only keeps under budget.
                delay = max((1 - self._tokens) / self.rate, 1e-4)
            self._sleep(delay)
            waited += delay


@dataclass
class RequestLog:
    """Every request sent, by service and operation, with its send time (monotonic)."""

    counts: Counter[str] = field(default_factory=Counter)
    lambda_times: list[float] = field(default_factory=list)
    waited_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, service: str, operation: str, moment: float, waited: float) -> None:
        with self._lock:
            self.counts[f"{service}:{operation}"] += 1
            self.waited_seconds += waited
            if service == "lambda":
                self.lambda_times.append(moment)

    @classmethod
    def merged(cls, logs: Iterable[RequestLog]) -> RequestLog:
        """One log of several (an organization audit's account-regions). Its
        :meth:`max_lambda_rps` spans every account: a budget is judged on each log alone."""
        merged = cls()
        for log in logs:
            with log._lock:
                merged.counts.update(log.counts)
                merged.lambda_times += log.lambda_times
                merged.waited_seconds += log.waited_seconds
        return merged

    def total(self, service: str) -> int:
        return sum(n for name, n in self.counts.items() if name.startswith(f"{service}:"))

    def max_lambda_rps(self) -> int:
        """The most Lambda requests sent in any one-second window [t, t + 1)."""
        times = sorted(self.lambda_times)
        best = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


class RateBudget:
    """The buckets of one run, shared by every client and thread of that run."""

    def __init__(
        self,
        max_lambda_rps: float = DEFAULT_MAX_LAMBDA_RPS,
        signer_rps: float = SIGNER_RPS,
        log: RequestLog | None = None,
        *,
        enforce: bool = True,
    ) -> None:
        """``enforce`` False: count and time requests only (to measure another client)."""
        self.enforce = enforce
        self.max_lambda_rps = max_lambda_rps
        self.lambda_bucket = TokenBucket(max_lambda_rps)
        self._signer_rps = signer_rps
        self._signer_buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        self.log = log or RequestLog()

    def bucket_for(self, service: str, operation: str) -> TokenBucket | None:
        if not self.enforce:
            return None
        if service == "lambda":
            return self.lambda_bucket
        if service == "signer":
            with self._lock:
                if operation not in self._signer_buckets:
                    self._signer_buckets[operation] = TokenBucket(self._signer_rps)
                return self._signer_buckets[operation]
        return None

    def attach(self, client: Any) -> Any:
        """Hook the budget into ``client`` (every attempt takes a token); returns the client."""
        service = client.meta.service_model.service_name

        def before_send(event_name: str, **kwargs: Any) -> None:
            operation = event_name.rsplit(".", 1)[-1]
            bucket = self.bucket_for(service, operation)
            waited = bucket.acquire() if bucket is not None else 0.0
            self.log.record(service, operation, time.monotonic(), waited)
            return None  # None: botocore sends the request itself

        client.meta.events.register(
            f"before-send.{client.meta.service_model.endpoint_prefix}", before_send
        )
        return client
