"""Test helper: run the local AWS in a subprocess for the duration of a ``with`` block."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localaws import process
from localaws.limits import LimitSettings
from localaws.tls import ensure_tls_files

HOST = "127.0.0.1"
START_ATTEMPTS = 3


@dataclass(frozen=True)
class LocalAws:
    """Where a local AWS runs, with a client factory and the admin endpoints as methods."""

    endpoint_url: str
    #: The CA that signed the server's certificate (None for plain HTTP).
    ca_bundle: Path | None

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for this server, with dummy credentials (``config``: botocore Config)."""
        import boto3
        from botocore.config import Config

        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint_url,
            verify=str(self.ca_bundle) if self.ca_bundle is not None else None,
            region_name=process.CLIENT_REGION,
            aws_access_key_id=process.CLIENT_ACCESS_KEY_ID,
            aws_secret_access_key=process.CLIENT_SECRET_ACCESS_KEY,
            config=Config(**config) if config else None,
        )

    def env(self) -> dict[str, str]:
        """What boto3, the Terraform provider and its S3 backend need to use this server."""
        return process.client_env(self.endpoint_url, self.ca_bundle)

    # -- admin endpoints (see localaws.admin) --

    def admin(self, method: str, endpoint: str, payload: dict[str, Any] | None = None) -> Any:
        """Call ``/_localaws/<endpoint>``; raises AdminCallError on a non-2xx reply."""
        return process.admin_call(self.endpoint_url, method, endpoint, payload, self.ca_bundle)

    def health(self) -> dict[str, Any]:
        return dict(self.admin("GET", "health"))

    def set_clock_offset(self, seconds: float) -> None:
        """Shift the server's clock by ``seconds`` from real time (0 restores real time)."""
        self.admin("POST", "clock", {"offsetSeconds": seconds})

    def reset_limits(self) -> None:
        """Refill every rate-limit bucket and zero the throttled count."""
        self.admin("POST", "limits/reset")

    def set_function_status(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
        state_reason_code: str | None = None,
        last_update_status: str | None = None,
        last_update_status_reason: str | None = None,
        last_update_status_reason_code: str | None = None,
    ) -> dict[str, Any]:
        """Set a function version's State and/or LastUpdateStatus (default: ``$LATEST``).

        Giving ``state`` replaces StateReason/StateReasonCode with the ones given (omitted ones
        are cleared); likewise for ``last_update_status``. While LastUpdateStatus is
        ``InProgress``, UpdateFunctionCode/UpdateFunctionConfiguration/PublishVersion get 409
        ResourceConflictException; set it to ``Successful`` to release. Returns the version's
        configuration as GetFunctionConfiguration shows it.
        """
        payload = {
            "functionName": function_name,
            "qualifier": qualifier,
            "state": state,
            "stateReason": state_reason,
            "stateReasonCode": state_reason_code,
            "lastUpdateStatus": last_update_status,
            "lastUpdateStatusReason": last_update_status_reason,
            "lastUpdateStatusReasonCode": last_update_status_reason_code,
        }
        return dict(
            self.admin(
                "POST",
                "lambda/function-status",
                {key: value for key, value in payload.items() if value is not None},
            )
        )

    def seed(
        self, functions: int, *, layers: int = 2, prefix: str = "seed-", policy: str = "Enforce"
    ) -> dict[str, Any]:
        """Create ``functions`` signed functions in-process (see :mod:`localaws.seed`)."""
        return dict(
            self.admin(
                "POST",
                "seed",
                {"functions": functions, "layers": layers, "prefix": prefix, "policy": policy},
            )
        )


@contextmanager
def running_local_aws(
    *, tls: bool = True, rate_limits: bool = False, latency_ms: int = 0, iam: bool = False
) -> Iterator[LocalAws]:
    """Start ``python -m localaws`` on a free port; yield where it is; stop it. ``iam``
    enforces IAM for every caller but the admin keys (see :mod:`localaws.iam`).

    The server's log is kept in a temporary file and quoted when start-up fails.
    """
    limits = LimitSettings(rate_limits=rate_limits, latency_ms=latency_ms)
    with tempfile.TemporaryDirectory(prefix="localaws-") as scratch:
        log_file = Path(scratch) / "server.log"
        tls_dir = Path(scratch) / "tls" if tls else None
        ca_file = ensure_tls_files(tls_dir).ca_cert if tls_dir is not None else None
        child, endpoint_url = _start_on_a_free_port(limits, log_file, tls_dir, ca_file, iam)
        try:
            yield LocalAws(endpoint_url=endpoint_url, ca_bundle=ca_file)
        except BaseException:
            # The server's side of a failure is in its log, which goes away with `scratch`.
            tail = log_file.read_text(errors="replace").splitlines()[-40:]
            print("local AWS log (last 40 lines):", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            process.stop_process(child.pid)
            child.wait(timeout=10)


def _start_on_a_free_port(
    limits: LimitSettings,
    log_file: Path,
    tls_dir: Path | None,
    ca_file: Path | None,
    iam: bool = False,
) -> tuple[subprocess.Popen[bytes], str]:
    """Spawn on a free port and wait until ready; a port taken between the probe and the
    server's bind (another test process, e.g. a pytest-xdist worker) is retried on a new port."""
    for attempt in range(START_ATTEMPTS):
        port = process.free_port(HOST)
        endpoint_url = f"{'https' if tls_dir is not None else 'http'}://{HOST}:{port}"
        child = process.spawn(HOST, port, limits, log_file, tls_dir, iam=iam)
        try:
            process.wait_until_ready(
                child, endpoint_url, log_file, process.READY_TIMEOUT_SECONDS, ca_file
            )
        except process.StartError as error:
            process.stop_process(child.pid)
            child.wait(timeout=10)
            if "already in use" in str(error) and attempt + 1 < START_ATTEMPTS:
                continue
            tail = log_file.read_text(errors="replace").splitlines()[-40:]
            print("local AWS log (last 40 lines):", *tail, sep="\n", file=sys.stderr)
            raise
        return child, endpoint_url
    raise AssertionError("unreachable")


@contextmanager
def running_server(*, rate_limits: bool = False, latency_ms: int = 0) -> Iterator[str]:
    """A plain-HTTP server for tests of the AWS APIs themselves; yields its endpoint URL."""
    with running_local_aws(tls=False, rate_limits=rate_limits, latency_ms=latency_ms) as local:
        yield local.endpoint_url
