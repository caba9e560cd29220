"""Admin endpoints of the local AWS, under ``/_localaws/`` (never an AWS path). JSON in and out.

- ``GET /_localaws/health``: 200 with the server's settings once it serves requests.
- ``GET /_localaws/clock``: the clock offset in seconds.
- ``POST /_localaws/clock`` with ``{"offsetSeconds": N}``: shift the local clock (see
  :mod:`localaws.clock`), e.g. past a signature's expiry; ``0`` restores real time.
- ``POST /_localaws/limits/reset``: refill every rate-limit bucket and zero the throttled count
  (see :mod:`localaws.limits`), so one test's burst does not throttle the next.
- ``POST /_localaws/lambda/function-status`` with ``{"functionName": ..., "qualifier": ...,
  "lastUpdateStatus": "InProgress"|"Failed"|"Successful", "lastUpdateStatusReason": ...,
  "lastUpdateStatusReasonCode": ..., "state": "Inactive"|..., "stateReason": ...,
  "stateReasonCode": ...}``: set a function version's State and/or LastUpdateStatus (see
  :meth:`localaws.awslambda.models.ExtendedLambdaBackend.set_function_status`). Optional
  ``accountId``/``region`` (default 123456789012/us-east-1). Replies with the version's
  configuration, as GetFunctionConfiguration shows it. Values are checked against botocore's
  Lambda model (enums).
- ``POST /_localaws/signer/purge-profile`` with ``{"profileName": ..., "accountId": ...,
  "region": ...}``: delete a Canceled or Revoked signing profile as AWS's data retention does,
  so the name can be put again as a new version (see
  :meth:`localaws.signer.models.ExtendedSignerBackend.purge_profile`). Replies with the purged
  ``profileVersionArn``.
- ``POST /_localaws/signer/revoke-certificate`` with ``{"certificateHash": ..., "accountId": ...,
  "region": ...}``: GetRevocationStatus (and Lambda's deploy-time check) report that certificate
  hash revoked from now on (AWS has no API for it; hashes as :mod:`localaws.signing` defines).
- ``POST /_localaws/seed`` with ``{"functions": N, "layers": 2, "prefix": "seed-", ...}``: create a
  signed fleet in-process (see :mod:`localaws.seed`); replies with what it created. With
  ``"accounts": N`` (and optionally ``"unassumableAccounts": K``) it seeds an organization of N
  accounts instead and replies with the organization and each account's fleet.

Endpoints that touch moto's state take the server's moto lock (the one
:class:`localaws.server.SerializingMiddleware` holds per AWS request), so they never interleave
with an AWS request.
"""

from __future__ import annotations

import contextlib
import http
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.exceptions import JsonRESTError

from localaws import clock, limits
from localaws.limits import LimitSettings, LimitsMiddleware, WSGIApp

PREFIX = "/_localaws/"
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

