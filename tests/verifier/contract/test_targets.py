"""Reading what to verify (verifier.contract.targets): the outputs file into targets, where
trust comes from, and flag mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.verifier import builders as b
from verifier.contract import lock as lock_module
from verifier.contract.lock import LOCK_FILE_NAME
from verifier.contract.targets import (
    Policy,
    Trust,
    load_outputs,
    parse_policy,
    resolve_trust,
    target_from_flags,
    targets_from_manifest,
)
from verifier.errors import InputError


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with the stack's outputs and the lock, paths relative as the CLI's defaults."""
    monkeypatch.chdir(tmp_path)
    Path("cdktf-outputs.json").write_text(
        json.dumps({b.STACK: {"manifest": b.manifest().to_output()}})
    )
    Path(LOCK_FILE_NAME).write_text(lock_module.render((b.lock_entry(),)))
    return tmp_path


def trust_for(**overrides: Any) -> Trust:
    arguments: dict[str, Any] = {
        "lock_path": Path(LOCK_FILE_NAME),
        "no_lock": False,
        "trusted_arns": [],
        "stack": b.STACK,
        "from_outputs": b.manifest(),
        **overrides,
    }
    return resolve_trust(**arguments)


def input_error(**overrides: Any) -> str:
    with pytest.raises(InputError) as raised:
        trust_for(**overrides)
    return raised.value.diagnostics()


# --- the outputs file into targets ---------------------------------------------------------


def test_outputs_and_lock_make_the_builders_target(workdir: Path) -> None:
    selection = load_outputs(Path("cdktf-outputs.json"), stack=None, region_flag=None)
    (target,) = targets_from_manifest(
        selection, trust=trust_for(), expect_policy=None, source_root=b.CHECKOUT
    )
    assert target == b.target()


@pytest.mark.parametrize(
    ("lock_policy", "flag", "expected"),
    [
        ("Enforce", None, Policy.ENFORCE),
        ("Warn", None, Policy.WARN),  # the lock's, not the outputs'
        ("Warn", Policy.ENFORCE, Policy.ENFORCE),  # the flag wins
    ],
)
def test_expected_policy_flag_then_lock_then_outputs(
    workdir: Path, lock_policy: str, flag: Policy | None, expected: Policy
) -> None:
    Path(LOCK_FILE_NAME).write_text(lock_module.render((b.lock_entry(policy=lock_policy),)))
    selection = load_outputs(Path("cdktf-outputs.json"), stack=None, region_flag=None)
    (target,) = targets_from_manifest(
        selection, trust=trust_for(), expect_policy=flag, source_root=None
    )
    assert target.expected_policy is expected
    assert target.outputs_policy is Policy.ENFORCE  # what the outputs say, for lock.anchor


def test_outputs_policy_without_a_lock(workdir: Path) -> None:
    selection = load_outputs(Path("cdktf-outputs.json"), stack=None, region_flag=None)
    (target,) = targets_from_manifest(
        selection, trust=trust_for(no_lock=True), expect_policy=None, source_root=None
    )
    assert target.expected_policy is Policy.ENFORCE


