"""The organization audit over real HTTP: a seeded 3-account local organization (the management
account, a member, a member whose role refuses the management account), one server for the
module. Each test audits the seeded functions (``org-fn-``) or its own functions (their own
name prefix), so the tests do not depend on each other's order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.validate import ParamValidator
from typer.testing import CliRunner

from localaws.securityhub.findings import format_error
from localaws.testing import LocalAws
from localaws.world import make_zip
from verifier.api import AuditPlan, audit
from verifier.checks.findings import Reason
from verifier.checks.scope import Scope
from verifier.cli import app
from verifier.collect.accounts import RoleAssumer, caller_identity
from verifier.collect.aws import READ_PREFIXES
from verifier.collect.progress import ProgressReporter
from verifier.contract.accounts import AccountTargets, RoleOptions
from verifier.contract.targets import Trust
from verifier.report import asff

runner = CliRunner()
pytestmark = [pytest.mark.local_aws(max_attempts=2), pytest.mark.usefixtures("local_env")]
REGION = "us-east-1"
ROLE = "OrganizationAccountAccessRole"
SEEDED = "org-fn-"


@pytest.fixture(scope="module")
def local(endpoint: str) -> LocalAws:
    return LocalAws(endpoint_url=endpoint, ca_bundle=None)


@pytest.fixture(scope="module")
def organization(local: LocalAws) -> dict[str, Any]:
    """``LocalAws.seed``: 3 accounts with 2 signed functions each (``$LATEST`` + version 1, a
    signed layer), the last member unassumable."""
    return local.seed(2, layers=1, prefix="org-", accounts=3, unassumable_accounts=1)


def accounts(organization: dict[str, Any], *, assumable: bool | None) -> list[dict[str, Any]]:
    return [a for a in organization["accounts"] if a["assumable"] is assumable]


def member(organization: dict[str, Any]) -> dict[str, Any]:
    return accounts(organization, assumable=True)[0]


def unassumable(organization: dict[str, Any]) -> str:
    return str(accounts(organization, assumable=False)[0]["accountId"])


def member_client(local: LocalAws, account: dict[str, Any], service: str) -> Any:
    credentials = local.client("sts").assume_role(
        RoleArn=account["accessRoleArn"], RoleSessionName="test-setup"
    )["Credentials"]
    return local.client_for(service, credentials)


def trust_args(organization: dict[str, Any]) -> list[str]:
    args = []
    for arn in sorted({a["profileVersionArn"] for a in organization["accounts"]}):
        args += ["--trust", arn]
    return args


def run_audit(
    organization: dict[str, Any], *extra: str, prefix: str = SEEDED, fmt: str = "json"
) -> tuple[int, Any, str]:
    args = ["audit", "--organization", "--role-name", ROLE, *trust_args(organization)]
    args += ["--function-prefix", prefix, "--format", fmt, *extra]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else None
    return result.exit_code, document, result.stderr


def by_account(document: dict[str, Any]) -> dict[str, set[str]]:
    statuses: dict[str, set[str]] = {}
    for check in document["checks"]:
        statuses.setdefault(check["account"], set()).add(check["status"])
    return statuses


def broken_function(local: LocalAws, account: dict[str, Any], name: str) -> str:
    """Unsigned code, no code signing config, in the member account: fails there."""
    lambda_ = member_client(local, account, "lambda")
    lambda_.create_function(
        FunctionName=name,
        Role=account["roleArn"],
        Runtime="python3.12",
        Handler="index.handler",
        Code={"ZipFile": make_zip("print('not signed')\n")},
    )
    return name


# --- targets and fault isolation -------------------------------------------------------------


def test_an_unassumable_account_is_an_error_while_the_others_pass(
    organization: dict[str, Any],
) -> None:
    code, document, stderr = run_audit(organization)
    assert code == 3, stderr
    refusing = unassumable(organization)
    statuses = by_account(document)
    assert set(statuses) == {a["accountId"] for a in organization["accounts"]}
    assert statuses.pop(refusing) == {"error"}
    assert all(found == {"pass"} for found in statuses.values()), statuses
    [error] = [c for c in document["checks"] if c["status"] == "error"]
    assert (error["id"], error["reason"], error["region"]) == (
        "fleet.access",
        Reason.ROLE_NOT_ASSUMED.code,
        REGION,
    )
    assert f"role/{ROLE}" in error["actual"] and "AccessDenied" in error["actual"]
    # Named in one line on stderr, as the account-region it is.
    lines = [line for line in stderr.splitlines() if line.startswith("could not audit")]
    assert len(lines) == 1 and lines[0].startswith(f"could not audit account {refusing} {REGION}:")
    # Every reachable account's functions were audited: both code paths of each.
    audited = {(c["account"], c["function"]) for c in document["checks"] if c["function"] != "*"}
    assert len(audited) == 2 * (len(organization["accounts"]) - 1)


def test_a_broken_function_in_a_member_is_attributed_to_its_account_and_region(
    local: LocalAws, organization: dict[str, Any]
) -> None:
    account = member(organization)
    name = broken_function(local, account, "org-broken-csc")
    code, document, stderr = run_audit(
        organization, "--exclude-account", unassumable(organization), prefix="org-broken-"
    )
    assert code == 1, stderr
    failing = {
        (c["account"], c["region"], c["function"], c["id"])
        for c in document["checks"]
        if c["status"] == "fail"
    }
    assert failing == {
        (account["accountId"], REGION, name, "function.csc"),
        (account["accountId"], REGION, name, "code.signed"),
    }
    # The text report groups by account, then function, and ends with a table per account.
    args = ["audit", "--organization", "--role-name", ROLE, *trust_args(organization)]
    args += ["--function-prefix", "org-broken-", "--exclude-account", unassumable(organization)]
    text = runner.invoke(app, args)
    lines = text.stdout.splitlines()
    header = lines.index(f"account {account['accountId']}")
    assert lines[header + 1].startswith(f"  FAIL   {name}")
    table = lines[lines.index("by account") + 1 :]
    assert table[0].split() == ["account", "functions", "pass", "fail", "warn", "error"]
    row = next(line.split() for line in table if line.split()[:1] == [account["accountId"]])
    assert (row[1], row[3], row[5]) == ("1", "2", "0"), row


def test_accounts_from_flags_and_a_file_and_the_caller_with_its_own_credentials(
    organization: dict[str, Any], tmp_path: Path
) -> None:
    good = member(organization)["accountId"]
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"# the member\n{good}  # audited through {ROLE}\n\n")
    args = ["audit", "--accounts-file", str(listing), "--role-name", ROLE]
    args += [*trust_args(organization), "--function-prefix", SEEDED, "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    management = organization["managementAccountId"]
    assert set(by_account(document)) == {good, management}
    # --account, and the caller excluded: only the member.
    args = ["audit", "--account", good, "--exclude-account", management, "--role-name", ROLE]
    args += [*trust_args(organization), "--function-prefix", SEEDED, "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert set(by_account(json.loads(result.stdout))) == {good}


def test_the_library_reads_only_and_stays_in_each_account_regions_budget(
    organization: dict[str, Any], tmp_path: Path
) -> None:
    arns = frozenset(a["profileVersionArn"] for a in organization["accounts"])
    plan = AuditPlan(
        trust=Trust(arns, "--trust"),
        regions=(REGION,),
        scope=Scope(function_prefix=SEEDED),
        cache_dir=tmp_path / "cache",
        max_lambda_rps=3,
        targets=AccountTargets(
            organization=True,
            exclude=frozenset({unassumable(organization)}),
            role=RoleOptions(name=ROLE),
            regions=(REGION,),
            home_region=REGION,
        ),
    )
    quiet = ProgressReporter(open(os.devnull, "w"), tty=False)  # noqa: SIM115
    result = audit(plan, boto3.Session(), progress=quiet)
    assert result.report.result.value == "pass"
    assert [run.account for run in result.runs] == sorted(
        a["accountId"] for a in organization["accounts"] if a["assumable"] is not False
    )
    for run in result.runs:
        assert run.functions == 2 and run.unreachable is None
        assert run.requests.max_lambda_rps() <= 3
        assert all(op.split(":", 1)[1].startswith(READ_PREFIXES) for op in run.requests.counts)
    # Discovery: who the caller is, the organization, one AssumeRole for the one member.
    assert result.discovery.counts["sts:GetCallerIdentity"] == 1
    assert result.discovery.counts["organizations:ListAccounts"] == 1
    assert result.discovery.counts["sts:AssumeRole"] == 1
    # The same fleet again: the shared cache answers every hash.
    warm = audit(plan, boto3.Session(), progress=quiet)
    assert warm.requests.counts["s3:GetObject"] == 0
    assert warm.report.findings == result.report.findings


def test_all_regions_lists_each_accounts_regions_and_empty_ones_are_notes(
    organization: dict[str, Any],
) -> None:
    """The local AWS has no account:ListRegions (404), so this is EC2 DescribeRegions' path."""
    good = member(organization)["accountId"]
    management = organization["managementAccountId"]
    args = ["audit", "--account", good, "--exclude-account", management, "--role-name", ROLE]
    args += [*trust_args(organization), "--all-regions", "--function-prefix", SEEDED]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    regions = {c["region"] for c in document["checks"]}
    assert REGION in regions and "us-west-2" in regions
    # Only the caller's partition, though the local AWS lists the others' Regions too.
    assert not {r for r in regions if r.startswith(("cn-", "us-gov-"))}
    empty = [c for c in document["checks"] if c["reason"] == Reason.EMPTY_REGION.code]
    assert len(empty) == len(regions) - 1
    assert f"{good} us-west-2: no Lambda functions" in document["notes"]


