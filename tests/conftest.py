"""Shared fixtures: one synth per test run, the Terraform toolchain, and the local AWS.

The suite runs in parallel (pytest-xdist, ``make test``) and never writes into the checkout:
every scratch file lives under pytest's temporary directories.
"""

from __future__ import annotations

import fcntl
import functools
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

from localaws.testing import LocalAws, running_local_aws, running_server
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


#: Everything through which a developer's AWS identity or config could reach a test.
AWS_IDENTITY_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CA_BUNDLE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def isolate_from_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials, profile, config file or instance metadata: boto3 finds no identity."""
    for name in AWS_IDENTITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@functools.cache
def shared_loader(*args: Any, **kwargs: Any) -> Any:
    """One botocore loader per test process, so the service models are parsed once, not once
    per session; it stands in for ``botocore.session.create_loader`` (its arguments ignored)."""
    import botocore.loaders

    return botocore.loaders.create_loader()


def use_local_aws(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    endpoint: str,
    *,
    default_region: bool = False,
    max_attempts: int | None = None,
) -> None:
    """Point an in-process boto3 (the verifier under CliRunner) at the local AWS ``endpoint`` and
    nothing else: no developer profile, token or config file, dummy credentials, AWS_REGION, a
    private audit cache. ``default_region`` also sets AWS_DEFAULT_REGION (else it is unset, as in
    the README's local setup); ``max_attempts`` sets AWS_MAX_ATTEMPTS (else it is unset)."""
    isolate_from_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", LOCAL_CREDENTIALS["AWS_REGION"])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # Service models parsed once per test process, not once per in-process verifier run.
    monkeypatch.setattr("botocore.session.create_loader", shared_loader)
    if default_region:
        monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_CREDENTIALS["AWS_REGION"])
    else:
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    if max_attempts is not None:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", str(max_attempts))
    else:
        monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)


# -- one plain-HTTP local AWS per module ---------------------------------------------------------
#
# A module that builds its own resources with boto3 asks for ``endpoint`` (its server) and, to
# point the in-process verifier at it, ``local_env``. Options come from the module's
# ``local_aws`` marker: ``pytestmark = [pytest.mark.local_aws(max_attempts=2),
# pytest.mark.usefixtures("local_env")]``; ``rate_limits``/``latency_ms`` go to the server,
# ``default_region``/``max_attempts`` to use_local_aws.

SERVER_OPTIONS = ("rate_limits", "latency_ms")
ENVIRONMENT_OPTIONS = ("default_region", "max_attempts")


def _local_aws_options(
    node: pytest.Item | pytest.Collector, names: tuple[str, ...]
) -> dict[str, Any]:
    marker = node.get_closest_marker("local_aws")
    options = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - set(SERVER_OPTIONS) - set(ENVIRONMENT_OPTIONS)
    if unknown:
        pytest.fail(f"local_aws marker: unknown options {sorted(unknown)}")
    return {name: options[name] for name in names if name in options}


@pytest.fixture(scope="module")
def endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """A plain-HTTP local AWS for the module's tests (each builds its own resources on it)."""
    with running_server(**_local_aws_options(request.node, SERVER_OPTIONS)) as endpoint_url:
        yield endpoint_url