def test_wrong_region_flag_names_the_right_one(workdir: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_outputs(Path("cdktf-outputs.json"), stack=None, region_flag="eu-west-1")
    line = raised.value.diagnostics()
    assert "--region eu-west-1: wrong region" in line
    assert "signed-lambda.manifest.region" in line and "--region us-east-1" in line


# --- where trust comes from ----------------------------------------------------------------


def test_trust_from_the_lock(workdir: Path) -> None:
    assert trust_for() == b.trust()


def test_trust_from_the_lock_and_flags_is_their_union(workdir: Path) -> None:
    found = trust_for(trusted_arns=[b.PREVIOUS_PROFILE_VERSION_ARN])
    assert found.profile_version_arns == {b.PROFILE_VERSION_ARN, b.PREVIOUS_PROFILE_VERSION_ARN}
    assert found.lock == b.lock_entry()
    assert "--trusted-profile-version-arn" in found.origin


def test_trust_from_flags_without_a_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = trust_for(trusted_arns=[b.PROFILE_VERSION_ARN], from_outputs=None)
    assert found == Trust(frozenset({b.PROFILE_VERSION_ARN}), "--trusted-profile-version-arn")


def test_no_lock_trusts_the_outputs_and_says_so(workdir: Path) -> None:
    found = trust_for(no_lock=True)
    assert found.anchored is False and found.lock is None
    assert found.profile_version_arns == {b.PROFILE_VERSION_ARN}
    assert "--no-lock" in found.origin


def test_no_lock_with_trusted_arns_is_anchored_by_the_flags(workdir: Path) -> None:
    found = trust_for(no_lock=True, trusted_arns=[b.PREVIOUS_PROFILE_VERSION_ARN])
    assert found.anchored is True and found.lock is None
    assert found.profile_version_arns == {b.PREVIOUS_PROFILE_VERSION_ARN}


def test_missing_lock_says_how_to_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = input_error()
    assert f"{LOCK_FILE_NAME}: no lock file" in line
    assert "make lock" in line and "--no-lock" in line


def test_flag_mode_without_any_anchor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert "flag mode needs a trust anchor" in input_error(from_outputs=None)
    assert "trusts nothing" in input_error(from_outputs=None, no_lock=True)


def test_malformed_trusted_arn(workdir: Path) -> None:
    line = input_error(trusted_arns=["arn:aws:signer:us-east-1:1:/signing-profiles/x"])
    assert "--trusted-profile-version-arn arn:aws:signer:us-east-1:1:/signing-profiles/x" in line
    assert "expected arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>" in line


# --- flag mode -------------------------------------------------------------------------------


def flags(**overrides: Any) -> dict[str, Any]:
    return {
        "function": b.FUNCTION_NAME,
        "job_id": b.JOB_ID,
        "csc_arn": b.CSC_ARN,
        "region": b.REGION,
        "expect_policy": None,
        "trust": b.flags_target().trust,
        **overrides,
    }


def test_target_from_flags_is_the_builders_flags_target() -> None:
    assert target_from_flags(**flags()) == b.flags_target()


def test_flag_mode_policy_comes_from_the_lock_when_there_is_one() -> None:
    target = target_from_flags(**flags(trust=b.trust(b.lock_entry(policy="Warn"))))
    assert target.expected_policy is Policy.WARN


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"function": " "}, "--function: is empty"),
        ({"job_id": ""}, "--job-id: is empty"),
        ({"csc_arn": "csc-1"}, "--csc-arn csc-1: not a code signing config ARN"),
        ({"region": "eu-west-1"}, "--csc-arn: wrong region, the ARN is in us-east-1"),
    ],
    ids=["function", "job-id", "csc-arn", "region"],
)
def test_bad_flags(change: dict[str, Any], named: str) -> None:
    with pytest.raises(InputError) as raised:
        target_from_flags(**flags(**change))
    assert named in raised.value.diagnostics()


# --- policies and trust ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "policy"), [("Enforce", Policy.ENFORCE), (" warn ", Policy.WARN)]
)
def test_parse_policy_tolerates_case_and_spaces(value: str, policy: Policy) -> None:
    assert parse_policy(value, "--expect-policy") is policy


def test_parse_policy_names_where_and_what_is_allowed() -> None:
    with pytest.raises(InputError) as raised:
        parse_policy("Audit", "lock.policy")
    assert (
        raised.value.diagnostics()
        == "lock.policy: 'Audit' is not a policy; expected Enforce or Warn"
    )


def test_trust_matches_profile_versions_exactly() -> None:
    trust = b.trust()
    assert trust.trusts(b.PROFILE_NAME, b.PROFILE_VERSION)
    assert not trust.trusts(b.PROFILE_NAME, b.PREVIOUS_PROFILE_VERSION)
    assert not trust.trusts(b.INTRUDER_PROFILE_NAME, b.PROFILE_VERSION)
    assert trust.trusts_arn(b.PROFILE_VERSION_ARN)
    assert not trust.trusts_arn(b.PREVIOUS_PROFILE_VERSION_ARN) and not trust.trusts_arn(None)


def test_each_function_gets_its_own_target_with_its_declared_layers_in_order(
    workdir: Path,
) -> None:
    second = b.layer_manifest(key="tools", layer_name="tools", layer_version_arn="arn:l:tools:1")
    manifest = b.manifest(
        functions=(
            b.function_manifest(layers=("tools", b.LAYER_KEY)),
            b.function_manifest(key="world", function_name="signed-lambda-world", layers=()),
        ),
        layers=(b.layer_manifest(), second),
    )
    Path("cdktf-outputs.json").write_text(json.dumps({b.STACK: {"manifest": manifest.to_output()}}))
    selection = load_outputs(Path("cdktf-outputs.json"), stack=None, region_flag=None)
    hello, world = targets_from_manifest(
        selection, trust=trust_for(), expect_policy=None, source_root=None
    )
    assert (hello.key, world.key) == (b.FUNCTION_KEY, "world")
    assert [layer.key for layer in hello.declared_layers] == ["tools", b.LAYER_KEY]
    assert world.declared_layers == () and world.function_name == "signed-lambda-world"
    assert hello.source == world.source == "cdktf-outputs.json"
