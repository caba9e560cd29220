"""``--format json``: one document with ``schema_version`` and stable keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from verifier import __version__
from verifier.checks.findings import Finding, Reason, Report, Severity, Status
from verifier.contract.manifest import FunctionManifest
from verifier.contract.reader import Reader, json_type

TOOL_NAME = "signed-lambda-verify"
SCHEMA_VERSION = 1
#: ``report merge`` reads reports up to this size (an organization's: ~600 bytes per check).
MAX_REPORT_BYTES = 512 * 1024 * 1024
_REASONS = {reason.code: reason for reason in Reason}


def summary(report: Report) -> dict[str, int]:
    counts = {status.value: report.count(status) for status in Status}
    return {"total": len(report.findings), **counts}


def document(report: Report) -> dict[str, Any]:
    return {
        "schema_version": report.schema_version,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "source": report.source,
        "account": report.account,
        "result": report.result.value,
        "summary": summary(report),
        "notes": list(report.notes),
        "shard": report.shard,
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


def _text(reader: Reader, item: Mapping[str, Any], key: str, path: str) -> str:
    """A string member that may be empty (a verdict's expected or actual text)."""
    value = reader.get(item, key, path)
    if not isinstance(value, str):
        raise reader.fail(reader.join(path, key), f"must be a string, not {json_type(value)}")
    return value


def _enum(reader: Reader, item: Mapping[str, Any], key: str, path: str, choices: Any) -> Any:
    value = reader.string(item, key, path)
    for choice in choices:
        if choice.value == value:
            return choice
    allowed = ", ".join(c.value for c in choices)
    raise reader.fail(reader.join(path, key), f"is {value!r}, not one of {allowed}")


def parse(document: Any, origin: str) -> Report:
    """A report from its ``--format json`` document; every problem one InputError naming
    ``origin`` and the key (a report of another tool or schema is refused)."""
    reader = Reader(origin)
    root = reader.mapping(document, "the document")
    tool = reader.obj(root, "tool", "")
    if reader.string(tool, "name", "tool") != TOOL_NAME:
        raise reader.fail("tool.name", f"is not {TOOL_NAME}: not a signed-lambda JSON report")
    if reader.integer(root, "schema_version", "") != SCHEMA_VERSION:
        raise reader.fail(
            "schema_version", f"is not {SCHEMA_VERSION}", "merge reports of this verifier version"
        )
    notes = reader.get(root, "notes", "")
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise reader.fail("notes", f"must be an array of strings, not {json_type(notes)}")
    checks = reader.get(root, "checks", "")
    if not isinstance(checks, list):
        raise reader.fail("checks", f"must be an array, not {json_type(checks)}")
    findings = []
    for index, raw in enumerate(checks):
        path = f"checks[{index}]"
        item = reader.mapping(raw, path)
        reason_code = reader.string(item, "reason", path)
        if reason_code not in _REASONS:
            raise reader.fail(
                reader.join(path, "reason"),
                f"is {reason_code!r}, a reason this verifier does not know",
                "merge reports of this verifier version",
            )
        findings.append(
            Finding(
                check_id=reader.string(item, "id", path),
                title=_text(reader, item, "title", path),
                status=_enum(reader, item, "status", path, Status),
                severity=_enum(reader, item, "severity", path, Severity),
                function=reader.string(item, "function", path),
                resource=_text(reader, item, "resource", path),
                expected=_text(reader, item, "expected", path),
                actual=_text(reader, item, "actual", path),
                remediation=_text(reader, item, "remediation", path),
                reason=_REASONS[reason_code],
                account=reader.optional_string(item, "account", path),
                region=reader.optional_string(item, "region", path),
                code_path=reader.optional_string(item, "code_path", path),
            )
        )
    return Report(
        findings=tuple(findings),
        source=reader.string(root, "source", ""),
        schema_version=SCHEMA_VERSION,
        notes=tuple(notes),
        shard=reader.optional_string(root, "shard", ""),
        account=reader.optional_string(root, "account", ""),
    )