@pytest.fixture
def local_env(
    request: pytest.FixtureRequest, endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process verifier talks to the module's local AWS only, never a real profile."""
    use_local_aws(
        monkeypatch, tmp_path, endpoint, **_local_aws_options(request.node, ENVIRONMENT_OPTIONS)
    )


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


#: A non-default config (tests/stacks/test_synth.py asserts what it synthesizes): Warn, a remote
#: backend, three functions, two layers.
CUSTOM_CONFIG: dict[str, Any] = {
    "untrusted_artifact_policy": "Warn",
    "region": "eu-west-1",
    "backend": {"bucket": "team-tf-state", "key": "apps/signed.tfstate"},
    "layers": [
        {"key": "shared"},
        {
            "key": "tools",
            "source_dir": "layers/shared/",
            "compatible_runtimes": ["python3.12", "python3.13"],
            "description": "the same helpers, published twice",
        },
    ],
    "functions": [
        {"key": "hello", "layers": ["tools", "shared"]},
        {"key": "audit"},
        {
            "key": "hello-again",
            "source_dir": "functions/hello",
            "memory_mb": 256,
            "architectures": ["arm64"],
            "layers": ["shared"],
            "allow_earlier_versions": True,
            "environment": {"PYTHONPATH": "/opt/python/extra", "GREETING": "hi"},
        },
    ],
}

# main.py's main() for the custom config, then for the default one, in one process: loading the
# jsii bindings is most of a synth's time (about 20 s) and memory (1.7 GB), so the second synth
# costs a few seconds. jsii's Node process reads CDKTF_OUTDIR once, when it starts: the first
# output is moved aside before the second synth writes the same directory.
_SYNTH_BOTH = """
import os, shutil, sys
import main
outdir, custom_config, custom_outdir = sys.argv[1:]
os.environ["SIGNED_LAMBDA_CONFIG"] = custom_config
if main.main() != 0:
    sys.exit("the custom config's synth failed")
shutil.move(outdir, custom_outdir)
os.environ["SIGNED_LAMBDA_CONFIG"] = ""
sys.exit(main.main())
"""


def _shared_synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both synths, once per test run: the first worker that needs one runs them, the others
    wait and reuse them. Returns the directory holding ``cdktf-out`` and ``custom-out``."""
    require_tool("node")
    shared = run_root(tmp_path_factory) / "synth"
    outcome = shared / "outcome.json"
    with run_lock(shared / ".lock"):
        if not outcome.exists():
            started = time.monotonic()
            (shared / "custom.json").write_text(json.dumps(CUSTOM_CONFIG))
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _SYNTH_BOTH,
                    str(shared / "cdktf-out"),
                    str(shared / "custom.json"),
                    str(shared / "custom-out"),
                ],
                cwd=REPO_ROOT,
                env=tool_env({"CDKTF_OUTDIR": str(shared / "cdktf-out")}),
                capture_output=True,
                text=True,
                timeout=300,
            )
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
    return shared


def _loaded(outdir: Path) -> Synth:
    stack_dir = outdir / "stacks" / STACK_NAME
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    return Synth(outdir=outdir, stack_dir=stack_dir, config=config)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The default stack (two functions, Enforce), synthesized once per test run.
    Nothing writes into it afterwards (Terraform runs in copies: terraform_workdir)."""
    return _loaded(_shared_synth(tmp_path_factory) / "cdktf-out")


@pytest.fixture(scope="session")
def custom_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The stack of CUSTOM_CONFIG, synthesized with the default one."""
    return _loaded(_shared_synth(tmp_path_factory) / "custom-out")


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
# - Irreversible changes (a cancel, revocations) run in order on one apply of their own
#   (tests/e2e/test_attacks.py, test_7); a test that needs its own settings (rate limits)
#   applies on its own local AWS.
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
#: (worker, start, stop, when, node id) of every setup, call and teardown: build/test-timeline.tsv,
#: for tuning tests/scheduling.py's costs (which worker ran what, and what ran last).
_timeline: list[tuple[str, float, float, str, str]] = []
_measures: dict[str, object] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name.startswith("measure: "):  # record_property("measure: ...", value)
            _measures[name.removeprefix("measure: ")] = value
    phase = str(dict(report.user_properties).get("phase", "unit"))
    start, stop = getattr(report, "start", None), getattr(report, "stop", None)
    if isinstance(start, float) and isinstance(stop, float):
        _durations.setdefault(phase, []).append((start, stop))
        worker = getattr(getattr(report, "node", None), "gateway", None)
        _timeline.append((getattr(worker, "id", "main"), start, stop, report.when, report.nodeid))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _measures:
        terminalreporter.section("measurements")
        for name, value in sorted(_measures.items()):
            terminalreporter.write_line(f"{name}: {value}")
    if not _durations:
        return
    first = min(start for _, start, _, _, _ in _timeline)
    (REPO_ROOT / "build").mkdir(exist_ok=True)
    (REPO_ROOT / "build" / "test-timeline.tsv").write_text(
        "".join(
            f"{worker}\t{start - first:.2f}\t{stop - first:.2f}\t{when}\t{nodeid}\n"
            for worker, start, stop, when, nodeid in sorted(_timeline, key=lambda row: row[1])
        )
    )
    terminalreporter.section("time by phase")
    for phase, spans in sorted(_durations.items()):
        busy = sum(stop - start for start, stop in spans)
        wall = max(stop for _, stop in spans) - min(start for start, _ in spans)
        terminalreporter.write_line(
            f"{phase:>5}: {wall:6.1f} s wall (first start to last end), "
            f"{busy:6.1f} s of test time (setup, call and teardown, summed over workers)"
        )
