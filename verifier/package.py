"""Deterministic packages: the same source gives a byte-identical zip.

The stack builds its function and layer packages with this module at synth time, and the
verifier rebuilds them from a checkout (``verify --source``) to prove which source was signed.

Lambda's ``CodeSha256`` and the signing job both hash the package, so a rebuild of unchanged
source must not change a byte: entries are sorted, timestamps and permissions are fixed, and
build debris (``__pycache__``, ``*.pyc``) is left out.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


class PackageError(ValueError):
    """The source directory cannot be packaged (missing, or empty)."""


#: The earliest timestamp a zip can hold; used for every entry.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16
_SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Package:
    path: Path
    sha256_hex: str
    md5_hex: str
    size: int


def _source_files(source_dir: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        files.extend(Path(root) / name for name in names if not name.endswith(_SKIPPED_SUFFIXES))
    return sorted(files, key=lambda p: p.relative_to(source_dir).as_posix())


def package_sha256(source_dir: Path) -> str:
    """SHA-256 (hex) of the deterministic zip of ``source_dir``, built in a scratch directory."""
    with tempfile.TemporaryDirectory(prefix="signed-lambda-package-") as scratch:
        return build_package(source_dir, Path(scratch) / "package.zip").sha256_hex


def build_package(source_dir: Path, destination: Path) -> Package:
    """Zip ``source_dir`` into ``destination`` deterministically (written atomically)."""
    if not source_dir.is_dir():
        raise PackageError(f"{source_dir} is not a directory")
    files = _source_files(source_dir)
    if not files:
        raise PackageError(f"{source_dir} has no files to package")
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, suffix=".zip.tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w") as archive:
            for file in files:
                info = zipfile.ZipInfo(file.relative_to(source_dir).as_posix(), _ZIP_EPOCH)
                info.external_attr = _FILE_MODE
                info.create_system = 3  # Unix, so the mode bits mean the same everywhere
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, file.read_bytes(), compresslevel=9)
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    data = destination.read_bytes()
    return Package(
        path=destination,
        sha256_hex=hashlib.sha256(data).hexdigest(),
        md5_hex=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        size=len(data),
    )
