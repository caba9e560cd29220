"""scripts/promote.py's decisions on plan JSON (its real runs: tests/e2e/test_release.py):
which aliases move, the refusal when anything else would change, nothing to do without a
canary, and finding the markers in a synthesized stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import promote  # scripts/ is on sys.path (tests/conftest.py)
import pytest

from verifier.errors import InputError

RELEASE = promote.Release(
    function="hello",
    marker="terraform_data.fn-hello_promoted-version_A",
    alias="aws_lambda_alias.fn-hello_alias_B",
)


def change(address: str, actions: list[str], before: Any = None, after: Any = None) -> Any:
    return {"address": address, "change": {"actions": actions, "before": before, "after": after}}


def alias(version: str, weights: dict[str, float] | None = None) -> dict[str, Any]:
    routing = [{"additional_version_weights": weights}] if weights is not None else []
    return {"name": "live", "function_version": version, "routing_config": routing}


def plan(*changes: Any) -> dict[str, Any]:
    return {"resource_changes": list(changes)}


def test_a_canary_alias_moves_to_the_newest_version() -> None:
    planned = plan(
        change(RELEASE.marker, ["delete", "create"], {"input": "1"}, {"input": "2"}),
        change(RELEASE.alias, ["update"], alias("1", {"2": 0.1}), None),
        change("aws_lambda_function.fn-hello_function_C", ["no-op"]),
    )
    assert promote.promotions(planned, [RELEASE]) == ["hello: alias live: 1 (90%) + 2 (10%) -> 2"]


def test_without_a_canary_there_is_nothing_to_promote() -> None:
    planned = plan(
        change(RELEASE.marker, ["delete", "create"], {"input": "2"}, {"input": "2"}),
        change(RELEASE.alias, ["update"], alias("2", {}), None),
    )
    assert promote.promotions(planned, [RELEASE]) == []


def test_any_other_change_is_refused() -> None:
    planned = plan(
        change(RELEASE.marker, ["delete", "create"], {"input": "1"}, {"input": "2"}),
        change(RELEASE.alias, ["update"], alias("1", {"2": 0.1}), None),
        change("aws_lambda_function.fn-hello_function_C", ["update"]),
        change("aws_s3_object.fn-hello_unsigned-package_D", ["create"]),
    )
    with pytest.raises(InputError) as raised:
        promote.promotions(planned, [RELEASE])
    line = raised.value.diagnostics()
    assert line == (
        "the stack has changes that are not deployed: "
        "aws_lambda_function.fn-hello_function_C (update); "
        "aws_s3_object.fn-hello_unsigned-package_D (create); "
        "run `make deploy` first (a canary starts there), then `make promote`"
    )
    assert raised.value.exit_code == 2


def test_markers_and_aliases_are_found_by_construct(tmp_path: Path) -> None:
    def resource(path: str) -> dict[str, Any]:
        return {"//": {"metadata": {"path": f"signed-lambda/{path}"}}}

    (tmp_path / "cdk.tf.json").write_text(
        json.dumps(
            {
                "resource": {
                    "terraform_data": {"m": resource("fn-hello/promoted-version")},
                    "aws_lambda_alias": {
                        "a": resource("fn-hello/alias"),
                        "plain": resource("fn-audit/alias"),  # no canary: no marker
                    },
                }
            }
        )
    )
    assert promote.releases(tmp_path) == [
        promote.Release("hello", "terraform_data.m", "aws_lambda_alias.a")
    ]
    with pytest.raises(InputError) as raised:
        promote.releases(tmp_path / "missing")
    assert raised.value.diagnostics().endswith("has no cdk.tf.json; run `make synth` first")
