"""Drift's pure parts: reading plan JSON, combining verdicts, the Markdown summary, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from drift.cli import _combine, app
from drift.plan import ResourceChange, parse_plan
from drift.summary import StackVerdict, render


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


def report(*statuses: str) -> dict[str, Any]:
    return {
        "result": "fail" if "fail" in statuses else "pass",
        "checks": [
            {
                "id": f"check.{i}",
                "title": "T",
                "status": s,
                "resource": "fn",
                "expected": "e",
                "actual": "a",
            }
            for i, s in enumerate(statuses)
        ],
    }


def test_combined_exit_codes() -> None:
    clean = parse_plan("s", {"resource_changes": []})
    drifted = parse_plan("s", PLAN)
    assert _combine([StackVerdict("s", clean, 0, report("pass"))]) == 0
    assert _combine([StackVerdict("s", clean, 0, report("pass", "warn"))]) == 0
    assert _combine([StackVerdict("s", drifted, 0, report("pass"))]) == 1
    assert _combine([StackVerdict("s", clean, 1, report("fail"))]) == 1
    assert _combine([StackVerdict("s", drifted, 3, None)]) == 3
    assert _combine([StackVerdict("s", clean, 2, None)]) == 2
    assert _combine([StackVerdict("s", None, None, None, ["error: x"])]) == 3


def test_summary_names_what_changed_and_failed_checks() -> None:
    verdict = StackVerdict(
        "signed-lambda", parse_plan("signed-lambda", PLAN), 1, report("pass", "fail", "warn")
    )
    text = render([verdict], 1)
    assert text.startswith("## Drift check: ❌ drift found")
    assert "| `aws_lambda_code_signing_config.c` | update | `policies` |" in text
    assert "| `aws_s3_object.o` | replace | `key` |" in text
    assert "changed outside Terraform" in text and "`status`" in text
    assert "`check.1`" in text and "`check.2`" in text and "`check.0`" not in text


def test_clean_summary_says_so() -> None:
    verdict = StackVerdict(
        "s", parse_plan("s", {"resource_changes": []}), 0, report("pass", "pass")
    )
    text = render([verdict], 0)
    assert "## Drift check: ✅ no drift" in text
    assert "✅ no changes" in text and "✅ 2 checks passed" in text


def test_missing_stacks_dir_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--stacks-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "run `make synth` first" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_stack_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "cdk.tf.json").write_text("{}")
    result = CliRunner().invoke(app, ["--stacks-dir", str(tmp_path), "--stack", "other"])
    assert result.exit_code == 2
    assert "unknown stack 'other'" in result.stderr and "real" in result.stderr
