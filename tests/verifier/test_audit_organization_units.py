"""The organization audit's pure parts: shards, targets, the accounts file, ASFF documents, the
JSON report read back and merged, and input errors (one line, exit 2, before any AWS call)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import isolate_from_aws
from verifier.checks.findings import Finding, Reason, Report, Severity, Status
from verifier.checks.registry import REGISTRY
from verifier.checks.scope import Scope
from verifier.cli import app
from verifier.collect.accounts import RoleCredentials
from verifier.contract.accounts import AccountTargets, Shard, read_accounts_file
from verifier.errors import InputError
from verifier.report import Format, RenderOptions, asff, json_report, render
from verifier.report.merge import merge
from verifier.securityhub import Coverage, _later

runner = CliRunner()
ACCOUNTS = [f"{n:012d}" for n in (5, 3, 11, 7, 2, 13, 17)]
REGION = "eu-west-1"
FUNCTION = "arn:aws:lambda:eu-west-1:111111111111:function:app"


def finding(
    check_id: str,
    status: Status,
    *,
    resource: str = FUNCTION,
    code_path: str | None = None,
    account: str | None = "111111111111",
    function: str = "app",
) -> Finding:
    check = REGISTRY[check_id]
    return Finding(
        check_id=check_id,
        title=check.title,
        status=status,
        severity=check.severity,
        function=function,
        resource=resource,
        expected="the signed code",
        actual=f"actual {status.value}",
        remediation=check.remediation,
        reason=Reason.PROVEN if status is Status.PASS else Reason.CODE_MISMATCH,
        account=account,
        region=REGION if account else None,
        code_path=code_path,
    )


def report_of(*findings: Finding) -> Report:
    return Report(findings=findings, source="command line", notes=("a note",))


# --- shards and targets ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_are_disjoint_cover_every_account_and_are_balanced(count: int) -> None:
    parts = [Shard(index, count).select(ACCOUNTS) for index in range(1, count + 1)]
    flat = [account for part in parts for account in part]
    assert sorted(flat) == sorted(ACCOUNTS) and len(set(flat)) == len(ACCOUNTS)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    # The order accounts come in does not matter.
    assert [Shard(i, count).select(list(reversed(ACCOUNTS))) for i in range(1, count + 1)] == parts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3", "--shard 3: expected K/N"),
        ("0/2", "--shard 0/2: K must be from 1 to N"),
        ("3/2", "--shard 3/2: K must be from 1 to N"),
        ("a/b", "--shard a/b: expected K/N"),
    ],
)
def test_bad_shards(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        Shard.parse(text)
    assert error.value.diagnostics().startswith(message)


def test_more_shards_than_accounts_is_an_input_error() -> None:
    with pytest.raises(InputError, match="2 account"):
        Shard(1, 3).select(ACCOUNTS[:2])


def test_the_caller_is_audited_unless_excluded() -> None:
    targets = AccountTargets(accounts=(ACCOUNTS[0],))
    assert targets.chosen("999999999999") == (ACCOUNTS[0], "999999999999")
    assert AccountTargets(exclude=frozenset({"999999999999"}), accounts=(ACCOUNTS[0],)).chosen(
        "999999999999", ACCOUNTS[1:2]
    ) == tuple(sorted(ACCOUNTS[:2]))
    with pytest.raises(InputError, match="every account is excluded"):
        AccountTargets(exclude=frozenset({"999999999999"})).chosen("999999999999")


def test_accounts_file(tmp_path: Path) -> None:
    path = tmp_path / "accounts"
    path.write_text("\ufeff# prod\n111111111111\n  222222222222  # payments\n\n")
    assert read_accounts_file(path) == ("111111111111", "222222222222")
    path.write_text("111111111111\n12345\n")
    with pytest.raises(InputError) as error:
        read_accounts_file(path)
    assert error.value.diagnostics() == (
        f"--accounts-file {path}:2: '12345': not a 12-digit AWS account id"
    )
    path.write_text("# nothing\n")
    with pytest.raises(InputError, match="no account ids"):
        read_accounts_file(path)
    with pytest.raises(InputError, match="no such file"):
        read_accounts_file(tmp_path / "missing")


def test_role_credentials_refresh_windows_shrink_with_the_session() -> None:
    def never() -> dict[str, str]:
        raise AssertionError("not fetched")

    short, hour = RoleCredentials(never, 900), RoleCredentials(never, 3600)
    assert (short._advisory_refresh_timeout, short._mandatory_refresh_timeout) == (225, 150)
    assert (hour._advisory_refresh_timeout, hour._mandatory_refresh_timeout) == (900, 600)


# --- bad input: one line, exit 2, before any AWS call -----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all-regions", "--region", "eu-west-1"], "error: --all-regions and --region"),
        (["--account", "123"], "error: --account '123': not a 12-digit AWS account id"),
        (["--exclude-account", "x"], "error: --exclude-account 'x': not a 12-digit"),
        (["--external-id", "abc123"], "error: --external-id needs --role-name"),
        (["--shard", "2/1"], "error: --shard 2/1: K must be from 1 to N"),
        (["--role-name", "a b"], "error: --role-name 'a b': not an IAM role name"),
        (["--role-name", "r", "--session-duration", "60"], "error: --session-duration 60"),
        (["--role-name", "r", "--role-session-name", "x"], "error: --role-session-name 'x'"),
        (["--accounts-file", "/nonexistent"], "error: --accounts-file /nonexistent: no such"),
        (["--organization", "--security-hub-region", "moon"], "error: --security-hub-region"),
        (["--organization", "--concurrency", "0"], "error: Invalid value for '--concurrency'"),
    ],
)
def test_bad_organization_flags_are_one_line_and_exit_2(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_from_aws(monkeypatch, tmp_path)
    # Nothing listens there: a call made before validation would be exit 3, not 2.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    trust = "arn:aws:signer:eu-west-1:111111111111:/signing-profiles/team/AbCd1234"
    result = runner.invoke(app, ["audit", "--trust", trust, *args])
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


# --- ASFF ------------------------------------------------------------------------------------


def test_asff_ids_are_stable_per_check_code_path_and_resource() -> None:
    layer = "arn:aws:lambda:eu-west-1:111111111111:layer:shared:3"
    alias = f"{FUNCTION}:live"
    findings = [
        finding("function.csc", Status.PASS),
        finding("code.signed", Status.FAIL, code_path="$LATEST"),
        finding("code.signed", Status.FAIL, code_path="1", resource=f"{FUNCTION}:1"),
        finding("layers.signed", Status.PASS, code_path="$LATEST", resource=layer),
        finding("layers.signed", Status.PASS, code_path="1", resource=layer),
        finding("aliases.signed", Status.FAIL, resource=alias),
        finding("code.signed", Status.FAIL, code_path="1", account="222222222222"),
        finding("fleet.access", Status.ERROR, function="*", resource="lambda:eu-west-1"),
    ]
    ids = [asff.finding_id(f) for f in findings]
    assert len(set(ids)) == len(ids)
    assert ids[0] == f"{FUNCTION}/function.csc"
    assert ids[2] == f"{FUNCTION}:1/code.signed"
    assert ids[3] == f"{FUNCTION}:$LATEST/layers.signed/{layer}"
    assert ids[7] == "signed-lambda/111111111111/eu-west-1/fleet.access"
    assert [asff.finding_id(f) for f in findings] == ids


def test_an_asff_id_names_its_account_region_and_function() -> None:
    layer = "arn:aws:lambda:eu-west-1:111111111111:layer:shared:3"
    for item, function in (
        (finding("code.signed", Status.FAIL, code_path="1", resource=f"{FUNCTION}:1"), "app"),
        (finding("layers.signed", Status.FAIL, code_path="$LATEST", resource=layer), "app"),
        (finding("aliases.signed", Status.FAIL, resource=f"{FUNCTION}:live"), "app"),
        (finding("fleet.access", Status.ERROR, function="*", resource="lambda:eu-west-1"), "*"),
    ):
        assert asff.subject_of_id(asff.finding_id(item)) == ("111111111111", REGION, function)
    assert asff.subject_of_id("another-tool/finding") is None


def test_security_hub_archives_absent_findings_only_where_the_run_looked() -> None:
    """Coverage: the account-regions audited completely, the functions of the run's scope."""
    other = "arn:aws:lambda:eu-west-1:111111111111:function:other:1/code.signed"
    unreachable = finding("fleet.access", Status.ERROR, function="*", account="222222222222")
    report = report_of(finding("code.signed", Status.PASS), unreachable)
    whole = Coverage.of(report, Scope())
    assert whole.account_regions == {("111111111111", REGION)}
    assert whole.covers(other) and whole.covers("signed-lambda/111111111111/eu-west-1/fleet.scope")
    assert not whole.covers(other.replace("111111111111", "222222222222"))
    assert not whole.covers(other.replace(REGION, "us-east-1"))
    assert not Coverage.of(report, Scope(function_prefix="app")).covers(other)
    assert Coverage.of(report, Scope(function_prefix="oth")).covers(other)
    assert not Coverage.of(report, Scope(job_id="1a2b")).covers(other)
    listing = finding("fleet.listed", Status.ERROR, function="*", resource="lambda:eu-west-1")
    assert not Coverage.of(report_of(listing, *report.findings), Scope()).covers(other)


