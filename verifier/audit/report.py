"""The audit's report: the verifier's formats, with a text layout for a fleet.

JSON and JUnit are the verifier's renderers unchanged (same schema). SARIF is the verifier's
document with the audit's checks added as rules. Text groups findings by function (a function
whose checks all pass is one line), then a summary table of counts by status and reason, and
a forecast of signatures expiring inside the warning window.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from verifier.audit.judge import AUDIT_CHECKS
from verifier.audit.model import ExpiringSignature
from verifier.model import Finding, Report, Status
from verifier.report import Format, render
from verifier.report import sarif as sarif_report

_ORDER = [Status.FAIL, Status.ERROR, Status.WARN, Status.PASS]

#: (substring of the finding's actual text, reason) — the first match names the reason.
_REASONS = (
    ("container image", "container image (code signing does not apply)"),
    ("no code signing config", "no code signing config"),
    ("not evaluated", "could not be read"),
    ("could not be", "could not be read"),
    ("untrusted:", "untrusted publisher allowed"),
    ("has no SigningJobArn", "deployed without signature validation"),
    ("which is not pinned", "signed by an untrusted profile"),
    ("was revoked", "signature revoked"),
    ("so it is invalid", "profile revoked"),
    ("expired", "signature expired"),
    ("is not the SHA-256", "code is not the signed object"),
    ("does not exist", "evidence missing (job, object or layer deleted)"),
    ("expires", "signature expires soon"),
    ("Canceled", "profile canceled"),
    ("revoked effective", "profile revoked after signing"),
    ("routes to", "alias routes to unproven code"),
)


def reason_of(finding: Finding) -> str:
    if finding.status is Status.PASS:
        return "proven"
    if finding.check_id == "csc.policy":
        return f"policy {finding.actual}"
    for needle, reason in _REASONS:
        if needle in finding.actual:
            return reason
    return finding.title


def summary_rows(report: Report) -> list[tuple[str, str, str, int]]:
    """(status, check id, reason, count), worst status first."""
    counts = Counter((f.status, f.check_id, reason_of(f)) for f in report.findings)
    return [
        (status.value, check_id, reason, count)
        for (status, check_id, reason), count in sorted(
            counts.items(), key=lambda item: (_ORDER.index(item[0][0]), item[0][1], item[0][2])
        )
    ]


def _by_function(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.function, []).append(finding)
    return grouped


def _worst(findings: list[Finding]) -> Status:
    return min((f.status for f in findings), key=_ORDER.index)


def render_text(report: Report, expiring: tuple[ExpiringSignature, ...], warning_days: int) -> str:
    lines: list[str] = []
    grouped = _by_function(report.findings)
    names = sorted(grouped, key=lambda name: (_ORDER.index(_worst(grouped[name])), name))
    for name in names:
        items = grouped[name]
        worst = _worst(items)
        if worst is Status.PASS:
            lines.append(f"PASS   {name}  ({len(items)} checks)")
            continue
        lines.append(f"{worst.value.upper():5}  {name}")
        for finding in sorted(items, key=lambda f: _ORDER.index(f.status)):
            lines.append(
                f"  {finding.status.value.upper():5}  {finding.check_id}  [{finding.resource}]"
            )
            if finding.status is not Status.PASS:
                lines.append(f"         expected: {finding.expected}")
                lines.append(f"         actual:   {finding.actual}")
                lines.append(f"         fix:      {finding.remediation}")
    lines.append("")
    lines.append("summary (checks by status and reason)")
    rows = summary_rows(report)
    width = max([len(r[1]) for r in rows] + [5])
    reason_width = max([len(r[2]) for r in rows] + [6])
    lines.append(f"  {'status':6}  {'check':{width}}  {'reason':{reason_width}}  count")
    for status, check_id, reason, count in rows:
        lines.append(f"  {status:6}  {check_id:{width}}  {reason:{reason_width}}  {count:>5}")
    functions = {f.function for f in report.findings if f.function != "*"}
    failing = {f.function for f in report.findings if f.status is Status.FAIL}
    lines.append(
        f"  {len(functions)} function(s), {len(failing - {'*'})} failing; "
        f"{len(report.findings)} checks"
    )
    lines.append("")
    if expiring:
        lines.append(f"signatures expiring in the next {warning_days} days")
        for item in expiring:
            used = ", ".join(item.used_by[:5])
            more = f" and {len(item.used_by) - 5} more" if len(item.used_by) > 5 else ""
            lines.append(
                f"  {item.expires_at.isoformat()}  job {item.job_id}  profile {item.profile}  "
                f"used by {used}{more}"
            )
    else:
        lines.append(f"no signature in use expires in the next {warning_days} days")
    lines.append(f"result: {report.result.value}")
    return "\n".join(lines) + "\n"


def render_sarif(report: Report) -> str:
    """The verifier's SARIF with the audit's checks as rules (indices fixed to match)."""
    document = sarif_report.document(report)
    driver = document["runs"][0]["tool"]["driver"]
    known = {rule["id"] for rule in driver["rules"]}
    for check in AUDIT_CHECKS:
        if check.id not in known:
            driver["rules"].append(sarif_report.rule(check))
    index = {rule["id"]: position for position, rule in enumerate(driver["rules"])}
    for result in document["runs"][0]["results"]:
        result["ruleIndex"] = index.get(result["ruleId"], -1)
    return json.dumps(document, indent=2) + "\n"


def render_audit(
    report: Report, fmt: Format, expiring: tuple[ExpiringSignature, ...], warning_days: int
) -> str:
    if fmt is Format.TEXT:
        return render_text(report, expiring, warning_days)
    if fmt is Format.SARIF:
        return render_sarif(report)
    return render(report, fmt)
