"""The Markdown summary for ``$GITHUB_STEP_SUMMARY`` (and stderr)."""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.checks.findings import Finding, Report, Status
from verifier.drift.plan import PlanResult, ResourceChange
from verifier.exitcodes import ExitCode
from verifier.repair import EVIDENCE_CHECKS, LEFT_AS_IS, REPAIRED_CHECKS

_STATUS_ICON = {Status.FAIL: "❌", Status.WARN: "⚠️", Status.ERROR: "⛔"}


@dataclass
class StackVerdict:
    stack: str
    plan: PlanResult | None = None
    report: Report | None = None
    errors: list[str] = field(default_factory=list)
    #: Set when the stack could not be checked at all (exit 2 or 3).
    exit_code: ExitCode | None = None


def _cell(value: str | None) -> str:
    return (value or "").replace("|", "\\|").replace("\n", " ")[:200]


def _changes_table(changes: tuple[ResourceChange, ...]) -> list[str]:
    lines = ["| resource | action | changed attributes |", "|---|---|---|"]
    for change in changes:
        attributes = ", ".join(f"`{a}`" for a in change.attributes) or "—"
        lines.append(f"| `{change.address}` | {change.action} | {attributes} |")
    return lines


def _plan_cell(verdict: StackVerdict) -> str:
    if verdict.plan is None:
        return "⛔ not run"
    count = len(verdict.plan.changes)
    return f"❌ {count} resource(s) drifted" if count else "✅ no changes"


def _verify_cell(verdict: StackVerdict) -> str:
    report = verdict.report
    if report is None:
        return "⛔ not run"
    fail, warn, error = (report.count(s) for s in (Status.FAIL, Status.WARN, Status.ERROR))
    if not fail and not error:
        suffix = f", {warn} warning(s)" if warn else ""
        return f"✅ {len(report.findings)} checks passed{suffix}"
    return f"❌ {fail} failed, {error} error(s), {warn} warning(s)"


def flagged_rows(report: Report) -> list[tuple[Finding, list[str]]]:
    """Non-passing findings; one row for the same finding on several functions (a shared
    CSC or profile), naming them all."""
    rows: dict[tuple[str, Status, str, str, str], tuple[Finding, list[str]]] = {}
    for finding in report.findings:
        if finding.status not in _STATUS_ICON:
            continue
        key = (finding.check_id, finding.status, finding.resource, finding.expected, finding.actual)
        rows.setdefault(key, (finding, []))[1].append(finding.function)
    return list(rows.values())


def remedies(verdict: StackVerdict) -> list[str]:
    """What to do, one line each: `make repair` where it puts the functions back, a new
    signature where the signed evidence itself is bad (repair refuses), `make deploy` where
    Terraform would change something, and the advice for what repair leaves."""
    report = verdict.report
    failing = (
        [f for f in report.findings if f.status in (Status.FAIL, Status.ERROR)] if report else []
    )
    bad = sorted({f.check_id for f in failing if f.check_id in EVIDENCE_CHECKS})
    repairable = sorted({f.function for f in failing if f.check_id in REPAIRED_CHECKS})
    lines = []
    if bad:
        lines.append(
            f"- The signed evidence itself is bad ({', '.join(f'`{c}`' for c in bad)}): "
            "`make repair` refuses; only a redeploy with a new signature helps "
            '(README, "A way back").'
        )
    elif repairable:
        lines.append(
            f"- `make repair` puts {', '.join(repairable)} back on the signed build (code, the "
            "pinned CSC, the declared configuration), then verifies again."
        )
    if verdict.plan and verdict.plan.changes:
        lines.append("- `make deploy` applies the declared configuration over the changes above.")
    left = sorted({f.check_id for f in failing if f.check_id in LEFT_AS_IS})
    lines += [f"- `{check}`: {LEFT_AS_IS[check]}." for check in left]
    return lines


def render(verdicts: list[StackVerdict], exit_code: int, reports_note: str) -> str:
    title = {0: "✅ no drift", 1: "❌ drift found"}.get(exit_code, f"⛔ error (exit {exit_code})")
    lines = [f"## Drift check: {title}", ""]
    lines += ["| stack | terraform plan | verifier |", "|---|---|---|"]
    lines += [f"| `{v.stack}` | {_plan_cell(v)} | {_verify_cell(v)} |" for v in verdicts]
    for verdict in verdicts:
        for error in verdict.errors:
            lines += ["", f"⛔ `{verdict.stack}`: {_cell(error)}"]
        if verdict.plan and verdict.plan.changes:
            lines += ["", f"### `{verdict.stack}`: Terraform would change", ""]
            lines += _changes_table(verdict.plan.changes)
        if verdict.plan and verdict.plan.outside_changes:
            lines += ["", f"### `{verdict.stack}`: changed outside Terraform (seen on refresh)", ""]
            lines += _changes_table(verdict.plan.outside_changes)
        rows = flagged_rows(verdict.report) if verdict.report else []
        if rows:
            lines += ["", f"### `{verdict.stack}`: verifier checks that did not pass", ""]
            lines += [
                "| status | check | function | resource | expected | actual |",
                "|---|---|---|---|---|---|",
            ]
            for finding, functions in rows:
                lines.append(
                    f"| {_STATUS_ICON[finding.status]} {finding.status.value} | "
                    f"`{finding.check_id}` {_cell(finding.title)} | "
                    f"{_cell(', '.join(functions))} | "
                    f"`{_cell(finding.resource)}` | {_cell(finding.expected)} | "
                    f"{_cell(finding.actual)} |"
                )
        todo = remedies(verdict)
        if todo:
            lines += ["", f"### `{verdict.stack}`: what to do", "", *todo]
    lines += ["", reports_note]
    return "\n".join(lines) + "\n"
