"""Python packages: real pip, from a local wheelhouse, for the function's runtime and
architecture; what pip writes that depends on the machine is normalized; every way a
requirements file can be wrong stops the build with one line."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import sys
import zipfile
from pathlib import Path

import pytest

from tests.verifier.package import indexes
from tests.verifier.package.indexes import Wheel
from verifier.package import (
    BuildSpec,
    FetchFailed,
    PackageError,
    Toolchain,
    ToolMissing,
    build_package,
)
from verifier.package.python import read_requirements, target_environment
from verifier.package.runtimes import runtime


class House:
    """The module's wheelhouse: every release the tests pin."""

    def __init__(self, root: Path) -> None:
        self.root = root
        w = root / "wheels"
        self.purelib = indexes.wheel(
            w,
            "purelib",
            "1.0",
            {"purelib/__init__.py": "def main():\n    return 0\n"},
            console_scripts={"purecli": "purelib:main"},
            data_scripts={"puretool": "#!python\nprint('tool')\n"},
        )
        self.fastlib = indexes.binary_wheels(w, "fastlib", "2.0")
        self.armonly = indexes.wheel(w, "armonly", "1.0", {"armonly.py": ""})
        self.onlyold = indexes.wheel(w, "onlyold", "1.0", {"onlyold.py": ""})
        self.needs = indexes.wheel(
            w, "needs", "1.0", {"needs.py": ""}, requires=["urllib9>=2", 'extra9; extra == "x"']
        )
        self.urllib9 = indexes.wheel(w, "urllib9", "2.1", {"urllib9.py": ""})
        both = indexes.binary_wheels(w / "arm-only", "armwheel", "1.0")
        both["x86_64"].path.unlink()
        self.armwheel = both["aarch64"]
        indexes.sdist(w, "sdonly", "3.0")
        self.wheels = w

    def requirements(self) -> str:
        fast = self.fastlib
        return (
            f"{self.purelib.requirement()}\n"
            f"{fast['x86_64'].requirement(fast['aarch64'])}\n"
            f'armonly==1.0 ; platform_machine == "aarch64" --hash=sha256:{self.armonly.sha256}\n'
            f'onlyold==1.0 ; python_version < "3.12" --hash=sha256:{self.onlyold.sha256}\n'
        )


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory) -> House:
    return House(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(autouse=True)
def only_the_wheelhouse(monkeypatch: pytest.MonkeyPatch, house: House, tmp_path: Path) -> None:
    indexes.pip_env(monkeypatch, house.wheels, cache=tmp_path / "pip-cache")


def function(tmp_path: Path, requirements: str, name: str = "fn") -> Path:
    source = tmp_path / "checkout" / "functions" / name
    source.mkdir(parents=True)
    (source / "handler.py").write_text("import purelib\n")
    (source / "requirements.txt").write_text(requirements)
    return source


def build(
    source: Path, tmp_path: Path, tools: Toolchain | None = None, **spec: object
) -> dict[str, bytes]:
    label = f"functions/{source.name}"
    spec_ = BuildSpec(source=source, label=label, **spec)  # type: ignore[arg-type]
    package = build_package(spec_, tmp_path / "p.zip", tools=tools)
    with zipfile.ZipFile(package.path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def one_line_error(error: type[Exception], source: Path, tmp_path: Path, **spec: object) -> str:
    with pytest.raises(error) as raised:
        build(source, tmp_path, **spec)
    message = str(raised.value)
    assert "\n" not in message, message
    return message


# --- the target, not the build machine ------------------------------------------------------


@pytest.mark.parametrize(("architecture", "machine"), [("x86_64", "x86_64"), ("arm64", "aarch64")])
def test_wheels_are_chosen_for_the_function_runtime_and_architecture(
    house: House, tmp_path: Path, architecture: str, machine: str
) -> None:
    files = build(function(tmp_path, house.requirements()), tmp_path, architecture=architecture)
    extensions = {name for name in files if name.endswith(".so")}
    assert extensions == {f"fastlib/_native.cpython-312-{machine}-linux-gnu.so"}
    assert files[extensions.pop()] == b"\x7fELF " + machine.encode()
    # Markers are decided for CPython 3.12 on the function's machine, not for this 3.11 pip.
    assert sys.version_info[:2] != (3, 12)
    assert ("armonly.py" in files) is (machine == "aarch64")
    assert "onlyold.py" not in files
    assert {"handler.py", "requirements.txt", "purelib/__init__.py"} <= set(files)


def test_what_pip_writes_is_the_same_on_every_machine(house: House, tmp_path: Path) -> None:
    files = build(function(tmp_path, house.requirements()), tmp_path)
    # The console script is a fixed shim, the wheel's own script keeps a portable shebang.
    assert files["bin/purecli"].startswith(b"#!/usr/bin/env python3\n")
    assert b"from purelib import main" in files["bin/purecli"]
    assert files["bin/puretool"] == b"#!/usr/bin/env python3\nprint('tool')\n"
    # Nothing names this machine: not the interpreter pip ran on, not a scratch directory.
    machine_paths = {sys.executable, os.path.realpath(sys.executable), "/tmp/", str(tmp_path)}
    for name, data in files.items():
        assert not [p for p in machine_paths if p.encode() in data], name
    # RECORD lists each file as it is in the package, with its real hash.
    record = files["purelib-1.0.dist-info/RECORD"].decode()
    rows = list(csv.reader(io.StringIO(record)))
    assert "bin/purecli" in [row[0] for row in rows]
    for path, digest, size in rows:
        if path.endswith("/RECORD"):
            continue
        data = files[path]
        encoded = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, size) == (f"sha256={encoded}", str(len(data))), path
    assert files["purelib-1.0.dist-info/INSTALLER"] == b"pip\n"


def test_a_direct_file_reference_leaves_no_path_behind(
    house: House, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``name @ file:///...`` makes pip write direct_url.json with that path: it is removed;
    ``--find-links`` relative to the requirements file is honoured without PIP_FIND_LINKS."""
    wheel = house.purelib
    relative = os.path.relpath(house.wheels, tmp_path / "checkout" / "functions" / "fn")
    source = function(
        tmp_path,
        f"--no-index\n--find-links {relative}\n"
        f"purelib @ {wheel.path.as_uri()} --hash=sha256:{wheel.sha256}\n",
    )
    monkeypatch.delenv("PIP_FIND_LINKS")
    files = build(source, tmp_path)
    assert "purelib/__init__.py" in files
    assert not [name for name in files if name.endswith("direct_url.json")]
    installed = {name: data for name, data in files.items() if name != "requirements.txt"}
    assert not [name for name, data in installed.items() if str(house.root).encode() in data]


def test_a_layer_installs_under_python_or_per_version(house: House, tmp_path: Path) -> None:
    source = function(tmp_path, house.purelib.requirement() + "\n", name="lib")
    single = build(source, tmp_path, layer=True)
    assert "python/purelib/__init__.py" in single and "python/bin/purecli" in single
    several = build(source, tmp_path, layer=True, runtimes=("python3.12", "python3.13"))
    for version in ("3.12", "3.13"):
        assert f"python/lib/python{version}/site-packages/purelib/__init__.py" in several
    assert "handler.py" in several  # the layer's own source stays at its root


# --- one line for each way a build cannot go on ----------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("purelib==1.0", "functions/fn/requirements.txt line 1: purelib==1.0 has no --hash"),
        ("purelib>=1.0 --hash=sha256:00", "purelib>=1.0 is not pinned to one version"),
        ("purelib==1.* --hash=sha256:00", "purelib==1.* is not pinned to one version"),
        ("-e .", "line 1: -e: editable requirements are built from source"),
        ("--no-binary :all:", "packages are built from wheels only"),
        ("purelib==1.0 --global-option=x", "--global-option=x is not supported"),
        ("-r missing.txt", "cannot read functions/fn/missing.txt"),
    ],
)
def test_a_requirement_that_cannot_be_reproduced_is_refused_before_pip_runs(
    tmp_path: Path, line: str, message: str
) -> None:
    source = function(tmp_path, line + "\n")
    found = one_line_error(PackageError, source, tmp_path, tools=Toolchain(pip=("/nonexistent",)))
    assert message in found
    if "hash" in message or "pinned" in message:
        assert "pip-compile --generate-hashes" in found and "uv pip compile" in found


def test_an_sdist_only_release_names_the_requirement_and_the_platform(
    tmp_path: Path,
) -> None:
    source = function(tmp_path, "sdonly==3.0 --hash=sha256:" + "0" * 64 + "\n")
    message = one_line_error(FetchFailed, source, tmp_path)
    assert "functions/fn/requirements.txt: sdonly==3.0 has only a source distribution" in message
    assert "sdonly-3.0.tar.gz" in message and "wheels only" in message


def test_no_wheel_for_the_architecture_lists_what_there_is(
    house: House, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = function(tmp_path, house.armwheel.requirement() + "\n")
    monkeypatch.setenv("PIP_FIND_LINKS", str(house.wheels / "arm-only"))
    message = one_line_error(FetchFailed, source, tmp_path, architecture="x86_64")
    assert "no wheel of armwheel==1.0 for python3.12 on x86_64" in message
    assert "cp312-cp312-manylinux_2_17_aarch64" in message
    assert build(source, tmp_path, architecture="arm64")  # the same pin builds for arm64


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        (("needs",), "does not pin urllib9, which needs 1.0 needs on python3.12 on x86_64"),
        (("needs", "urllib9"), ""),
    ],
)
def test_every_dependency_a_pin_needs_must_be_pinned(
    house: House, tmp_path: Path, pins: tuple[str, ...], message: str
) -> None:
    wheels: dict[str, Wheel] = {"needs": house.needs, "urllib9": house.urllib9}
    source = function(tmp_path, "".join(wheels[name].requirement() + "\n" for name in pins))
    if message:
        assert message in one_line_error(PackageError, source, tmp_path)
    else:  # extra9 is only needed with the "x" extra, which nobody asked for
        assert "urllib9.py" in build(source, tmp_path)


def test_a_pin_below_what_a_dependency_needs_is_refused(
    house: House, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = indexes.wheel(tmp_path / "old", "urllib9", "1.0", {"urllib9.py": ""})
    source = function(tmp_path, f"{house.needs.requirement()}\n{old.requirement()}\n")
    monkeypatch.setenv("PIP_FIND_LINKS", f"{house.wheels} {tmp_path / 'old'}")
    message = one_line_error(PackageError, source, tmp_path)
    assert "pins urllib9 1.0, but needs 1.0 needs urllib9>=2" in message


def test_other_bytes_than_the_pinned_ones_are_a_fetch_failure(house: House, tmp_path: Path) -> None:
    source = function(tmp_path, f"purelib==1.0 --hash=sha256:{'1' * 64}\n")
    message = one_line_error(FetchFailed, source, tmp_path)
    assert f"has sha256 {house.purelib.sha256}, which requirements.txt does not list" in message


def test_an_unreachable_index_is_a_fetch_failure_not_a_source_problem(
    house: House, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIP_NO_INDEX")
    monkeypatch.delenv("PIP_FIND_LINKS")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    source = function(tmp_path, house.purelib.requirement() + "\n")
    message = one_line_error(FetchFailed, source, tmp_path)
    assert "purelib==1.0 could not be fetched: the package index is unreachable" in message


def test_pip_missing_is_its_own_error(house: House, tmp_path: Path) -> None:
    source = function(tmp_path, house.purelib.requirement() + "\n")
    message = one_line_error(
        ToolMissing, source, tmp_path, tools=Toolchain(pip=("/nonexistent/pip",))
    )
    assert (
        "/nonexistent/pip is not available (needed to install functions/fn/requirements.txt)"
        in message
    )


# --- reading the file -----------------------------------------------------------------------


def test_includes_variables_and_markers_are_read_as_pip_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "fn"
    source.mkdir()
    monkeypatch.setenv("WHEELS", "wheels")
    (source / "requirements.txt").write_text(
        "# pinned by pip-compile\n"
        "-r base.txt\n"
        "--find-links ${WHEELS}\n"
        "a==1 \\\n    --hash=sha256:aa  # the first\n"
        'b==2 ; sys_platform == "win32" --hash=sha256:bb\n'
    )
    (source / "base.txt").write_text("c==3 --hash=sha256:cc\n")
    target = target_environment(runtime("python3.12"), "arm64")
    found = read_requirements(source / "requirements.txt", "functions/fn/requirements.txt", target)
    assert [pin.line for pin in found.pins] == ["c==3 --hash=sha256:cc", "a==1 --hash=sha256:aa"]
    assert found.options == [f"--find-links {source / 'wheels'}"]
    assert found.files == [source / "requirements.txt", source / "base.txt"]
    assert found.pins[1].where == "functions/fn/requirements.txt line 4"
