"""The trust anchor file (``verifier.contract.lock``): render -> parse round trip, one
InputError per problem naming the dotted key, and choosing a stack's entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.verifier import builders as b
from verifier.contract.lock import (
    LOCK_VERSION,
    Lock,
    entry_from_manifest,
    load,
    parse,
    render,
)
from verifier.errors import InputError

ORIGIN = "signed-lambda.lock.json"
ENTRY = f"stacks.{b.STACK}"


def document(**entry_changes: Any) -> dict[str, Any]:
    """The rendered lock as JSON, its entry's keys replaced (None removes one)."""
    found: dict[str, Any] = json.loads(render((b.lock_entry(),)))
    entry = {**found["stacks"][b.STACK], **entry_changes}
    found["stacks"][b.STACK] = {k: v for k, v in entry.items() if v is not None}
    return found


def parse_error(data: Any) -> str:
    with pytest.raises(InputError) as raised:
        parse(data, ORIGIN)
    line = raised.value.diagnostics()
    assert "\n" not in line
    assert line.startswith(f"{ORIGIN}: ")
    return line


# --- round trip ------------------------------------------------------------------------------


def test_render_parse_round_trip() -> None:
    entries = (b.lock_entry(), b.lock_entry(stack="other", policy="Warn"))
    lock = parse(json.loads(render(entries)), ORIGIN)
    assert lock == Lock(path=ORIGIN, stacks=(entries[1], entries[0]))  # sorted by stack


def test_render_is_deterministic_and_reviewable() -> None:
    arns = (b.PROFILE_VERSION_ARN, b.PREVIOUS_PROFILE_VERSION_ARN)
    text = render((b.lock_entry(signing_profile_version_arns=arns),))
    assert text.endswith("\n")
    rendered = json.loads(text)
    assert rendered["lock_version"] == LOCK_VERSION
    assert "review" in rendered["_comment"]
    assert rendered["stacks"][b.STACK]["signing_profile_version_arns"] == sorted(arns)
    assert render((b.lock_entry(signing_profile_version_arns=tuple(reversed(arns))),)) == text


def test_entry_from_manifest_is_what_make_lock_writes() -> None:
    assert entry_from_manifest(b.STACK, b.manifest()) == b.lock_entry()


def test_entry_from_manifest_keeps_previous_versions_once() -> None:
    entry = entry_from_manifest(
        b.STACK,
        b.manifest(),
        keep=(b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN),
    )
    assert entry.signing_profile_version_arns == tuple(
        sorted({b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN})
    )


def test_lock_version_as_a_string_is_tolerated() -> None:
    data = document()
    data["lock_version"] = str(LOCK_VERSION)
    assert parse(data, ORIGIN).stacks == (b.lock_entry(),)


# --- one error per problem -----------------------------------------------------------------------

ENTRY_KEYS = [
    "account_id",
    "region",
    "signing_profile_name",
    "signing_profile_version_arns",
    "code_signing_config_arn",
    "policy",
]


def test_the_key_list_covers_the_entry() -> None:
    assert set(ENTRY_KEYS) == set(b.lock_entry().to_json())


@pytest.mark.parametrize("key", ENTRY_KEYS)
def test_missing_entry_key(key: str) -> None:
    assert parse_error(document(**{key: None})) == f"{ORIGIN}: {ENTRY}.{key} is missing"