def test_asff_document_fields() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    layer = "arn:aws:lambda:eu-west-1:111111111111:layer:shared:3"
    failing = asff.document(
        finding("layers.signed", Status.FAIL, code_path="1", resource=layer),
        region="us-east-1",
        now=now,
    )
    assert failing["ProductArn"] == (
        "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default"
    )
    assert failing["CreatedAt"] == failing["UpdatedAt"] == "2026-01-02T03:04:05.678Z"
    assert failing["Compliance"] == {"Status": "FAILED"} and failing["RecordState"] == "ACTIVE"
    severity = REGISTRY["layers.signed"].severity
    assert failing["Severity"] == {"Label": severity.name, "Original": severity.value}
    assert failing["FindingProviderFields"]["Severity"] == failing["Severity"]
    assert [r["Type"] for r in failing["Resources"]] == [
        "AwsLambdaFunction",
        "AwsLambdaLayerVersion",
    ]
    assert failing["Resources"][0]["Region"] == REGION
    assert failing["Resources"][0]["Details"]["AwsLambdaFunction"] == {
        "FunctionName": "app",
        "Version": "1",
    }
    assert failing["Remediation"]["Recommendation"]["Text"] == REGISTRY["layers.signed"].remediation
    passing = asff.document(finding("function.csc", Status.PASS), region=None, now=now)
    assert passing["Severity"]["Label"] == "INFORMATIONAL"
    assert (passing["Compliance"]["Status"], passing["RecordState"]) == ("PASSED", "ARCHIVED")
    assert f":{REGION}:" in passing["ProductArn"]
    statuses = {
        status: asff.document(finding("code.signed", status), region=None, now=now)
        for status in Status
    }
    assert {s: d["Compliance"]["Status"] for s, d in statuses.items()} == {
        Status.PASS: "PASSED",
        Status.FAIL: "FAILED",
        Status.WARN: "WARNING",
        Status.ERROR: "NOT_AVAILABLE",
    }
    account_wide = asff.document(
        finding("fleet.access", Status.ERROR, function="*", resource="lambda:eu-west-1"),
        region=None,
        now=now,
    )
    assert account_wide["Resources"] == [
        {
            "Type": "AwsAccount",
            "Id": "AWS::::Account:111111111111",
            "Partition": "aws",
            "Region": REGION,
        }
    ]


