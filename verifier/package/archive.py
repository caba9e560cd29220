"""The zip itself: the same entries give the same bytes, on any machine.

Entries are sorted by name; every timestamp is 1980-01-01 00:00 (the earliest a zip holds);
the mode is 0755 or 0644 (executable or not), recorded as Unix; entries are *stored*, not
deflated. Deflate's output depends on the compression library: zlib-ng (Fedora's zlib since
40), Chromium's zlib and zlib-rs each produce other bytes than zlib for the same input, so a
deflated package would reproduce only on machines that share one. Lambda accepts stored
entries, and its limit is on the unzipped size (250 MB), which a stored zip barely exceeds.

Also here: each entry's digest, and the entries two zips disagree on (``verify --source``).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
EXECUTABLE_MODE = 0o100755
FILE_MODE = 0o100644
#: At most this many differing entries are named; the rest are counted.
DIFFERENCE_NAMES = 10


@dataclass(frozen=True)
class Entry:
    name: str
    data: bytes | Path
    executable: bool

    def read(self) -> bytes:
        return self.data if isinstance(self.data, bytes) else self.data.read_bytes()


@dataclass(frozen=True)
class Archive:
    path: Path
    sha256_hex: str
    size: int
    entries: int
    #: Sum of the entries' sizes (what Lambda's 250 MB limit counts).
    unzipped_size: int


def write_zip(entries: Iterable[Entry], destination: Path) -> Archive:
    """Write ``entries`` (unique names) to ``destination`` atomically."""
    ordered = sorted(entries, key=lambda entry: entry.name)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, suffix=".zip.tmp")
    os.close(fd)
    unzipped = 0
    try:
        with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_STORED) as archive:
            for entry in ordered:
                info = zipfile.ZipInfo(entry.name, ZIP_EPOCH)
                info.create_system = 3  # Unix, so the mode bits mean the same everywhere
                info.external_attr = (EXECUTABLE_MODE if entry.executable else FILE_MODE) << 16
                info.compress_type = zipfile.ZIP_STORED
                data = entry.read()
                unzipped += len(data)
                archive.writestr(info, data)
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return Archive(
        path=destination,
        sha256_hex=file_sha256(destination),
        size=destination.stat().st_size,
        entries=len(ordered),
        unzipped_size=unzipped,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(mode: int, stream: IO[bytes]) -> str:
    digest = hashlib.sha256(f"{mode:o}\0".encode())
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def entry_digests(source: Path | IO[bytes]) -> dict[str, str]:
    """``{name: digest}`` of a zip's entries, the digest covering the bytes and the mode."""
    digests: dict[str, str] = {}
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as member:
                digests[info.filename] = _digest(info.external_attr >> 16, member)
    return digests


def file_digests(entries: Iterable[Entry]) -> dict[str, str]:
    """``entry_digests`` of the zip ``write_zip`` would make of ``entries`` (file-backed),
    without writing it."""
    digests: dict[str, str] = {}
    for entry in entries:
        mode = EXECUTABLE_MODE if entry.executable else FILE_MODE
        if isinstance(entry.data, bytes):
            digests[entry.name] = _digest(mode, io.BytesIO(entry.data))
        else:
            with entry.data.open("rb") as handle:
                digests[entry.name] = _digest(mode, handle)
    return digests


@dataclass(frozen=True)
class ZipDifference:
    """What two zips disagree on: entries added, removed or changed (bytes or mode)."""

    #: The first differing entry names (sorted), at most DIFFERENCE_NAMES.
    names: tuple[str, ...]
    #: How many more differ beyond ``names``.
    more: int

    @property
    def count(self) -> int:
        return len(self.names) + self.more

    def describe(self) -> str:
        """``3 files differ: a.py, b.py, c.py`` (``... and 12 more``), or the metadata note."""
        if not self.names:
            return (
                "the same files with the same bytes and modes, in a zip of another layout "
                "(order, timestamps or compression): it was not built by this builder"
            )
        listed = ", ".join(self.names) + (f" and {self.more} more" if self.more else "")
        return f"{self.count} file{'s' if self.count != 1 else ''} differ: {listed}"


def describe_difference(names: tuple[str, ...], more: int) -> str:
    """How a check names the difference between a rebuilt and a signed zip."""
    return ZipDifference(names=names, more=more).describe()


def difference(
    built: Mapping[str, str], signed: Mapping[str, str], limit: int = DIFFERENCE_NAMES
) -> ZipDifference:
    differing = sorted(
        name for name in set(built) | set(signed) if built.get(name) != signed.get(name)
    )
    return ZipDifference(names=tuple(differing[:limit]), more=max(0, len(differing) - limit))
