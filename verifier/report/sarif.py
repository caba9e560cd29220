"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it.

Every check is a rule (``tool.driver.rules``). Only non-passing checks become results:
FAIL -> level ``error``, WARN -> ``warning``, ERROR (could not run) -> ``error`` with the
message starting "Could not verify"; the invocation's ``executionSuccessful`` is false when
any check could not run. Each result has the physical location GitHub requires (the outputs
file, or ``main.py`` when the targets came from flags) and a logical location naming the AWS
resource.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Protocol

from verifier import __version__
from verifier.checks import REGISTRY
from verifier.model import Report, Severity, Status
from verifier.report.json_report import TOOL_NAME

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
    """A repository-relative URI for the file the expectations came from."""
    if source == "command line":
        return "main.py"
    path = Path(source)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return path.as_uri()
    return path.as_posix()


class RuleSource(Protocol):
    """What a rule needs of a check (the verifier's and the audit's checks both have it)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def remediation(self) -> str: ...
    @property
    def severity(self) -> Severity: ...


def rule(check: RuleSource) -> dict[str, Any]:
    """One check as a SARIF rule (the audit adds its own checks the same way)."""
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


def _rules() -> list[dict[str, Any]]:
    return [rule(check) for check in REGISTRY.values()]


def document(report: Report) -> dict[str, Any]:
    rule_index = {check_id: index for index, check_id in enumerate(REGISTRY)}
    uri = artifact_uri(report.source)
    # A repository-relative path is resolved against the checkout; an absolute URI stands alone.
    artifact_location: dict[str, str] = (
        {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    )
    results = []
    for finding in report.findings:
        if finding.status is Status.PASS:
            continue
        prefix = "Could not verify: " if finding.status is Status.ERROR else ""
        message = (
            f"{prefix}{finding.title} ({finding.function}): expected {finding.expected}; "
            f"actual {finding.actual}. {finding.remediation}"
        )
        fingerprint = hashlib.sha256(
            f"{finding.check_id}|{finding.function}|{finding.resource}".encode()
        ).hexdigest()
        results.append(
            {
                "ruleId": finding.check_id,
                "ruleIndex": rule_index.get(finding.check_id, -1),
                "level": LEVELS[finding.status],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": artifact_location,
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [
                            {
                                "name": finding.resource,
                                "fullyQualifiedName": finding.resource,
                                "kind": "resource",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {"signedLambdaFinding/v1": fingerprint},
                "properties": {"function": finding.function, "status": finding.status.value},
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
                        "rules": _rules(),
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


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2) + "\n"
