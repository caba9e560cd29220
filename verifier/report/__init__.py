"""Renderers: one per output format, chosen through the :class:`Format` string enum."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from verifier.atomic import check_writable, write_atomically
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


__all__ = ["RENDERERS", "Format", "check_writable", "render", "write_atomically"]
