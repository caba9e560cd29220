"""AWS-like request limits and latency, as WSGI middleware in front of moto (off by default).

Lambda (documented control-plane quotas): GetFunction 100 requests/s, and the other
control-plane calls together 15 requests/s. Invocations (the data plane) are not limited.

Every quota is per account and Region, as AWS's are: each (account, Region) a request is made in
gets its own buckets. The Region comes from the SigV4 credential scope, the account from the
access key as moto resolves it (``get_account_id_from``: an assumed role's temporary key names
the role's account), so an organization audit that works in many accounts at once is limited per
account, not by one shared budget.

Signer: AWS does not publish default API rates (they are per account and Region, shown only in
the Service Quotas console), so this server picks defaults of the same order as Lambda's shared
control-plane rate and documents them here: DescribeSigningJob, ListSigningJobs,
GetSigningProfile and StartSigningJob 10 requests/s *each*; every other Signer call shares one
more 10 requests/s. Change :data:`SIGNER_RATES` if a benchmark needs other values.

Security Hub: BatchImportFindings 10 requests/s with a burst of 30 (AWS's partner guide); a
throttled import gets 429 LimitExceededException (the operation's throttling error in botocore's
model). Other Security Hub calls are not limited.

A throttled Lambda or Signer call gets 429 TooManyRequestsException, in the service's JSON error
format (Lambda: ``Type``/``message``/``Reason``; Signer: ``message``/``code``, the members
botocore's Signer model gives the exception) with a ``Retry-After`` header, as AWS sends it.
Latency adds a fixed delay before every request. Each bucket starts full (one second of burst,
Security Hub imports their 30); the admin endpoint
``POST /_localaws/limits/reset`` refills every bucket and zeroes the throttled count, so tests
need not wait for a refill.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

GET_FUNCTION_RATE = 100.0
LAMBDA_CONTROL_PLANE_RATE = 15.0
#: Signer requests/s by operation (chosen defaults, see the module docstring); "*" is the
#: shared bucket of every other Signer call.
SIGNER_RATES: dict[str, float] = {
    "DescribeSigningJob": 10.0,
    "ListSigningJobs": 10.0,
    "GetSigningProfile": 10.0,
    "StartSigningJob": 10.0,
    "*": 10.0,
}
SECURITY_HUB_IMPORT_RATE = 10.0
SECURITY_HUB_IMPORT_BURST = 30.0

_GET_FUNCTION = re.compile(r"/2015-03-31/functions/[^/]+/?")
_DATA_PLANE = re.compile(r".*/(invocations|invoke-async)/?")
_SECURITY_HUB_IMPORT = re.compile(r"/findings/import/?")
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_SIGNER_OPERATIONS = (
    ("GET", re.compile(r"/signing-jobs/[^/]+/?"), "DescribeSigningJob"),
    ("GET", re.compile(r"/signing-jobs/?"), "ListSigningJobs"),
    ("POST", re.compile(r"/signing-jobs/?"), "StartSigningJob"),
    ("GET", re.compile(r"/signing-profiles/[^/]+/?"), "GetSigningProfile"),
)


def signer_operation(method: str, path: str) -> str:
    """The rate-limited Signer operation a request is, or "*" for the shared bucket."""
    for op_method, pattern, operation in _SIGNER_OPERATIONS:
        if method == op_method and pattern.fullmatch(path):
            return operation
    return "*"


class TokenBucket:
    """``rate`` tokens per second, holding at most ``burst`` (default: one second's worth)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        burst: float | None = None,
    ) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()
        self._lock = threading.Lock()

    def refill(self) -> None:
        with self._lock:
            self._tokens = self.burst
            self._updated = self._clock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service name in a SigV4 Authorization header's credential scope."""
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(3) if match else None


