"""The CLI through typer's CliRunner: bad inputs give one line on stderr and exit 2; AWS that
cannot be reached or has no credentials gives exit 3; a good run renders every format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.verifier import builders as b
from tests.verifier.aws_stubs import Stubs
from verifier.checks import REGISTRY
from verifier.cli import app
from verifier.collect import Collector
from verifier.commands import verify as verify_module
from verifier.report import Format

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer credentials, config or endpoint leaks in; nothing leaves the machine."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["verify", *args], env=env)


def write(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def outputs(tmp_path: Path, manifest: Any = None, **stacks: Any) -> Path:
    document = stacks or {"signed-lambda": {"manifest": manifest or b.manifest()}}
    return write(tmp_path / "cdktf-outputs.json", document)


def broken_function(**changes: Any) -> dict[str, Any]:
    entry = dict(b.manifest()["functions"]["hello"])
    entry.update(changes)
    return b.manifest(functions={"hello": {k: v for k, v in entry.items() if v is not None}})


FLAGS = ["--function", b.FUNCTION_NAME, "--job-id", b.JOB_ID, "--csc-arn", b.CSC_ARN]

# (case id, argv builder, words that must appear in the one error line)
Case = tuple[str, Callable[[Path], list[str]], list[str]]
BAD_INPUTS: list[Case] = [
    ("missing file", lambda t: ["--outputs", str(t / "nope.json")], ["nope.json", "not found"]),
    (
        "directory",
        lambda t: ["--outputs", str(t)],
        ["is a directory"],
    ),
    (
        "not json",
        lambda t: ["--outputs", str(write(t / "o.json", "{not json"))],
        ["o.json", "not valid JSON", "line 1"],
    ),
    (
        "not an object",
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
            str(outputs(t, a={"manifest": b.manifest()}, z={"manifest": b.manifest()})),
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
        lambda t: ["--outputs", str(outputs(t, **{"signed-lambda": "x"}))],
        ["cdktf-outputs.json", "signed-lambda must be an object"],
    ),
    (
        "manifest missing",
        lambda t: ["--outputs", str(outputs(t, **{"signed-lambda": {"other": 1}}))],
        ["cdktf-outputs.json", "signed-lambda.manifest is missing"],
    ),
    (
        "missing key",
        lambda t: ["--outputs", str(outputs(t, broken_function(signing_job_id=None)))],
        ["cdktf-outputs.json: signed-lambda.manifest.functions.hello.signing_job_id is missing"],
    ),
    (
        "missing top-level key",
        lambda t: [
            "--outputs",
            str(outputs(t, {k: v for k, v in b.manifest().items() if k != "bucket"})),
        ],
        ["signed-lambda.manifest.bucket is missing"],
    ),
    (
        "wrong type",
        lambda t: ["--outputs", str(outputs(t, broken_function(function_name=42)))],
        ["signed-lambda.manifest.functions.hello.function_name must be a string, not a number"],
    ),
    (
        "functions not an object",
        lambda t: ["--outputs", str(outputs(t, b.manifest(functions=["hello"])))],
        ["signed-lambda.manifest.functions must be an object, not an array"],
    ),
    (
        "no functions",
        lambda t: ["--outputs", str(outputs(t, b.manifest(functions={})))],
        ["signed-lambda.manifest.functions is empty"],
    ),
    (
        "bad schema_version",
        lambda t: ["--outputs", str(outputs(t, b.manifest(schema_version="one")))],
        ["signed-lambda.manifest.schema_version must be a number"],
    ),
    (
        "unsupported schema_version",
        lambda t: ["--outputs", str(outputs(t, b.manifest(schema_version=2)))],
        ["schema_version is 2"],
    ),
    (
        "bad csc arn in manifest",
        lambda t: ["--outputs", str(outputs(t, b.manifest(code_signing_config_arn="csc-1")))],
        ["signed-lambda.manifest.code_signing_config_arn is not a code signing config ARN"],
    ),
    (
        "bad profile arn in manifest",
        lambda t: ["--outputs", str(outputs(t, b.manifest(signing_profile_version_arn="x")))],
        ["signing_profile_version_arn is not a signing profile version ARN"],
    ),
    (
        "bad expected_policy in manifest",
        lambda t: ["--outputs", str(outputs(t, b.manifest(expected_policy="Audit")))],
        ["signed-lambda.manifest.expected_policy", "'Audit'"],
    ),
    (
        "bad --format",
        lambda t: ["--outputs", str(outputs(t)), "--format", "xml"],
        ["--format xml", "text, json, junit, sarif"],
    ),
    (
        "bad --expect-policy",
        lambda t: ["--outputs", str(outputs(t)), "--expect-policy", "Block"],
        ["--expect-policy", "'Block'", "Enforce or Warn"],
    ),
    (
        "negative --expiry-warning-days",
        lambda t: ["--outputs", str(outputs(t)), "--expiry-warning-days", "-1"],
        ["--expiry-warning-days -1"],
    ),
    (
        "non-integer --expiry-warning-days",
        lambda t: ["--outputs", str(outputs(t)), "--expiry-warning-days", "soon"],
        ["--expiry-warning-days"],
    ),
    (
        "--outputs with --function",
        lambda t: ["--outputs", str(outputs(t)), "--function", "f"],
        ["--outputs cannot be combined with --function"],
    ),
    (
        "--function without --job-id",
        lambda t: ["--function", "f", "--csc-arn", b.CSC_ARN, "--region", b.REGION],
        ["--job-id is missing"],
    ),
    (
        "--job-id without --function",
        lambda t: ["--job-id", b.JOB_ID, "--csc-arn", b.CSC_ARN, "--region", b.REGION],
        ["--function is missing"],
    ),
    (
        "--function without --csc-arn",
        lambda t: ["--function", "f", "--job-id", b.JOB_ID, "--region", b.REGION],
        ["--csc-arn is missing"],
    ),
    (
        "malformed --csc-arn",
        lambda t: ["--function", "f", "--job-id", "j", "--csc-arn", "csc-1", "--region", b.REGION],
        ["--csc-arn csc-1", "not a code signing config ARN"],
    ),
    (
        "--csc-arn in another region",
        lambda t: [*FLAGS, "--region", "eu-west-1"],
        ["--csc-arn", "wrong region", "us-east-1"],
    ),
    (
        "flags without a region",
        lambda t: FLAGS,
        ["no region", "--region"],
    ),
    (
        "--stack without --outputs",
        lambda t: ["--stack", "x", *FLAGS],
        ["--stack needs --outputs"],
    ),
    ("nothing to verify", lambda t: [], ["nothing to verify", "--outputs"]),
    (
        "bad --job-file",
        lambda t: ["--outputs", str(outputs(t)), "--job-file", str(write(t / "j.json", "{"))],
        ["j.json", "not valid JSON"],
    ),
    (
        "--job-file missing key",
        lambda t: [
            "--outputs",
            str(outputs(t)),
            "--job-file",
            str(
                write(
                    t / "j.json",
                    {k: v for k, v in b.describe_signing_job_cli().items() if k != "profileName"},
                )
            ),
        ],
        ["j.json: profileName is missing"],
    ),
    (
        "--job-file wrong type",
        lambda t: [
            "--outputs",
            str(outputs(t)),
            "--job-file",
            str(write(t / "j.json", {**b.describe_signing_job_cli(), "source": "s3://x"})),
        ],
        ["j.json: source must be an object, not a string"],
    ),
    (
        "--job-file for another job",
        lambda t: [
            "--outputs",
            str(outputs(t)),
            "--job-file",
            str(write(t / "j.json", {**b.describe_signing_job_cli(), "jobId": "other"})),
        ],
        ["--job-file", "job other is not the signing job of any function"],
    ),
    (
        "wrong region",
        lambda t: ["--outputs", str(outputs(t)), "--region", "eu-west-1"],
        ["--region eu-west-1", "wrong region", "us-east-1"],
    ),
    (
        "unknown --profile",
        lambda t: ["--outputs", str(outputs(t)), "--profile", "ghost"],
        ["--profile ghost", "no such profile"],
    ),
    ("unknown option", lambda t: ["--bogus"], ["--bogus"]),
]


@pytest.mark.parametrize(
    ("argv", "words"), [pytest.param(argv, words, id=name) for name, argv, words in BAD_INPUTS]
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, argv: Callable[[Path], list[str]], words: list[str]
) -> None:
    result = invoke(*argv(tmp_path))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_aws_max_attempts_is_an_input_error(tmp_path: Path) -> None:
    result = invoke("--outputs", str(outputs(tmp_path)), env={"AWS_MAX_ATTEMPTS": "many"})
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: AWS_MAX_ATTEMPTS=many: must be a positive integer"


def _assert_collection_failure(result: Any, words: list[str]) -> None:
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert result.stdout == ""
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: ")
    for word in words:
        assert word in last
    assert "Traceback" not in result.stderr


def test_no_credentials_is_exit_3(tmp_path: Path) -> None:
    result = invoke("--outputs", str(outputs(tmp_path)))
    _assert_collection_failure(result, ["no AWS credentials", "AWS_PROFILE"])


def test_unreachable_endpoint_is_exit_3(tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = invoke("--outputs", str(outputs(tmp_path)), env=env)
    _assert_collection_failure(result, ["cannot reach AWS", "127.0.0.1:1"])


def test_string_schema_version_is_tolerated(tmp_path: Path) -> None:
    """ "1" passes input validation (Terraform renders numbers as strings): it reaches AWS."""
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = invoke("--outputs", str(outputs(tmp_path, b.manifest(schema_version="1"))), env=env)
    assert result.exit_code == 3  # the unreachable endpoint, not an input error


def test_help_documents_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for code in ("0 every check passed", "1 at least one check failed", "2 usage", "3 evidence"):
        assert code in text


# --- a complete run over stubbed AWS --------------------------------------------------------


@pytest.fixture
def stubbed_aws(monkeypatch: pytest.MonkeyPatch) -> list[Stubs]:
    """Replace the collector with one whose clients answer from a good deployment."""
    created: list[Stubs] = []

    class StubbedCollector(Collector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stubs = Stubs(self).__enter__()
            stubs.good_deployment()
            created.append(stubs)

    monkeypatch.setattr(verify_module, "Collector", StubbedCollector)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return created


@pytest.mark.parametrize("fmt", list(Format))
def test_good_deployment_passes_in_every_format(
    tmp_path: Path, stubbed_aws: list[Stubs], fmt: Format
) -> None:
    result = invoke("--outputs", str(outputs(tmp_path)), "--format", fmt.value)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith(f"signed-lambda-verify: PASS: 1 function(s), {len(REGISTRY)} checks")
    if fmt is Format.JSON:
        assert json.loads(result.stdout)["result"] == "pass"


def test_output_file_is_written_and_stdout_stays_empty(
    tmp_path: Path, stubbed_aws: list[Stubs]
) -> None:
    report = tmp_path / "report.sarif"
    result = invoke(
        "--outputs", str(outputs(tmp_path)), "--format", "sarif", "--output", str(report)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(report.read_text())["version"] == "2.1.0"


def test_sarif_output_comes_from_the_same_run(tmp_path: Path, stubbed_aws: list[Stubs]) -> None:
    sarif = tmp_path / "report.sarif"
    result = invoke(
        "--outputs", str(outputs(tmp_path)), "--format", "json", "--sarif-output", str(sarif)
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "pass"
    document = json.loads(sarif.read_text())
    assert document["version"] == "2.1.0"
    assert len(document["runs"][0]["tool"]["driver"]["rules"]) == len(REGISTRY)


def test_unwritable_sarif_output_is_an_input_error(
    tmp_path: Path, stubbed_aws: list[Stubs]
) -> None:
    target = tmp_path / "missing-dir" / "report.sarif"
    result = invoke("--outputs", str(outputs(tmp_path)), "--sarif-output", str(target))
    assert result.exit_code == 2
    assert "--sarif-output" in result.stderr and "Traceback" not in result.stderr


def test_warn_policy_expected_but_enforce_found_still_exits_0(
    tmp_path: Path, stubbed_aws: list[Stubs]
) -> None:
    result = invoke(
        "--outputs", str(outputs(tmp_path)), "--format", "json", "--expect-policy", "warn"
    )
    assert result.exit_code == 0, result.stderr
    statuses = {c["id"]: c["status"] for c in json.loads(result.stdout)["checks"]}
    assert statuses["csc.policy"] == "warn"


def test_expiry_window_warning_exits_0(tmp_path: Path, stubbed_aws: list[Stubs]) -> None:
    result = invoke(
        "--outputs", str(outputs(tmp_path)), "--format", "json", "--expiry-warning-days", "400"
    )
    assert result.exit_code == 0, result.stderr
    statuses = {c["id"]: c["status"] for c in json.loads(result.stdout)["checks"]}
    assert statuses["signature.not_expired"] == "warn"


def test_job_file_in_flags_mode_supplies_the_job_id(tmp_path: Path, monkeypatch) -> None:
    """--function + --csc-arn + --job-file: DescribeSigningJob is not called."""

    class StubbedCollector(Collector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stubs = Stubs(self).__enter__()
            stubs.profile()
            stubs.function()
            stubs.csc()
            stubs.published()
            stubs.bucket()
            stubs.signed_object()

    monkeypatch.setattr(verify_module, "Collector", StubbedCollector)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    job_file = write(tmp_path / "job.json", b.describe_signing_job_cli())
    result = invoke(
        "--function",
        b.FUNCTION_NAME,
        "--csc-arn",
        b.CSC_ARN,
        "--job-file",
        str(job_file),
        "--region",
        b.REGION,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "command line"


def test_unknown_job_id_on_the_command_line_is_exit_2(tmp_path: Path, monkeypatch) -> None:
    class StubbedCollector(Collector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stubs = Stubs(self).__enter__()
            stubs.signer.add_client_error(
                "describe_signing_job", "ResourceNotFoundException", "no job", 404
            )
            stubs.function()
            stubs.csc()
            stubs.published()

    monkeypatch.setattr(verify_module, "Collector", StubbedCollector)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = invoke(*FLAGS, "--region", b.REGION)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"error: --job-id {b.JOB_ID}: no such signing job in {b.REGION}"
    )


def test_access_denied_is_an_error_finding_and_exit_3(tmp_path: Path, monkeypatch) -> None:
    class StubbedCollector(Collector):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stubs = Stubs(self).__enter__()
            stubs.job()
            stubs.profile()
            stubs.lambda_.add_client_error(
                "get_function", "AccessDeniedException", "not authorized", 403
            )
            stubs.csc()
            stubs.bucket()
            stubs.signed_object()

    monkeypatch.setattr(verify_module, "Collector", StubbedCollector)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = invoke("--outputs", str(outputs(tmp_path)), "--format", "json")
    assert result.exit_code == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["result"] == "error"
    assert document["summary"]["error"] > 0 and document["summary"]["fail"] == 0
    causes = [line for line in result.stderr.splitlines() if line.startswith("could not verify")]
    assert len(causes) == 1, result.stderr  # one line per distinct cause, not per check
    assert "GetFunction: AccessDeniedException" in causes[0]
    assert result.stderr.splitlines()[-1].startswith("signed-lambda-verify: ERROR")