def test_asff_needs_the_account() -> None:
    with pytest.raises(InputError, match="no account or Region"):
        render(report_of(finding("code.signed", Status.FAIL, account=None)), Format.ASFF)


def test_asff_text_is_cut_to_securityhubs_limits() -> None:
    long = Finding(**{**finding("code.signed", Status.FAIL).__dict__, "actual": "x" * 5000})
    document = asff.document(long, region=None, now=datetime.now(UTC))
    assert len(document["Description"]) == asff.MAX_DESCRIPTION
    assert document["Description"].endswith("…")


def test_an_update_is_always_later_than_the_stored_one() -> None:
    assert _later("2026-01-01T00:00:00.000Z", None) == "2026-01-01T00:00:00.000Z"
    assert _later("2026-01-01T00:00:00.000Z", "2025-12-31T23:59:59.999Z").startswith("2026-01-01")
    assert _later("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z") == (
        "2026-01-01T00:00:00.001Z"
    )


# --- the JSON report read back, merged -------------------------------------------------------


def test_a_json_report_reads_back_as_the_same_report() -> None:
    report = report_of(
        *(finding("code.signed", status, code_path="$LATEST") for status in Status),
        finding("fleet.scope", Status.PASS, function="*", account=None, resource="lambda:x"),
    )
    for item in (report, replace(report, account="111111111111", shard="2/4")):
        document = json.loads(render(item, Format.JSON))
        assert json_report.parse(document, "r.json") == item


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(tool={"name": "other"}), "r.json: tool.name is not"),
        (lambda d: d.update(schema_version=2), "r.json: schema_version is not 1"),
        (lambda d: d["checks"][0].update(status="maybe"), "r.json: checks[0].status is 'maybe'"),
        (lambda d: d["checks"][0].pop("severity"), "r.json: checks[0].severity is missing"),
        (lambda d: d["checks"][0].update(reason="new"), "r.json: checks[0].reason is 'new'"),
        (lambda d: d.update(checks={}), "r.json: checks must be an array"),
    ],
)
def test_a_report_that_is_not_ours_is_one_line(change: object, message: str) -> None:
    document = json.loads(render(report_of(finding("code.signed", Status.FAIL)), Format.JSON))
    change(document)  # type: ignore[operator]
    with pytest.raises(InputError) as error:
        json_report.parse(document, "r.json")
    assert error.value.diagnostics().startswith(message)


