"""``signed-lambda audit`` against the local AWS over real HTTP: a boto3-built fleet with clean
functions and one broken in each way; the audit fails exactly the broken ones (the image too,
warns), passes the rest, errs on an unreadable one, and reads only, within its rate budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from localaws.world import World
from tests.localaws.localaws_support import REGION
from tests.verifier.audit_fleet import FAILING, WARNING_ONLY, Fleet, add_unreadable, build_fleet
from verifier.api import AuditPlan, audit
from verifier.checks.findings import Result, Status
from verifier.checks.scope import Scope
from verifier.cli import app
from verifier.collect.aws import READ_PREFIXES
from verifier.collect.progress import ProgressReporter
from verifier.contract.targets import Trust

runner = CliRunner()

pytestmark = pytest.mark.usefixtures("local_env")


@pytest.fixture(scope="module")
def fleet(world: World) -> Fleet:
    return build_fleet(world)


def run_audit(fleet: Fleet, *extra: str, prefix: str | None = None) -> tuple[int, Any, str]:
    args = ["audit", "--trust", fleet.trusted.version_arn, "--function-prefix"]
    args += [prefix or fleet.prefix, "--format", "json", *extra]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, document, result.stderr


def worst_by_function(document: dict[str, Any]) -> dict[str, str]:
    order = ["pass", "warn", "error", "fail"]
    worst: dict[str, str] = {}
    for check in document["checks"]:
        current = worst.get(check["function"], "pass")
        worst[check["function"]] = max(current, check["status"], key=order.index)
    return worst


def keys_with(fleet: Fleet, worst: dict[str, str], status: str) -> set[str]:
    return fleet.keys_of({name for name, value in worst.items() if value == status})


def not_passing(document: dict[str, Any], fleet: Fleet, key: str) -> set[tuple[str, str]]:
    name = fleet.name(key)
    return {
        (c["id"], c["status"])
        for c in document["checks"]
        if c["function"] == name and c["status"] != "pass"
    }


def plan_for(fleet: Fleet, tmp_path: Path, **changes: Any) -> AuditPlan:
    values: dict[str, Any] = {
        "trust": Trust(frozenset({fleet.trusted.version_arn}), "--trust"),
        "regions": (REGION,),
        "scope": Scope(function_prefix=fleet.prefix),
        "cache_dir": tmp_path / "cache",
        **changes,
    }
    return AuditPlan(**values)


# --- the fleet ---------------------------------------------------------------------------


def test_fails_exactly_the_broken_functions_and_passes_the_rest(fleet: Fleet) -> None:
    code, document, stderr = run_audit(fleet)
    assert code == 1, stderr
    worst = worst_by_function(document)
    assert set(worst) == set(fleet.names.values()), "every function is reported"
    assert keys_with(fleet, worst, "fail") == FAILING
    assert keys_with(fleet, worst, "warn") == WARNING_ONLY
    assert keys_with(fleet, worst, "pass") == {"clean-0", "clean-1"}
    assert keys_with(fleet, worst, "error") == set()
    # Every finding names its function and resource.
    assert all(c["function"] and c["resource"] for c in document["checks"])
    assert "signed-lambda audit: FAIL" in stderr


def test_each_broken_function_fails_for_its_own_reason(fleet: Fleet) -> None:
    _, document, _ = run_audit(fleet)
    assert not_passing(document, fleet, "no-csc") == {("function.csc", "fail")}
    assert not_passing(document, fleet, "csc-warn") == {("csc.policy", "fail")}
    assert not_passing(document, fleet, "untrusted") == {
        ("csc.publishers", "fail"),
        ("code.signed", "fail"),
    }
    assert not_passing(document, fleet, "revoked") == {("code.signed", "fail")}
    assert not_passing(document, fleet, "swapped") == {("code.signed", "fail")}
    assert not_passing(document, fleet, "alias-unsigned") == {
        ("code.signed", "fail"),
        ("aliases.signed", "fail"),
    }
    assert not_passing(document, fleet, "image") == {("code.signed", "fail")}
    by_id = {(c["function"], c["id"], c["resource"]): c["actual"] for c in document["checks"]}
    name = fleet.name("alias-unsigned")
    unsigned = by_id[(name, "code.signed", f"{by_id_arn(document, name)}:1")]
    assert "no SigningJobArn" in unsigned and "[aliases: live (10%)]" in unsigned
    alias = by_id[(name, "aliases.signed", f"{by_id_arn(document, name)}:live")]
    assert "1 (10%): fail" in alias
    revoked = [c["actual"] for c in document["checks"] if c["function"] == fleet.name("revoked")]
    assert any("was revoked" in text for text in revoked)
    image = [c for c in document["checks"] if c["function"] == fleet.name("image")]
    assert "Notation" in image[0]["remediation"]


def by_id_arn(document: dict[str, Any], name: str) -> str:
    return next(
        c["resource"]
        for c in document["checks"]
        if c["function"] == name and c["id"] == "function.csc"
    )


def test_a_clean_fleet_passes_and_the_text_report_groups_by_function(
    world: World,
) -> None:
    clean = build_fleet(world, clean=3, broken=False)
    args = ["audit", "--trust", clean.trusted.version_arn, "--function-prefix", clean.prefix]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith("PASS   ") for line in lines) == 3
    assert "summary (checks by status and reason)" in result.stdout
    assert "no signature in use expires in the next 30 days" in result.stdout
    assert result.stdout.rstrip().endswith("result: pass")


def test_expiry_forecast_names_the_signatures_and_warns(fleet: Fleet) -> None:
    args = ["--function-prefix", fleet.name("clean-0"), "--expiry-warning-days", "400"]
    result = runner.invoke(app, ["audit", "--trust", fleet.trusted.version_arn, *args])
    assert result.exit_code == 0, result.stderr
    assert "signatures expiring in the next 400 days" in result.stdout
    assert f"job {fleet.jobs['clean-0']['jobId']}" in result.stdout
    assert f"used by {fleet.name('clean-0')}:$LATEST" in result.stdout


def test_blast_radius_of_a_job(fleet: Fleet) -> None:
    job_id = fleet.jobs["revoked"]["jobId"]
    code, document, _ = run_audit(fleet, "--job-id", job_id)
    assert code == 1
    assert {c["function"] for c in document["checks"]} == {fleet.name("revoked")}
    assert {c["id"] for c in document["checks"]} == {"code.signed"}
    assert {c["resource"].rsplit(":", 1)[-1] for c in document["checks"]} == {
        fleet.name("revoked"),
        "1",
    }


def test_blast_radius_of_a_profile_names_affected_functions(fleet: Fleet) -> None:
    code, document, _ = run_audit(fleet, "--profile-version-arn", fleet.untrusted.version_arn)
    assert code == 1
    assert {c["function"] for c in document["checks"]} == {fleet.name("untrusted")}


def test_unknown_job_id_is_a_usage_error(fleet: Fleet) -> None:
    code, _, stderr = run_audit(fleet, "--job-id", "00000000-0000-0000-0000-000000000000")
    assert code == 2
    errors = [line for line in stderr.splitlines() if not line.startswith("audit us-east-1:")]
    assert errors == [
        "error: --job-id 00000000-0000-0000-0000-000000000000: no such signing job in us-east-1"
    ]


def test_unreadable_function_is_an_error_never_a_pass(fleet: Fleet) -> None:
    name = add_unreadable(fleet)
    code, document, stderr = run_audit(fleet, prefix=name)
    assert code == 3, stderr
    statuses = {(c["id"], c["status"]) for c in document["checks"] if c["status"] != "pass"}
    assert statuses == {("code.signed", "error")}
    assert "could not be hashed" in json.dumps(document) or "could not" in json.dumps(document)
    assert f"could not verify {name}" in stderr


def test_a_region_without_functions_is_an_error(fleet: Fleet) -> None:
    code, document, _ = run_audit(fleet, prefix="no-such-function-prefix-")
    assert code == 3
    assert [c["id"] for c in document["checks"]] == ["fleet.scope"]


def test_reports_of_one_account_are_not_merged_twice(fleet: Fleet, tmp_path: Path) -> None:
    """A single-account report records its account, so report merge tells its empty Region
    (a finding without an account) apart; a report that cannot be told apart is refused."""
    empty = "eu-north-1"  # no function of any test there
    paths = []
    for name in ("clean-0", "clean-1"):
        path = tmp_path / f"{name}.json"
        regions = ("--region", REGION, "--region", empty)
        run_audit(fleet, *regions, "--output", str(path), prefix=fleet.name(name))
        paths.append(path)
    document = json.loads(paths[0].read_text())
    account = document["account"]
    assert {c["account"] for c in document["checks"] if c["region"] == empty} == {None}
    assert {c["account"] for c in document["checks"] if c["region"] != empty} == {account}
    merged = runner.invoke(app, ["report", "merge", *map(str, paths)])
    assert merged.exit_code == 2 and merged.stdout == ""
    assert merged.stderr.strip().splitlines() == [
        f"error: {paths[1]} and {paths[0]} both cover account {account} in {empty}; merge the "
        "reports of disjoint shards (--shard K/N), each once"
    ]
    # Reports of an empty Region alone name no account: they cannot be told apart.
    paths = []
    for index in range(2):
        path = tmp_path / f"empty-{index}.json"
        code, _, _ = run_audit(fleet, "--region", empty, "--output", str(path))
        assert code == 3 and json.loads(path.read_text())["account"] is None
        paths.append(path)
    merged = runner.invoke(app, ["report", "merge", *map(str, paths)])
    assert merged.exit_code == 2 and merged.stdout == ""
    [line] = merged.stderr.strip().splitlines()
    assert line.startswith(
        f"error: {paths[0]} and {paths[1]}: cannot tell whether they cover the same account in "
        f"{empty}"
    )


# --- reads only, cached hashes, a budget -------------------------------------------------


def test_collector_reads_only_and_stays_in_budget(fleet: Fleet, tmp_path: Path) -> None:
    session = boto3.Session()
    calls: list[str] = []
    session.events.register("before-call.*.*", lambda model, **kw: calls.append(model.name))
    result = audit(
        plan_for(fleet, tmp_path, max_lambda_rps=4),
        session,
        progress=ProgressReporter(open("/dev/null", "w"), tty=False),  # noqa: SIM115
    )
    assert calls and all(name.startswith(READ_PREFIXES) for name in calls), calls
    assert "GetFunction" not in calls and "GetFunctionCodeSigningConfig" not in calls
    assert result.requests.max_lambda_rps() <= 4
    # Aliases are listed only for functions with a failing code path.
    assert calls.count("ListAliases") == len(FAILING - {"no-csc", "csc-warn", "image"})
    # One GetLayerVersion for the layer every clean function shares.
    assert calls.count("GetLayerVersion") == 1


def test_warm_cache_makes_no_get_object_and_a_corrupt_entry_is_rewritten(
    fleet: Fleet, tmp_path: Path
) -> None:
    plan = plan_for(fleet, tmp_path)
    quiet = ProgressReporter(open("/dev/null", "w"), tty=False)  # noqa: SIM115
    cold = audit(plan, boto3.Session(), progress=quiet)
    assert cold.requests.counts["s3:GetObject"] > 0
    warm = audit(plan, boto3.Session(), progress=quiet)
    assert warm.requests.counts["s3:GetObject"] == 0
    assert warm.cache.hits == cold.requests.counts["s3:GetObject"]
    assert warm.report.findings == cold.report.findings
    entries = sorted((tmp_path / "cache").rglob("*.json"))
    entries[0].write_text("{not json")
    entries[1].write_text(json.dumps({"bucket": "b", "key": "k", "version_id": "v"}))
    repaired = audit(plan, boto3.Session(), progress=quiet)
    assert repaired.requests.counts["s3:GetObject"] == 2
    assert repaired.cache.corrupt == 2
    assert json.loads(entries[0].read_text())["sha256"]
    assert repaired.report.findings == cold.report.findings


def test_an_overwritten_signed_key_is_proven_on_the_version_signer_wrote(
    world: World, tmp_path: Path
) -> None:
    """The latest version is read early (before the listing says which one Signer wrote);
    when it is not the signed one, the signed version is read by id and proves the code."""
    small = build_fleet(world, clean=1, broken=False)
    signed = small.jobs["clean-0"]["signedObject"]["s3"]
    world.clients.s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=b"other bytes")
    quiet = ProgressReporter(open("/dev/null", "w"), tty=False)  # noqa: SIM115
    plan = plan_for(small, tmp_path)
    cold = audit(plan, boto3.Session(), progress=quiet)
    assert cold.report.result is Result.PASS, [
        (f.check_id, f.status, f.actual)
        for f in cold.report.findings
        if f.status is not Status.PASS
    ]
    # The function's key: its latest (other bytes), then the signed version; the layer: once.
    assert cold.requests.counts["s3:GetObject"] == 3
    warm = audit(plan, boto3.Session(), progress=quiet)
    assert warm.requests.counts["s3:GetObject"] == 0
    assert warm.report.findings == cold.report.findings


# --- bad inputs: one line, exit 2 --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: no trusted publishers: pass --trust"),
        (["--trust", "arn:nope"], "error: --trust arn:nope: not a signing profile version ARN"),
        (["--lock", "missing.json"], "error: missing.json: no lock file"),
        (["--trust", "{trust}", "--region", "mars"], "error: --region mars: not an AWS Region"),
        (["--trust", "{trust}", "--max-lambda-rps", "20"], "error: --max-lambda-rps 20: must be"),
        (["--trust", "{trust}", "--job-id", "a b"], "error: --job-id 'a b': not a signing job id"),
        (["--trust", "{trust}", "--profile-version-arn", "x"], "error: --profile-version-arn x"),
        (["--trust", "{trust}", "--format", "pdf"], "error: Invalid value for '--format'"),
    ],
)
def test_bad_inputs_are_one_line_and_exit_2(
    fleet: Fleet, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    args = [arg.replace("{trust}", fleet.trusted.version_arn) for arg in args]
    result = runner.invoke(app, ["audit", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


def test_lock_file_trust_is_the_union_of_its_stacks(fleet: Fleet, tmp_path: Path) -> None:
    from verifier.contract import lock as lock_module

    def entry(stack: str, arn: str) -> lock_module.StackLock:
        return lock_module.StackLock(
            stack=stack,
            account_id="123456789012",
            region=REGION,
            signing_profile_name=arn.split("/")[-2],
            signing_profile_version_arns=(arn,),
            code_signing_config_arn="arn:aws:lambda:us-east-1:123456789012:"
            "code-signing-config:csc-0123456789abcdef0",
            policy="Enforce",
        )

    lock_file = tmp_path / "signed-lambda.lock.json"
    lock_file.write_text(
        lock_module.render(
            (entry("a", fleet.trusted.version_arn), entry("b", fleet.untrusted.version_arn))
        )
    )
    result = runner.invoke(
        app,
        ["audit", "--lock", str(lock_file), "--function-prefix", fleet.name("untrusted")],
    )
    assert result.exit_code == 0, result.stdout + result.stderr


def test_every_status_reaches_the_same_exit_codes_as_verify() -> None:
    from verifier.api import exit_code_for
    from verifier.checks.findings import Finding, Report, Severity

    def report(*statuses: Status) -> Report:
        return Report(
            findings=tuple(
                Finding("code.signed", "t", s, Severity.HIGH, "f", "r", "e", "a", "x")
                for s in statuses
            ),
            source="command line",
        )

    assert exit_code_for(report(Status.PASS, Status.WARN)) == 0
    assert exit_code_for(report(Status.FAIL, Status.ERROR)) == 1
    assert exit_code_for(report(Status.ERROR)) == 3


def test_allow_container_images_turns_the_image_into_a_warning(fleet: Fleet) -> None:
    code, document, _ = run_audit(fleet, "--allow-container-images", prefix=fleet.name("image"))
    assert code == 0
    assert not_passing(document, fleet, "image") == {("code.signed", "warn")}
