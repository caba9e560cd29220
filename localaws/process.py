"""Start and stop the local AWS as a background process, and wait for it to be ready."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from localaws.limits import LimitSettings

READY_TIMEOUT_SECONDS = 30.0
#: Dummy credentials and the region every client of the local AWS uses.
CLIENT_ACCESS_KEY_ID = "testing"
CLIENT_SECRET_ACCESS_KEY = "testing"
CLIENT_REGION = "us-east-1"
#: Admin calls can run long (a seed of 10,000 functions).
ADMIN_TIMEOUT_SECONDS = 600.0


def client_env(endpoint_url: str, ca_file: Path | None) -> dict[str, str]:
    """Everything boto3, the AWS CLI and Terraform need to use the local AWS.

    boto3 reads the region from AWS_DEFAULT_REGION only; the AWS CLI v2 and Terraform also read
    AWS_REGION, so both are set.
    """
    env = {"AWS_ENDPOINT_URL": endpoint_url}
    if ca_file is not None:
        env["AWS_CA_BUNDLE"] = str(ca_file)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": CLIENT_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": CLIENT_SECRET_ACCESS_KEY,
            "AWS_REGION": CLIENT_REGION,
            "AWS_DEFAULT_REGION": CLIENT_REGION,
        }
    )
    return env


class AdminCallError(RuntimeError):
    """An admin endpoint answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


def admin_call(
    endpoint_url: str,
    method: str,
    endpoint: str,
    payload: dict[str, object] | None = None,
    ca_file: Path | None = None,
    timeout: float = ADMIN_TIMEOUT_SECONDS,
) -> object:
    """Call ``/_localaws/<endpoint>`` with an optional JSON body; the decoded JSON reply."""
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    request = urllib.request.Request(
        f"{endpoint_url}/_localaws/{endpoint}",
        data=json.dumps(payload or {}).encode() if method != "GET" else None,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as error:
        try:
            message = str(json.loads(error.read()).get("message"))
        except ValueError:
            message = error.reason
        raise AdminCallError(error.code, message) from None


class StartError(RuntimeError):
    """The server could not be started; the message is one line for the user."""


def health(
    endpoint_url: str, timeout: float = 1.0, ca_file: Path | None = None
) -> dict[str, object] | None:
    """The server's health document, or None when nothing local AWS answers there."""
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    url = f"{endpoint_url}/_localaws/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as reply:
            document = json.loads(reply.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return document if isinstance(document, dict) and document.get("status") == "ok" else None


def port_is_free(host: str, port: int) -> bool:
    """Whether the server could bind ``host:port`` now.

    The probe sets SO_REUSEADDR as the server's own socket does (werkzeug's server is an
    ``http.server.HTTPServer``, ``allow_reuse_address = True``): without it, connections of a
    just-stopped server still in TIME_WAIT make the port look taken although a restart would
    bind it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve_command(
    host: str, port: int, limits: LimitSettings, tls_dir: Path | None = None, *, iam: bool = False
) -> list[str]:
    command = [sys.executable, "-m", "localaws", "serve", "--host", host, "--port", str(port)]
    command += ["--tls-dir", str(tls_dir)] if tls_dir is not None else ["--no-tls"]
    if limits.rate_limits:
        command.append("--rate-limits")
    if limits.latency_ms:
        command += ["--latency-ms", str(limits.latency_ms)]
    if iam:
        command.append("--iam")
    return command


def spawn(
    host: str,
    port: int,
    limits: LimitSettings,
    log_file: Path,
    tls_dir: Path | None = None,
    *,
    iam: bool = False,
) -> subprocess.Popen[bytes]:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        return subprocess.Popen(
            serve_command(host, port, limits, tls_dir, iam=iam),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def wait_until_ready(
    process: subprocess.Popen[bytes],
    endpoint_url: str,
    log_file: Path,
    timeout: float,
    ca_file: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartError(f"local AWS exited during start-up: {_last_line(log_file)}")
        if health(endpoint_url, timeout=0.5, ca_file=ca_file) is not None:
            return
        time.sleep(0.05)
    raise StartError(f"local AWS did not become ready within {timeout:.0f}s (see {log_file})")


def _last_line(log_file: Path) -> str:
    try:
        lines = [line for line in log_file.read_text(errors="replace").splitlines() if line]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(no output)"


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def stop_process(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # Reap it if it is our child (otherwise it stays a zombie and looks alive).
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
