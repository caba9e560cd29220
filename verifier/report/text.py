"""The human report, for verify and the audit alike: failures and warnings first, then one line
for what passed (``--verbose``: every check), a summary by status, check and reason code, the
audit's expiry forecast, and any notes. A rich table on a terminal, plain lines otherwise."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from collections.abc import Iterable

from verifier.checks.findings import STATUS_ORDER, Finding, Report, Status
from verifier.contract.manifest import FunctionManifest
from verifier.report.options import RenderOptions

STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.ERROR: "bold magenta",
}
#: Worst first.
_ORDER = list(reversed(STATUS_ORDER))


def render(report: Report, options: RenderOptions) -> str:
    if options.tty:
        return _table(report, options) + "".join(f"{line}\n" for line in _tail(report, options))
    return "\n".join(_plain(report, options) + _tail(report, options)) + "\n"


def _rank(status: Status) -> int:
    return _ORDER.index(status)


def _group(findings: Iterable[Finding]) -> dict[tuple[str, str, str], list[Finding]]:
    """Findings by (account, function, Region), in first-seen order: a function of the same
    name in two Regions is two functions."""
    grouped: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        key = (finding.account or "", finding.function, finding.region or "")
        grouped.setdefault(key, []).append(finding)
    return grouped


def _counts(findings: Iterable[Finding]) -> str:
    counter = Counter(f.status for f in findings)
    return ", ".join(f"{counter[s]} {s.value}" for s in STATUS_ORDER if counter[s])


def _details(finding: Finding, indent: str) -> list[str]:
    return [
        f"{indent}expected: {finding.expected}",
        f"{indent}actual:   {finding.actual}",
        f"{indent}fix:      {finding.remediation}",
    ]


def _plain(report: Report, options: RenderOptions) -> list[str]:
    lines: list[str] = []
    grouped = _group(report.findings)
    accounts = sorted({account for account, _, _ in grouped})
    several_accounts = len(accounts) > 1
    several_regions = len({region for _, _, region in grouped}) > 1

    def worst(items: list[Finding]) -> Status:
        return min((f.status for f in items), key=_rank)

    keys = sorted(grouped, key=lambda k: (k[0], _rank(worst(grouped[k])), k[1], k[2]))
    current_account = None
    for account, function, region in keys:
        items = grouped[(account, function, region)]
        if several_accounts and account != current_account:
            lines.append(f"account {account or 'unknown'}")
            current_account = account
        indent = "  " if several_accounts else ""
        status = worst(items)
        where = f" [{region}]" if several_regions and region else ""
        lines.append(f"{indent}{status.value.upper():5}  {function}{where}  ({_counts(items)})")
        shown = items if options.verbose else [f for f in items if f.status is not Status.PASS]
        for finding in sorted(shown, key=lambda f: _rank(f.status)):
            lines.append(
                f"{indent}  {finding.status.value.upper():5}  {finding.check_id}  "
                f"[{finding.resource}]"
            )
            if finding.status is not Status.PASS:
                lines += _details(finding, indent + "         ")
    return lines


def summary_rows(report: Report) -> list[tuple[str, str, str, int]]:
    """(status, check id, reason label, count), worst status first: reasons are data."""
    counts = Counter((f.status, f.check_id, f.reason.label) for f in report.findings)
    return [
        (status.value, check_id, reason, count)
        for (status, check_id, reason), count in sorted(
            counts.items(), key=lambda item: (_rank(item[0][0]), item[0][1], item[0][2])
        )
    ]


def _tail(report: Report, options: RenderOptions) -> list[str]:
    lines = ["", "summary (checks by status and reason)"]
    rows = summary_rows(report)
    width = max([len(r[1]) for r in rows] + [5])
    reason_width = max([len(r[2]) for r in rows] + [6])
    lines.append(f"  {'status':6}  {'check':{width}}  {'reason':{reason_width}}  count")
    for status, check_id, reason, count in rows:
        lines.append(f"  {status:6}  {check_id:{width}}  {reason:{reason_width}}  {count:>5}")
    functions = {(f.account, f.region, f.function) for f in report.findings if f.function != "*"}
    failing = {
        (f.account, f.region, f.function)
        for f in report.findings
        if f.status is Status.FAIL and f.function != "*"
    }
    lines.append(
        f"  {len(functions)} function(s), {len(failing)} failing; "
        f"{len(report.findings)} checks: "
        + ", ".join(f"{report.count(s)} {s.value}" for s in STATUS_ORDER)
    )
    accounts = sorted({f.account for f in report.findings if f.account})
    if len(accounts) > 1:
        lines += ["", "by account"]
        columns = ("pass", "fail", "warn", "error")
        lines.append(f"  {'account':14}  {'functions':>9}" + "".join(f"  {c:>6}" for c in columns))
        for account in accounts:
            items = [f for f in report.findings if f.account == account]
            names = {(f.region, f.function) for f in items if f.function != "*"}
            counter = Counter(f.status for f in items)
            lines.append(
                f"  {account:14}  {len(names):>9}  {counter[Status.PASS]:>6}  "
                f"{counter[Status.FAIL]:>6}  {counter[Status.WARN]:>6}  {counter[Status.ERROR]:>6}"
            )
    if options.warning_days is not None:
        lines.append("")
        if options.expiring:
            lines.append(f"signatures expiring in the next {options.warning_days} days")
            for item in options.expiring:
                used = ", ".join(item.used_by[:5])
                more = f" and {len(item.used_by) - 5} more" if len(item.used_by) > 5 else ""
                lines.append(
                    f"  {item.expires_at.isoformat()}  job {item.job_id}  profile {item.profile}  "
                    f"used by {used}{more}"
                )
        else:
            lines.append(f"no signature in use expires in the next {options.warning_days} days")
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.extend(package_lines(report))
    lines.append(f"result: {report.result.value}")
    return lines


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


def _table(report: Report, options: RenderOptions) -> str:
    # rich only for a terminal: JSON, SARIF and piped text runs never import it (~40 ms).
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"signed-lambda: {report.result.value}")
    several_accounts = len({f.account for f in report.findings if f.account}) > 1
    columns = ("Status", "Account", "Function") if several_accounts else ("Status", "Function")
    for column in (*columns, "Check", "Expected", "Actual"):
        table.add_column(column, overflow="fold")
    shown = sorted(report.findings, key=lambda f: (_rank(f.status), f.account or ""))
    passes = [f for f in shown if f.status is Status.PASS]
    if not options.verbose:
        shown = [f for f in shown if f.status is not Status.PASS]
    for finding in shown:
        style = STYLES[finding.status]
        where = (
            (finding.account or "", f"{finding.function}\n[dim]{finding.region or ''}[/]")
            if several_accounts
            else (finding.function,)
        )
        table.add_row(
            f"[{style}]{finding.status.value.upper()}[/]",
            *where,
            f"{finding.check_id}\n[dim]{finding.title}[/]",
            finding.expected,
            finding.actual,
        )
    if passes and not options.verbose:
        blank = ("",) * (len(columns) - 1)
        table.add_row(
            "[green]PASS[/]", *blank, f"{len(passes)} checks passed (--verbose lists them)", "", ""
        )
    buffer = io.StringIO()
    width = shutil.get_terminal_size((120, 24)).columns
    Console(file=buffer, force_terminal=True, width=width).print(table)
    return buffer.getvalue()
