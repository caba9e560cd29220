"""The trust anchor file (``verifier.contract.lock``): render -> parse round trip, one
InputError per problem naming the dotted key, and choosing a stack's entry."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.verifier import builders as b
from verifier.contract.lock import (
    LOCK_VERSION,
    Declarations,
    Lock,
    declaration_differences,
    entry_from_manifest,
    load,
    parse,
    render,
)
from verifier.contract.manifest import AliasManifest, environment_digest
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
    "bucket",
    "functions",
    "layers",
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


# --- the pinned declarations ---------------------------------------------------------------


def test_each_declaration_is_pinned_readably_and_nothing_that_changes_per_build() -> None:
    entry = json.loads(render((b.lock_entry(),)))["stacks"][b.STACK]
    function = entry["functions"][b.FUNCTION_KEY]
    assert function == {
        "handler": b.HANDLER,
        "runtime": b.RUNTIME,
        "architectures": list(b.ARCHITECTURES),
        "layers": [b.LAYER_KEY],
        "environment": {name: environment_digest(value) for name, value in b.ENVIRONMENT},
        "allow_earlier_versions": False,
        "publish": False,
        "alias": None,
        "unsigned_prefix": b.UNSIGNED_KEY.rpartition("/")[0],
        "signed_bucket": b.BUCKET,
        "source_dir": b.SOURCE_DIR,
    }
    assert entry["bucket"] == b.BUCKET
    assert set(entry["layers"][b.LAYER_KEY]) == {
        "layer_name",
        "kind",
        "runtimes",
        "architecture",
        "unsigned_prefix",
        "signed_bucket",
        "source_dir",
    }
    text = render((b.lock_entry(),))
    for per_build in (
        b.JOB_ID,
        b.UNSIGNED_KEY,
        b.UNSIGNED_VERSION,
        b.SIGNED_KEY,
        b.SOURCE_SHA256_HEX,
        b.LAYER_VERSION_ARN,
        b.LAYER_UNSIGNED_KEY,
    ):
        assert per_build not in text
    for _name, value in b.ENVIRONMENT:
        assert f'"{value}"' not in text  # digests only, never values


def test_another_build_of_the_same_declaration_locks_the_same() -> None:
    rebuilt = b.manifest(
        functions=(
            b.function_manifest(
                signing_job_id="job-2",
                unsigned_key="unsigned/hello/fff.zip",
                unsigned_version="v2",
                signed_key="signed/hello/job-2.zip",
                package_sha256="f" * 64,
            ),
        )
    )
    assert entry_from_manifest(b.STACK, rebuilt) == b.lock_entry()


def test_an_alias_round_trips() -> None:
    function = b.function_manifest(
        publish=True, alias=AliasManifest(name="live", canary_percent=10)
    )
    entry = entry_from_manifest(b.STACK, b.manifest(functions=(function,)))
    assert parse(json.loads(render((entry,))), ORIGIN).stacks == (entry,)


def test_a_lock_written_before_declarations_were_pinned_still_parses() -> None:
    old = document(bucket=None, functions=None, layers=None)
    (entry,) = parse(old, ORIGIN).stacks
    assert entry.declarations is None
    assert entry == b.lock_entry(declarations=None)
    assert "functions" not in json.loads(render((entry,)))["stacks"][b.STACK]


def declared(**changes: Any) -> dict[str, Any]:
    """The rendered entry's ``functions`` map, ``hello``'s fields replaced (None: a null)."""
    functions = document()["stacks"][b.STACK]["functions"]
    return {b.FUNCTION_KEY: {**functions[b.FUNCTION_KEY], **changes}}


FN = f"{ENTRY}.functions.{b.FUNCTION_KEY}"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (lambda: document(functions={}), f"{ENTRY}.functions is empty"),
        (lambda: document(functions=declared(environment={"X": "plain"})), f"{FN}.environment.X"),
        (
            lambda: document(functions=declared(allow_earlier_versions="yes")),
            f"{FN}.allow_earlier_versions must be true or false",
        ),
        (lambda: document(functions=declared(layers=["nope"])), f"{FN}.layers names 'nope'"),
        (lambda: document(functions=declared(handler="")), f"{FN}.handler is empty"),
        (
            lambda: document(functions=declared(architectures=["x86_64", "arm64"])),
            f"{FN}.architectures is",
        ),
        (lambda: document(functions=declared(signing_job_id="j")), f"{FN}.signing_job_id is not"),
        (
            lambda: document(functions=declared(alias={"name": "live", "canary_percent": 100})),
            f"{FN}.alias.canary_percent is 100",
        ),
        (lambda: document(functions=declared(alias="live")), f"{FN}.alias must be an object"),
        (
            lambda: document(
                functions={
                    b.FUNCTION_KEY: {
                        k: v for k, v in declared()[b.FUNCTION_KEY].items() if k != "alias"
                    }
                }
            ),
            f"{FN}.alias is missing",
        ),
        (
            lambda: document(
                functions={
                    b.FUNCTION_KEY: {
                        k: v
                        for k, v in declared()[b.FUNCTION_KEY].items()
                        if k != "unsigned_prefix"
                    }
                }
            ),
            f"{FN}.unsigned_prefix is missing",
        ),
        (lambda: document(layers=None), f"{ENTRY}.layers is missing"),
        (lambda: document(functions=None), f"{ENTRY}.functions is missing"),
        (
            lambda: document(
                layers={
                    b.LAYER_KEY: {
                        **document()["stacks"][b.STACK]["layers"][b.LAYER_KEY],
                        "kind": "x",
                    }
                }
            ),
            f"{ENTRY}.layers.{b.LAYER_KEY}.kind is 'x'",
        ),
    ],
    ids=[
        "functions-empty",
        "env-not-digest",
        "bool",
        "unknown-layer",
        "handler-empty",
        "architectures",
        "per-build-key",
        "canary",
        "alias-string",
        "alias-missing",
        "prefix-missing",
        "layers-missing",
        "functions-missing",
        "layer-kind",
    ],
)
def test_a_malformed_declaration_names_the_dotted_key(data: Any, named: str) -> None:
    assert named in parse_error(data())


# --- comparing declarations ------------------------------------------------------------------


def declarations(*functions: Any, layers: tuple[Any, ...] | None = None) -> Declarations:
    manifest = b.manifest(functions=functions or (b.function_manifest(),))
    if layers is not None:
        manifest = b.manifest(functions=manifest.functions, layers=layers)
    return Declarations.of(manifest)


PINNED = declarations()


def test_the_same_declarations_do_not_differ() -> None:
    assert declaration_differences(declarations(), PINNED) == []


def test_environment_differences_name_the_variable_never_the_value() -> None:
    secret = "s3cr3t-value"
    outputs = declarations(
        b.function_manifest(
            environment=(
                ("BASH_ENV", environment_digest(secret)),
                ("LOG_LEVEL", environment_digest(secret)),
            )
        )
    )
    lines = declaration_differences(outputs, PINNED)
    assert lines == [
        "hello.environment: outputs declare BASH_ENV, the lock does not",
        "hello.environment: LOG_LEVEL has another value in outputs than in the lock",
    ]
    assert declaration_differences(PINNED, outputs) == [
        "hello.environment: the lock declares BASH_ENV, outputs do not",
        "hello.environment: LOG_LEVEL has another value in outputs than in the lock",
    ]
    assert not any(secret in line or "sha256:" in line for line in lines)


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"allow_earlier_versions": True},
            "hello.allow_earlier_versions: outputs true, lock false",
        ),
        ({"publish": True}, "hello.publish: outputs true, lock false"),
        ({"handler": "evil.run"}, f"hello.handler: outputs evil.run, lock {b.HANDLER}"),
        ({"runtime": "nodejs20.x"}, f"hello.runtime: outputs nodejs20.x, lock {b.RUNTIME}"),
        ({"architectures": ("arm64",)}, "hello.architectures: outputs [arm64], lock [x86_64]"),
        ({"layers": ()}, f"hello.layers: outputs [], lock [{b.LAYER_KEY}]"),
        ({"alias": AliasManifest("live", 5)}, "hello.alias: outputs live (canary 5%), lock none"),
        (
            {"unsigned_key": "unsigned/audit/abc.zip"},
            "hello.unsigned_prefix: outputs unsigned/audit, lock unsigned/hello",
        ),
        (
            {"source_dir": "functions/audit"},
            f"hello.source_dir: outputs functions/audit, lock {b.SOURCE_DIR}",
        ),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else "",
)
def test_each_declared_field_is_compared(changes: dict[str, Any], line: str) -> None:
    assert declaration_differences(declarations(b.function_manifest(**changes)), PINNED) == [line]


def test_the_buckets_are_compared() -> None:
    outputs = Declarations.of(
        b.manifest(
            bucket="attacker-bucket",
            functions=(b.function_manifest(signed_bucket="attacker-bucket"),),
        )
    )
    assert declaration_differences(outputs, PINNED) == [
        f"bucket: outputs attacker-bucket, lock {b.BUCKET}",
        f"hello.signed_bucket: outputs attacker-bucket, lock {b.BUCKET}",
    ]


def test_a_function_or_layer_only_one_side_has_differs() -> None:
    other = b.function_manifest(key="audit", layers=(), unsigned_key="unsigned/audit/a.zip")
    outputs = declarations(b.function_manifest(), other)
    assert declaration_differences(outputs, PINNED) == [
        "audit: outputs declare a function the lock does not pin"
    ]
    assert declaration_differences(PINNED, outputs) == [
        "audit: the lock pins a function outputs do not declare"
    ]
    no_layer = declarations(b.function_manifest(layers=()), layers=())
    assert "layers.shared: the lock pins a layer outputs do not declare" in (
        declaration_differences(no_layer, PINNED)
    )


def test_a_layer_difference_is_named() -> None:
    outputs = declarations(layers=(b.layer_manifest(unsigned_key="unsigned/hello/x.zip"),))
    assert declaration_differences(outputs, PINNED) == [
        "layers.shared.unsigned_prefix: outputs unsigned/hello, lock unsigned/shared"
    ]


def test_for_one_function_only_its_own_and_the_stack_wide_differences() -> None:
    audit = b.function_manifest(key="audit", layers=(), unsigned_key="unsigned/audit/a.zip")
    pinned = declarations(b.function_manifest(), audit)
    outputs = declarations(b.function_manifest(), replace(audit, handler="evil.run"))
    assert declaration_differences(outputs, pinned, function="hello") == []
    assert declaration_differences(outputs, pinned, function="audit") == [
        f"audit.handler: outputs evil.run, lock {b.HANDLER}"
    ]
    changed_layer = declarations(
        b.function_manifest(),
        audit,
        layers=(b.layer_manifest(source_dir="layers/evil"),),
    )
    assert declaration_differences(changed_layer, pinned, function="audit") == []
    assert declaration_differences(changed_layer, pinned, function="hello") == [
        f"layers.shared.source_dir: outputs layers/evil, lock {b.LAYER_SOURCE_DIR}"
    ]
