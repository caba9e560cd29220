"""``--format json``: one document with ``schema_version`` and stable keys."""

from __future__ import annotations

import json
from typing import Any

from verifier import __version__
from verifier.contract.manifest import FunctionManifest
from verifier.model import Report, Status

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
            }
            for finding in report.findings
        ],
        "packages": packages(report),
    }


def packages(report: Report) -> dict[str, dict[str, Any]]:
    """Per function and per layer: the package the manifest declares and its dependencies."""
    found: dict[str, dict[str, Any]] = {"functions": {}, "layers": {}}
    for artifact in report.packages:
        group = "functions" if isinstance(artifact, FunctionManifest) else "layers"
        found[group][artifact.key] = {
            "source_dir": artifact.source_dir,
            "package_sha256": artifact.package_sha256,
            **artifact.package.to_output(),
        }
    return found


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, sort_keys=False) + "\n"
