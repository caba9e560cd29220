"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it.

Every registered check is a rule (``tool.driver.rules``), with its one severity, for verify and
the audit alike. Only non-passing checks become results: FAIL -> level ``error``, WARN ->
``warning``, ERROR (could not run) -> ``error`` with the message starting "Could not verify";
the invocation's ``executionSuccessful`` is false when any check could not run. Each result's
physical location is where the function is declared (the config entry's line) when that is
known, else the lock file (the trust anchor), else the file the expectations came from; its
logical location names the AWS resource.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from verifier import __version__
from verifier.checks.findings import Report, Severity, Status
from verifier.checks.registry import REGISTRY, Check
from verifier.report.json_report import TOOL_NAME
from verifier.report.options import Location, RenderOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub maps security-severity to critical (>= 9), high (7-8.9), medium (4-6.9), low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVELS = {Status.FAIL: "error", Status.WARN: "warning", Status.ERROR: "error"}


def artifact_uri(source: str) -> str:
    """A repository-relative URI for a file (absolute paths under the working directory)."""
    if source == "command line":
        return "main.py"
    path = Path(source)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return path.as_uri()
    return path.as_posix()


def rule(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": check.id.replace(".", "_"),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.title},
        "help": {"text": check.remediation, "markdown": check.remediation},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "security-severity": SECURITY_SEVERITY[check.severity],
            "tags": ["security", "aws-lambda", "code-signing"],
        },
    }


def _artifact(location: Location) -> dict[str, Any]:
    uri = artifact_uri(location.uri)
    # A repository-relative path is resolved against the checkout; an absolute URI stands alone.
    artifact: dict[str, Any] = (
        {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    )
    return {"artifactLocation": artifact, "region": {"startLine": location.line}}


def document(report: Report, options: RenderOptions | None = None) -> dict[str, Any]:
    options = options or RenderOptions()
    rule_index = {check_id: index for index, check_id in enumerate(REGISTRY)}
    fallback = options.default_location or Location(report.source)
    results = []
    for finding in report.findings:
        if finding.status is Status.PASS:
            continue
        prefix = "Could not verify: " if finding.status is Status.ERROR else ""
        message = (
            f"{prefix}{finding.title} ({finding.function}): expected {finding.expected}; "
            f"actual {finding.actual}. {finding.remediation}"
        )
        identity = f"{finding.check_id}|{finding.function}|{finding.resource}"
        if finding.account:
            identity += f"|{finding.account}|{finding.region}"
        location = options.locations.get(finding.function, fallback)
        results.append(
            {
                "ruleId": finding.check_id,
                "ruleIndex": rule_index.get(finding.check_id, -1),
                "level": LEVELS[finding.status],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": _artifact(location),
                        "logicalLocations": [
                            {
                                "name": finding.resource,
                                "fullyQualifiedName": finding.resource,
                                "kind": "resource",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {
                    "signedLambdaFinding/v1": hashlib.sha256(identity.encode()).hexdigest()
                },
                "properties": {
                    "function": finding.function,
                    "status": finding.status.value,
                    "reason": finding.reason.code,
                    **({"account": finding.account} if finding.account else {}),
                    **({"region": finding.region} if finding.region else {}),
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule(check) for check in REGISTRY.values()],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": report.count(Status.ERROR) == 0
                        and bool(report.findings)
                    }
                ],
                "results": results,
            }
        ],
    }


def render(report: Report, options: RenderOptions | None = None) -> str:
    return json.dumps(document(report, options), indent=2) + "\n"
