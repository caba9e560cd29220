"""The one report package (verifier.report), for verify and the audit alike: every Format member
renders every status; JSON, JUnit and SARIF structure; one severity per check id in every
rendering; the text view (failures first, one line per function, summary by reason code)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.verifier import builders as b
from verifier.checks.findings import Finding, Reason, Report, Result, Severity, Status
from verifier.checks.forecast import expiring
from verifier.checks.registry import REGISTRY, Mode
from verifier.evidence.model import AliasEvidence
from verifier.report import RENDERERS, Format, Location, RenderOptions, render, write_atomically
from verifier.report.options import config_locations, lock_location
from verifier.report.sarif import SECURITY_SEVERITY, artifact_uri
from verifier.report.text import summary_rows

REASONS = {
    Status.PASS: Reason.PROVEN,
    Status.FAIL: Reason.CODE_MISMATCH,
    Status.WARN: Reason.EXPIRES_SOON,
    Status.ERROR: Reason.UNREADABLE,
}


def finding(status: Status, check_id: str = "function.code_sha256", **changes: object) -> Finding:
    registered = REGISTRY[check_id]
    base = Finding(
        check_id=check_id,
        title=registered.title,
        status=status,
        severity=registered.severity,
        function="hello",
        resource=b.FUNCTION_ARN,
        expected="expected-value",
        actual=f"actual-{status.value}",
        remediation=registered.remediation,
        reason=REASONS[status],
        account=b.ACCOUNT,
        region=b.REGION,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def mixed_report() -> Report:
    """One finding of every status, for the first checks of the registry."""
    ids = list(REGISTRY)
    return Report(
        findings=tuple(finding(status, ids[i]) for i, status in enumerate(Status)),
        source="cdktf-outputs.json",
    )


def verify_report(**changes: object) -> Report:
    return Report(findings=tuple(b.world(**changes).findings()), source="cdktf-outputs.json")


def audit_report(**changes: object) -> Report:
    return Report(findings=tuple(b.world(Mode.FLEET, **changes).findings()), source="command line")


# --- every format ------------------------------------------------------------------------------


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(Format)


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("tty", [False, True])
def test_every_format_renders_every_status(fmt: Format, tty: bool) -> None:
    report = mixed_report()
    output = render(report, fmt, RenderOptions(tty=tty))
    for item in report.findings:
        if item.status is not Status.PASS:
            assert item.check_id in output
            assert f"actual-{item.status.value}" in output


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("report", [verify_report, audit_report], ids=["verify", "audit"])
def test_every_format_renders_a_full_run_of_both_commands(fmt: Format, report: object) -> None:
    assert callable(report)
    assert render(report(), fmt).strip()


def test_one_broken_fact_is_reported_in_every_format() -> None:
    report = verify_report(latest=b.latest(code_sha256=b.TAMPERED_SHA256))
    document = json.loads(render(report, Format.JSON))
    assert document["result"] == "fail"
    assert document["summary"]["total"] == len(report.findings)
    failed = {c["id"] for c in document["checks"] if c["status"] == "fail"}
    assert "function.code_sha256" in failed
    sarif = json.loads(render(report, Format.SARIF))
    sarif_ids = {r["ruleId"] for r in sarif["runs"][0]["results"] if r["level"] == "error"}
    assert failed <= sarif_ids
    junit = ET.fromstring(render(report, Format.JUNIT))
    assert junit.get("failures") == str(document["summary"]["fail"])
    assert b.TAMPERED_SHA256 in render(report, Format.TEXT)


def test_report_result_precedence() -> None:
    assert Report((finding(Status.PASS), finding(Status.WARN)), "x").result is Result.PASS
    assert Report((finding(Status.ERROR), finding(Status.PASS)), "x").result is Result.ERROR
    assert Report((finding(Status.ERROR), finding(Status.FAIL)), "x").result is Result.FAIL
    assert Report((), "x").result is Result.ERROR  # zero checks is never a pass


# --- JSON ----------------------------------------------------------------------------------------


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
        "reason",
        "account",
        "region",
        "code_path",
    }
    for check in document["checks"]:
        assert set(check) == keys
        assert (check["account"], check["region"]) == (b.ACCOUNT, b.REGION)
    assert [c["status"] for c in document["checks"]] == ["pass", "fail", "warn", "error"]
    assert [c["reason"] for c in document["checks"]] == [REASONS[s].code for s in Status]


def test_json_reason_is_the_code_and_the_code_path_is_named() -> None:
    report = audit_report(versions=(b.code_path("1", signing_job_arn=None),))
    document = json.loads(render(report, Format.JSON))
    (unsigned,) = [
        c for c in document["checks"] if c["status"] == "fail" and c["id"] == "code.signed"
    ]
    assert (unsigned["reason"], unsigned["code_path"]) == ("not_validated", "1")
    assert all(c["reason"] in {r.code for r in Reason} for c in document["checks"])


def test_report_keeps_findings_order() -> None:
    report = mixed_report()
    reordered = replace(report, findings=tuple(reversed(report.findings)))
    document = json.loads(render(reordered, Format.JSON))
    assert [c["status"] for c in document["checks"]] == ["error", "warn", "fail", "pass"]


def test_json_carries_the_notes() -> None:
    report = replace(mixed_report(), notes=("123456789012 eu-west-1: no Lambda functions",))
    assert json.loads(render(report, Format.JSON))["notes"] == list(report.notes)


# --- JUnit ---------------------------------------------------------------------------------------


def test_junit_structure() -> None:
    root = ET.fromstring(render(mixed_report(), Format.JUNIT))
    assert root.tag == "testsuites"
    assert root.get("tests") == "4" and root.get("failures") == "1" and root.get("errors") == "1"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4
    assert all(case.get("classname") == b.FUNCTION_ARN for case in cases)
    assert [case.get("name") for case in cases] == list(REGISTRY)[:4]
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("type") == REGISTRY[list(REGISTRY)[1]].severity
    assert cases[2].find("system-out") is not None
    assert cases[3].find("error") is not None


# --- SARIF ---------------------------------------------------------------------------------------


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
        assert result["properties"]["reason"] in {r.code for r in Reason}
        assert result["properties"]["account"] == b.ACCOUNT
    assert run["results"][2]["message"]["text"].startswith("Could not verify")
    assert run["invocations"][0]["executionSuccessful"] is False


def broken_verify_report() -> Report:
    """A verify run where checks of every severity fail."""
    return verify_report(
        latest=b.latest(code_sha256=b.TAMPERED_SHA256, handler="evil.handler"),
        csc=b.csc(policy="Warn"),
        job=b.job(signed_key="signed/other.zip"),
    )


def broken_audit_report() -> Report:
    """An audit where function.csc, csc.publishers, code.signed and the Region checks report."""
    w = b.world(
        Mode.FLEET,
        csc=b.csc(policy="Warn", allowed_publishers=(b.OTHER_PROFILE_VERSION_ARN,)),
        versions=(b.code_path("1", signing_job_arn=None),),
        aliases=(AliasEvidence("live", "1"),),
        latest=b.latest(file_systems=("arn:aws:elasticfilesystem:us-east-1:1:access-point/x",)),
    )
    no_csc = replace(w.function, name="no-csc", csc=replace(w.function.csc, arn=None))  # type: ignore[type-var]
    evidence = replace(w.evidence, functions=(w.function, no_csc))
    return Report(tuple(b.World(evidence, None, w.context).findings()), source="command line")


@pytest.mark.parametrize(
    "report", [broken_verify_report, broken_audit_report], ids=["verify", "audit"]
)
def test_every_sarif_rule_has_its_findings_severity(report: object) -> None:
    """One severity per check id in every rendering: the SARIF rule, the JSON check and the
    registry agree, for verify and for the audit (the audit once said HIGH where SARIF said
    critical)."""
    assert callable(report)
    found: Report = report()
    assert found.count(Status.FAIL) >= 3
    sarif = json.loads(render(found, Format.SARIF))
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    document = json.loads(render(found, Format.JSON))
    severity_of = {}
    for check in document["checks"]:
        severity_of.setdefault(check["id"], set()).add(check["severity"])
    assert run["results"], "some findings became results"
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        (severity,) = severity_of[result["ruleId"]]
        assert severity == REGISTRY[result["ruleId"]].severity.value
        assert rule["properties"]["security-severity"] == SECURITY_SEVERITY[Severity(severity)]
    critical = {r["ruleId"] for r in run["results"]} & {"function.csc", "csc.publishers"}
    if report is broken_audit_report:
        assert critical == {"function.csc", "csc.publishers"}
        assert {severity_of[c].pop() for c in critical} == {"critical"}


def test_sarif_uri_for_flags_mode_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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


def test_sarif_points_at_the_functions_config_entry_else_the_default(tmp_path: Path) -> None:
    config = tmp_path / "signed-lambda.json"
    config.write_text(
        json.dumps(
            {"region": "us-east-1", "functions": [{"key": "other"}, {"key": "hello"}]}, indent=2
        )
    )
    locations = config_locations(config, "signed-lambda.json")
    assert set(locations) == {"other", "hello"}
    assert locations["hello"].line > locations["other"].line > 1
    lock = tmp_path / "signed-lambda.lock.json"
    lock.write_text(json.dumps({"version": 1, "stacks": {"signed-lambda": {}}}, indent=2))
    default = lock_location(lock, "signed-lambda.lock.json", "signed-lambda")
    assert default == Location("signed-lambda.lock.json", 4)  # the stack entry's line
    report = Report(
        (finding(Status.FAIL), finding(Status.FAIL, function="stranger")), source="out.json"
    )
    options = RenderOptions(locations=locations, default_location=default)
    results = json.loads(render(report, Format.SARIF, options))["runs"][0]["results"]
    places = [r["locations"][0]["physicalLocation"] for r in results]
    assert [(p["artifactLocation"]["uri"], p["region"]["startLine"]) for p in places] == [
        ("signed-lambda.json", locations["hello"].line),
        ("signed-lambda.lock.json", 4),
    ]
    assert config_locations(tmp_path / "missing.json", "x") == {}


def test_sarif_fingerprints_tell_accounts_apart() -> None:
    one = finding(Status.FAIL)
    other = finding(Status.FAIL, account=b.OTHER_ACCOUNT)
    results = json.loads(render(Report((one, other), "x"), Format.SARIF))["runs"][0]["results"]
    prints = [r["partialFingerprints"]["signedLambdaFinding/v1"] for r in results]
    assert prints[0] != prints[1]


# --- text ----------------------------------------------------------------------------------------


def test_plain_text_puts_failures_first_with_remediation() -> None:
    output = render(mixed_report(), Format.TEXT, RenderOptions(tty=False))
    lines = output.splitlines()
    assert lines[0].startswith("FAIL   hello  (1 pass, 1 warn, 1 error, 1 fail)")
    shown = [line.split()[0] for line in lines[1:] if line.startswith("  ") and "[" in line]
    assert shown == ["FAIL", "ERROR", "WARN"]  # worst first; passes are not listed
    assert "fix:" in output
    assert "\x1b[" not in output  # no escape codes when not a terminal
    assert output.rstrip().endswith("result: fail")


def test_plain_text_is_one_line_per_function_and_verbose_shows_every_check() -> None:
    report = verify_report()
    quiet = render(report, Format.TEXT).splitlines()
    assert quiet[0] == f"PASS   {b.FUNCTION_KEY}  ({len(report.findings)} pass)"
    assert not any(line.startswith("  PASS") for line in quiet)
    verbose = render(report, Format.TEXT, RenderOptions(verbose=True)).splitlines()
    listed = [line for line in verbose if line.startswith("  PASS")]
    assert len(listed) == len(report.findings)


def test_text_groups_by_account_when_several() -> None:
    report = Report(
        (
            finding(Status.FAIL),
            finding(Status.PASS, account=b.OTHER_ACCOUNT, function="other"),
        ),
        source="command line",
    )
    text = render(report, Format.TEXT)
    assert f"account {b.ACCOUNT}" in text and f"account {b.OTHER_ACCOUNT}" in text
    assert "by account" in text


def test_the_summary_counts_reason_codes_never_message_text() -> None:
    a = finding(Status.FAIL, actual="CodeSha256 x is not the signed object")
    b_ = finding(Status.FAIL, actual="completely different words", resource="other")
    report = Report((a, b_, finding(Status.PASS)), "x")
    assert summary_rows(report) == [
        ("fail", "function.code_sha256", Reason.CODE_MISMATCH.label, 2),
        ("pass", "function.code_sha256", Reason.PROVEN.label, 1),
    ]
    reworded = Report(tuple(replace(f, actual="reworded") for f in report.findings), "x")
    assert summary_rows(reworded) == summary_rows(report)
    text = render(report, Format.TEXT)
    assert "summary (checks by status and reason)" in text
    assert "1 function(s), 1 failing; 3 checks" in text


def test_the_audit_text_report_has_the_forecast_and_notes() -> None:
    w = b.world(Mode.FLEET, job=b.job(signature_expires_at=b.NOW + timedelta(days=3)))
    report = Report(tuple(w.findings()), "command line", notes=("note one",))
    soon = tuple(expiring(w.evidence, w.context))
    text = render(report, Format.TEXT, RenderOptions(expiring=soon, warning_days=30))
    assert "signatures expiring in the next 30 days" in text
    assert f"job {b.JOB_ID}" in text and f"{b.FUNCTION_NAME}:$LATEST" in text
    assert "note: note one" in text
    calm = render(report, Format.TEXT, RenderOptions(warning_days=30))
    assert "no signature in use expires in the next 30 days" in calm


def test_tty_text_is_a_table_of_what_did_not_pass() -> None:
    output = render(mixed_report(), Format.TEXT, RenderOptions(tty=True))
    assert "signed-lambda: fail" in output
    assert "1 checks passed" in output and "--verbose" in output
    assert "actual-pass" not in output


def test_write_atomically_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