def test_merge_orders_by_account_then_region_and_refuses_overlaps() -> None:
    a = report_of(finding("code.signed", Status.FAIL, account="222222222222"))
    b = report_of(finding("code.signed", Status.PASS, account="111111111111"))
    merged = merge([("a.json", a), ("b.json", b)])
    assert [f.account for f in merged.findings] == ["111111111111", "222222222222"]
    assert merged.notes == ("a note", "a note") and merged.result.value == "fail"
    with pytest.raises(InputError, match=r"a\.json and a\.json both cover account 222222222222"):
        merge([("a.json", a), ("a.json", a)])
    with pytest.raises(InputError, match="no reports"):
        merge([])


def test_merge_tells_single_account_reports_apart_by_their_own_account() -> None:
    def empty_region(account: str | None) -> Report:
        scope = finding("fleet.scope", Status.PASS, account=None, function="*", resource="x")
        scope = Finding(**{**scope.__dict__, "region": REGION})
        return Report(findings=(scope,), source="command line", account=account)

    # Findings without an account are the report's own account's (recorded, or the only one
    # its findings name).
    with pytest.raises(InputError, match=f"b and a both cover account 111111111111 in {REGION}"):
        merge([("a", empty_region("111111111111")), ("b", empty_region("111111111111"))])
    named = report_of(finding("code.signed", Status.PASS), empty_region(None).findings[0])
    with pytest.raises(InputError, match="b and a both cover account 111111111111"):
        merge([("a", named), ("b", empty_region("111111111111"))])
    merged = merge([("a", empty_region("111111111111")), ("b", empty_region("222222222222"))])
    assert merged.result.value == "pass" and merged.account is None
    # Neither names its account: they cannot be told apart.
    with pytest.raises(InputError) as error:
        merge([("a", empty_region(None)), ("b", empty_region("222222222222"))])
    assert error.value.diagnostics().startswith(
        f"a and b: cannot tell whether they cover the same account in {REGION} (a names no "
        "account there)"
    )
    with pytest.raises(InputError, match="cannot tell"):
        merge([("a", empty_region(None)), ("b", empty_region(None))])
    # Another Region's report is told apart by its Region.
    elsewhere = Report(
        findings=(Finding(**{**empty_region(None).findings[0].__dict__, "region": "us-east-1"}),),
        source="command line",
    )
    assert len(merge([("a", empty_region(None)), ("b", elsewhere)]).findings) == 2


