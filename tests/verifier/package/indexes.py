"""Local package indexes the builder's tests install from: real wheels, real npm tarballs.

Nothing here reaches a registry. Wheels are written as the wheel spec defines them (a zip
with ``*.dist-info/{METADATA,WHEEL,RECORD}``), so a test controls every tag, and pip installs
them for real from a ``--find-links`` directory. npm tarballs are made by ``npm pack`` from
small package directories, and a function's ``package-lock.json`` by ``npm install
--package-lock-only`` against them, with ``file:`` dependencies.

``pip_env`` / ``npm_env`` isolate the tools from this machine's configuration (its
``pip.conf`` names other indexes and constraints) and point them at these indexes only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

#: The project's Node 22 first, as the builder runs npm.
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _tags(tag: str) -> list[str]:
    python, abi, platform = tag.split("-")
    return [
        f"{p}-{a}-{x}"
        for p in python.split(".")
        for a in abi.split(".")
        for x in platform.split(".")
    ]


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: str

    @property
    def sha256(self) -> str:
        return sha256_hex(self.path)

    def requirement(self, *others: Wheel) -> str:
        """``name==version --hash=...`` for this wheel and any other files of the release."""
        hashes = " ".join(f"--hash=sha256:{w.sha256}" for w in (self, *others))
        return f"{self.name}=={self.version} {hashes}"


def wheel(
    directory: Path,
    name: str,
    version: str,
    files: Mapping[str, str | bytes],
    *,
    tag: str = "py3-none-any",
    requires: Iterable[str] = (),
    console_scripts: Mapping[str, str] | None = None,
    data_scripts: Mapping[str, str] | None = None,
) -> Wheel:
    """A wheel ``name-version-tag.whl`` in ``directory`` holding ``files``."""
    directory.mkdir(parents=True, exist_ok=True)
    dist_info = f"{name}-{version}.dist-info"
    content: dict[str, bytes] = {
        path: data.encode() if isinstance(data, str) else data for path, data in files.items()
    }
    for script, body in (data_scripts or {}).items():
        content[f"{name}-{version}.data/scripts/{script}"] = body.encode()
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {item}\n" for item in requires)
    content[f"{dist_info}/METADATA"] = metadata.encode()
    purelib = "true" if tag.endswith("-any") else "false"
    wheel_file = f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: {purelib}\n"
    content[f"{dist_info}/WHEEL"] = (
        wheel_file + "".join(f"Tag: {t}\n" for t in _tags(tag))
    ).encode()
    if console_scripts:
        entry_points = "[console_scripts]\n" + "".join(
            f"{script} = {target}\n" for script, target in console_scripts.items()
        )
        content[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in content.items()]
    content[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    path = directory / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in content.items():
            info = zipfile.ZipInfo(member, (2024, 1, 2, 3, 4, 6))
            info.external_attr = (0o100755 if member.endswith(".so") else 0o100644) << 16
            archive.writestr(info, data)
    return Wheel(path=path, name=name, version=version)


def binary_wheels(
    directory: Path, name: str, version: str, python_tag: str = "cp312"
) -> dict[str, Wheel]:
    """One release with an x86_64 and an aarch64 wheel, each holding its own extension module
    (``_native.<python>-<machine>-linux-gnu.so``, whose bytes name the machine)."""
    found = {}
    for machine in ("x86_64", "aarch64"):
        extension = f"{name}/_native.cpython-{python_tag[2:]}-{machine}-linux-gnu.so"
        found[machine] = wheel(
            directory,
            name,
            version,
            {
                f"{name}/__init__.py": "from ._native import *\n",
                extension: b"\x7fELF " + machine.encode(),
            },
            tag=f"{python_tag}-{python_tag}-manylinux_2_17_{machine}.manylinux2014_{machine}",
        )
    return found


def function_wheels(directory: Path) -> str:
    """A pure wheel with a console script and a binary release for both architectures; returns
    the requirements file that pins them (what a pip-compiled function has)."""
    purelib = wheel(
        directory,
        "purelib",
        "1.0",
        {"purelib/__init__.py": "def main():\n    return 0\n"},
        console_scripts={"purecli": "purelib:main"},
    )
    fast = binary_wheels(directory, "fastlib", "2.0")
    return f"{purelib.requirement()}\n{fast['x86_64'].requirement(fast['aarch64'])}\n"


def sdist(directory: Path, name: str, version: str) -> Path:
    """A source distribution (only its file name matters: the builder never builds one)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}.tar.gz"
    path.write_bytes(b"not built")
    return path


def pip_env(monkeypatch: pytest.MonkeyPatch, wheelhouse: Path, cache: Path | None = None) -> None:
    """pip sees only ``wheelhouse``: no pip.conf, no index, no other PIP_* setting."""
    for name in list(os.environ):
        if name.startswith("PIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    if cache is not None:
        monkeypatch.setenv("PIP_CACHE_DIR", str(cache))


# --- npm ---------------------------------------------------------------------------------


def tool_path() -> str:
    return os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", os.defpath)])


def npm_env(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    """npm with its own empty cache, no user .npmrc, and a registry nothing answers."""
    for name in list(os.environ):
        if name.lower().startswith("npm_config_"):
            monkeypatch.delenv(name)
    cache.parent.mkdir(parents=True, exist_ok=True)
    for scope in ("user", "global"):
        (cache.parent / f"empty-{scope}-npmrc").write_text("")
        monkeypatch.setenv(f"npm_config_{scope}config", str(cache.parent / f"empty-{scope}-npmrc"))
    monkeypatch.setenv("npm_config_cache", str(cache))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_update_notifier", "false")


def npm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    npm_path = shutil.which("npm", path=tool_path())
    if npm_path is None:
        pytest.fail("npm is not on PATH; install Node.js with npm (see README, 'Requirements')")
    result = subprocess.run(
        [npm_path, *args],
        cwd=cwd,
        env={**os.environ, "PATH": tool_path()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def npm_package(
    vendor: Path, name: str, version: str, files: Mapping[str, str], **fields: object
) -> Path:
    """``npm pack`` of a package made of ``files`` plus ``package.json`` ``fields``."""
    source = vendor.parent / "npm-sources" / f"{name.replace('/', '+')}-{version}"
    source.mkdir(parents=True)
    (source / "package.json").write_text(json.dumps({"name": name, "version": version, **fields}))
    for path, text in files.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(text)
    vendor.mkdir(parents=True, exist_ok=True)
    packed = npm("pack", "--pack-destination", str(vendor), "--silent", cwd=source)
    return vendor / packed.stdout.strip().splitlines()[-1]


def lock(function: Path) -> None:
    """The function's package-lock.json, from its package.json's ``file:`` dependencies."""
    npm(
        "install",
        "--package-lock-only",
        "--ignore-scripts",
        "--offline",
        "--no-audit",
        "--no-fund",
        cwd=function,
    )