@pytest.mark.parametrize("key", ["lock_version", "stacks"])
def test_missing_top_level_key(key: str) -> None:
    data = {k: v for k, v in document().items() if k != key}
    assert parse_error(data) == f"{ORIGIN}: {key} is missing"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (lambda: document(account_id="12345"), f"{ENTRY}.account_id is not a 12-digit account id"),
        (lambda: document(account_id=123456789012), f"{ENTRY}.account_id must be a string"),
        (lambda: document(region=""), f"{ENTRY}.region is empty"),
        (
            lambda: document(signing_profile_version_arns=[]),
            f"{ENTRY}.signing_profile_version_arns is empty: nothing would be trusted",
        ),
        (
            lambda: document(signing_profile_version_arns=b.PROFILE_VERSION_ARN),
            f"{ENTRY}.signing_profile_version_arns must be an array of strings, not a string",
        ),
        (
            lambda: document(signing_profile_version_arns=[b.PROFILE_VERSION_ARN, "arn:x"]),
            f"{ENTRY}.signing_profile_version_arns[1] is not a signing profile version ARN",
        ),
        (
            lambda: document(policy="enforce"),
            f"{ENTRY}.policy is 'enforce'; expected Enforce or Warn",
        ),
        (
            lambda: document(code_signing_config_arn="csc-1"),
            f"{ENTRY}.code_signing_config_arn is not a CSC ARN",
        ),
        (lambda: {**document(), "stacks": {}}, "stacks is empty: nothing is locked"),
        (lambda: {**document(), "stacks": []}, "stacks must be an object, not an array"),
        (
            lambda: {**document(), "stacks": {b.STACK: "x"}},
            f"{ENTRY} must be an object, not a string",
        ),
        (lambda: {**document(), "lock_version": 2}, "lock_version is 2; this verifier reads 1"),
    ],
    ids=[
        "account-short",
        "account-number",
        "region-empty",
        "arns-empty",
        "arns-string",
        "arn-malformed",
        "policy-case",
        "csc-malformed",
        "stacks-empty",
        "stacks-array",
        "entry-string",
        "lock-version",
    ],
)
def test_malformed_lock_names_the_dotted_key(data: Any, named: str) -> None:
    assert named in parse_error(data())


def test_empty_lock_says_how_to_create_one() -> None:
    line = parse_error({**document(), "stacks": {}})
    assert "make lock" in line and "--no-lock" in line


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (None, "no lock file"),
        ("{", "not valid JSON (line 1"),
        ("[]", "must be a JSON object, not an array"),
    ],
    ids=["missing", "not-json", "not-an-object"],
)
def test_load_errors_name_the_file(tmp_path: Path, content: str | None, named: str) -> None:
    path = tmp_path / "lock.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as raised:
        load(path)
    line = raised.value.diagnostics()
    assert line.startswith(f"{path}: ")
    assert named in line
    if content is None:
        assert "make lock" in line and "--no-lock" in line


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    """A reviewer reading the diff may see the first value; every JSON reader takes the last:
    a lock (like every input document) with a key given twice in one object is refused."""
    text = render((b.lock_entry(),))
    pinned = '"signing_profile_version_arns": ['
    assert pinned in text
    forged = text.replace(
        pinned,
        '"signing_profile_version_arns": ["arn:aws:signer:us-east-1:123456789012:'
        '/signing-profiles/evil/AAAAAAAAAA"], ' + pinned,
        1,
    )
    path = tmp_path / "lock.json"
    path.write_text(forged)
    with pytest.raises(InputError) as raised:
        load(path)
    line = raised.value.diagnostics()
    assert line.startswith(f"{path}: ") and "'signing_profile_version_arns' is given twice" in line


def test_load_a_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        load(tmp_path)
    assert "is a directory" in raised.value.diagnostics()


# --- choosing the stack's entry --------------------------------------------------------------


def test_for_stack_picks_the_only_entry_or_the_named_one() -> None:
    single = Lock(ORIGIN, (b.lock_entry(),))
    assert single.for_stack(None) == b.lock_entry()
    assert single.for_stack(b.STACK) == b.lock_entry()


def test_for_stack_with_several_entries_needs_a_name() -> None:
    several = Lock(ORIGIN, (b.lock_entry(stack="a"), b.lock_entry(stack="b")))
    with pytest.raises(InputError) as raised:
        several.for_stack(None)
    assert (
        raised.value.diagnostics()
        == f"{ORIGIN}: locks several stacks (a, b); choose one with --stack"
    )
    assert several.for_stack("b") == b.lock_entry(stack="b")


def test_for_stack_unknown_names_what_it_locks_and_what_to_do() -> None:
    with pytest.raises(InputError) as raised:
        Lock(ORIGIN, (b.lock_entry(stack="other"),)).for_stack(b.STACK)
    line = raised.value.diagnostics()
    assert f"has no entry for stack {b.STACK} (it locks: other)" in line
    assert "make lock" in line


def test_a_pinned_arn_from_another_account_or_region_is_named() -> None:
    document = json.loads(render((b.lock_entry(),)))
    document["stacks"][b.STACK]["region"] = "eu-west-1"
    with pytest.raises(InputError, match=r"signing_profile_version_arns\[0\] is in us-east-1/"):
        parse(document, ORIGIN)