def account_region(environ: dict[str, Any]) -> tuple[str, str]:
    """The (account, Region) a request is made in, as moto will resolve its account."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import get_account_id_from

    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    region = match.group(2) if match else ""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"], region
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"]), region
    return (get_account_id_from(match.group(1)) if match else DEFAULT_ACCOUNT_ID), region


_throttled_lock = threading.Lock()
_throttled_total = 0


def throttled_total() -> int:
    """How many requests this server has answered with 429 (reported by the health endpoint)."""
    with _throttled_lock:
        return _throttled_total


def _count_throttled() -> None:
    global _throttled_total
    with _throttled_lock:
        _throttled_total += 1


def _reset_throttled() -> None:
    global _throttled_total
    with _throttled_lock:
        _throttled_total = 0


@dataclass(frozen=True)
class LimitSettings:
    rate_limits: bool = False
    latency_ms: int = 0


class AccountBuckets:
    """The buckets of one account and Region."""

    def __init__(self) -> None:
        self.get_function = TokenBucket(GET_FUNCTION_RATE)
        self.control_plane = TokenBucket(LAMBDA_CONTROL_PLANE_RATE)
        self.signer = {name: TokenBucket(rate) for name, rate in SIGNER_RATES.items()}
        self.security_hub_import = TokenBucket(
            SECURITY_HUB_IMPORT_RATE, burst=SECURITY_HUB_IMPORT_BURST
        )

    def all(self) -> list[TokenBucket]:
        return [
            self.get_function,
            self.control_plane,
            *self.signer.values(),
            self.security_hub_import,
        ]


class LimitsMiddleware:
    def __init__(self, app: WSGIApp, settings: LimitSettings) -> None:
        self.app = app
        self.settings = settings
        self._accounts: dict[tuple[str, str], AccountBuckets] = {}
        self._accounts_lock = threading.Lock()

    def account_buckets(self, account_id: str, region: str) -> AccountBuckets:
        with self._accounts_lock:
            buckets = self._accounts.get((account_id, region))
            if buckets is None:
                buckets = self._accounts[(account_id, region)] = AccountBuckets()
            return buckets

    def buckets(self) -> list[TokenBucket]:
        """Every bucket of every account and Region seen so far."""
        with self._accounts_lock:
            return [bucket for buckets in self._accounts.values() for bucket in buckets.all()]

    def reset(self) -> None:
        """Refill every bucket and zero the throttled count (``POST /_localaws/limits/reset``)."""
        for bucket in self.buckets():
            bucket.refill()
        _reset_throttled()

    def bucket_for(self, environ: dict[str, Any]) -> TokenBucket | None:
        service = signing_service(environ)
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if service == "securityhub":
            if method == "POST" and _SECURITY_HUB_IMPORT.fullmatch(path):
                return self.account_buckets(*account_region(environ)).security_hub_import
            return None
        if service not in ("signer", "lambda") or (
            service == "lambda" and _DATA_PLANE.fullmatch(path)
        ):
            return None
        buckets = self.account_buckets(*account_region(environ))
        if service == "signer":
            return buckets.signer[signer_operation(method, path)]
        if method == "GET" and _GET_FUNCTION.fullmatch(path):
            return buckets.get_function
        return buckets.control_plane

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.settings.latency_ms > 0:
            time.sleep(self.settings.latency_ms / 1000)
        if self.settings.rate_limits:
            bucket = self.bucket_for(environ)
            if bucket is not None and not bucket.take():
                _count_throttled()
                return self._throttled(start_response, signing_service(environ))
        return self.app(environ, start_response)

    @staticmethod
    def _throttled(start_response: Callable[..., Any], service: str | None) -> Iterable[bytes]:
        error_type = "TooManyRequestsException"
        error: dict[str, str]
        if service == "signer":
            error = {"message": "Rate exceeded", "code": error_type}
        elif service == "securityhub":
            error_type = "LimitExceededException"
            error = {"Message": "Rate exceeded", "Code": error_type}
        else:
            error = {
                "Type": "User",
                "message": "Rate exceeded",
                "Reason": "CallerRateLimitExceeded",
            }
        body = json.dumps(error).encode()
        start_response(
            "429 Too Many Requests",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("X-Amzn-ErrorType", error_type),
                ("Retry-After", "1"),
            ],
        )
        return [body]
