"""Renderers: every format, every status; SARIF and JUnit structure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from tests.verifier import builders as b
from verifier.checks import REGISTRY, run_checks
from verifier.model import Finding, Report, Result, Status
from verifier.report import RENDERERS, Format, render, write_atomically


def finding(status: Status, check_id: str = "function.code_sha256") -> Finding:
    registered = REGISTRY[check_id]
    return Finding(
        check_id=check_id,
        title=registered.title,
        status=status,
        severity=registered.severity,
        function="hello",
        resource=b.FUNCTION_ARN,
        expected="expected-value",
        actual=f"actual-{status.value}",
        remediation=registered.remediation,
    )


def mixed_report() -> Report:
    """One finding of every status."""
    ids = list(REGISTRY)
    return Report(
        findings=tuple(finding(status, ids[i]) for i, status in enumerate(Status)),
        source="cdktf-outputs.json",
    )


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(Format)


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("tty", [False, True])
def test_every_format_renders_every_status(fmt: Format, tty: bool) -> None:
    report = mixed_report()
    output = render(report, fmt, tty=tty)
    for item in report.findings:
        assert item.check_id.split(".")[0] in output
        if item.status is not Status.PASS:
            assert f"actual-{item.status.value}" in output


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_a_full_run(fmt: Format) -> None:
    report = Report(findings=run_checks([b.evidence()], b.context()), source="out.json")
    assert render(report, fmt).strip()


def test_a_full_run_with_one_broken_fact_reports_it_in_every_format() -> None:
    broken = b.evidence(function=b.function(code_sha256=b.TAMPERED_SHA256))
    report = Report(findings=run_checks([broken], b.context()), source="out.json")
    document = json.loads(render(report, Format.JSON))
    assert document["result"] == "fail"
    assert document["summary"]["total"] == len(report.findings)
    failed = {c["id"] for c in document["checks"] if c["status"] == "fail"}
    assert "function.code_sha256" in failed
    sarif = json.loads(render(report, Format.SARIF))
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == failed
    junit = ET.fromstring(render(report, Format.JUNIT))
    assert junit.get("failures") == str(
        len([c for c in document["checks"] if c["status"] == "fail"])
    )
    assert b.TAMPERED_SHA256 in render(report, Format.TEXT)


def test_report_result_precedence() -> None:
    assert Report((finding(Status.PASS), finding(Status.WARN)), "x").result is Result.PASS
    assert Report((finding(Status.ERROR), finding(Status.PASS)), "x").result is Result.ERROR
    assert Report((finding(Status.ERROR), finding(Status.FAIL)), "x").result is Result.FAIL
    assert Report((), "x").result is Result.ERROR  # zero checks is never a pass


def test_json_document_shape() -> None:
    document = json.loads(render(mixed_report(), Format.JSON))
    assert document["schema_version"] == 1
    assert document["result"] == "fail"
    assert document["summary"] == {"total": 4, "pass": 1, "fail": 1, "warn": 1, "error": 1}
    keys = {
        "id",
        "title",
        "status",
        "severity",
        "function",
        "resource",
        "expected",
        "actual",
        "remediation",
    }
    for check in document["checks"]:
        assert keys <= set(check)
    assert [c["status"] for c in document["checks"]] == ["pass", "fail", "warn", "error"]


def test_junit_structure() -> None:
    root = ET.fromstring(render(mixed_report(), Format.JUNIT))
    assert root.tag == "testsuites"
    assert root.get("tests") == "4" and root.get("failures") == "1" and root.get("errors") == "1"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4
    assert all(case.get("classname") == b.FUNCTION_ARN for case in cases)
    assert [case.get("name") for case in cases] == list(REGISTRY)[:4]
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    assert cases[1].find("failure") is not None
    assert cases[2].find("system-out") is not None
    assert cases[3].find("error") is not None


def test_sarif_is_what_github_code_scanning_accepts() -> None:
    document = json.loads(render(mixed_report(), Format.SARIF))
    assert document["$schema"].endswith("sarif-2.1.0.json")
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    # informationUri is optional in SARIF 2.1.0; the project has no canonical home page yet.
    assert driver["name"] and driver["version"] and "informationUri" not in driver
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == list(REGISTRY)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0
    # Only fail, warn and error become results.
    assert [r["level"] for r in run["results"]] == ["error", "warning", "error"]
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "cdktf-outputs.json"
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"] == b.FUNCTION_ARN
        assert result["partialFingerprints"]
    assert run["results"][2]["message"]["text"].startswith("Could not verify")
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_uri_for_flags_mode_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifier.report.sarif import artifact_uri

    assert artifact_uri("command line") == "main.py"
    monkeypatch.chdir(tmp_path)
    assert artifact_uri(str(tmp_path / "deploy" / "out.json")) == "deploy/out.json"
    assert artifact_uri("/elsewhere/out.json") == "file:///elsewhere/out.json"


def test_sarif_absolute_uri_has_no_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = replace(mixed_report(), source="/elsewhere/out.json")
    document = json.loads(render(report, Format.SARIF))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "file:///elsewhere/out.json"}


def test_plain_text_names_failures_with_remediation() -> None:
    output = render(mixed_report(), Format.TEXT, tty=False)
    assert "FAIL" in output and "fix:" in output
    assert "\x1b[" not in output  # no escape codes when not a terminal
    assert output.rstrip().endswith("result: fail")


def test_tty_text_is_a_table() -> None:
    output = render(mixed_report(), Format.TEXT, tty=True)
    assert "signed-lambda verification: fail" in output


def test_write_atomically_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_report_keeps_findings_order() -> None:
    report = mixed_report()
    reordered = replace(report, findings=tuple(reversed(report.findings)))
    document = json.loads(render(reordered, Format.JSON))
    assert [c["status"] for c in document["checks"]] == ["error", "warn", "fail", "pass"]
