"""`make demo`'s script end to end: local AWS, real `cdktf deploy`, the unsigned package
rejected, the verifier's report on stdout, the local AWS stopped, the verifier's exit code."""

from __future__ import annotations

import subprocess

import pytest

from localaws import process
from tests.conftest import REPO_ROOT, tool_env

pytestmark = pytest.mark.e2e


def test_demo() -> None:
    port = process.free_port()
    result = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=REPO_ROOT,
        env=tool_env({"DEMO_PORT": str(port), "CI": "true"}),
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "rejected, as it must be" in result.stderr
    assert "CodeVerificationFailedException" in result.stderr
    # stdout is the verifier's report only.
    assert result.stdout.rstrip().endswith("result: pass"), result.stdout[-2000:]
    assert "function.code_sha256" in result.stdout
    assert "local AWS stopped" in result.stderr
    assert process.health(f"https://127.0.0.1:{port}") is None
