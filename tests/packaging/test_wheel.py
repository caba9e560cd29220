"""The wheel is the verifier alone: built offline, installed with no extras into a clean venv,
it has none of the stack's or the local AWS's dependencies, and its console scripts verify a
real signed deployment on the local AWS.

The venv is built once per session (about half a minute: pip resolves the four runtime
dependencies from the configured index or its cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localaws.world import Clients, World, make_zip
from tests.conftest import REPO_ROOT, checkout_copy
from tests.localaws.localaws_support import REGION
from tests.verifier.deployed import deploy
from tests.verifier.package import indexes

pytestmark = pytest.mark.e2e

#: The runtime requirements of a plain install (exact pins, see pyproject.toml).
RUNTIME = {"boto3", "botocore", "typer", "rich"}
#: What only the extras may bring.
EXTRAS_ONLY = ["cdktf", "jsii", "moto", "constructs", "cdktf_cdktf_provider_aws", "cryptography"]
#: Checkout-only code, never in the wheel.
CHECKOUT_ONLY = ["stacks", "localaws", "drift"]


@dataclass(frozen=True)
class PlainInstall:
    wheel: Path
    venv: Path
    #: The directory commands run in: outside the checkout, so nothing is imported from it.
    scratch: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """A clean environment: no PYTHONPATH, no developer AWS config."""
        empty = self.scratch / "empty-aws-config"
        empty.touch()
        env = {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.scratch),
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        }
        env.update(extra or {})
        return env

    def run(
        self, *command: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(command),
            cwd=self.scratch,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stderr[-4000:]}"
    return result


def directory_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total


@pytest.fixture(scope="session")
def plain_install(tmp_path_factory: pytest.TempPathFactory) -> PlainInstall:
    root = tmp_path_factory.mktemp("packaging")
    # 1. Build from a copy (setuptools writes build/ and *.egg-info beside the sources), offline:
    #    no index, no build isolation (the dev environment's setuptools builds it).
    source = checkout_copy(root / "source", share_environments=False)
    dist = root / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(dist),
        ],
        cwd=root,
    )
    (wheel,) = dist.glob("signed_lambda-*.whl")
    # 2. A clean venv (no pip of its own: the outer pip installs into it) with the plain wheel.
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root)
    pip_env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")
    }
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            # No byte-compiling: less CPU on a shared machine; the size measured is the source.
            "--no-compile",
            str(wheel),
        ],
        cwd=root,
        env=pip_env,
    )
    scratch = root / "scratch"
    scratch.mkdir()
    return PlainInstall(wheel=wheel, venv=venv, scratch=scratch)


def test_wheel_ships_only_the_verifier(plain_install: PlainInstall) -> None:
    with zipfile.ZipFile(plain_install.wheel) as wheel:
        names = wheel.namelist()
        top_level = {name.split("/", 1)[0] for name in names}
        metadata_dir = next(n for n in top_level if n.endswith(".dist-info"))
        entry_points = wheel.read(f"{metadata_dir}/entry_points.txt").decode()
    assert top_level == {"verifier", metadata_dir}
    assert "verifier/report/sarif.py" in names  # subpackages are in
    assert "signed-lambda = verifier.cli:main" in entry_points
    assert "signed-lambda-verify = verifier.cli:main" in entry_points


def test_plain_install_has_no_extras(plain_install: PlainInstall, record_property: Any) -> None:
    probe = (
        "import importlib.metadata as m, importlib.util as u, json, sys\n"
        "names = sys.argv[1:]\n"
        "print(json.dumps({\n"
        "  'importable': {n: u.find_spec(n) is not None for n in names},\n"
        "  'requires': m.requires('signed-lambda'),\n"
        "  'distributions': sorted(d.metadata['Name'].lower() for d in m.distributions()),\n"
        "}))\n"
    )
    result = plain_install.run(
        str(plain_install.venv / "bin" / "python"),
        "-c",
        probe,
        *EXTRAS_ONLY,
        *CHECKOUT_ONLY,
        "verifier",
        *RUNTIME,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    importable = found["importable"]
    assert [n for n in EXTRAS_ONLY + CHECKOUT_ONLY if importable[n]] == []
    assert all(importable[n] for n in ["verifier", *RUNTIME]), importable
    # Unconditional requirements are exactly the four; the rest sit behind extras.
    unconditional = {r.split("==")[0] for r in found["requires"] if "extra ==" not in r}
    assert unconditional == RUNTIME
    for forbidden in ("moto", "cdktf", "jsii", "constructs", "cdktf-cdktf-provider-aws"):
        assert forbidden not in found["distributions"]

    plain_mb = directory_size(plain_install.venv) / 2**20
    full_mb = directory_size(REPO_ROOT / ".venv") / 2**20
    record_property("measure: plain install venv (MiB)", round(plain_mb, 1))
    record_property("measure: full .venv (MiB)", round(full_mb, 1))
    record_property("measure: plain install distributions", len(found["distributions"]))
    assert plain_mb < full_mb / 10, (plain_mb, full_mb)


def test_verify_from_the_plain_install(plain_install: PlainInstall, endpoint: str) -> None:
    # The stack's recipe with boto3: versioned bucket, signing job, Enforce CSC, function.
    world = World.create(Clients.for_endpoint(endpoint))
    profile = world.profile({"value": 365, "type": "DAYS"})
    signed = world.sign(profile, make_zip())
    csc_arn = world.csc("Enforce", [profile.version_arn])
    function = world.function(signed, csc_arn)
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    flags = [
        "verify",
        "--function",
        function.name,
        "--job-id",
        signed.job_id,
        "--csc-arn",
        csc_arn,
        "--trusted-profile-version-arn",
        profile.version_arn,
        "--format",
        "json",
    ]
    for script in ("signed-lambda-verify", "signed-lambda"):
        result = plain_install.run(str(plain_install.venv / "bin" / script), *flags, env=aws)
        assert result.returncode == 0, (script, result.stderr[-3000:], result.stdout[-3000:])
        assert "Traceback" not in result.stderr
        report = json.loads(result.stdout)
        assert report["result"] == "pass", report
        assert {check["status"] for check in report["checks"]} == {"pass"}

    # And a failure is a failure from the plain install too (exit 1, the right check).
    world.clients.signer.revoke_signature(jobId=signed.job_id, reason="packaging test")
    result = plain_install.run(
        str(plain_install.venv / "bin" / "signed-lambda-verify"), *flags, env=aws
    )
    assert result.returncode == 1, result.stderr[-3000:]
    failed = {c["id"] for c in json.loads(result.stdout)["checks"] if c["status"] == "fail"}
    assert failed == {"job.not_revoked"}


def test_source_provenance_from_the_plain_install(
    plain_install: PlainInstall, endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain install rebuilds packages (verifier.package, no cdktf): the layer without
    dependencies is proven; the function with a requirements.txt needs pip, which this venv
    does not have: an ERROR (exit 3) naming it, never a "changed"."""
    wheel = indexes.wheel(tmp_path / "wheels", "purelib", "1.0", {"purelib/__init__.py": ""})
    indexes.pip_env(monkeypatch, tmp_path / "wheels")
    world = World.create(Clients.for_endpoint(endpoint))
    deployed = deploy(world, tmp_path, function_files={"requirements.txt": wheel.requirement()})
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
    }
    result = plain_install.run(
        str(plain_install.venv / "bin" / "signed-lambda"),
        "verify",
        "--outputs",
        str(deployed.outputs_file),
        "--lock",
        str(deployed.lock_file),
        "--source",
        str(deployed.checkout),
        "--format",
        "json",
        env=aws,
    )
    assert result.returncode == 3, result.stderr[-3000:]
    report = json.loads(result.stdout)
    provenance = {c["resource"]: c for c in report["checks"] if c["id"] == "source.provenance"}
    assert provenance["layers/shared (layer shared)"]["status"] == "pass"
    (function,) = [c for r, c in provenance.items() if r.startswith("arn:")]
    assert function["status"] == "error"
    assert "rebuild: pip is not installed in " in function["actual"]
    assert {c["status"] for c in report["checks"] if c["id"] != "source.provenance"} == {"pass"}


def test_help_from_the_plain_install(plain_install: PlainInstall) -> None:
    result = plain_install.run(str(plain_install.venv / "bin" / "signed-lambda"), "--help")
    assert result.returncode == 0, result.stderr
    assert "verify" in result.stdout