def test_role_credentials_are_assumed_again_before_they_expire(
    local: LocalAws, organization: dict[str, Any]
) -> None:
    session = boto3.Session()
    caller = caller_identity(session, REGION, 2)
    assumer = RoleAssumer(
        session,
        caller=caller,
        role=RoleOptions(name=ROLE, duration_seconds=900),
        region=REGION,
        max_attempts=2,
    )
    clock = {"now": datetime.now(UTC)}
    account_session = assumer.session_for(member(organization)["accountId"], lambda: clock["now"])
    assert not isinstance(account_session, Exception) and hasattr(account_session, "credentials")
    credentials = account_session.credentials  # type: ignore[union-attr]
    first = credentials.get_frozen_credentials().access_key
    assert credentials.get_frozen_credentials().access_key == first and assumer.calls == 1
    sts = account_session.client("sts", region_name=REGION)  # type: ignore[union-attr]
    assert sts.get_caller_identity()["Account"] == member(organization)["accountId"]
    assert assumer.calls == 1
    # 12 minutes on, a 15-minute session is inside its refresh window: assumed again, and the
    # requests go on with the new credentials.
    clock["now"] += timedelta(minutes=12)
    assert sts.get_caller_identity()["Account"] == member(organization)["accountId"]
    assert assumer.calls >= 2
    assert credentials.get_frozen_credentials().access_key != first


