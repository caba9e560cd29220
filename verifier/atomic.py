"""Files the verifier writes (reports, the lock) are written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from verifier.errors import InputError


def check_writable(path: Path, flag: str) -> None:
    """Fail before collecting anything when a report could not be written."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{flag} {path}: directory {directory} does not exist")
    if path.is_dir():
        raise InputError(f"{flag} {path}: is a directory")
    if not os.access(directory, os.W_OK):
        raise InputError(f"{flag} {path}: directory {directory} is not writable")


def write_atomically(path: Path, content: str) -> None:
    """Write through a temporary file in the same directory and rename it into place."""
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
