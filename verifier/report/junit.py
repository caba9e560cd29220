"""``--format junit``: one testcase per check (classname = resource, name = check id; a
resource that does not name its finding's account gets it appended, ``lambda:<region>:<account>``
for an account-region's own findings, so two accounts' test cases never look the same).

FAIL -> ``<failure>``, ERROR (could not run) -> ``<error>``, WARN -> a pass with the warning
in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from verifier.checks.findings import Finding, Report, Status
from verifier.report.json_report import TOOL_NAME


def classname(finding: Finding) -> str:
    account = finding.account
    if account is None or account in finding.resource:
        return finding.resource
    return f"{finding.resource}:{account}"


def render(report: Report) -> str:
    failures = str(report.count(Status.FAIL))
    errors = str(report.count(Status.ERROR))
    tests = str(len(report.findings))
    suites = ET.Element("testsuites", name=TOOL_NAME, tests=tests, failures=failures, errors=errors)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=TOOL_NAME,
        tests=tests,
        failures=failures,
        errors=errors,
        skipped="0",
    )
    for finding in report.findings:
        case = ET.SubElement(suite, "testcase", classname=classname(finding), name=finding.check_id)
        detail = (
            f"{finding.title}\nfunction: {finding.function}\nexpected: {finding.expected}\n"
            f"actual: {finding.actual}\nremediation: {finding.remediation}"
        )
        if finding.status is Status.FAIL:
            element = ET.SubElement(
                case, "failure", message=finding.actual, type=finding.severity.value
            )
            element.text = detail
        elif finding.status is Status.ERROR:
            element = ET.SubElement(case, "error", message=finding.actual, type="not-evaluated")
            element.text = detail
        elif finding.status is Status.WARN:
            ET.SubElement(case, "system-out").text = f"WARNING: {detail}"
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
