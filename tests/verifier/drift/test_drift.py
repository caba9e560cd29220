"""Drift's pure parts: reading plan JSON, combining verdicts, the Markdown summary, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from verifier.checks.findings import Finding, Report, Severity, Status
from verifier.cli import app
from verifier.commands.drift import combine
from verifier.drift.plan import ResourceChange, _init_hint, parse_plan
from verifier.drift.summary import StackVerdict, render
from verifier.drift.terraformrc import PROVIDER_DIR, find_mirror, terraform_env
from verifier.exitcodes import ExitCode


def change(
    address: str, actions: list[str], before: Any, after: Any, unknown: Any = None
) -> dict[str, Any]:
    return {
        "address": address,
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": unknown or {},
        },
    }


PLAN = {
    "resource_changes": [
        change("aws_s3_bucket.b", ["no-op"], {"x": 1}, {"x": 1}),
        change(
            "aws_lambda_code_signing_config.c",
            ["update"],
            {"policies": [{"untrusted_artifact_on_deployment": "Warn"}], "arn": "a"},
            {"policies": [{"untrusted_artifact_on_deployment": "Enforce"}], "arn": "a"},
        ),
        change(
            "aws_lambda_function.f",
            ["update"],
            {"code_signing_config_arn": "", "last_modified": "t1", "role": "r"},
            {"code_signing_config_arn": None, "last_modified": "t1", "role": "r"},
            {"code_signing_config_arn": True},
        ),
        change("aws_s3_object.o", ["delete", "create"], {"key": "a"}, {"key": "b"}),
    ],
    "resource_drift": [
        change(
            "aws_signer_signing_profile.p", ["update"], {"status": "Active"}, {"status": "Revoked"}
        ),
    ],
}


def test_parse_plan_names_actions_and_changed_attributes() -> None:
    result = parse_plan("signed-lambda", PLAN)
    assert result.drifted
    assert result.changes == (
        ResourceChange("aws_lambda_code_signing_config.c", "update", ("policies",)),
        ResourceChange("aws_lambda_function.f", "update", ("code_signing_config_arn",)),
        ResourceChange("aws_s3_object.o", "replace", ("key",)),
    )
    assert result.outside_changes == (
        ResourceChange("aws_signer_signing_profile.p", "update", ("status",)),
    )


def test_clean_plan_is_not_drift() -> None:
    result = parse_plan("s", {"resource_changes": [change("a.b", ["no-op"], {}, {})]})
    assert not result.drifted and result.changes == ()


def report(*statuses: str, functions: tuple[str, ...] = ("fn",)) -> Report:
    return Report(
        findings=tuple(
            Finding(
                check_id=f"check.{i}",
                title="T",
                status=Status(status),
                severity=Severity.HIGH,
                function=function,
                resource="res",
                expected="e",
                actual="a",
                remediation="r",
            )
            for function in functions
            for i, status in enumerate(statuses)
        ),
        source="outputs.json",
    )


def test_combined_exit_codes() -> None:
    clean = parse_plan("s", {"resource_changes": []})
    drifted = parse_plan("s", PLAN)
    assert combine([StackVerdict("s", clean, report("pass"))]) == ExitCode.OK
    assert combine([StackVerdict("s", clean, report("pass", "warn"))]) == ExitCode.OK
    assert combine([StackVerdict("s", drifted, report("pass"))]) == ExitCode.FAILED
    assert combine([StackVerdict("s", clean, report("fail"))]) == ExitCode.FAILED
    assert combine([StackVerdict("s", clean, report("pass", "error"))]) == ExitCode.COLLECTION
    assert combine([StackVerdict("s", drifted, None, ["e"], ExitCode.COLLECTION)]) == 3
    assert combine([StackVerdict("s", clean, None, ["e"], ExitCode.USAGE)]) == 2
    assert combine([StackVerdict("s", None, None, ["error: x"])]) == 3


def test_summary_names_what_changed_and_failed_checks() -> None:
    verdict = StackVerdict(
        "signed-lambda", parse_plan("signed-lambda", PLAN), report("pass", "fail", "warn")
    )
    text = render([verdict], 1, "Reports: in reports/.")
    assert text.startswith("## Drift check: ❌ drift found")
    assert "| `aws_lambda_code_signing_config.c` | update | `policies` |" in text
    assert "| `aws_s3_object.o` | replace | `key` |" in text
    assert "changed outside Terraform" in text and "`status`" in text
    assert "`check.1`" in text and "`check.2`" in text and "`check.0`" not in text
    assert text.rstrip().endswith("Reports: in reports/.")


def test_summary_names_functions_once_per_shared_finding() -> None:
    verdict = StackVerdict(
        "s", parse_plan("s", {"resource_changes": []}), report("fail", functions=("a", "b"))
    )
    text = render([verdict], 1, "")
    rows = [line for line in text.splitlines() if "`check.0`" in line]
    assert len(rows) == 1 and "| a, b |" in rows[0]


def test_clean_summary_says_so() -> None:
    verdict = StackVerdict("s", parse_plan("s", {"resource_changes": []}), report("pass", "pass"))
    text = render([verdict], 0, "")
    assert "## Drift check: ✅ no drift" in text
    assert "✅ no changes" in text and "✅ 2 checks passed" in text


def test_missing_stacks_dir_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["drift", "--stacks-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "run `make synth` first" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_stack_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "cdk.tf.json").write_text("{}")
    result = CliRunner().invoke(app, ["drift", "--stacks-dir", str(tmp_path), "--stack", "other"])
    assert result.exit_code == 2
    assert result.stderr == "error: --stack other: unknown stack (synthesized: real)\n"


def test_empty_stacks_dir_names_the_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["drift", "--stacks-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: --stacks-dir {tmp_path}: no synthesized stacks; run `make synth` first\n"
    )


def test_drift_points_terraform_at_a_local_mirror_by_itself(tmp_path: Path) -> None:
    """`signed-lambda drift` run directly (no Makefile) installs the provider offline."""
    mirror = tmp_path / "mirror"
    (mirror / PROVIDER_DIR).mkdir(parents=True)
    env = terraform_env({"TF_PLUGIN_MIRROR": str(mirror)}, tmp_path)
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert f'path    = "{mirror}"' in config
    # A user's own CLI config wins; without a mirror nothing changes.
    mine = {"TF_CLI_CONFIG_FILE": "/mine", "TF_PLUGIN_MIRROR": str(mirror)}
    assert terraform_env(mine, tmp_path)["TF_CLI_CONFIG_FILE"] == "/mine"
    no_mirror = {"TF_PLUGIN_MIRROR": str(tmp_path / "none")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("verifier.drift.terraformrc.CANDIDATES", ())
        assert find_mirror(no_mirror) is None
        assert terraform_env(no_mirror, tmp_path) == {**no_mirror, "CHECKPOINT_DISABLE": "1"}


def test_init_failure_hint_names_the_provider_install() -> None:
    stderr = "Error: Failed to query available provider packages\nCould not retrieve the list"
    assert "TF_PLUGIN_MIRROR" in _init_hint(stderr, {})
    assert "/rc" in _init_hint(stderr, {"TF_CLI_CONFIG_FILE": "/rc"})
    assert "backend" in _init_hint("Error: Failed to get existing workspaces", {})
