"""The build cache: a package built once is not built again while nothing it depends on changed.

An entry's key is the SHA-256 of everything the bytes depend on: the builder's version, the
package kind, runtimes, architecture, layer or function, the exclude patterns, the install
scripts setting, and every source file (name, executable bit, bytes) with every requirements
file it includes. A hit copies the stored zip and SBOM; pip and npm do not run. Entries are
written to a temporary directory and renamed into place, so parallel synths never see half an
entry; a stored zip whose hash no longer matches is ignored and rebuilt.

Only the stack uses the cache; ``verify --source`` always builds from scratch.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.package.archive import file_sha256

PACKAGE_NAME = "package.zip"
SBOM_NAME = "sbom.cdx.json"
RECORD_NAME = "build.json"


@dataclass(frozen=True)
class CacheEntry:
    directory: Path
    record: dict[str, Any]

    @property
    def package(self) -> Path:
        return self.directory / PACKAGE_NAME

    @property
    def sbom(self) -> Path:
        return self.directory / SBOM_NAME


class BuildCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _directory(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> CacheEntry | None:
        directory = self._directory(key)
        try:
            record = json.loads((directory / RECORD_NAME).read_text())
            if file_sha256(directory / PACKAGE_NAME) != record["sha256_hex"]:
                return None
            if file_sha256(directory / SBOM_NAME) != record["sbom_sha256"]:
                return None
        except (OSError, ValueError, KeyError):
            return None
        return CacheEntry(directory, record)

    def put(self, key: str, package: Path, sbom: Path, record: dict[str, Any]) -> None:
        """Store an entry; a concurrent writer of the same key wins harmlessly."""
        final = self._directory(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".entry-", dir=final.parent))
        try:
            shutil.copyfile(package, staging / PACKAGE_NAME)
            shutil.copyfile(sbom, staging / SBOM_NAME)
            (staging / RECORD_NAME).write_text(json.dumps(record, indent=2, sort_keys=True))
            if final.exists():
                # A damaged entry (get() refused it): moved aside first, so a reader that has
                # its files open keeps them, then removed.
                stale = Path(tempfile.mkdtemp(prefix=".stale-", dir=final.parent))
                os.rename(final, stale / "entry")
                shutil.rmtree(stale, ignore_errors=True)
            os.rename(staging, final)
        except OSError:
            pass  # a cache that cannot be written only costs the next build its time
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def copy_atomically(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
