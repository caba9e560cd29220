"""Which files go into a package: symlinks, modes, special files, excludes."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from verifier.package import BuildSpec, PackageError, build_package


def entries(zip_path: Path) -> dict[str, tuple[int, bytes]]:
    with zipfile.ZipFile(zip_path) as archive:
        return {i.filename: (i.external_attr >> 16, archive.read(i)) for i in archive.infolist()}


def build(source: Path, tmp_path: Path, **spec: object) -> dict[str, tuple[int, bytes]]:
    package = build_package(
        BuildSpec(source=source, label="functions/fn", **spec), tmp_path / "p.zip"
    )  # type: ignore[arg-type]
    return entries(package.path)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "checkout" / "functions" / "fn"
    (root / "lib").mkdir(parents=True)
    (root / "handler.py").write_text("import lib.util\n")
    (root / "lib" / "util.py").write_text("X = 1\n")
    return root


def test_modes_are_0755_with_any_execute_bit_else_0644(source: Path, tmp_path: Path) -> None:
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o700)  # owner-only execute still means executable
    (source / "lib" / "util.py").chmod(0o600)
    (source / "handler.py").chmod(0o666)
    found = build(source, tmp_path)
    assert {name: mode for name, (mode, _) in found.items()} == {
        "handler.py": 0o100644,
        "lib/util.py": 0o100644,
        "run.sh": 0o100755,
    }


def test_a_symlink_inside_the_source_is_stored_as_its_target(source: Path, tmp_path: Path) -> None:
    (source / "alias.py").symlink_to("lib/util.py")
    (source / "tool").write_text("#!/bin/sh\n")
    (source / "tool").chmod(0o755)
    (source / "bin").mkdir()
    (source / "bin" / "tool").symlink_to("../tool")
    found = build(source, tmp_path)
    assert found["alias.py"] == (0o100644, b"X = 1\n")
    assert found["bin/tool"] == (0o100755, b"#!/bin/sh\n")


def test_a_symlinked_directory_is_stored_under_the_link_as_pnpm_lays_it_out(
    source: Path, tmp_path: Path
) -> None:
    store = source / "node_modules" / ".pnpm" / "left-pad@1.3.0" / "node_modules" / "left-pad"
    store.mkdir(parents=True)
    (store / "index.js").write_text("module.exports = 1;\n")
    (source / "node_modules" / "left-pad").symlink_to(".pnpm/left-pad@1.3.0/node_modules/left-pad")
    found = build(source, tmp_path, runtimes=("nodejs22.x",))
    assert (
        found["node_modules/left-pad/index.js"]
        == found["node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js"]
    )


def test_a_symlink_out_of_the_source_is_refused_naming_it(source: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "config.py"
    secret.parent.mkdir()
    secret.write_text("TOKEN = 'x'\n")
    (source / "lib" / "config.py").symlink_to(secret)
    with pytest.raises(PackageError) as raised:
        build(source, tmp_path)
    message = str(raised.value)
    assert "functions/fn/lib/config.py is a symlink to" in message
    assert str(secret) in message and "outside functions/fn" in message
    assert "\n" not in message


def test_a_symlinked_directory_out_of_the_source_is_refused(source: Path, tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "x.py").write_text("")
    (source / "shared").symlink_to(tmp_path / "shared")
    with pytest.raises(PackageError, match=r"functions/fn/shared is a symlink to .*outside"):
        build(source, tmp_path)


def test_an_excluded_symlink_out_of_the_source_is_simply_left_out(
    source: Path, tmp_path: Path
) -> None:
    (source / ".venv").symlink_to(tmp_path)
    assert set(build(source, tmp_path)) == {"handler.py", "lib/util.py"}


def test_a_dangling_symlink_is_refused(source: Path, tmp_path: Path) -> None:
    (source / "gone.py").symlink_to("missing.py")
    with pytest.raises(
        PackageError,
        match=r"functions/fn/gone\.py is a symlink to missing\.py, which does not exist",
    ):
        build(source, tmp_path)


def test_a_symlink_to_its_own_parent_is_refused(source: Path, tmp_path: Path) -> None:
    (source / "lib" / "again").symlink_to("..")
    with pytest.raises(PackageError, match=r"functions/fn/lib/again is a symlink to .*own parent"):
        build(source, tmp_path)


def test_a_fifo_is_refused(source: Path, tmp_path: Path) -> None:
    os.mkfifo(source / "pipe")
    with pytest.raises(PackageError, match="functions/fn/pipe is not a regular file"):
        build(source, tmp_path)


def test_excludes_apply_and_empty_sources_are_refused(source: Path, tmp_path: Path) -> None:
    (source / "tests").mkdir()
    (source / "tests" / "test_handler.py").write_text("")
    (source / ".env").write_text("SECRET=1\n")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    found = build(source, tmp_path, exclude=(".env*", "__pycache__/", "tests/"))
    assert set(found) == {"handler.py", "lib/util.py"}
    with pytest.raises(PackageError, match="functions/fn has no files to package"):
        build(source, tmp_path, exclude=("*",))
    with pytest.raises(PackageError, match="is not a directory"):
        build(source / "nope", tmp_path)
