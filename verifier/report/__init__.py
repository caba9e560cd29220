"""Renderers: one per output format, for every command (verify, audit, drift, report merge).

Each renderer takes the :class:`~verifier.checks.findings.Report` and the
:class:`RenderOptions` (what the text view shows, the audit's forecast, where SARIF points).
Check metadata (titles, severities, remediation, SARIF rules) comes from the one registry.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from verifier.atomic import check_writable, write_atomically
from verifier.checks.findings import Report
from verifier.report import asff, json_report, junit, sarif, text
from verifier.report.options import Location, RenderOptions


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    ASFF = "asff"


Renderer = Callable[[Report, RenderOptions], str]

#: Every format maps to exactly one renderer (a test checks every member).
RENDERERS: dict[Format, Renderer] = {
    Format.TEXT: text.render,
    Format.JSON: lambda report, options: json_report.render(report),
    Format.JUNIT: lambda report, options: junit.render(report),
    Format.SARIF: sarif.render,
    Format.ASFF: asff.render,
}


def render(report: Report, fmt: Format, options: RenderOptions | None = None) -> str:
    return RENDERERS[fmt](report, options or RenderOptions())


__all__ = [
    "RENDERERS",
    "Format",
    "Location",
    "RenderOptions",
    "check_writable",
    "render",
    "write_atomically",
]
