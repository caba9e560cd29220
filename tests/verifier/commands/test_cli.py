"""The CLI through typer's CliRunner, stdout and stderr apart.

Every bad input is exit 2 with one line on stderr that names the flag, file or key and what to
do, before any AWS call; AWS that cannot be reached or has no credentials is exit 3; a good run
over stubbed AWS renders every format. ``lock`` writes the trust anchor whole or not at all.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import isolate_from_aws, shared_loader
from tests.verifier import builders as b
from tests.verifier.aws_stubs import Stubs
from verifier import api
from verifier.checks.registry import REGISTRY, Mode, checks_for
from verifier.cli import app, main
from verifier.collect.targeted import TargetedCollector
from verifier.contract import lock as lock_module
from verifier.contract.lock import LOCK_FILE_NAME, StackLock
from verifier.contract.manifest import SCHEMA_VERSION, environment_digest
from verifier.report import Format

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer credentials, config or endpoint leaks in; nothing leaves the machine."""
    isolate_from_aws(monkeypatch, tmp_path)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.chdir(tmp_path)
    # Parse the service models once per test run, not once per CLI invocation.
    monkeypatch.setattr("botocore.session.create_loader", shared_loader)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["verify", *args], env=env)


def write(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def outputs(tmp_path: Path, manifest: Any = None, **stacks: Any) -> Path:
    document = stacks or {
        b.STACK: {"manifest": b.manifest_output() if manifest is None else manifest}
    }
    return write(tmp_path / "cdktf-outputs.json", document)


def lock_file(tmp_path: Path, *entries: StackLock, name: str = LOCK_FILE_NAME) -> Path:
    return write(tmp_path / name, lock_module.render(entries or (b.lock_entry(),)))


def lock_document(**stack_changes: Any) -> dict[str, Any]:
    """A lock document as JSON, its stack entry's keys replaced (None removes one)."""
    document = json.loads(lock_module.render((b.lock_entry(),)))
    entry = document["stacks"][b.STACK]
    entry.update(stack_changes)
    document["stacks"][b.STACK] = {k: v for k, v in entry.items() if v is not None}
    return document


def broken_function(**changes: Any) -> dict[str, Any]:
    """The manifest output with the function entry's keys replaced (None removes one)."""
    document = b.manifest_output()
    entry = {**document["functions"][b.FUNCTION_KEY], **changes}
    document["functions"][b.FUNCTION_KEY] = {
        k: v for k, v in entry.items() if not (k in changes and v is None)
    }
    return document


def broken_layer(**changes: Any) -> dict[str, Any]:
    document = b.manifest_output()
    entry = {**document["layers"][b.LAYER_KEY], **changes}
    document["layers"][b.LAYER_KEY] = {k: v for k, v in entry.items() if v is not None}
    return document


def with_outputs_and_lock(t: Path, *extra: str, manifest: Any = None) -> list[str]:
    lock_file(t)
    return ["--outputs", str(outputs(t, manifest)), *extra]


def with_lock(t: Path, content: Any) -> list[str]:
    return ["--outputs", str(outputs(t)), "--lock", str(write(t / "my.lock.json", content))]


FLAGS = ["--function", b.FUNCTION_NAME, "--job-id", b.JOB_ID, "--csc-arn", b.CSC_ARN]
LOCK_PATH = "stacks.signed-lambda"

# (case id, argv builder, words that must appear in the one error line)
Case = tuple[str, Callable[[Path], list[str]], list[str]]
BAD_INPUTS: list[Case] = [
    # --- the outputs file ------------------------------------------------------------------
    (
        "missing outputs file",
        lambda t: ["--outputs", str(t / "nope.json")],
        ["nope.json", "not found", "check the path"],
    ),
    ("outputs is a directory", lambda t: ["--outputs", str(t)], ["is a directory"]),
    (
        "outputs not json",
        lambda t: ["--outputs", str(write(t / "o.json", "{not json"))],
        ["o.json", "not valid JSON", "line 1"],
    ),
    (
        "outputs not an object",
        lambda t: ["--outputs", str(write(t / "o.json", [1, 2]))],
        ["o.json", "must be a JSON object"],
    ),
    (
        "no stacks",
        lambda t: ["--outputs", str(write(t / "o.json", {}))],
        ["o.json", "no stacks"],
    ),
    (
        "several stacks",
        lambda t: [
            "--outputs",
            str(outputs(t, a={"manifest": b.manifest_output()}, z={"manifest": {}})),
        ],
        ["several stacks", "a, z", "--stack"],
    ),
    (
        "unknown stack",
        lambda t: ["--outputs", str(outputs(t)), "--stack", "prod"],
        ["--stack prod", "signed-lambda"],
    ),
    (
        "stack not an object",
        lambda t: ["--outputs", str(outputs(t, **{b.STACK: "x"}))],
        ["cdktf-outputs.json", "signed-lambda must be an object"],
    ),
    (
        "manifest output missing",
        lambda t: ["--outputs", str(outputs(t, **{b.STACK: {"other": 1}}))],
        ["cdktf-outputs.json", "signed-lambda.manifest is missing"],
    ),
    (
        "schema_version 1 outputs",
        lambda t: ["--outputs", str(outputs(t, b.manifest_output(schema_version=1)))],
        [
            "signed-lambda.manifest.schema_version is 1",
            f"reads schema_version {SCHEMA_VERSION}",
            "make deploy",
        ],
    ),
    (
        "function key missing",
        lambda t: ["--outputs", str(outputs(t, broken_function(signing_job_id=None)))],
        ["cdktf-outputs.json: signed-lambda.manifest.functions.hello.signing_job_id is missing"],
    ),
    (
        "function key mistyped",
        lambda t: ["--outputs", str(outputs(t, broken_function(function_name=42)))],
        ["signed-lambda.manifest.functions.hello.function_name must be a string, not a number"],
    ),
    (
        "an environment value instead of its digest",
        lambda t: [
            "--outputs",
            str(outputs(t, broken_function(environment={"LOG_LEVEL": "debug"}))),
        ],
        [
            "signed-lambda.manifest.functions.hello.environment.LOG_LEVEL is not a value digest",
            "sha256:<64 hex digits>",
        ],
    ),
    (
        "undeclared layer key",
        lambda t: ["--outputs", str(outputs(t, broken_function(layers=["ghost"])))],
        [
            "signed-lambda.manifest.functions.hello.layers",
            "'ghost'",
            "signed-lambda.manifest.layers",
        ],
    ),
    (
        "layer key missing",
        lambda t: ["--outputs", str(outputs(t, broken_layer(layer_version_arn=None)))],
        ["signed-lambda.manifest.layers.shared.layer_version_arn is missing"],
    ),
    (
        "bad csc arn in the outputs",
        lambda t: [
            "--outputs",
            str(outputs(t, b.manifest_output(code_signing_config_arn="csc-1"))),
        ],
        ["signed-lambda.manifest.code_signing_config_arn is not a CSC ARN", "arn:aws:lambda:"],
    ),
    (
        "bad expected_policy in the outputs",
        lambda t: with_outputs_and_lock(t, manifest=b.manifest_output(expected_policy="Audit")),
        ["signed-lambda.manifest.expected_policy", "'Audit'", "Enforce or Warn"],
    ),
    (
        "wrong --region",
        lambda t: ["--outputs", str(outputs(t)), "--region", "eu-west-1"],
        ["--region eu-west-1", "wrong region", "--region us-east-1"],
    ),
    # --- the lock --------------------------------------------------------------------------
    (
        "missing lock",
        lambda t: ["--outputs", str(outputs(t))],
        [f"{LOCK_FILE_NAME}: no lock file", "make lock", "--no-lock"],
    ),
    ("lock not json", lambda t: with_lock(t, "{"), ["my.lock.json", "not valid JSON"]),
    (
        "lock key missing",
        lambda t: with_lock(t, lock_document(region=None)),
        [f"my.lock.json: {LOCK_PATH}.region is missing"],
    ),
    (
        "lock account malformed",
        lambda t: with_lock(t, lock_document(account_id="12345")),
        [f"{LOCK_PATH}.account_id is not a 12-digit account id"],
    ),
    (
        "lock profile version arn malformed",
        lambda t: with_lock(t, lock_document(signing_profile_version_arns=["x"])),
        [f"{LOCK_PATH}.signing_profile_version_arns[0] is not a signing profile version ARN"],
    ),
    (
        "lock policy unknown",
        lambda t: with_lock(t, lock_document(policy="Audit")),
        [f"{LOCK_PATH}.policy is 'Audit'", "Enforce or Warn"],
    ),
    (
        "lock without the stack",
        lambda t: [
            "--outputs",
            str(outputs(t)),
            "--lock",
            str(lock_file(t, b.lock_entry(stack="other"), name="my.lock.json")),
        ],
        ["my.lock.json: has no entry for stack signed-lambda (it locks: other)", "make lock"],
    ),
    # --- trust from flags ------------------------------------------------------------------
    (
        "flag mode without trust",
        lambda t: [*FLAGS, "--region", b.REGION],
        ["flag mode needs a trust anchor", "--trusted-profile-version-arn", "--lock"],
    ),
    (
        "flag mode with --no-lock and no trusted arn",
        lambda t: [*FLAGS, "--no-lock"],
        ["trusts nothing", "--trusted-profile-version-arn"],
    ),
    (
        "flag mode with a lock of several stacks",
        lambda t: [
            *FLAGS,
            "--lock",
            str(lock_file(t, b.lock_entry(), b.lock_entry(stack="other"), name="two.json")),
        ],
        ["locks several stacks (other, signed-lambda)", "--stack"],
    ),
    (
        "bad --trusted-profile-version-arn",
        lambda t: [*FLAGS, "--trusted-profile-version-arn", "arn:aws:signer:x"],
        [
            "--trusted-profile-version-arn arn:aws:signer:x: not a signing profile version ARN",
            "expected arn:aws:signer:<region>",
        ],
    ),
    # --- other flags -----------------------------------------------------------------------
    (
        "--source not a directory",
        lambda t: with_outputs_and_lock(t, "--source", str(write(t / "file", "x"))),
        ["--source", "not a directory", "checkout"],
    ),
    (
        "--source with flags",
        lambda t: [*FLAGS, "--source", str(t)],
        ["--source needs --outputs"],
    ),
    (
        "--output into a missing directory",
        lambda t: with_outputs_and_lock(t, "--output", str(t / "missing" / "report.json")),
        ["--output", "missing", "does not exist"],
    ),
    (
        "--sarif-output into a missing directory",
        lambda t: with_outputs_and_lock(t, "--sarif-output", str(t / "missing" / "r.sarif")),
        ["--sarif-output", "does not exist"],
    ),
    (
        "--output is a directory",
        lambda t: with_outputs_and_lock(t, "--output", str(t)),
        ["--output", "is a directory"],
    ),
    (
        "bad --format",
        lambda t: with_outputs_and_lock(t, "--format", "xml"),
        ["--format", "'xml'", "'text', 'json', 'junit', 'sarif'"],
    ),
    (
        "bad --expect-policy",
        lambda t: with_outputs_and_lock(t, "--expect-policy", "Block"),
        ["--expect-policy", "'Block'", "'enforce', 'warn'"],
    ),
    (
        "negative --expiry-warning-days",
        lambda t: with_outputs_and_lock(t, "--expiry-warning-days", "-1"),
        ["--expiry-warning-days"],
    ),
    (
        "--outputs with --function",
        lambda t: with_outputs_and_lock(t, "--function", "f"),
        ["--outputs cannot be combined with --function"],
    ),
    (
        "--function without --job-id",
        lambda t: ["--function", "f", "--csc-arn", b.CSC_ARN],
        ["--job-id missing"],
    ),
    (
        "malformed --csc-arn",
        lambda t: [
            *["--function", "f", "--job-id", "j", "--csc-arn", "csc-1", "--region", b.REGION],
            *["--trusted-profile-version-arn", b.PROFILE_VERSION_ARN],
        ],
        ["--csc-arn csc-1", "not a code signing config ARN", "expected arn:aws:lambda:"],
    ),
    (
        "--csc-arn in another region",
        lambda t: [
            *FLAGS,
            "--region",
            "eu-west-1",
            "--trusted-profile-version-arn",
            b.PROFILE_VERSION_ARN,
        ],
        ["--csc-arn", "wrong region", "--region us-east-1"],
    ),
    ("nothing to verify", lambda t: [], ["nothing to verify", "--outputs"]),
    ("--job-file is gone", lambda t: ["--job-file", "job.json"], ["No such option: --job-file"]),
    (
        "unknown --profile",
        lambda t: with_outputs_and_lock(t, "--profile", "ghost"),
        ["--profile ghost", "no such profile"],
    ),
]


@pytest.fixture
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test if a collector (the only AWS caller) is created."""
    created: list[str] = []

    class Forbidden(TargetedCollector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            created.append("collector")
            raise AssertionError("an AWS call was attempted")

    monkeypatch.setattr(api, "TargetedCollector", Forbidden)
    yield created
    assert created == []


def assert_one_error_line(result: Result, words: list[str], code: int = 2) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "words"), [pytest.param(argv, words, id=name) for name, argv, words in BAD_INPUTS]
)
def test_bad_input_is_one_line_exit_2_before_any_aws_call(
    tmp_path: Path, no_aws_calls: list[str], argv: Callable[[Path], list[str]], words: list[str]
) -> None:
    assert_one_error_line(invoke(*argv(tmp_path)), words)


def test_unknown_aws_profile_says_it_came_from_the_environment(
    tmp_path: Path, no_aws_calls: list[str]
) -> None:
    result = invoke(*with_outputs_and_lock(tmp_path), env={"AWS_PROFILE": "ghost"})
    assert_one_error_line(result, ["AWS_PROFILE ghost", "no such profile", "unset AWS_PROFILE"])


def test_bad_aws_max_attempts_is_an_input_error(tmp_path: Path, no_aws_calls: list[str]) -> None:
    result = invoke(*with_outputs_and_lock(tmp_path), env={"AWS_MAX_ATTEMPTS": "many"})
    line = assert_one_error_line(result, [])
    assert line == "error: AWS_MAX_ATTEMPTS=many: must be a positive integer"


def test_malformed_csc_arn_without_region_names_the_csc_arn(
    tmp_path: Path, no_aws_calls: list[str]
) -> None:
    trusted = ["--trusted-profile-version-arn", b.PROFILE_VERSION_ARN]
    result = invoke("--function", "f", "--job-id", "j", "--csc-arn", "csc-1", *trusted)
    assert_one_error_line(result, ["--csc-arn csc-1", "not a code signing config ARN"])


def test_string_schema_version_and_booleans_are_tolerated(tmp_path: Path) -> None:
    """Terraform renders numbers and booleans as strings: "3"/"true" pass input validation and
    the run reaches AWS (here an unreachable endpoint: exit 3, not 2)."""
    document = broken_function(allow_earlier_versions="true")
    document["schema_version"] = str(SCHEMA_VERSION)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = invoke(*with_outputs_and_lock(tmp_path, manifest=document), env=env)
    assert result.exit_code == 3, result.stderr


def test_help_documents_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for code in ("0 every check passed", "1 at least one check failed", "2 usage", "3 evidence"):
        assert code in text


class Exited(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


@pytest.fixture
def hard_exit(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """``os._exit`` of verifier.cli.main raises instead; yields [was the collector on at exit]."""
    collecting: list[bool] = []

    def exit_(code: int) -> None:
        collecting.append(gc.isenabled())
        raise Exited(code)

    monkeypatch.setattr("verifier.cli.os._exit", exit_)
    try:
        yield collecting
    finally:
        gc.enable()  # main() turned it off for a short command; this process lives on


@pytest.mark.parametrize(
    ("argv", "code", "stream", "words"),
    [
        (["verify", "--outputs", "missing.json"], 2, "err", ["missing.json"]),
        (["verify", "--no-such-flag"], 2, "err", ["--no-such-flag"]),
        (["--help"], 0, "out", ["verify", "audit"]),
    ],
)
def test_main_flushes_then_ends_the_process_with_the_exit_code(
    argv: list[str],
    code: int,
    stream: str,
    words: list[str],
    hard_exit: list[bool],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console entry point skips the interpreter's teardown (os._exit) once the command is
    done and its output flushed; the garbage collector is off for the short command."""
    monkeypatch.setattr("sys.argv", ["signed-lambda", *argv])
    with pytest.raises(Exited) as exited:
        main()
    assert exited.value.code == code
    assert hard_exit == [False]
    captured = capfd.readouterr()
    text = captured.err if stream == "err" else captured.out
    assert all(word in text for word in words), text
    if stream == "err":
        assert len(text.splitlines()) == 1 and "Traceback" not in text


def test_audit_turns_the_collector_back_on(
    tmp_path: Path, hard_exit: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An audit can hold a whole account's functions: it runs with the garbage collector."""
    monkeypatch.setattr("sys.argv", ["signed-lambda", "audit", "--lock", str(tmp_path / "none")])
    with pytest.raises(Exited) as exited:
        main()
    assert exited.value.code == 2
    assert hard_exit == [True]


# --- AWS that cannot be used: exit 3 -------------------------------------------------------


def test_no_credentials_is_exit_3(tmp_path: Path) -> None:
    result = invoke(*with_outputs_and_lock(tmp_path))
    assert_one_error_line(result, ["no AWS credentials", "AWS_PROFILE"], code=3)


def test_unreachable_endpoint_is_exit_3(tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = invoke(*with_outputs_and_lock(tmp_path), env=env)
    assert_one_error_line(result, ["cannot reach http://127.0.0.1:1"], code=3)


# --- complete runs over stubbed AWS --------------------------------------------------------


def stub_collector(
    monkeypatch: pytest.MonkeyPatch, responses: Callable[[Stubs], None] | None = None
) -> list[str]:
    """Replace the collector with one whose clients answer from stubs (by default the good
    deployment ``builders.world()`` describes). Preflight, a real call tested in
    tests/verifier/collect/test_aws.py, is recorded instead."""
    preflights: list[str] = []

    class StubbedCollector(TargetedCollector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # One worker: the Stubber answers in queue order.
            super().__init__(*args, **{**kwargs, "workers": 1})
            stubs = Stubs(self).__enter__()
            (responses or Stubs.good_deployment)(stubs)

        def preflight(self, csc_arn: str) -> None:
            preflights.append(csc_arn)

    monkeypatch.setattr(api, "TargetedCollector", StubbedCollector)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return preflights


def statuses_of(stdout: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for check in json.loads(stdout)["checks"]:
        found.setdefault(check["id"], set()).add(check["status"])
    return found


def not_passing(stdout: str) -> dict[str, set[str]]:
    return {k: v for k, v in statuses_of(stdout).items() if v != {"pass"}}


#: Findings of a good run without --source (path checks: one per code path).
GOOD_RUN_FINDINGS = len(b.world(provenance=None).findings())


@pytest.mark.parametrize("fmt", list(Format))
def test_good_deployment_passes_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: Format
) -> None:
    preflights = stub_collector(monkeypatch)
    result = invoke(*with_outputs_and_lock(tmp_path), "--format", fmt.value.upper())
    assert result.exit_code == 0, result.stderr
    assert preflights == [b.CSC_ARN]
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith(
        f"signed-lambda verify: PASS: 1 function(s), {GOOD_RUN_FINDINGS} checks: "
        f"{GOOD_RUN_FINDINGS - 1} pass, 0 fail, 1 warn, 0 error"
    )
    if fmt is Format.JSON:
        assert json.loads(result.stdout)["result"] == "pass"
        # Without --source, provenance from source is the one warning.
        assert not_passing(result.stdout) == {"source.provenance": {"warn"}}
        assert set(statuses_of(result.stdout)) == {c.id for c in checks_for(Mode.MANIFEST)}


def test_text_shows_what_did_not_pass_and_verbose_every_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_collector(monkeypatch)
    quiet = invoke(*with_outputs_and_lock(tmp_path))
    assert quiet.exit_code == 0, quiet.stderr
    lines = quiet.stdout.splitlines()
    assert lines[0].startswith(f"WARN   {b.FUNCTION_KEY}  ({GOOD_RUN_FINDINGS - 1} pass, 1 warn)")
    assert [line.split()[:2] for line in lines if line.startswith("  ") and "[" in line] == [
        ["WARN", "source.provenance"]
    ]
    stub_collector(monkeypatch)
    verbose = invoke(*with_outputs_and_lock(tmp_path), "--verbose")
    listed = [line for line in verbose.stdout.splitlines() if line.startswith("  PASS")]
    assert len(listed) == GOOD_RUN_FINDINGS - 1


def test_output_file_is_written_and_stdout_stays_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_collector(monkeypatch)
    report = tmp_path / "report.sarif"
    result = invoke(*with_outputs_and_lock(tmp_path), "--format", "sarif", "--output", str(report))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(report.read_text())["version"] == "2.1.0"


def test_sarif_output_comes_from_the_same_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_collector(monkeypatch)
    sarif = tmp_path / "report.sarif"
    result = invoke(
        *with_outputs_and_lock(tmp_path), "--format", "json", "--sarif-output", str(sarif)
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "pass"
    document = json.loads(sarif.read_text())
    assert len(document["runs"][0]["tool"]["driver"]["rules"]) == len(REGISTRY)
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["source.provenance"]


def test_expect_policy_is_case_insensitive_and_enforce_is_stricter_than_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_collector(monkeypatch)
    result = invoke(*with_outputs_and_lock(tmp_path), "--format", "json", "--expect-policy", "warn")
    assert result.exit_code == 0, result.stderr
    assert not_passing(result.stdout) == {
        "csc.policy": {"warn"},
        "source.provenance": {"warn"},
    }


def test_no_lock_warns_that_state_is_the_only_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub_collector(monkeypatch)
    result = invoke("--outputs", str(outputs(tmp_path)), "--no-lock", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert not_passing(result.stdout) == {"lock.anchor": {"warn"}, "source.provenance": {"warn"}}


def test_disagreeing_lock_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stub_collector(monkeypatch)
    lock_file(tmp_path, b.lock_entry(policy="Warn"))
    result = invoke("--outputs", str(outputs(tmp_path)), "--format", "json")
    assert result.exit_code == 1, result.stderr
    failed = not_passing(result.stdout)
    assert failed["lock.anchor"] == {"fail"}
    # The lock's policy is the expectation, so the CSC's Enforce is reported as stricter.
    assert failed["csc.policy"] == {"warn"}
    assert result.stderr.splitlines()[-1].startswith("signed-lambda verify: FAIL")


@pytest.mark.parametrize(
    "trust",
    [
        ["--trusted-profile-version-arn", b.PROFILE_VERSION_ARN],
        ["--lock", "LOCK"],
    ],
    ids=["trusted-arn", "lock"],
)
def test_flag_mode_with_a_trust_anchor_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trust: list[str]
) -> None:
    stub_collector(monkeypatch, lambda stubs: stubs.good_deployment(flags=True))
    argv = [str(lock_file(tmp_path)) if arg == "LOCK" else arg for arg in trust]
    result = invoke(*FLAGS, *argv, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["source"] == "command line"
    assert not_passing(result.stdout) == {}
    assert set(statuses_of(result.stdout)) == {c.id for c in checks_for(Mode.FLAGS)}


def test_unknown_job_id_on_the_command_line_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def responses(stubs: Stubs) -> None:
        stubs.signer.add_client_error(
            "describe_signing_job", "ResourceNotFoundException", "no job", 404
        )
        stubs.job(b.layer_job())
        stubs.profile()
        stubs.csc()
        stubs.function()
        stubs.layer_version()
        stubs.layer_signed_object()
        stubs.bucket()

    stub_collector(monkeypatch, responses)
    result = invoke(*FLAGS, "--trusted-profile-version-arn", b.PROFILE_VERSION_ARN)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    # Progress ("collecting ...") precedes it on stderr; the error is the last line.
    assert result.stderr.splitlines()[-1] == (
        f"error: --job-id {b.JOB_ID}: no such signing job in {b.REGION}"
    )


def test_access_denied_is_an_error_finding_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def responses(stubs: Stubs) -> None:
        stubs.job()
        stubs.profile()
        stubs.csc()
        stubs.lambda_.add_client_error(
            "get_function", "AccessDeniedException", "not authorized", 403
        )
        stubs.signed_object()
        stubs.bucket()

    stub_collector(monkeypatch, responses)
    result = invoke(*with_outputs_and_lock(tmp_path), "--format", "json")
    assert result.exit_code == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["result"] == "error"
    assert document["summary"]["error"] > 0 and document["summary"]["fail"] == 0
    causes = [line for line in result.stderr.splitlines() if line.startswith("could not verify")]
    assert len(causes) == 1, result.stderr  # one line per distinct cause, not per check
    assert "GetFunction: AccessDeniedException" in causes[0]
    assert result.stderr.splitlines()[-1].startswith("signed-lambda verify: ERROR")


# --- `lock`: the trust anchor --------------------------------------------------------------


def invoke_lock(tmp_path: Path, *args: str) -> Result:
    return runner.invoke(
        app,
        [
            "lock",
            "--outputs",
            str(tmp_path / "cdktf-outputs.json"),
            "--lock",
            str(tmp_path / "l.json"),
            *args,
        ],
    )


def pinned(tmp_path: Path) -> dict[str, Any]:
    stacks: dict[str, Any] = json.loads((tmp_path / "l.json").read_text())["stacks"]
    return stacks


def test_lock_writes_the_entry_for_the_deployed_stack(tmp_path: Path) -> None:
    outputs(tmp_path)
    result = invoke_lock(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert (tmp_path / "l.json").read_text() == lock_module.render((b.lock_entry(),))
    assert "signed-lambda: new entry" in result.stderr
    assert "review the change and commit it" in result.stderr.splitlines()[-1]
    assert lock_module.load(tmp_path / "l.json").stack(b.STACK) == b.lock_entry()


def test_lock_is_idempotent(tmp_path: Path) -> None:
    outputs(tmp_path)
    assert invoke_lock(tmp_path).exit_code == 0
    before = (tmp_path / "l.json").read_bytes()
    result = invoke_lock(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"lock: {tmp_path / 'l.json'} is up to date"
    assert (tmp_path / "l.json").read_bytes() == before


def test_lock_check_agrees_with_a_matching_lock(tmp_path: Path) -> None:
    outputs(tmp_path)
    lock_file(tmp_path, name="l.json")
    result = invoke_lock(tmp_path, "--check")
    assert result.exit_code == 0, result.stderr
    assert "matches" in result.stderr


def test_lock_check_accepts_a_lock_that_pins_more_versions(tmp_path: Path) -> None:
    """A rotation window: the lock trusts the previous version too."""
    outputs(tmp_path)
    arns = (b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN)
    lock_file(tmp_path, b.lock_entry(signing_profile_version_arns=arns), name="l.json")
    before = (tmp_path / "l.json").read_bytes()
    result = invoke_lock(tmp_path, "--check")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "l.json").read_bytes() == before


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"code_signing_config_arn": b.OTHER_CSC_ARN}, "code_signing_config_arn"),
        ({"policy": "Warn"}, "policy: Warn -> Enforce"),
        (
            {"signing_profile_version_arns": (b.PREVIOUS_PROFILE_VERSION_ARN,)},
            "signing_profile_version_arns",
        ),
    ],
    ids=["csc", "policy", "profile-version"],
)
def test_lock_check_fails_on_disagreement_and_writes_nothing(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    outputs(tmp_path)
    lock_file(tmp_path, b.lock_entry(**change), name="l.json")
    before = (tmp_path / "l.json").read_bytes()
    result = invoke_lock(tmp_path, "--check")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    assert named in result.stderr
    assert "run `make lock` and review" in result.stderr.splitlines()[-1]
    assert (tmp_path / "l.json").read_bytes() == before


def test_lock_shows_each_declaration_change_by_name_and_check_fails_on_it(
    tmp_path: Path,
) -> None:
    """A reviewer sees what a declaration change is (never an environment value), and a CI
    step's --check fails on it."""
    function = b.function_manifest(
        allow_earlier_versions=True,
        environment=(("BASH_ENV", environment_digest("$(evil)")),),
    )
    changed = b.manifest(functions=(function,)).to_output()
    outputs(tmp_path, changed)
    lock_file(tmp_path, name="l.json")
    result = invoke_lock(tmp_path, "--check")
    assert result.exit_code == 1, result.stderr
    assert "signed-lambda.hello.allow_earlier_versions: outputs true, lock false" in result.stderr
    assert "signed-lambda.hello.environment: outputs declare BASH_ENV, the lock does not" in (
        result.stderr
    )
    assert "LOG_LEVEL" in result.stderr and "evil" not in result.stderr
    result = invoke_lock(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "hello.allow_earlier_versions: outputs true, lock false" in result.stderr
    assert pinned(tmp_path)[b.STACK]["functions"]["hello"]["allow_earlier_versions"] is True


def test_lock_from_before_declarations_were_pinned(tmp_path: Path) -> None:
    """--check still passes (with a warning: existing CI keeps running), and `make lock`
    says it now pins each declaration."""
    outputs(tmp_path)
    lock_file(tmp_path, b.lock_entry(declarations=None), name="l.json")
    result = invoke_lock(tmp_path, "--check")
    assert result.exit_code == 0, result.stderr
    assert "predates pinned declarations" in result.stderr
    result = invoke_lock(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "now pins each declaration (functions hello; layers shared)" in result.stderr
    assert lock_module.load(tmp_path / "l.json").stack(b.STACK) == b.lock_entry()


def test_lock_check_without_a_lock_fails(tmp_path: Path) -> None:
    outputs(tmp_path)
    result = invoke_lock(tmp_path, "--check")
    assert result.exit_code == 1
    assert not (tmp_path / "l.json").exists()


def test_lock_keep_previous_pins_both_versions(tmp_path: Path) -> None:
    outputs(tmp_path)
    old = b.lock_entry(signing_profile_version_arns=(b.PREVIOUS_PROFILE_VERSION_ARN,))
    lock_file(tmp_path, old, name="l.json")
    result = invoke_lock(tmp_path, "--keep-previous")
    assert result.exit_code == 0, result.stderr
    assert "signed-lambda.signing_profile_version_arns" in result.stderr
    assert pinned(tmp_path)[b.STACK]["signing_profile_version_arns"] == sorted(
        [b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN]
    )
    # Without --keep-previous the rotation ends: only the current version stays pinned.
    assert invoke_lock(tmp_path).exit_code == 0
    assert pinned(tmp_path)[b.STACK]["signing_profile_version_arns"] == [b.PROFILE_VERSION_ARN]


def test_lock_keeps_other_stacks_entries(tmp_path: Path) -> None:
    outputs(tmp_path)
    other = b.lock_entry(stack="other", policy="Warn")
    lock_file(tmp_path, other, name="l.json")
    result = invoke_lock(tmp_path)
    assert result.exit_code == 0, result.stderr
    written = lock_module.load(tmp_path / "l.json")
    assert written.stack("other") == other
    assert written.stack(b.STACK) == b.lock_entry()


def test_lock_never_half_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs(tmp_path)
    old = b.lock_entry(policy="Warn")
    lock_file(tmp_path, old, name="l.json")
    before = (tmp_path / "l.json").read_bytes()

    def fail_replace(source: Any, destination: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("verifier.atomic.os.replace", fail_replace)
    result = invoke_lock(tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    last = result.stderr.splitlines()[-1]
    assert (
        last == f"error: {tmp_path / 'l.json'}: cannot write the lock file: No space left on device"
    )
    assert "Traceback" not in result.stderr
    assert (tmp_path / "l.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["cdktf-outputs.json", "empty-aws-config", "l.json"]
    )


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda t: None, ["cdktf-outputs.json", "not found"]),
        (
            lambda t: outputs(t, b.manifest_output(schema_version=1)),
            ["schema_version is 1", "make deploy"],
        ),
        (
            lambda t: (outputs(t), write(t / "l.json", lock_document(policy=None))),
            [f"{LOCK_PATH}.policy is missing"],
        ),
    ],
    ids=["no-outputs", "old-outputs", "malformed-lock"],
)
def test_lock_bad_input_is_one_line_exit_2(
    tmp_path: Path, setup: Callable[[Path], object], words: list[str]
) -> None:
    setup(tmp_path)
    before = (tmp_path / "l.json").read_bytes() if (tmp_path / "l.json").exists() else None
    assert_one_error_line(invoke_lock(tmp_path), words)
    after = (tmp_path / "l.json").read_bytes() if (tmp_path / "l.json").exists() else None
    assert after == before


def test_lock_writes_a_lock_it_can_read_back(tmp_path: Path) -> None:
    outputs(tmp_path, b.manifest_output(expected_policy="enforce"))
    result = invoke_lock(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert lock_module.load(tmp_path / "l.json").for_stack(b.STACK) == b.lock_entry()


def test_lock_rejects_an_unknown_policy_in_the_outputs(tmp_path: Path) -> None:
    outputs(tmp_path, b.manifest_output(expected_policy="Audit"))
    assert_one_error_line(
        invoke_lock(tmp_path), ["signed-lambda.manifest.expected_policy", "'Audit'"]
    )
    assert not (tmp_path / "l.json").exists()
