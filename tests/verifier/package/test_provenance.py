"""``verify --source``'s rebuild: the checkout built exactly as the manifest says, compared with
the signed zip entry by entry; a build that cannot run here is never reported as a change."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path
from typing import IO, TypeVar

import pytest

from tests.verifier.package import indexes
from verifier.contract.manifest import FunctionManifest, LayerManifest
from verifier.package import (
    BuildSpec,
    PackageError,
    Toolchain,
    UnreproducibleHere,
    build_package,
)
from verifier.package.archive import difference, entry_digests
from verifier.package.build import BuiltPackage
from verifier.package.provenance import Rebuilder, compare_signed

T = TypeVar("T", FunctionManifest, LayerManifest)


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "checkout"
    wheels = root / "wheels"
    for version in ("1.0", "1.1"):
        files = {f"purelib/m{i}.py": f"V = {version!r}\n" for i in range(12)}
        indexes.wheel(wheels, "purelib", version, {"purelib/__init__.py": version, **files})
    indexes.pip_env(monkeypatch, wheels)
    api = root / "functions" / "api"
    api.mkdir(parents=True)
    (api / "handler.py").write_text("import purelib\n")
    pin(root, "1.0")
    return root


def pin(root: Path, version: str) -> None:
    wheel = next((root / "wheels").glob(f"purelib-{version}-*.whl"))
    requirement = indexes.Wheel(wheel, "purelib", version).requirement()
    (root / "functions" / "api" / "requirements.txt").write_text(requirement + "\n")


def entry_for(kind: type[T], built: BuiltPackage, source_dir: str) -> T:
    """The manifest entry the stack writes for ``built`` (AWS fields are placeholders)."""
    return kind(
        key="api",
        signing_job_id="job",
        unsigned_key="k",
        unsigned_version="v",
        signed_bucket="b",
        signed_key="s",
        source_dir=source_dir,
        package_sha256=built.sha256_hex,
        package=built.declaration,
    )


def deployed(root: Path, tmp_path: Path) -> tuple[FunctionManifest, Path]:
    """What the stack would have deployed from this checkout: its manifest entry and zip."""
    spec = BuildSpec(root / "functions" / "api", "functions/api")
    built = build_package(spec, tmp_path / "signed" / "api.zip")
    return entry_for(FunctionManifest, built, "functions/api"), built.path


def download(path: Path):  # type: ignore[no-untyped-def]
    def write(out: IO[bytes]) -> None:
        out.write(path.read_bytes())

    return write


def test_the_same_checkout_rebuilds_the_same_bytes(checkout: Path, tmp_path: Path) -> None:
    entry, signed = deployed(checkout, tmp_path)
    rebuilt = Rebuilder(checkout).rebuild(entry)
    assert rebuilt.sha256_hex == entry.package_sha256
    assert rebuilt.contradictions == ()
    assert rebuilt.dependencies == entry.package.dependencies
    assert compare_signed(rebuilt, download(signed)).names == ()


def test_a_changed_pin_names_the_files_that_differ_and_the_dependency(
    checkout: Path, tmp_path: Path
) -> None:
    entry, signed = deployed(checkout, tmp_path)
    pin(checkout, "1.1")
    rebuilt = Rebuilder(checkout).rebuild(entry)
    assert rebuilt.sha256_hex != entry.package_sha256
    found = compare_signed(rebuilt, download(signed))
    # Both dist-info directories, every module, the requirements file: 10 named, the rest counted.
    assert found.names == (
        "purelib-1.0.dist-info/INSTALLER",
        "purelib-1.0.dist-info/METADATA",
        "purelib-1.0.dist-info/RECORD",
        "purelib-1.0.dist-info/REQUESTED",
        "purelib-1.0.dist-info/WHEEL",
        "purelib-1.1.dist-info/INSTALLER",
        "purelib-1.1.dist-info/METADATA",
        "purelib-1.1.dist-info/RECORD",
        "purelib-1.1.dist-info/REQUESTED",
        "purelib-1.1.dist-info/WHEEL",
    )
    assert found.more == 14  # purelib/__init__.py, m0-m11.py, requirements.txt
    assert found.describe().startswith("24 files differ: purelib-1.0.dist-info/INSTALLER, ")
    assert found.describe().endswith("purelib-1.1.dist-info/WHEEL and 14 more")
    (problem,) = rebuilt.contradictions
    assert "the source does not build (purelib 1.0; the source builds purelib 1.1)" in problem


def test_a_declared_dependency_list_that_lies_is_a_contradiction(
    checkout: Path, tmp_path: Path
) -> None:
    entry, _ = deployed(checkout, tmp_path)
    hidden = replace(entry, package=replace(entry.package, dependencies=()))
    (problem,) = Rebuilder(checkout).rebuild(hidden).contradictions
    assert "(none; the source builds purelib 1.0)" in problem
    other_sbom = replace(entry, package=replace(entry.package, sbom_sha256="f" * 64))
    (problem,) = Rebuilder(checkout).rebuild(other_sbom).contradictions
    assert (
        "the manifest's SBOM hash (ffffffffffff...) is not the SBOM's this source builds" in problem
    )


def test_the_same_files_in_another_zip_layout_are_named_as_such(
    checkout: Path, tmp_path: Path
) -> None:
    entry, signed = deployed(checkout, tmp_path)
    other = tmp_path / "deflated.zip"
    with (
        zipfile.ZipFile(signed) as source,
        zipfile.ZipFile(other, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
    rebuilt = Rebuilder(checkout).rebuild(entry)
    found = compare_signed(rebuilt, download(other))
    # zipfile.writestr(name) gives 0600 modes: every entry differs in its mode.
    assert found.count == len(rebuilt.entries)
    same_modes = tmp_path / "same.zip"
    with (
        zipfile.ZipFile(signed) as source,
        zipfile.ZipFile(same_modes, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.external_attr, copy.create_system = info.external_attr, info.create_system
            copy.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(copy, source.read(info))
    layout = compare_signed(rebuilt, download(same_modes))
    assert layout.names == () and "it was not built by this builder" in layout.describe()
    not_a_zip = tmp_path / "junk"
    not_a_zip.write_bytes(b"junk")
    assert compare_signed(rebuilt, download(not_a_zip)).names == (
        "(the signed source is not a zip file)",
    )


def test_differences_are_listed_up_to_ten_with_a_count() -> None:
    built = {f"f{i:02}": "a" for i in range(30)}
    signed = {**built, **{f"f{i:02}": "b" for i in range(5, 20)}, "extra": "x"}
    found = difference(built, signed)
    assert found.names == ("extra", *(f"f{i:02}" for i in range(5, 14)))
    assert found.more == 6


def test_another_builder_version_cannot_be_proven_here(checkout: Path, tmp_path: Path) -> None:
    entry, _ = deployed(checkout, tmp_path)
    older = replace(entry, package=replace(entry.package, builder_version=1))
    with pytest.raises(
        UnreproducibleHere, match="built by package builder 1 and this verifier's is 2"
    ):
        Rebuilder(checkout).rebuild(older)


def test_a_missing_tool_is_unavailable_not_a_change(checkout: Path, tmp_path: Path) -> None:
    entry, signed = deployed(checkout, tmp_path)
    rebuilder = Rebuilder(checkout, tools=Toolchain(pip=("/nonexistent/pip",)))
    rebuilt = rebuilder.rebuild(entry)
    assert rebuilt.sha256_hex is None
    assert "/nonexistent/pip is not available" in rebuilt.unavailable
    # The source's own files are the signed ones: nothing is known to differ.
    assert compare_signed(rebuilt, download(signed)).names == ()


def test_a_changed_pin_that_cannot_be_fetched_still_names_the_changed_source_file(
    checkout: Path, tmp_path: Path
) -> None:
    """Offline, the new pin's wheel is nowhere: the dependencies cannot be rebuilt, but the
    requirements file itself is in the package and differs, so the source did change."""
    entry, signed = deployed(checkout, tmp_path)
    requirements = checkout / "functions" / "api" / "requirements.txt"
    requirements.write_text(f"purelib==9.9 --hash=sha256:{'0' * 64}\n")
    rebuilt = Rebuilder(checkout).rebuild(entry)
    assert rebuilt.sha256_hex is None and "purelib==9.9" in rebuilt.unavailable
    assert set(rebuilt.entries) == {"handler.py", "requirements.txt"}
    assert compare_signed(rebuilt, download(signed)).names == ("requirements.txt",)


def test_a_source_dir_outside_the_checkout_is_refused(checkout: Path, tmp_path: Path) -> None:
    entry, _ = deployed(checkout, tmp_path)
    with pytest.raises(PackageError, match="outside the checkout"):
        Rebuilder(checkout).rebuild(replace(entry, source_dir="../elsewhere"))


def test_a_layer_is_rebuilt_as_a_layer(checkout: Path, tmp_path: Path) -> None:
    source = checkout / "functions" / "api"
    built = build_package(BuildSpec(source, "functions/api", layer=True), tmp_path / "l.zip")
    layer = entry_for(LayerManifest, built, "functions/api")
    rebuilt = Rebuilder(checkout).rebuild(layer)
    assert rebuilt.sha256_hex == built.sha256_hex
    assert "python/purelib/__init__.py" in entry_digests(built.path)
