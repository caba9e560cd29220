"""`make demo`'s script end to end: local AWS, real `cdktf deploy`, the unsigned package
rejected, the verifier's report on stdout, the local AWS stopped, the verifier's exit code.

The script runs in a copy of the checkout (it writes build/, .local-aws/ and Terraform state),
never in the real one.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from localaws import process
from tests.conftest import REPO_ROOT, checkout_copy, tool_env

pytestmark = pytest.mark.e2e


# What the demo writes, relative to the checkout it runs in.
DEMO_WRITES = (
    ".local-aws/demo",
    "build/demo-outputs.json",
    "build/demo.lock.json",
    "build/demo-deploy.log",
    "build/demo.out",
    "terraform.signed-lambda-demo.tfstate",
)


#: What a run of the demo, or a plain `make deploy`, may print off a terminal.
LINE_LIMIT = 200
DEPLOY_STEP = "cdktf deploy (package, upload, sign, code signing config, deploy), then the lock"
REJECT_STEP = "an unsigned package is rejected by the Enforce code signing config"


def footprint(root: Path) -> dict[str, float | None]:
    """The demo's files in ``root`` and when they last changed (None: absent)."""
    return {
        name: (root / name).stat().st_mtime if (root / name).exists() else None
        for name in DEMO_WRITES
    }


def test_demo(tmp_path: Path) -> None:
    checkout = checkout_copy(tmp_path / "checkout")
    real_checkout_before = footprint(REPO_ROOT)
    port = process.free_port()
    result = subprocess.run(
        ["bash", "scripts/demo.sh"],
        cwd=checkout,
        env=tool_env({"LOCAL_AWS_PORT": str(port), "CI": "true"}),
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    # Honours LOCAL_AWS_PORT; a non-terminal gets progress lines, the full log goes to a file:
    # the demo as a whole, and the plain `make deploy` it runs (its step 2).
    lines = result.stderr.splitlines()
    assert len(lines) < LINE_LIMIT, result.stderr[-4000:]
    deploy = lines[
        lines.index("==> 2/5 " + DEPLOY_STEP) + 1 : lines.index("==> 3/5 " + REJECT_STEP)
    ]
    assert len(deploy) < LINE_LIMIT and "Apply complete! Resources: " in "\n".join(deploy), deploy
    assert "\x1b[" not in result.stderr, "no ANSI codes (spinners, colours) off a terminal"
    assert "NODE_OPTIONS" not in result.stderr and "DeprecationWarning" not in result.stderr
    assert "build/demo-deploy.log" in result.stderr
    full_log = (checkout / "build" / "demo-deploy.log").read_text()
    assert "Apply complete!" in full_log and len(full_log.splitlines()) > len(deploy)
    assert "rejected, as it must be" in result.stderr
    assert "CodeVerificationFailedException" in result.stderr
    # stdout is the verifier's report only.
    assert result.stdout.rstrip().endswith("result: pass"), result.stdout[-2000:]
    assert "function.code_sha256" in result.stdout
    # The function with a hash-pinned dependency, rebuilt from source and listed with it.
    # (the demo shows every check: --verbose)
    table = result.stdout[result.stdout.index("PASS   table  (") :]
    assert "  PASS   source.provenance  [functions/table (function table)]" in table
    package_line = "PKG    function table  functions/table  python python3.12 x86_64  dependencies:"
    assert f"{package_line} tabulate 0.10.0 (sha256:f0b0622e5673" in result.stdout

    # The demo's local AWS served HTTPS on that port with the CA it wrote into the copy ...
    endpoint = f"https://127.0.0.1:{port}"
    assert f"local AWS at {endpoint}" in result.stderr
    ca_file = checkout / ".local-aws" / "demo" / "ca.pem"
    assert ca_file.is_file()
    # ... and is gone: with the right CA a running server would answer the health check, and
    # a connection to its port would be accepted.
    assert "local AWS stopped" in result.stderr
    assert process.health(endpoint, ca_file=ca_file) is None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    pid_line = re.search(r"local AWS started \(pid (\d+)\)", result.stderr)
    assert pid_line is not None, result.stderr[-2000:]
    assert not Path(f"/proc/{pid_line.group(1)}").exists(), "the server process still runs"

    # Everything it wrote stayed in the copy.
    assert footprint(checkout)["build/demo-outputs.json"] is not None
    assert footprint(REPO_ROOT) == real_checkout_before
