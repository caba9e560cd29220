"""The default human report: a rich table on a terminal, plain lines otherwise."""

from __future__ import annotations

import io
import shutil

from verifier.contract.manifest import FunctionManifest
from verifier.model import Report, Status

STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.ERROR: "bold magenta",
}


def render(report: Report, tty: bool) -> str:
    return _table(report) if tty else _plain(report)


def _plain(report: Report) -> str:
    lines = []
    for finding in report.findings:
        lines.append(
            f"{finding.status.value.upper():5}  {finding.function}  {finding.check_id}  "
            f"{finding.title}  [{finding.resource}]"
        )
        if finding.status is not Status.PASS:
            lines.append(f"       expected: {finding.expected}")
            lines.append(f"       actual:   {finding.actual}")
            lines.append(f"       fix:      {finding.remediation}")
    lines.extend(package_lines(report))
    lines.append(f"result: {report.result.value}")
    return "\n".join(lines) + "\n"


def package_lines(report: Report) -> list[str]:
    """One line per declared package: what it was built for, and each dependency."""
    lines = []
    for artifact in report.packages:
        what = "function" if isinstance(artifact, FunctionManifest) else "layer"
        build = artifact.package
        dependencies = ", ".join(
            f"{d.name} {d.version} ({d.hash[:19]}...)" for d in build.dependencies
        )
        lines.append(
            f"PKG    {what} {artifact.key}  {artifact.source_dir}  {build.kind} "
            f"{','.join(build.runtimes)} {build.architecture}  "
            f"dependencies: {dependencies or 'none'}"
        )
    return lines


def _table(report: Report) -> str:
    # rich only for a terminal: JSON, SARIF and piped text runs never import it (~40 ms).
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"signed-lambda verification: {report.result.value}")
    for column in ("Status", "Function", "Check", "Expected", "Actual"):
        table.add_column(column, overflow="fold")
    for finding in report.findings:
        style = STYLES[finding.status]
        table.add_row(
            f"[{style}]{finding.status.value.upper()}[/]",
            finding.function,
            f"{finding.check_id}\n[dim]{finding.title}[/]",
            finding.expected,
            finding.actual,
        )
    buffer = io.StringIO()
    width = shutil.get_terminal_size((120, 24)).columns
    console = Console(file=buffer, force_terminal=True, width=width)
    console.print(table)
    for line in package_lines(report):
        console.print(line, highlight=False, markup=False)
    return buffer.getvalue()
