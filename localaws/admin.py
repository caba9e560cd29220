"""Admin endpoints of the local AWS, under ``/_localaws/`` (never an AWS path).

- ``GET /_localaws/health``: 200 with the server's settings once it serves requests.
- ``GET /_localaws/clock``: the clock offset in seconds.
- ``POST /_localaws/clock`` with ``{"offsetSeconds": N}``: shift the local clock (see
  :mod:`localaws.clock`), e.g. past a signature's expiry; ``0`` restores real time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from localaws import clock, limits
from localaws.limits import LimitSettings, WSGIApp

PREFIX = "/_localaws/"


class AdminMiddleware:
    def __init__(self, app: WSGIApp, settings: LimitSettings) -> None:
        self.app = app
        self.settings = settings

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        endpoint = path[len(PREFIX) :].rstrip("/")
        if endpoint == "health" and method == "GET":
            return _json(start_response, 200, self._health())
        if endpoint == "clock" and method == "GET":
            return _json(start_response, 200, {"offsetSeconds": clock.offset_seconds()})
        if endpoint == "clock" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                offset = float(json.loads(environ["wsgi.input"].read(length))["offsetSeconds"])
            except (ValueError, KeyError, TypeError):
                return _json(start_response, 400, {"message": 'expected {"offsetSeconds": N}'})
            clock.set_offset(offset)
            return _json(start_response, 200, {"offsetSeconds": clock.offset_seconds()})
        return _json(start_response, 404, {"message": f"no admin endpoint {method} {path}"})

    def _health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "rateLimits": self.settings.rate_limits,
            "latencyMs": self.settings.latency_ms,
            "clockOffsetSeconds": clock.offset_seconds(),
            "throttledRequests": limits.throttled_total(),
        }


def _json(
    start_response: Callable[..., Any], status: int, payload: dict[str, Any]
) -> Iterable[bytes]:
    reasons = {200: "OK", 400: "Bad Request", 404: "Not Found"}
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {reasons[status]}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
