"""Synth with real functions of every kind, in a copy of the checkout: a Python function with a
binary wheel for arm64, a Node function with a lock, a custom-runtime ``bootstrap``, prebuilt
Java, a layer with dependencies. Synth builds each from local indexes (a wheelhouse and ``npm
pack`` tarballs the test makes), records each build in the manifest, writes the SBOMs; a second
synth with neither pip nor npm available reuses the cache; a bad requirements file stops synth
in one line (exit 2)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, checkout_copy, tool_env
from tests.verifier.package import indexes

STACK = "signed-lambda"

CONFIG: dict[str, Any] = {
    "layers": [{"key": "shared"}, {"key": "deps", "compatible_runtimes": ["python3.12"]}],
    "functions": [
        {"key": "hello", "layers": ["shared"]},
        {"key": "api", "architectures": ["arm64"], "layers": ["deps"], "exclude": ["tests/"]},
        {"key": "web", "runtime": "nodejs22.x", "handler": "index.handler"},
        {
            "key": "go",
            "runtime": "provided.al2023",
            "handler": "bootstrap",
            "architectures": ["arm64"],
        },
        {"key": "java", "runtime": "java21", "handler": "example.Handler::handleRequest"},
    ],
}


def write(path: Path, text: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    path.chmod(mode)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = checkout_copy(tmp_path_factory.mktemp("packages") / "checkout")
    requirements = indexes.function_wheels(root / "wheels")
    fns = root / "functions"
    write(
        fns / "api" / "handler.py", "import fastlib, purelib\n\ndef handler(e, c):\n    return 1\n"
    )
    write(fns / "api" / "tests" / "test_handler.py", "")
    write(fns / "api" / ".env", "SECRET=1\n")
    write(fns / "api" / "requirements.txt", requirements)
    write(root / "layers" / "deps" / "requirements.txt", requirements.splitlines()[0] + "\n")
    write(fns / "go" / "bootstrap", b"\x7fELF a go binary", 0o755)
    write(fns / "java" / "lib" / "app.jar", b"PK a jar")
    write(fns / "java" / "example" / "Handler.class", b"\xca\xfe\xba\xbe")
    with pytest.MonkeyPatch.context() as patch:
        indexes.npm_env(patch, root / "npm-cache")
        indexes.npm_package(root / "vendor", "beta", "2.0.0", {"index.js": "module.exports = 2;\n"})
        write(fns / "web" / "index.js", "exports.handler = async () => require('beta');\n")
        dependencies = {"beta": "file:../../vendor/beta-2.0.0.tgz"}
        write(
            fns / "web" / "package.json", json.dumps({"name": "web", "dependencies": dependencies})
        )
        indexes.lock(fns / "web")
    write(root / "config.json", json.dumps(CONFIG))
    return root


def synth(project: Path, outdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    variables = tool_env(
        {
            "CDKTF_OUTDIR": str(outdir),
            "SIGNED_LAMBDA_CONFIG": str(project / "config.json"),
            # The copy's stacks, not this checkout's: they resolve source_dir against their root.
            "PYTHONPATH": str(project),
            "PATH": os.pathsep.join([str(REPO_ROOT / "node_modules" / ".bin"), os.environ["PATH"]]),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(project / "wheels"),
            "npm_config_cache": str(project / "npm-cache"),
            "npm_config_registry": "http://127.0.0.1:9/",
            **env,
        }
    )
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        variables.pop(name, None)
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=project,
        env=variables,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def cold(project: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    outdir = project / "out-cold"
    return outdir, synth(project, outdir)


def manifest_of(outdir: Path) -> dict[str, Any]:
    stack = json.loads((outdir / "stacks" / STACK / "cdk.tf.json").read_text())
    value: dict[str, Any] = stack["output"]["manifest"]["value"]
    return value


def entries(path: Path) -> dict[str, int]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: i.external_attr >> 16 for i in archive.infolist()}


def test_synth_builds_every_kind_and_records_each_build(
    project: Path, cold: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    outdir, result = cold
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = manifest_of(outdir)
    packages = project / "build" / "packages"
    functions = manifest["functions"]
    assert {key: fn["package"]["kind"] for key, fn in functions.items()} == {
        "hello": "python",
        "api": "python",
        "web": "node",
        "go": "custom",
        "java": "prebuilt",
    }
    api = functions["api"]["package"]
    assert api["architecture"] == "arm64" and "tests/" in api["exclude"]
    assert {(d["name"], d["version"]) for d in api["dependencies"]} == {
        ("purelib", "1.0"),
        ("fastlib", "2.0"),
    }
    found = entries(packages / "api.zip")
    assert "fastlib/_native.cpython-312-aarch64-linux-gnu.so" in found
    assert not [n for n in found if "x86_64" in n or n.startswith(("tests/", ".env"))]
    assert found["bin/purecli"] == 0o100755
    assert entries(packages / "go.zip") == {"bootstrap": 0o100755}
    assert "node_modules/beta/index.js" in entries(packages / "web.zip")
    assert [d["name"] for d in functions["web"]["package"]["dependencies"]] == ["beta"]
    assert set(entries(packages / "java.zip")) == {"lib/app.jar", "example/Handler.class"}
    layer = manifest["layers"]["deps"]["package"]
    assert layer["architecture"] == "arm64"  # the architecture of the function that uses it
    assert "python/purelib/__init__.py" in entries(packages / "layers" / "deps.zip")
    # Each SBOM sits beside its package, and the manifest records its hash.
    for key, fn in functions.items():
        sbom = packages / f"{key}.cdx.json"
        assert hashlib.sha256(sbom.read_bytes()).hexdigest() == fn["package"]["sbom_sha256"]
        assert (
            fn["package_sha256"]
            == hashlib.sha256((packages / f"{key}.zip").read_bytes()).hexdigest()
        )
    # The smoke check ran where this machine has the interpreter (Node 22) and says where not.
    notes = [
        line for line in result.stderr.splitlines() if line.startswith("synth: handler import")
    ]
    assert len(notes) == 1
    assert "api (no python3.12 for arm64 on this machine)" in notes[0] and "web" not in notes[0]


def test_an_unchanged_synth_runs_neither_pip_nor_npm(
    project: Path, cold: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    outdir, result = cold
    assert result.returncode == 0, result.stderr[-3000:]
    # pip that fails when imported, and a PATH without npm: a build that needed either fails.
    write(tmp_path / "no-pip" / "pip" / "__init__.py", "raise SystemExit('pip ran')\n")
    path = os.pathsep.join(
        [str(REPO_ROOT / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
    )
    warm = synth(
        project,
        project / "out-warm",
        PYTHONPATH=os.pathsep.join([str(project), str(tmp_path / "no-pip")]),
        PATH=path,
    )
    assert warm.returncode == 0, warm.stderr[-3000:]
    assert manifest_of(project / "out-warm") == manifest_of(outdir)
    # Not vacuous: with the same tools, a changed lock cannot build.
    requirements = project / "layers" / "deps" / "requirements.txt"
    original = requirements.read_text()
    requirements.write_text("# changed\n" + original)
    try:
        failed = synth(
            project,
            project / "out-failed",
            PYTHONPATH=os.pathsep.join([str(project), str(tmp_path / "no-pip")]),
            PATH=path,
        )
    finally:
        requirements.write_text(original)
    assert failed.returncode != 0


def test_a_requirement_without_a_hash_stops_synth_in_one_line(project: Path) -> None:
    config = {**CONFIG, "functions": [{"key": "bad"}], "layers": []}
    write(project / "bad.json", json.dumps(config))
    write(project / "functions" / "bad" / "handler.py", "")
    write(project / "functions" / "bad" / "requirements.txt", "purelib==1.0\n")
    result = synth(project, project / "out-bad", SIGNED_LAMBDA_CONFIG=str(project / "bad.json"))
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: config functions[bad].source_dir: functions/bad/requirements.txt line 1: "
        "purelib==1.0 has no --hash; pin every requirement with the hashes of its files "
        "(pip-compile --generate-hashes, or uv pip compile --generate-hashes)"
    ]
    assert "Traceback" not in result.stderr


def test_a_layer_no_function_uses_is_built_for_the_architecture_it_declares() -> None:
    """Its wheels are for arm64 when it declares only arm64, not for the default x86_64."""
    from stacks.config import config_from_mapping
    from stacks.packages import layer_build

    config = config_from_mapping(
        {
            "layers": [
                {"key": "deps", "source_dir": "functions/table"},
                {
                    "key": "arm",
                    "source_dir": "functions/table",
                    "compatible_architectures": ["arm64"],
                },
            ],
            "functions": [{"key": "audit"}],
        }
    )
    deps, arm = config.layers
    assert layer_build(config, deps).architecture == "x86_64"
    assert layer_build(config, arm).architecture == "arm64"