def test_report_merge_command(tmp_path: Path) -> None:
    shard = tmp_path / "shard.json"
    shard.write_text(render(report_of(finding("code.signed", Status.WARN)), Format.JSON))
    result = runner.invoke(app, ["report", "merge", str(shard), "--format", "junit"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<?xml")
    assert result.stderr.strip().startswith("signed-lambda report merge: PASS: 1 report(s)")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = runner.invoke(app, ["report", "merge", str(shard), str(broken)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {broken}: not valid JSON")
    output = tmp_path / "merged.asff.json"
    result = runner.invoke(
        app, ["report", "merge", str(shard), "--format", "asff", "--output", str(output)]
    )
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(output.read_text())[0]["Compliance"]["Status"] == "WARNING"


def test_every_format_renders_an_organization_report() -> None:
    report = report_of(
        finding("code.signed", Status.FAIL, account="111111111111"),
        finding("code.signed", Status.PASS, account="222222222222"),
        finding("fleet.access", Status.ERROR, account="333333333333", function="*"),
    )
    for fmt in Format:
        assert render(report, fmt, RenderOptions(security_hub_region="us-east-1")).strip()
    assert Severity.HIGH.value in render(report, Format.JSON)


def test_junit_tells_two_accounts_findings_in_one_region_apart() -> None:
    site = f"lambda:{REGION}"
    report = report_of(
        *(
            finding("fleet.access", Status.ERROR, account=account, function="*", resource=site)
            for account in ("111111111111", "222222222222")
        ),
        finding("code.signed", Status.FAIL, account="111111111111"),
    )
    cases = ET.fromstring(render(report, Format.JUNIT)).findall("./testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (f"lambda:{REGION}:111111111111", "fleet.access"),
        (f"lambda:{REGION}:222222222222", "fleet.access"),
        (FUNCTION, "code.signed"),  # the function's ARN names its account already
    ]


def test_text_groups_by_account_then_function_and_tells_regions_apart() -> None:
    def in_region(item: Finding, region: str) -> Finding:
        return Finding(**{**item.__dict__, "region": region})

    report = report_of(
        finding("code.signed", Status.PASS, account="222222222222"),
        in_region(finding("code.signed", Status.FAIL, account="111111111111"), "us-east-1"),
        finding("code.signed", Status.PASS, account="111111111111"),
    )
    lines = render(report, Format.TEXT).splitlines()
    assert lines[:6] == [
        "account 111111111111",
        "  FAIL   app [us-east-1]  (1 fail)",
        "    FAIL   code.signed  [" + FUNCTION + "]",
        "           expected: the signed code",
        "           actual:   actual fail",
        "           fix:      " + REGISTRY["code.signed"].remediation,
    ]
    assert "  PASS   app [eu-west-1]  (1 pass)" in lines
    assert lines.index("account 222222222222") > lines.index("  PASS   app [eu-west-1]  (1 pass)")
    assert "  3 function(s), 1 failing; 3 checks: 2 pass, 0 warn, 0 error, 1 fail" in lines
    table = render(report, Format.TEXT, RenderOptions(tty=True))
    assert "Account" in table and "111111111111" in table
