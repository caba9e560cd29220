"""One package from source: kinds, the zip's fixed form, what each runtime needs."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from verifier.package import BuildSpec, PackageError, PackageKind, build_package, package_sha256
from verifier.package.archive import ZIP_EPOCH


def make_source(root: Path) -> Path:
    source = root / "src"
    (source / "lib").mkdir(parents=True)
    (source / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    (source / "lib" / "util.py").write_text("X = 1\n")
    return source


def infos(path: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        return archive.infolist()


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
    assert build_package(source, tmp_path / "b.zip").sha256_hex != before.sha256_hex


def test_entries_are_sorted_stored_with_fixed_metadata(tmp_path: Path) -> None:
    package = build_package(make_source(tmp_path), tmp_path / "a.zip")
    found = infos(package.path)
    assert [i.filename for i in found] == ["handler.py", "lib/util.py"]
    assert {i.date_time for i in found} == {ZIP_EPOCH}
    assert {i.external_attr >> 16 for i in found} == {0o100644}
    assert {(i.compress_type, i.create_system) for i in found} == {(zipfile.ZIP_STORED, 3)}
    assert (package.files, package.unzipped_size) == (2, sum(i.file_size for i in found))


def test_repo_functions_package_reproducibly(tmp_path: Path) -> None:
    hello = REPO_ROOT / "functions" / "hello"
    assert package_sha256(hello) == build_package(hello, tmp_path / "1.zip").sha256_hex


def test_nothing_is_half_written_when_a_build_fails(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="is not a directory"):
        build_package(tmp_path / "nope", tmp_path / "out" / "a.zip")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# --- kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runtimes", "kind"),
    [
        (("python3.12",), PackageKind.PYTHON),
        (("nodejs22.x",), PackageKind.NODE),
        (("provided.al2023",), PackageKind.CUSTOM),
        (("java21",), PackageKind.PREBUILT),
        (("dotnet8",), PackageKind.PREBUILT),
        (("ruby3.3",), PackageKind.PREBUILT),
        (("python3.12", "nodejs22.x"), PackageKind.PREBUILT),
    ],
)
def test_the_kind_follows_the_runtimes(
    tmp_path: Path, runtimes: tuple[str, ...], kind: PackageKind
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "bootstrap").write_text("#!/bin/sh\n")
    (source / "bootstrap").chmod(0o755)
    package = build_package(
        BuildSpec(source, "x", runtimes=runtimes, layer=len(runtimes) > 1), tmp_path / "p.zip"
    )
    assert package.kind is kind and package.declaration.kind == kind.value


def custom(tmp_path: Path, mode: int | None) -> Path:
    source = tmp_path / "checkout" / "functions" / "go"
    source.mkdir(parents=True)
    (source / "README.md").write_text("built by go build\n")
    if mode is not None:
        (source / "bootstrap").write_bytes(b"\x7fELF go binary")
        (source / "bootstrap").chmod(mode)
    return source


def test_a_custom_runtime_package_keeps_bootstrap_executable(tmp_path: Path) -> None:
    source = custom(tmp_path, 0o700)
    package = build_package(
        BuildSpec(source, "functions/go", runtimes=("provided.al2023",), architecture="arm64"),
        tmp_path / "go.zip",
    )
    modes = {i.filename: i.external_attr >> 16 for i in infos(package.path)}
    assert modes == {"README.md": 0o100644, "bootstrap": 0o100755}


@pytest.mark.parametrize(("mode", "state"), [(None, "is missing"), (0o644, "is not executable")])
def test_a_custom_runtime_without_an_executable_bootstrap_stops_with_the_build_step(
    tmp_path: Path, mode: int | None, state: str
) -> None:
    source = custom(tmp_path, mode)
    spec = BuildSpec(source, "functions/go", runtimes=("provided.al2023",), architecture="arm64")
    with pytest.raises(PackageError) as raised:
        build_package(spec, tmp_path / "go.zip")
    message = str(raised.value)
    assert f"functions/go/bootstrap {state}" in message and "\n" not in message
    assert "GOOS=linux GOARCH=arm64 go build" in message and "cargo lambda build" in message


def test_a_custom_runtime_layer_needs_no_bootstrap(tmp_path: Path) -> None:
    source = custom(tmp_path, None)
    spec = BuildSpec(source, "layers/ext", runtimes=("provided.al2023",), layer=True)
    assert build_package(spec, tmp_path / "ext.zip").files == 1


def test_a_prebuilt_java_directory_ships_as_it_is_with_its_modes(tmp_path: Path) -> None:
    source = tmp_path / "build" / "lambda"
    (source / "lib").mkdir(parents=True)
    (source / "lib" / "app-1.0.jar").write_bytes(b"PK jar")
    (source / "com" / "example").mkdir(parents=True)
    (source / "com" / "example" / "Handler.class").write_bytes(b"\xca\xfe\xba\xbe")
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o750)
    package = build_package(
        BuildSpec(source, "build/lambda", runtimes=("java21",)), tmp_path / "j.zip"
    )
    modes = {i.filename: i.external_attr >> 16 for i in infos(package.path)}
    assert modes == {
        "com/example/Handler.class": 0o100644,
        "lib/app-1.0.jar": 0o100644,
        "run.sh": 0o100755,
    }
    assert package.dependencies == ()


@pytest.mark.parametrize("lock", ["requirements.txt", "package-lock.json"])
def test_a_layer_for_several_languages_with_a_lock_stops_instead_of_dropping_it(
    tmp_path: Path, lock: str
) -> None:
    """Shipped as it is, its dependencies would silently be missing: one line instead."""
    source = tmp_path / "src"
    (source / "python").mkdir(parents=True)
    (source / "python" / "shared.py").write_text("X = 1\n")
    (source / lock).write_text("{}\n")
    spec = BuildSpec(source, "layers/x", runtimes=("python3.12", "nodejs22.x"), layer=True)
    with pytest.raises(PackageError, match=f"several languages .*its {lock} would not be"):
        build_package(spec, tmp_path / "p.zip")
