"""Renderers: one per output format, chosen through the :class:`Format` string enum."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from verifier.model import Report
from verifier.report import json_report, junit, sarif, text


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"


Renderer = Callable[[Report, bool], str]

#: Every format maps to exactly one renderer (a test checks every member).
RENDERERS: dict[Format, Renderer] = {
    Format.TEXT: text.render,
    Format.JSON: lambda report, tty: json_report.render(report),
    Format.JUNIT: lambda report, tty: junit.render(report),
    Format.SARIF: lambda report, tty: sarif.render(report),
}


def render(report: Report, fmt: Format, *, tty: bool = False) -> str:
    """The report as text; ``tty`` only changes the text format (a rich table)."""
    return RENDERERS[fmt](report, tty)


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