# --- one merged report, shards ---------------------------------------------------------------


def merged_shards(
    organization: dict[str, Any], tmp_path: Path, *extra: str, prefix: str = SEEDED
) -> tuple[list[Path], Any]:
    """One run and its two shards merged: the same findings, notes, result and exit code."""
    code, whole, _ = run_audit(organization, *extra, prefix=prefix)
    paths = []
    for shard in ("1/2", "2/2"):
        path = tmp_path / f"shard-{shard[0]}.json"
        args = (*extra, "--shard", shard, "--output", str(path))
        shard_code, _, stderr = run_audit(organization, *args, prefix=prefix)
        assert shard_code in (0, 1, 3), stderr
        paths.append(path)
    shards = [{c["account"] for c in json.loads(p.read_text())["checks"]} for p in paths]
    assert not shards[0] & shards[1] and shards[0] | shards[1] == set(by_account(whole))
    merged = runner.invoke(app, ["report", "merge", *map(str, paths), "--format", "json"])
    assert merged.exit_code == code, merged.stderr
    document = json.loads(merged.stdout)
    assert document["checks"] == whole["checks"]
    assert document["notes"] == whole["notes"] and document["result"] == whole["result"]
    assert document["shard"] is None
    return paths, whole


def test_shards_merged_give_the_same_findings_as_one_run(
    organization: dict[str, Any], tmp_path: Path
) -> None:
    paths, whole = merged_shards(organization, tmp_path)
    assert whole["result"] == "error"  # the unassumable account
    # Any other format, from the merged shards.
    sarif = runner.invoke(app, ["report", "merge", *map(str, paths), "--format", "sarif"])
    assert json.loads(sarif.stdout)["runs"][0]["results"]
    # A shard merged twice would count its account-regions twice: refused.
    twice = runner.invoke(app, ["report", "merge", str(paths[0]), str(paths[0])])
    assert twice.exit_code == 2 and twice.stdout == ""
    assert twice.stderr.startswith(f"error: {paths[0]} and {paths[0]} both cover account ")


