"""Run the local AWS: moto's WSGI app, patched, behind the admin and limits middleware."""

from __future__ import annotations

import errno
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from localaws import iam, patches, s3_policy
from localaws.admin import AdminMiddleware
from localaws.limits import LimitSettings, LimitsMiddleware, WSGIApp
from localaws.process import port_is_free
from localaws.tls import ensure_tls_files

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566


class PortInUseError(OSError):
    """The TCP port is already bound by another process."""


@dataclass(frozen=True)
class ServerSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    limits: LimitSettings = field(default_factory=LimitSettings)
    #: Where the CA and server certificate live; None serves plain HTTP.
    tls_dir: Path | None = None
    #: Enforce IAM for every caller but the admin keys (localaws.iam).
    iam: bool = False

    @property
    def endpoint_url(self) -> str:
        scheme = "https" if self.tls_dir is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"


class TransportMiddleware:
    """Tells the bucket-policy evaluation whether this request came over TLS."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        s3_policy.set_request_secure(environ.get("wsgi.url_scheme") == "https")
        return self.app(environ, start_response)


class SerializingMiddleware:
    """One AWS request at a time inside moto.

    moto's backends are plain dicts and lists without locks: Terraform's parallel
    CreateFunction/GetFunction calls could see a half-updated backend, fail with a 500 after
    the change was made, and the client's retry then met a 409. Added latency and throttling
    stay outside the lock, so they still overlap like AWS's.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            return list(self.app(environ, start_response))


def build_app(limits: LimitSettings, *, enforce_iam: bool = False) -> WSGIApp:
    """Transport -> admin -> limits/latency -> the one moto lock -> moto.

    Admin endpoints that change moto's state take the same lock, so it stays the only one.
    """
    patches.install()
    if enforce_iam:
        iam.enable()
    moto_app = SerializingMiddleware(DomainDispatcherApplication(create_backend_app))
    limiter = LimitsMiddleware(moto_app, limits)
    admin = AdminMiddleware(limiter, limits, moto_lock=moto_app.lock, limiter=limiter)
    return TransportMiddleware(admin)


def make_local_server(settings: ServerSettings) -> BaseWSGIServer:
    """Bind the threaded server (raises PortInUseError when the port is taken)."""
    in_use = PortInUseError(
        errno.EADDRINUSE, f"port {settings.port} on {settings.host} is already in use"
    )
    # werkzeug prints its own advice and calls sys.exit(1) when the port is taken; probe first.
    if not port_is_free(settings.host, settings.port):
        raise in_use
    app = build_app(settings.limits, enforce_iam=settings.iam)
    ssl_context: tuple[str, str] | None = None
    if settings.tls_dir is not None:
        files = ensure_tls_files(settings.tls_dir)
        ssl_context = (str(files.server_cert), str(files.server_key))
    try:
        return make_server(
            settings.host,
            settings.port,
            app,
            threaded=True,
            request_handler=MotoRequestHandler,
            ssl_context=ssl_context,
        )
    except SystemExit:
        raise in_use from None


def serve(settings: ServerSettings) -> None:
    """Serve until SIGINT/SIGTERM."""
    server = make_local_server(settings)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"local AWS listening on {settings.endpoint_url}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
