"""The Markdown summary for ``$GITHUB_STEP_SUMMARY`` (and stderr)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drift.plan import PlanResult, ResourceChange

_STATUS_ICON = {"fail": "❌", "warn": "⚠️", "error": "⛔"}


@dataclass
class StackVerdict:
    stack: str
    plan: PlanResult | None = None
    verify_exit: int | None = None
    verify_report: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text.replace("|", "\\|").replace("\n", " ")[:200]


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
    report = verdict.verify_report
    if verdict.verify_exit is None or report is None:
        return "⛔ not run" if verdict.verify_exit is None else f"⛔ exit {verdict.verify_exit}"
    checks = report.get("checks", [])
    counts = {s: sum(1 for c in checks if c.get("status") == s) for s in ("fail", "warn", "error")}
    if verdict.verify_exit == 0:
        suffix = f", {counts['warn']} warning(s)" if counts["warn"] else ""
        return f"✅ {len(checks)} checks passed{suffix}"
    return f"❌ {counts['fail']} failed, {counts['error']} error(s), {counts['warn']} warning(s)"


def render(verdicts: list[StackVerdict], exit_code: int) -> str:
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
        flagged = [
            c
            for c in (verdict.verify_report or {}).get("checks", [])
            if c.get("status") in _STATUS_ICON
        ]
        if flagged:
            lines += ["", f"### `{verdict.stack}`: verifier checks that did not pass", ""]
            lines += ["| status | check | resource | expected | actual |", "|---|---|---|---|---|"]
            for check in flagged:
                lines.append(
                    f"| {_STATUS_ICON[check['status']]} {check['status']} | `{check.get('id')}` "
                    f"{_cell(check.get('title'))} | `{_cell(check.get('resource'))}` | "
                    f"{_cell(check.get('expected'))} | {_cell(check.get('actual'))} |"
                )
    lines += ["", "Reports: plan JSON, verifier JSON and SARIF are in the reports artifact."]
    return "\n".join(lines) + "\n"
