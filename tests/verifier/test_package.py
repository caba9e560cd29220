"""The function package is deterministic: same source, same bytes, same hash."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from verifier.package import PackageError, build_package, package_sha256


def make_source(root: Path) -> Path:
    source = root / "src"
    (source / "lib").mkdir(parents=True)
    (source / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    (source / "lib" / "util.py").write_text("X = 1\n")
    return source


def test_same_source_gives_identical_bytes(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    first = build_package(source, tmp_path / "a.zip")
    # Touch every file and add build debris: neither may change the package.
    for path in source.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0junk")
    (source / "stale.pyc").write_bytes(b"junk")
    second = build_package(source, tmp_path / "b.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256_hex == second.sha256_hex


def test_changed_source_changes_the_hash(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    before = build_package(source, tmp_path / "a.zip")
    (source / "lib" / "util.py").write_text("X = 2\n")
    after = build_package(source, tmp_path / "b.zip")
    assert before.sha256_hex != after.sha256_hex


def test_entries_are_sorted_with_fixed_metadata(tmp_path: Path) -> None:
    package = build_package(make_source(tmp_path), tmp_path / "a.zip")
    with zipfile.ZipFile(package.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["handler.py", "lib/util.py"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_repo_functions_package_reproducibly(tmp_path: Path) -> None:
    hello = REPO_ROOT / "functions" / "hello"
    assert (
        build_package(hello, tmp_path / "1.zip").sha256_hex
        == build_package(hello, tmp_path / "2.zip").sha256_hex
    )


def test_missing_or_empty_source_is_a_package_error(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="is not a directory"):
        build_package(tmp_path / "nope", tmp_path / "a.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackageError, match="no files"):
        build_package(tmp_path / "empty", tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists()


def test_package_sha256_matches_a_built_package(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    assert package_sha256(source) == build_package(source, tmp_path / "a.zip").sha256_hex
