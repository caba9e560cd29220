"""``--format json``: one document with ``schema_version`` and stable keys."""

from __future__ import annotations

import json
from typing import Any

from verifier import __version__
from verifier.checks.findings import Report, Status

TOOL_NAME = "signed-lambda-verify"


def summary(report: Report) -> dict[str, int]:
    counts = {status.value: report.count(status) for status in Status}
    return {"total": len(report.findings), **counts}


def document(report: Report) -> dict[str, Any]:
    return {
        "schema_version": report.schema_version,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "source": report.source,
        "result": report.result.value,
        "summary": summary(report),
        "notes": list(report.notes),
        "checks": [
            {
                "id": finding.check_id,
                "title": finding.title,
                "status": finding.status.value,
                "severity": finding.severity.value,
                "function": finding.function,
                "resource": finding.resource,
                "expected": finding.expected,
                "actual": finding.actual,
                "remediation": finding.remediation,
                "reason": finding.reason.code,
                "account": finding.account,
                "region": finding.region,
                "code_path": finding.code_path,
            }
            for finding in report.findings
        ],
    }


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, sort_keys=False) + "\n"
