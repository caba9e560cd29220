"""Shared fixtures: one synth per test run, the Terraform toolchain, and the local AWS.

The suite runs in parallel (pytest-xdist, ``make test``) and never writes into the checkout:
every scratch file lives under pytest's temporary directories.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localaws.testing import LocalAws, running_local_aws
from tests import scheduling
from verifier.drift import terraformrc

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_NAME = "signed-lambda"
# The scripts (bench, conformance) are tested by importing them.
sys.path.insert(0, str(REPO_ROOT / "scripts"))

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}

# stacks/ and localaws/ are checkout-only code (not in the wheel): subprocesses such as
# `python -m localaws` find them through PYTHONPATH, whatever their working directory.
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
)

# The Terraform CLI config (when a provider mirror exists): written once per test process into
# a scratch directory of its own, never into the checkout's build/.
_scratch: Path | None = None


def scratch_dir() -> Path:
    """A directory private to this test process, removed when the session ends."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="signed-lambda-tests-"))
    return _scratch


def pytest_unconfigure(config: pytest.Config) -> None:
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)


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
    rc = terraformrc.write_config(scratch_dir() / "terraformrc")
    if rc is not None:
        env["TF_CLI_CONFIG_FILE"] = str(rc)
    # Never let a developer's real AWS profile leak into a test.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    env.update(extra or {})
    return env


# -- sharing work between xdist workers ---------------------------------------------------------


def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every worker of this run sees (the parent of the workers' base temps)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """An exclusive lock across the workers of this run (and the processes they start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- synth ------------------------------------------------------------------------------------


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
    """The default stack (two functions, Enforce), synthesized once per test run: the first
    worker that needs it synthesizes (about 20 s and 1.7 GB), the others wait and reuse it.
    Nothing writes into it afterwards (Terraform runs in copies: terraform_workdir)."""
    require_tool("node")
    shared = run_root(tmp_path_factory) / "synth"
    outdir = shared / "cdktf-out"
    outcome = shared / "outcome.json"
    with run_lock(shared / ".lock"):
        if not outcome.exists():
            started = time.monotonic()
            result = run_synth(outdir, {"SIGNED_LAMBDA_CONFIG": ""})
            outcome.write_text(
                json.dumps(
                    {
                        "returncode": result.returncode,
                        "stderr": result.stderr[-6000:],
                        "seconds": round(time.monotonic() - started, 1),
                    }
                )
            )
    recorded = json.loads(outcome.read_text())
    assert recorded["returncode"] == 0, recorded["stderr"]
    stack_dir = outdir / "stacks" / STACK_NAME
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    return Synth(outdir=outdir, stack_dir=stack_dir, config=config)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """A local AWS server (HTTPS, private CA) for the session (one per worker)."""
    with running_local_aws(tls=True) as local:
        yield local


def terraform_workdir(
    synth: Synth, destination: Path, backend: dict[str, Any] | None = None
) -> Path:
    """A private copy of the synthesized stack with its state kept inside it, or in the
    ``backend`` given (Terraform's ``{"s3": {...}}`` form)."""
    shutil.copytree(synth.stack_dir, destination, ignore=shutil.ignore_patterns(".terraform*"))
    # Terraform merges *_override.tf.json files: keep the state beside this copy.
    (destination / "state_override.tf.json").write_text(
        json.dumps({"terraform": {"backend": backend or {"local": {"path": "terraform.tfstate"}}}})
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


# -- real applies (tests/e2e/deployment.py) ---------------------------------------------------
#
# Applies are the expensive part (a local AWS, `terraform init` and `apply`: 10 s and more each),
# so there are few of them:
#
# - ``deployment``: one apply per xdist worker, shared by every *reversible* scenario that runs
#   there (a worker runs one test at a time; tests/scheduling.py keeps them on one worker). After
#   each test the fixture puts back what the test changed out of band and asserts that the live
#   AWS matches the snapshot taken right after the apply, so no scenario leaks into the next.
# - ``own_deployment``: an apply of its own, for irreversible changes (revocations, cancels).
#
# Here rather than in tests/e2e/ because tests/stacks/test_toolchains.py plans on the shared
# apply too. (tests.e2e.deployment imports this module: it is imported where it is used.)


@pytest.fixture(scope="session")
def shared_deployment(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.e2e.deployment import Deployment

    with running_local_aws(tls=True) as local:
        yield Deployment.apply(synth, tmp_path_factory.mktemp("shared"), local)


@pytest.fixture
def deployment(shared_deployment: Any) -> Iterator[Any]:
    """The shared apply, restored after the test (the restore is asserted)."""
    baseline = shared_deployment.baseline
    yield shared_deployment
    shared_deployment.restore()
    assert shared_deployment.live_state() == baseline, "the restore left the deployment changed"


@pytest.fixture
def own_deployment(synth: Synth, tmp_path: Path) -> Iterator[Any]:
    """The default stack applied to a local AWS of its own, for changes that cannot be undone."""
    from tests.e2e.deployment import Deployment

    with running_local_aws(tls=True) as local:
        yield Deployment.apply(synth, tmp_path, local)


# -- a copy of the checkout -------------------------------------------------------------------


def checkout_copy(destination: Path, *, share_environments: bool = True) -> Path:
    """A copy of this tree as a fresh clone would have it (tracked and new, unignored files),
    so a test can run `make` or a script in it without writing into the real checkout.

    With ``share_environments``, the installed .venv, .venv-tools and node_modules are linked,
    and the install stamps kept newer than the dependency files, so `make` does not reinstall.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    if share_environments:
        for shared in (".venv", ".venv-tools", "node_modules"):
            (destination / shared).symlink_to(REPO_ROOT / shared)
        for name in (
            "pyproject.toml",
            "package.json",
            "package-lock.json",
            "requirements-tools.txt",
        ):
            os.utime(destination / name, (946684800, 946684800))
    return destination


# -- scheduling and phase times ---------------------------------------------------------------


@pytest.hookimpl(trylast=True)  # after -m/-k deselect: only the items that will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the items so the xdist workers finish together (tests/scheduling.py)."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    items[:] = scheduling.order(items, workers)
    for item in items:
        # Reports carry user_properties from the workers: the phase table below reads it.
        item.user_properties.append(("phase", "e2e" if item.get_closest_marker("e2e") else "unit"))


_durations: dict[str, list[tuple[float, float]]] = {}
_measures: dict[str, object] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name.startswith("measure: "):  # record_property("measure: ...", value)
            _measures[name.removeprefix("measure: ")] = value
    phase = str(dict(report.user_properties).get("phase", "unit"))
    start, stop = getattr(report, "start", None), getattr(report, "stop", None)
    if isinstance(start, float) and isinstance(stop, float):
        _durations.setdefault(phase, []).append((start, stop))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _measures:
        terminalreporter.section("measurements")
        for name, value in sorted(_measures.items()):
            terminalreporter.write_line(f"{name}: {value}")
    if not _durations:
        return
    terminalreporter.section("time by phase")
    for phase, spans in sorted(_durations.items()):
        busy = sum(stop - start for start, stop in spans)
        wall = max(stop for _, stop in spans) - min(start for start, _ in spans)
        terminalreporter.write_line(
            f"{phase:>5}: {wall:6.1f} s wall (first start to last end), "
            f"{busy:6.1f} s of test time (setup, call and teardown, summed over workers)"
        )