def test_shards_of_an_organization_with_empty_accounts_merge_as_one_run(
    local: LocalAws, organization: dict[str, Any], tmp_path: Path
) -> None:
    """A shard whose accounts have no function in the Region passes with notes and leaves the
    run-wide rule (no function anywhere is an error) to the merge, as one run applies it."""
    management = organization["managementAccountId"]
    [own] = [a for a in organization["accounts"] if a["management"]]
    reachable = ("--exclude-account", unassumable(organization))
    # One signed function, in the management account only: the member's Region (no function
    # of the prefix) is a pass with a note, in one run and in its shard alike.
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="org-empty-only",
        Role=own["roleArn"],
        Runtime="python3.12",
        Handler="index.handler",
        Code=own["signedObject"],
        CodeSigningConfigArn=own["codeSigningConfigArn"],
    )
    paths, whole = merged_shards(organization, tmp_path, *reachable, prefix="org-empty-")
    assert whole["result"] == "pass"
    empty = {(c["account"], c["reason"]) for c in whole["checks"] if c["function"] == "*"}
    assert empty == {(member(organization)["accountId"], Reason.EMPTY_REGION.code)}
    assert whole["notes"] == [f"{member(organization)['accountId']} {REGION}: no Lambda functions"]
    shards = [json.loads(path.read_text()) for path in paths]
    assert [shard["shard"] for shard in shards] == ["1/2", "2/2"]
    # No function in any account: an error in every account-region, in one run and merged.
    paths, whole = merged_shards(organization, tmp_path, *reachable, prefix="org-nothing-")
    assert whole["result"] == "error" and whole["notes"] == []
    assert {(c["account"], c["reason"]) for c in whole["checks"]} == {
        (account, Reason.NOTHING_FOUND.code)
        for account in (management, member(organization)["accountId"])
    }
    # Each shard alone passes with its note and says the merge decides.
    for path in paths:
        shard = json.loads(path.read_text())
        assert shard["result"] == "pass" and len(shard["notes"]) == 1
    args = ["audit", "--organization", "--role-name", ROLE, *trust_args(organization)]
    args += [*reachable, "--function-prefix", "org-nothing-", "--shard", "1/2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "shard 1/2: no function in its account-regions; whether the organization has none" in (
        result.stderr
    )


# --- Security Hub ----------------------------------------------------------------------------

SECURITY_HUB = botocore.session.get_session().get_service_model("securityhub")


def assert_valid_asff(documents: list[dict[str, Any]]) -> None:
    """As botocore validates BatchImportFindings' parameters, and as Security Hub's ASFF rules
    (the local AWS's, from botocore's AwsSecurityFinding shape) accept each finding."""
    shape = SECURITY_HUB.operation_model("BatchImportFindings").input_shape
    for start in range(0, len(documents), 100):
        report = ParamValidator().validate({"Findings": documents[start : start + 100]}, shape)
        assert not report.has_errors(), report.generate_report()
    for document in documents:
        assert format_error(document) is None, document["Id"]


