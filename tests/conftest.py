"""Shared fixtures: one synth per session, the Terraform toolchain, and the local AWS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localaws.testing import LocalAws, running_local_aws

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_NAME = "signed-lambda"
from verifier.drift import terraformrc  # noqa: E402

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def require_tool(name: str) -> str:
    """A missing tool fails the test run loudly; it is never a skip."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not on PATH; install it (see README, 'Requirements')")
    return path


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
    )
    rc = terraformrc.write_config(REPO_ROOT / "build" / "terraformrc")
    if rc is not None:
        env["TF_CLI_CONFIG_FILE"] = str(rc)
    # Never let a developer's real AWS profile leak into a test.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class Synth:
    outdir: Path
    stack_dir: Path
    config: dict[str, Any]


def run_synth(
    outdir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = tool_env({"CDKTF_OUTDIR": str(outdir), **(extra_env or {})})
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The default stack (two functions, Enforce), synthesized once per session."""
    require_tool("node")
    outdir = tmp_path_factory.mktemp("cdktf-out")
    result = run_synth(outdir, {"SIGNED_LAMBDA_CONFIG": ""})
    assert result.returncode == 0, result.stderr
    stack_dir = outdir / "stacks" / STACK_NAME
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    return Synth(outdir=outdir, stack_dir=stack_dir, config=config)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """A local AWS server (HTTPS, private CA) for the session."""
    with running_local_aws(tls=True) as local:
        yield local


def terraform_workdir(synth: Synth, destination: Path) -> Path:
    """A private copy of the synthesized stack with its state kept inside it."""
    shutil.copytree(synth.stack_dir, destination, ignore=shutil.ignore_patterns(".terraform*"))
    # Terraform merges *_override.tf.json files: keep the state beside this copy.
    (destination / "state_override.tf.json").write_text(
        json.dumps({"terraform": {"backend": {"local": {"path": "terraform.tfstate"}}}})
    )
    return destination


def terraform(
    workdir: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    require_tool("terraform")
    result = subprocess.run(
        ["terraform", f"-chdir={workdir}", *args],
        env=tool_env(env),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and result.returncode != 0:
        pytest.fail(f"terraform {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result
