"""Test helper: run the local AWS in a subprocess for the duration of a ``with`` block."""

from __future__ import annotations

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


@dataclass(frozen=True)
class LocalAws:
    endpoint_url: str
    #: The CA that signed the server's certificate (None for plain HTTP).
    ca_bundle: Path | None

    def client(self, service: str) -> Any:
        """A boto3 client for this server, with dummy credentials."""
        import boto3

        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint_url,
            verify=str(self.ca_bundle) if self.ca_bundle is not None else None,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def env(self) -> dict[str, str]:
        """What boto3, the Terraform provider and its S3 backend need to use this server."""
        env = {"AWS_ENDPOINT_URL": self.endpoint_url}
        if self.ca_bundle is not None:
            env["AWS_CA_BUNDLE"] = str(self.ca_bundle)
        return env


@contextmanager
def running_local_aws(
    *, tls: bool = True, rate_limits: bool = False, latency_ms: int = 0
) -> Iterator[LocalAws]:
    """Start ``python -m localaws`` on a free port; yield where it is; stop it.

    The server's log is kept in a temporary file and quoted when start-up fails.
    """
    limits = LimitSettings(rate_limits=rate_limits, latency_ms=latency_ms)
    with tempfile.TemporaryDirectory(prefix="localaws-") as scratch:
        log_file = Path(scratch) / "server.log"
        tls_dir = Path(scratch) / "tls" if tls else None
        ca_file = ensure_tls_files(tls_dir).ca_cert if tls_dir is not None else None
        port = process.free_port(HOST)
        endpoint_url = f"{'https' if tls else 'http'}://{HOST}:{port}"
        child = process.spawn(HOST, port, limits, log_file, tls_dir)
        try:
            process.wait_until_ready(
                child, endpoint_url, log_file, process.READY_TIMEOUT_SECONDS, ca_file
            )
            yield LocalAws(endpoint_url=endpoint_url, ca_bundle=ca_file)
        except BaseException:
            # The server's side of a failure is in its log, which goes away with `scratch`.
            tail = log_file.read_text(errors="replace").splitlines()[-40:]
            print("local AWS log (last 40 lines):", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            process.stop_process(child.pid)
            child.wait(timeout=10)


@contextmanager
def running_server(*, rate_limits: bool = False, latency_ms: int = 0) -> Iterator[str]:
    """A plain-HTTP server for tests of the AWS APIs themselves; yields its endpoint URL."""
    with running_local_aws(tls=False, rate_limits=rate_limits, latency_ms=latency_ms) as local:
        yield local.endpoint_url