def test_asff_validates_with_stable_ids(organization: dict[str, Any]) -> None:
    code, documents, _ = run_audit(organization, fmt="asff")
    assert code == 3
    assert_valid_asff(documents)
    ids = [d["Id"] for d in documents]
    assert len(set(ids)) == len(ids)
    _, again, _ = run_audit(organization, fmt="asff")
    assert [d["Id"] for d in again] == ids
    for document in documents:
        account = document["AwsAccountId"]
        assert document["ProductArn"] == (
            f"arn:aws:securityhub:{REGION}:{account}:product/{account}/default"
        )
        assert document["Compliance"]["Status"] in {"PASSED", "NOT_AVAILABLE"}
    functions = [d for d in documents if d["Resources"][0]["Type"] == "AwsLambdaFunction"]
    assert functions and all(d["Severity"]["Label"] == "INFORMATIONAL" for d in functions)
    [error] = [d for d in documents if d["Compliance"]["Status"] == "NOT_AVAILABLE"]
    assert error["AwsAccountId"] == unassumable(organization)
    assert error["Severity"]["Label"] == "HIGH" and error["RecordState"] == "ACTIVE"


def member_finding(local: LocalAws, account: dict[str, Any], finding_id: str) -> dict[str, Any]:
    hub = member_client(local, account, "securityhub")
    [found] = hub.get_findings(Filters={"Id": [{"Value": finding_id, "Comparison": "EQUALS"}]})[
        "Findings"
    ]
    return dict(found)


def test_a_second_import_after_a_fix_archives_and_resolves_the_finding(
    local: LocalAws, organization: dict[str, Any]
) -> None:
    account = member(organization)
    name = broken_function(local, account, "org-hub-fixed")
    args = ("--exclude-account", unassumable(organization), "--security-hub")
    code, document, stderr = run_audit(organization, *args, prefix="org-hub-")
    assert code == 1, stderr
    failed = [c for c in document["checks"] if c["status"] != "pass"]
    assert {(c["id"], c["status"]) for c in failed} == {
        ("function.csc", "fail"),
        ("code.signed", "fail"),
    }
    assert f"security hub ({REGION}): {len(failed)} finding(s) imported" in stderr
    csc_finding = next(c for c in failed if c["id"] == "function.csc")
    finding_id = asff.finding_id(
        next(f for f in _findings(document) if f.check_id == "function.csc")
    )
    stored = member_finding(local, account, finding_id)
    assert (stored["RecordState"], stored["Compliance"]["Status"]) == ("ACTIVE", "FAILED")
    assert stored["Workflow"]["Status"] == "NEW"
    # The administrator (the management account) sees the member's finding.
    admin = local.client("securityhub").get_findings(
        Filters={"Id": [{"Value": finding_id, "Comparison": "EQUALS"}]}
    )["Findings"]
    assert [f["AwsAccountId"] for f in admin] == [account["accountId"]]

    # The fix: under the account's code signing config, from its signed package.
    lambda_ = member_client(local, account, "lambda")
    lambda_.put_function_code_signing_config(
        CodeSigningConfigArn=account["codeSigningConfigArn"], FunctionName=name
    )
    lambda_.update_function_code(FunctionName=name, **account["signedObject"])
    code, document, stderr = run_audit(organization, *args, prefix="org-hub-")
    assert code == 0, stderr
    assert f"{len(failed)} fixed one(s) archived and resolved, 0 refused" in stderr
    resolved = member_finding(local, account, finding_id)
    assert (resolved["RecordState"], resolved["Compliance"]["Status"]) == ("ARCHIVED", "PASSED")
    assert resolved["Workflow"]["Status"] == "RESOLVED"
    assert resolved["CreatedAt"] == stored["CreatedAt"] and csc_finding["function"] == name
    # A third run with nothing new imports nothing.
    _, _, stderr = run_audit(organization, *args, prefix="org-hub-")
    assert "0 finding(s) imported" in stderr


