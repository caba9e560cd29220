"""``--format asff``: the findings in the AWS Security Finding Format, for Security Hub.

One ASFF finding per check result (a JSON array: what ``aws securityhub batch-import-findings
--findings file://...`` and :mod:`verifier.securityhub` send):

- ``Id``: stable per check, code path and account (the function's ARN, qualified by the code
  path, then the check id, then the resource where it is another one: a layer version, an
  alias), so each run updates the same finding;
- ``ProductArn``: the account's own custom integration,
  ``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``, in the Security
  Hub Region (``--security-hub-region``; the Region the findings are imported into);
- ``Severity`` from the registry (``INFORMATIONAL`` for a pass, with ``Original`` the check's
  severity); ``Compliance.Status`` PASSED / FAILED / WARNING / NOT_AVAILABLE (a check that could
  not run); ``Resources`` of type ``AwsLambdaFunction`` (plus ``AwsLambdaLayerVersion`` for a
  layer's check; ``AwsAccount`` for an account-region's own findings); ``Remediation`` text;
- ``RecordState`` ``ARCHIVED`` for a pass (importing it archives a finding that failed before,
  as AWS documents for resolved findings), ``ACTIVE`` otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from verifier import __version__
from verifier.checks.findings import Finding, Report, Severity, Status
from verifier.contract.accounts import partition_of_region
from verifier.errors import InputError
from verifier.report.options import RenderOptions

SCHEMA_VERSION = "2018-10-08"
GENERATOR_PREFIX = "signed-lambda/"
PRODUCT_NAME = "signed-lambda"
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices/Lambda Code Signing"
COMPLIANCE = {
    Status.PASS: "PASSED",
    Status.FAIL: "FAILED",
    Status.WARN: "WARNING",
    Status.ERROR: "NOT_AVAILABLE",
}
LABELS = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
}
#: botocore's limits on the ASFF fields we fill (AWS documents them; longer text is cut).
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_REMEDIATION = 512


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as Security Hub writes them."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def product_arn(account: str, region: str) -> str:
    """The account's own custom integration in ``region`` (the one BatchImportFindings
    accepts from that account)."""
    partition = partition_of_region(region)
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split()) or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _function_arn(finding: Finding, account: str, region: str) -> str:
    partition = partition_of_region(region)
    return f"arn:{partition}:lambda:{region}:{account}:function:{finding.function}"


def finding_id(finding: Finding) -> str:
    """The finding's stable ``Id`` (see the module docstring)."""
    account, region = _where(finding)
    if finding.function == "*":
        base = f"{GENERATOR_PREFIX}{account}/{region}"
    else:
        base = _function_arn(finding, account, region)
        if finding.code_path is not None:
            base += f":{finding.code_path}"
    identity = f"{base}/{finding.check_id}"
    if finding.resource not in (base, f"lambda:{region}"):
        identity += f"/{finding.resource}"
    return identity


def subject_of_id(identity: str) -> tuple[str, str, str] | None:
    """``(account, region, function)`` of an ``Id`` :func:`finding_id` made (function ``*``
    for an account-region's own findings); None for any other Id."""
    if identity.startswith(GENERATOR_PREFIX):
        parts = identity.removeprefix(GENERATOR_PREFIX).split("/")
        return (parts[0], parts[1], "*") if len(parts) >= 3 else None
    # arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]/<check>[/...]
    parts = identity.split("/", 1)[0].split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return parts[4], parts[3], parts[6]
    return None


def _where(finding: Finding) -> tuple[str, str]:
    if not finding.account or not finding.region:
        raise InputError(
            f"{finding.check_id} of {finding.function}: no account or Region in the finding, "
            "which ASFF needs",
            "run the audit (it names both), or merge reports that carry them",
        )
    return finding.account, finding.region


def _resources(finding: Finding, account: str, region: str) -> list[dict[str, Any]]:
    partition = partition_of_region(region)
    common = {"Partition": partition, "Region": region}
    if finding.function == "*":
        return [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account}", **common}]
    function_arn = _function_arn(finding, account, region)
    qualified = finding.resource.startswith(function_arn + ":")
    details: dict[str, Any] = {"FunctionName": finding.function}
    if finding.code_path is not None:
        details["Version"] = finding.code_path
    resources = [
        {
            "Type": "AwsLambdaFunction",
            "Id": finding.resource if qualified else function_arn,
            **common,
            "Details": {"AwsLambdaFunction": details},
        }
    ]
    if ":layer:" in finding.resource:
        resources.append({"Type": "AwsLambdaLayerVersion", "Id": finding.resource, **common})
    return resources


def document(
    finding: Finding, *, region: str | None, now: datetime, created_at: str | None = None
) -> dict[str, Any]:
    """One ASFF finding. ``region``: the Security Hub Region (None: the finding's own);
    ``created_at``: the stored finding's, when it is being updated."""
    account, finding_region = _where(finding)
    hub_region = region or finding_region
    severity = {
        "Label": "INFORMATIONAL" if finding.status is Status.PASS else LABELS[finding.severity],
        "Original": finding.severity.value,
    }
    where = (
        finding.function
        if finding.code_path is None
        else (f"{finding.function} {finding.code_path}")
    )
    stamp = timestamp(now)
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(finding),
        "ProductArn": product_arn(account, hub_region),
        "ProductName": PRODUCT_NAME,
        "GeneratorId": f"{GENERATOR_PREFIX}{finding.check_id}",
        "AwsAccountId": account,
        "Types": [FINDING_TYPE],
        "CreatedAt": created_at or stamp,
        "UpdatedAt": stamp,
        "Severity": severity,
        "Title": _cut(finding.title, MAX_TITLE),
        "Description": _cut(
            f"{where} ({finding_region}): expected {finding.expected}; actual {finding.actual}.",
            MAX_DESCRIPTION,
        ),
        "Remediation": {"Recommendation": {"Text": _cut(finding.remediation, MAX_REMEDIATION)}},
        "ProductFields": {
            "signed-lambda/CheckId": finding.check_id,
            "signed-lambda/Status": finding.status.value,
            "signed-lambda/Reason": finding.reason.code,
            "signed-lambda/Resource": _cut(finding.resource, 2048),
            "signed-lambda/Version": __version__,
        },
        "Resources": _resources(finding, account, finding_region),
        "Compliance": {"Status": COMPLIANCE[finding.status]},
        "RecordState": "ARCHIVED" if finding.status is Status.PASS else "ACTIVE",
        "FindingProviderFields": {"Severity": severity, "Types": [FINDING_TYPE]},
    }


def documents(
    findings: Iterable[Finding], *, region: str | None, now: datetime | None = None
) -> list[dict[str, Any]]:
    moment = now or datetime.now(UTC)
    return [document(finding, region=region, now=moment) for finding in findings]


def render(report: Report, options: RenderOptions) -> str:
    found = documents(report.findings, region=options.security_hub_region, now=options.now)
    return json.dumps(found, indent=2) + "\n"
