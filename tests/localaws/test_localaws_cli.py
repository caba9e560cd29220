"""``python -m localaws``: foreground serve, background start/stop, settings, port errors."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localaws import process
from localaws.__main__ import _parser, _settings


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "localaws", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def exported(stdout: str) -> dict[str, str]:
    pairs = (line.removeprefix("export ").split("=", 1) for line in stdout.splitlines())
    return {name: value for name, value in pairs}


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_start_reports_already_running_and_stop_stops(tmp_path: Path) -> None:
    port = process.free_port()
    files = ["--pid-file", str(tmp_path / "server.pid"), "--log-file", str(tmp_path / "server.log")]
    env = {"LOCAL_AWS_PORT": str(port), "LOCAL_AWS_RATE_LIMITS": "1", "LOCAL_AWS_LATENCY_MS": "5"}
    endpoint = f"https://127.0.0.1:{port}"
    ca_file = tmp_path / "ca.pem"  # the CA lives beside the pid file by default
    started = time.monotonic()
    first = run_cli("start", *files, env=env)
    startup_seconds = time.monotonic() - started
    try:
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [
            f"export AWS_ENDPOINT_URL={endpoint}",
            f"export AWS_CA_BUNDLE={ca_file}",
            "export AWS_ACCESS_KEY_ID=testing",
            "export AWS_SECRET_ACCESS_KEY=testing",
            "export AWS_REGION=us-east-1",
            "export AWS_DEFAULT_REGION=us-east-1",
        ]
        print(f"\nlocal AWS start-up (start command until ready): {startup_seconds:.2f}s")
        assert process.health(endpoint, ca_file=ca_file) == {
            "status": "ok",
            "rateLimits": True,
            "latencyMs": 5,
            "clockOffsetSeconds": 0.0,
            "throttledRequests": 0,
        }

        # What `start` printed is all boto3 needs (a TLS endpoint, credentials, region).
        home = tmp_path / "home"
        home.mkdir()
        assert boto3_with_only(exported(first.stdout), home) == ["us-east-1", "0"]

        second = run_cli("start", *files, env=env)
        assert second.returncode == 0
        assert "already running" in second.stderr
        assert second.stdout == first.stdout
    finally:
        stopped = run_cli("stop", *files)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped" in stopped.stderr
    assert process.health(endpoint, ca_file=ca_file) is None
    assert not (tmp_path / "server.pid").exists()

    again = run_cli("stop", *files)
    assert (again.returncode, again.stderr.strip()) == (0, "local AWS is not running")


def boto3_with_only(client_env: dict[str, str], home: Path) -> list[str]:
    """Region and bucket count seen by a boto3 process given only ``client_env`` (no other
    AWS_* variable, an empty HOME so no ~/.aws config)."""
    script = (
        "import boto3; s3 = boto3.client('s3'); "
        "print(s3.meta.region_name, len(s3.list_buckets()['Buckets']))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "HOME": str(home), **client_env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def leave_time_wait(port: int) -> None:
    """A request whose connection the server closes first: the server's end of it (on ``port``)
    stays in TIME_WAIT after the server stops."""
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET /_localaws/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := client.recv(65536):  # until EOF: the server has closed its end
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply[:100]


def test_restart_right_after_stop_binds_the_same_port(tmp_path: Path) -> None:
    port = process.free_port()
    files = ["--pid-file", str(tmp_path / "server.pid"), "--log-file", str(tmp_path / "log")]
    for attempt in ("first", "restart"):
        started = run_cli("start", "--port", str(port), "--no-tls", *files)
        try:
            assert started.returncode == 0, f"{attempt}: {started.stderr}"
            leave_time_wait(port)
        finally:
            stopped = run_cli("stop", *files)
        assert stopped.returncode == 0, stopped.stderr


def test_port_probe_ignores_time_wait_like_the_server() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server side closes first: its end goes to TIME_WAIT
            client.recv(1)
    # The precondition that made `start` fail: a bind without SO_REUSEADDR is refused.
    with socket.socket() as plain, pytest.raises(OSError) as refused:
        plain.bind(("127.0.0.1", port))
    assert refused.value.errno == errno.EADDRINUSE
    assert process.port_is_free("127.0.0.1", port)


@pytest.mark.parametrize("command", ["serve", "start"])
def test_taken_port_gives_one_line_error(occupied_port: int, tmp_path: Path, command: str) -> None:
    extra = ["--pid-file", str(tmp_path / "p"), "--log-file", str(tmp_path / "l")]
    if command == "serve":
        extra = ["--tls-dir", str(tmp_path / "tls")]
    result = run_cli(command, "--port", str(occupied_port), *extra)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "already in use" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_serve_is_the_default_command_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = process.free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "localaws", "--port", str(port), "--no-tls"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while process.health(endpoint) is None:
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert server.returncode == 0
    assert f"listening on {endpoint}" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], {}, (4566, False, 0)),
        (
            [],
            {"LOCAL_AWS_PORT": "4600", "LOCAL_AWS_RATE_LIMITS": "1", "LOCAL_AWS_LATENCY_MS": "9"},
            (4600, True, 9),
        ),
        (["--port", "5000", "start"], {"LOCAL_AWS_PORT": "4600"}, (5000, False, 0)),
        (["start", "--port", "5001", "--rate-limits", "--latency-ms", "3"], {}, (5001, True, 3)),
    ],
)
def test_settings_come_from_flags_then_environment(
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    expected: tuple[int, bool, int],
) -> None:
    for name in ("LOCAL_AWS_PORT", "LOCAL_AWS_RATE_LIMITS", "LOCAL_AWS_LATENCY_MS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    host, port, limits = _settings(_parser().parse_args(argv))
    assert (host, port, limits.rate_limits, limits.latency_ms) == ("127.0.0.1", *expected)


def test_test_servers_retry_a_port_taken_after_the_probe(
    occupied_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localaws import testing

    real_free_port = process.free_port
    offered = iter([occupied_port])  # first the port another process holds, then free ones
    monkeypatch.setattr(
        testing.process, "free_port", lambda host: next(offered, None) or real_free_port(host)
    )
    with testing.running_local_aws(tls=False) as local:
        assert not local.endpoint_url.endswith(f":{occupied_port}")
        assert local.health()["status"] == "ok"