def test_a_finding_whose_layer_version_was_replaced_is_archived(
    local: LocalAws, organization: dict[str, Any]
) -> None:
    """A layer version is in its finding's Id: the fix (a new, signed layer version) has
    another Id, and the old finding, absent from a run that covered it, is archived; a run of
    another --function-prefix does not touch it."""
    account = member(organization)
    lambda_ = member_client(local, account, "lambda")
    unsigned = lambda_.publish_layer_version(
        LayerName="org-stale-lib", Content={"ZipFile": make_zip("print('unsigned layer')\n")}
    )["LayerVersionArn"]
    name = "org-stale-layer"
    lambda_.create_function(
        FunctionName=name,
        Role=account["roleArn"],
        Runtime="python3.12",
        Handler="index.handler",
        Code={"ZipFile": make_zip("print('not signed')\n")},
        Layers=[unsigned],
    )
    args = ("--exclude-account", unassumable(organization), "--security-hub")
    code, document, stderr = run_audit(organization, *args, prefix="org-stale-")
    assert code == 1, stderr
    [layer] = [f for f in _findings(document) if f.check_id == "layers.signed"]
    assert layer.status.value == "fail" and layer.resource == unsigned
    stale_id = asff.finding_id(layer)
    assert unsigned in stale_id
    assert member_finding(local, account, stale_id)["RecordState"] == "ACTIVE"
    # Another prefix's run covers the account-region, not this function: left ACTIVE.
    code, _, stderr = run_audit(organization, *args)
    assert code == 0, stderr
    assert member_finding(local, account, stale_id)["RecordState"] == "ACTIVE"

    # The fix: the code signing config, the signed package, and a new layer version, signed.
    signed_layer = lambda_.publish_layer_version(
        LayerName="org-stale-lib", Content=account["signedObject"]
    )["LayerVersionArn"]
    assert signed_layer != unsigned
    lambda_.put_function_code_signing_config(
        CodeSigningConfigArn=account["codeSigningConfigArn"], FunctionName=name
    )
    lambda_.update_function_code(FunctionName=name, **account["signedObject"])
    lambda_.update_function_configuration(FunctionName=name, Layers=[signed_layer])
    code, document, stderr = run_audit(organization, *args, prefix="org-stale-")
    assert code == 0, stderr
    assert stale_id not in {asff.finding_id(f) for f in _findings(document)}
    archived = member_finding(local, account, stale_id)
    assert (archived["RecordState"], archived["Workflow"]["Status"]) == ("ARCHIVED", "RESOLVED")
    assert "not found by the audit" in archived["Note"]["Text"]
    hub = member_client(local, account, "securityhub")
    still_active = hub.get_findings(
        Filters={
            "ProductArn": [
                {"Value": asff.product_arn(account["accountId"], REGION), "Comparison": "EQUALS"}
            ],
            "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        }
    )["Findings"]
    assert [f["Id"] for f in still_active if name in f["Id"]] == []


def _findings(document: dict[str, Any]) -> list[Any]:
    from verifier.report.json_report import parse

    return list(parse(document, "report").findings)


# --- Ctrl-C ----------------------------------------------------------------------------------


def test_ctrl_c_writes_nothing(
    local: LocalAws, organization: dict[str, Any], tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **local.env(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    out = tmp_path / "out"
    out.mkdir()
    report = out / "report.json"
    args = [sys.executable, "-m", "verifier", "audit", "--organization", "--role-name", ROLE]
    # A slow audit: one Lambda request every 4 s in each account-region.
    args += [*trust_args(organization), "--no-cache", "--max-lambda-rps", "0.25"]
    args += ["--format", "json", "--output", str(report)]
    child = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    started = child.stderr.readline()  # the targets line: the accounts are known
    assert started.startswith("audit: 3 account(s)"), started
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    _, rest = child.communicate(timeout=60)
    assert child.returncode == 130, rest
    assert rest.strip().splitlines()[-1] == (
        "error: interrupted; nothing more was written (no report, no import)"
    )
    assert list(out.iterdir()) == []


def test_other_accounts_need_a_role_name(organization: dict[str, Any]) -> None:
    good = member(organization)["accountId"]
    result = runner.invoke(app, ["audit", "--account", good, *trust_args(organization)])
    assert result.exit_code == 2 and result.stdout == ""
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            f"error: --role-name is needed to enter the 1 other account(s) (e.g. {good}; the "
            f"caller is {organization['managementAccountId']})"
        )
    )