_FUNCTION_STATUS_FIELDS = {
    "functionName": ("function_name", None),
    "qualifier": ("qualifier", None),
    "accountId": ("account_id", None),
    "region": ("region", None),
    "state": ("state", "State"),
    "stateReason": ("state_reason", None),
    "stateReasonCode": ("state_reason_code", "StateReasonCode"),
    "lastUpdateStatus": ("last_update_status", "LastUpdateStatus"),
    "lastUpdateStatusReason": ("last_update_status_reason", None),
    "lastUpdateStatusReasonCode": ("last_update_status_reason_code", "LastUpdateStatusReasonCode"),
}


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _lambda_enum(shape_name: str) -> list[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return list(getattr(model.shape_for(shape_name), "enum", []))


class AdminMiddleware:
    def __init__(
        self,
        app: WSGIApp,
        settings: LimitSettings,
        *,
        moto_lock: threading.Lock | None = None,
        limiter: LimitsMiddleware | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.moto_lock = moto_lock
        self.limiter = limiter

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        endpoint = path[len(PREFIX) :].rstrip("/")
        handler = self._routes().get((method, endpoint))
        if handler is None:
            return _json(start_response, 404, {"message": f"no admin endpoint {method} {path}"})
        try:
            return _json(start_response, 200, handler(environ))
        except AdminError as error:
            return _json(start_response, error.status, {"message": str(error)})
        except JsonRESTError as error:
            return _json(
                start_response, error.code, {"type": error.error_type, "message": error.message}
            )

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            ("GET", "health"): lambda environ: self._health(),
            ("GET", "clock"): lambda environ: {"offsetSeconds": clock.offset_seconds()},
            ("POST", "clock"): self._set_clock,
            ("POST", "limits/reset"): self._reset_limits,
            ("POST", "lambda/function-status"): self._function_status,
            ("POST", "signer/purge-profile"): self._purge_profile,
            ("POST", "signer/revoke-certificate"): self._revoke_certificate,
            ("POST", "seed"): self._seed,
        }

    @contextlib.contextmanager
    def _moto(self) -> Any:
        """Hold the server's moto lock (absent when the middleware runs without a server)."""
        if self.moto_lock is None:
            yield
            return
        with self.moto_lock:
            yield

    def _health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "rateLimits": self.settings.rate_limits,
            "latencyMs": self.settings.latency_ms,
            "clockOffsetSeconds": clock.offset_seconds(),
            "throttledRequests": limits.throttled_total(),
        }

    def _set_clock(self, environ: dict[str, Any]) -> dict[str, Any]:
        body = _body(environ)
        try:
            offset = float(body["offsetSeconds"])
        except (KeyError, TypeError, ValueError):
            raise AdminError(400, 'expected {"offsetSeconds": N}') from None
        clock.set_offset(offset)
        return {"offsetSeconds": clock.offset_seconds()}

    def _reset_limits(self, environ: dict[str, Any]) -> dict[str, Any]:
        if self.limiter is not None:
            self.limiter.reset()
        return {"throttledRequests": limits.throttled_total()}

    def _function_status(self, environ: dict[str, Any]) -> dict[str, Any]:
        from moto.awslambda.models import lambda_backends

        body = _body(environ)
        unknown = set(body) - set(_FUNCTION_STATUS_FIELDS)
        if unknown:
            raise AdminError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        if not isinstance(body.get("functionName"), str) or not body["functionName"]:
            raise AdminError(400, "functionName is required")
        if not any(body.get(key) for key in ("state", "lastUpdateStatus")):
            raise AdminError(400, "give state and/or lastUpdateStatus")
        arguments: dict[str, Any] = {}
        for key, (argument, enum_shape) in _FUNCTION_STATUS_FIELDS.items():
            value = body.get(key)
            if value is not None and enum_shape and value not in _lambda_enum(enum_shape):
                raise AdminError(400, f"{key} must be one of {', '.join(_lambda_enum(enum_shape))}")
            arguments[argument] = value
        account_id = arguments.pop("account_id") or DEFAULT_ACCOUNT_ID
        region = arguments.pop("region") or DEFAULT_REGION
        with self._moto():
            backend = lambda_backends[account_id][region]
            fn = backend.set_function_status(  # type: ignore[attr-defined]
                arguments.pop("function_name"), arguments.pop("qualifier"), **arguments
            )
            configuration: dict[str, Any] = fn.get_configuration()
        return configuration

    def _signer_call(
        self, environ: dict[str, Any], field: str, call: Callable[[Any, str], Any]
    ) -> Any:
        """``call(backend, body[field])`` on the Signer backend the body names, under the lock."""
        from moto.signer.models import signer_backends

        body = _body(environ)
        unknown = set(body) - {field, "accountId", "region"}
        if unknown:
            raise AdminError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
        value = body.get(field)
        if not isinstance(value, str) or not value:
            raise AdminError(400, f"{field} is required")
        with self._moto():
            backend = signer_backends[body.get("accountId") or DEFAULT_ACCOUNT_ID][
                body.get("region") or DEFAULT_REGION
            ]
            return call(backend, value)

    def _purge_profile(self, environ: dict[str, Any]) -> dict[str, Any]:
        arn = self._signer_call(environ, "profileName", lambda b, name: b.purge_profile(name))
        return {"profileVersionArn": arn}

    def _revoke_certificate(self, environ: dict[str, Any]) -> dict[str, Any]:
        self._signer_call(environ, "certificateHash", lambda b, value: b.revoke_certificate(value))
        return {}

    def _seed(self, environ: dict[str, Any]) -> dict[str, Any]:
        from localaws.seed import SeedError, SeedRequest, seed, seed_organization

        try:
            request = SeedRequest.from_json(_body(environ))
            with self._moto():
                if request.accounts is None:
                    return seed(request).to_json()
                return seed_organization(request).to_json()
        except (SeedError, TypeError) as error:
            raise AdminError(400, str(error)) from None


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        document = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except (ValueError, KeyError):
        raise AdminError(400, "expected a JSON object") from None
    if not isinstance(document, dict):
        raise AdminError(400, "expected a JSON object")
    return document


def _json(
    start_response: Callable[..., Any], status: int, payload: dict[str, Any]
) -> Iterable[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {http.HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
