"""The stack/verifier contract (``verifier.contract.manifest``): what the stack writes parses
back to the same manifest, and every missing or mistyped key is one InputError naming its dotted
path."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.verifier import builders as b
from verifier.contract.arns import account_of, profile_version_of
from verifier.contract.manifest import (
    OUTPUT_NAME,
    SCHEMA_VERSION,
    AliasManifest,
    Dependency,
    Manifest,
    environment_digest,
    parse,
)
from verifier.errors import InputError

ORIGIN = "cdktf-outputs.json"
FUNCTION_PATH = f"{OUTPUT_NAME}.functions.{b.FUNCTION_KEY}"
LAYER_PATH = f"{OUTPUT_NAME}.layers.{b.LAYER_KEY}"


def as_json(manifest: Manifest) -> Any:
    """What reaches the verifier: the output through JSON (tuples become arrays)."""
    return json.loads(json.dumps(manifest.to_output()))


def parse_error(document: Any) -> str:
    with pytest.raises(InputError) as raised:
        parse(document, ORIGIN)
    line = raised.value.diagnostics()
    assert "\n" not in line
    assert line.startswith(f"{ORIGIN}: ")
    return line


def without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def changed_function(**changes: Any) -> dict[str, Any]:
    document = as_json(b.manifest())
    document["functions"][b.FUNCTION_KEY].update(changes)
    return document


def changed_layer(**changes: Any) -> dict[str, Any]:
    document = as_json(b.manifest())
    document["layers"][b.LAYER_KEY].update(changes)
    return document


# --- round trip ------------------------------------------------------------------------------


def test_round_trip_through_json() -> None:
    assert parse(as_json(b.manifest()), ORIGIN) == b.manifest()


def test_round_trip_with_every_option_set() -> None:
    manifest = b.manifest(
        expected_policy="Warn",
        functions=(
            b.function_manifest(
                architectures=("arm64",),
                environment=(
                    ("AWS_LAMBDA_EXEC_WRAPPER", environment_digest("/opt/w")),
                    ("PYTHONPATH", environment_digest("/opt/lib")),
                ),
                allow_earlier_versions=True,
            ),
            b.function_manifest(
                key="world", function_name="signed-lambda-world", layers=(), environment=()
            ),
        ),
    )
    assert parse(as_json(manifest), ORIGIN) == manifest


def test_the_environment_is_declared_by_digest_never_by_value() -> None:
    """The output holds each value's SHA-256, so neither the outputs nor a report hold it."""
    assert environment_digest("debug") == "sha256:" + hashlib.sha256(b"debug").hexdigest()
    declared = b.function_manifest().to_output()["environment"]
    assert declared == {"LOG_LEVEL": environment_digest("debug")}
    assert "debug" not in json.dumps(b.manifest().to_output())


def test_release_settings_round_trip() -> None:
    for alias in (None, AliasManifest("live"), AliasManifest("live", canary_percent=10)):
        manifest = b.manifest(functions=(b.function_manifest(publish=True, alias=alias),))
        assert parse(as_json(manifest), ORIGIN) == manifest
    entry = as_json(b.manifest())["functions"][b.FUNCTION_KEY]
    assert (entry["publish"], entry["alias"]) == (False, {})
    with_canary = b.function_manifest(publish=True, alias=AliasManifest("live", 10))
    assert with_canary.to_output()["alias"] == {"name": "live", "canary_percent": 10}
    assert AliasManifest("live").to_output() == {"name": "live"}  # no nulls in an output


@pytest.mark.parametrize(
    ("alias", "named"),
    [
        ({"canary_percent": 10}, "alias.name is missing"),
        ({"name": "live", "weight": 1}, "alias.weight is not a key of an alias"),
        ({"name": "live", "canary_percent": 100}, "alias.canary_percent is 100; expected 1..99"),
        ({"name": "live", "canary_percent": None}, "alias.canary_percent is missing"),
        ({"name": "live", "canary_percent": "ten"}, "alias.canary_percent must be a number"),
        ("live", "alias must be an object, not a string"),
        (None, "alias is missing"),
    ],
)
def test_a_bad_alias_names_its_key(alias: Any, named: str) -> None:
    assert f"{FUNCTION_PATH}.{named}" in parse_error(changed_function(alias=alias))


def test_the_output_carries_the_schema_version_and_platform() -> None:
    document = b.manifest().to_output()
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["platform_id"] == "AWSLambda-SHA384-ECDSA"
    assert set(document["functions"]) == {b.FUNCTION_KEY}
    assert set(document["layers"]) == {b.LAYER_KEY}


def test_terraform_strings_are_tolerated() -> None:
    """Terraform may render numbers and booleans in outputs as strings."""
    document = changed_function(allow_earlier_versions="true")
    document["schema_version"] = str(SCHEMA_VERSION)
    parsed = parse(document, ORIGIN)
    assert parsed.schema_version == SCHEMA_VERSION
    assert parsed.functions[0].allow_earlier_versions is True
    assert parse(changed_function(allow_earlier_versions="false"), ORIGIN).functions[0] == (
        b.function_manifest()
    )


def test_optional_keys_may_be_absent_and_the_environment_empty() -> None:
    document = without(as_json(b.manifest()), "layers")
    document["functions"][b.FUNCTION_KEY]["layers"] = []
    document["functions"][b.FUNCTION_KEY]["environment"] = {}
    parsed = parse(document, ORIGIN)
    assert parsed.layers == ()
    assert parsed.functions[0].environment == ()


# --- one error per problem, naming the dotted key ------------------------------------------

TOP_LEVEL_KEYS = [
    "schema_version",
    "region",
    "bucket",
    "signing_profile_name",
    "signing_profile_version_arn",
    "platform_id",
    "code_signing_config_arn",
    "expected_policy",
    "functions",
]
ARTIFACT_KEYS = [
    "signing_job_id",
    "unsigned_key",
    "unsigned_version",
    "signed_bucket",
    "signed_key",
    "source_dir",
    "package_sha256",
    "package",
]
PACKAGE_KEYS = [
    "kind",
    "runtimes",
    "architecture",
    "exclude",
    "npm_install_scripts",
    "builder_version",
    "sbom_sha256",
    "dependencies",
]
DEPENDENCY_KEYS = ["name", "version", "hash"]
FUNCTION_KEYS = [
    "function_name",
    "function_arn",
    "handler",
    "runtime",
    "architectures",
    "layers",
    "environment",
    "allow_earlier_versions",
    "publish",
    "alias",
    *ARTIFACT_KEYS,
]
LAYER_KEYS = ["layer_name", "layer_version_arn", *ARTIFACT_KEYS]


def test_the_key_lists_cover_the_output() -> None:
    """The lists below are the output's keys (so a new key gets its missing-key case)."""
    document = b.manifest().to_output()
    assert set(TOP_LEVEL_KEYS) | {"layers"} == set(document)
    assert set(FUNCTION_KEYS) == set(document["functions"][b.FUNCTION_KEY])
    assert set(LAYER_KEYS) == set(document["layers"][b.LAYER_KEY])
    assert set(PACKAGE_KEYS) == set(document["functions"][b.FUNCTION_KEY]["package"])
    assert set(DEPENDENCY_KEYS) == set(DEPENDENCY.to_output())


#: A declared dependency, as the stack writes it for a package with requirements.txt.
DEPENDENCY = Dependency(name="tabulate", version="0.10.0", hash="sha256:" + "ab" * 32)


def with_dependency() -> dict[str, Any]:
    document = as_json(b.manifest())
    document["functions"][b.FUNCTION_KEY]["package"]["dependencies"] = [DEPENDENCY.to_output()]
    return document


def test_a_package_with_dependencies_round_trips() -> None:
    parsed = parse(with_dependency(), ORIGIN)
    assert parsed.functions[0].package.dependencies == (DEPENDENCY,)
    assert as_json(parsed) == with_dependency()


@pytest.mark.parametrize("key", PACKAGE_KEYS)
def test_missing_package_key(key: str) -> None:
    document = as_json(b.manifest())
    del document["functions"][b.FUNCTION_KEY]["package"][key]
    assert parse_error(document) == f"{ORIGIN}: {FUNCTION_PATH}.package.{key} is missing"


@pytest.mark.parametrize("key", DEPENDENCY_KEYS)
def test_missing_dependency_key(key: str) -> None:
    document = with_dependency()
    del document["functions"][b.FUNCTION_KEY]["package"]["dependencies"][0][key]
    path = f"{FUNCTION_PATH}.package.dependencies[0].{key}"
    assert parse_error(document) == f"{ORIGIN}: {path} is missing"


def changed_package(**changes: Any) -> dict[str, Any]:
    document = with_dependency()
    document["functions"][b.FUNCTION_KEY]["package"].update(changes)
    return document


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"kind": "jar"}, "package.kind is 'jar'; expected one of python, node, custom, prebuilt"),
        ({"runtimes": []}, "package.runtimes is empty"),
        ({"architecture": "aarch64"}, "package.architecture is 'aarch64'; expected x86_64"),
        ({"exclude": "tests/"}, "package.exclude must be an array of strings, not a string"),
        ({"npm_install_scripts": 1}, "package.npm_install_scripts must be true or false"),
        ({"builder_version": "two"}, "package.builder_version must be a number, not a string"),
        ({"sbom_sha256": "abc"}, "package.sbom_sha256 is not a SHA-256 (hex) ('abc')"),
        ({"dependencies": {}}, "package.dependencies must be an array of objects"),
        ({"dependencies": ["tabulate"]}, "package.dependencies[0] must be an object, not a string"),
        (
            {"dependencies": [{**DEPENDENCY.to_output(), "hash": "md5:00"}]},
            "package.dependencies[0].hash is not an algorithm:hex hash",
        ),
    ],
    ids=[
        "kind",
        "runtimes-empty",
        "architecture",
        "exclude-string",
        "install-scripts",
        "builder-word",
        "sbom-hash",
        "dependencies-object",
        "dependency-string",
        "dependency-hash",
    ],
)
def test_mistyped_package_key_names_its_path(changes: dict[str, Any], named: str) -> None:
    line = parse_error(changed_package(**changes))
    assert f"{FUNCTION_PATH}.{named}" in line, line


@pytest.mark.parametrize("key", TOP_LEVEL_KEYS)
def test_missing_top_level_key(key: str) -> None:
    line = parse_error(without(as_json(b.manifest()), key))
    assert line == f"{ORIGIN}: {OUTPUT_NAME}.{key} is missing"


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_missing_function_key(key: str) -> None:
    document = as_json(b.manifest())
    del document["functions"][b.FUNCTION_KEY][key]
    assert parse_error(document) == f"{ORIGIN}: {FUNCTION_PATH}.{key} is missing"


@pytest.mark.parametrize("key", LAYER_KEYS)
def test_missing_layer_key(key: str) -> None:
    document = as_json(b.manifest())
    del document["layers"][b.LAYER_KEY][key]
    assert parse_error(document) == f"{ORIGIN}: {LAYER_PATH}.{key} is missing"


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (
            lambda: changed_function(function_name=42),
            f"{FUNCTION_PATH}.function_name must be a string, not a number",
        ),
        (lambda: changed_function(handler=""), f"{FUNCTION_PATH}.handler is empty"),
        (
            lambda: changed_function(architectures="x86_64"),
            f"{FUNCTION_PATH}.architectures must be an array of strings, not a string",
        ),
        (
            lambda: changed_function(layers=[1]),
            f"{FUNCTION_PATH}.layers must be an array of strings, not an array",
        ),
        (
            lambda: changed_function(allow_earlier_versions="yes"),
            f"{FUNCTION_PATH}.allow_earlier_versions must be true or false, not a string",
        ),
        (
            lambda: changed_function(environment=["PYTHONPATH"]),
            f"{FUNCTION_PATH}.environment must be an object, not an array",
        ),
        (
            lambda: changed_function(environment={"PYTHONPATH": 1}),
            f"{FUNCTION_PATH}.environment.PYTHONPATH must be a string, not a number",
        ),
        (
            # A value instead of its digest: the outputs must never hold the value itself.
            lambda: changed_function(environment={"PYTHONPATH": "/opt/lib"}),
            f"{FUNCTION_PATH}.environment.PYTHONPATH is not a value digest "
            "(sha256:<64 hex digits>) ('/opt/lib')",
        ),
        (lambda: changed_layer(signed_key=None), f"{LAYER_PATH}.signed_key is missing"),
        (
            lambda: changed_layer(layer_name=True),
            f"{LAYER_PATH}.layer_name must be a string, not a boolean",
        ),
        (
            lambda: {**as_json(b.manifest()), "functions": ["hello"]},
            f"{OUTPUT_NAME}.functions must be an object, not an array",
        ),
        (
            lambda: {**as_json(b.manifest()), "functions": {}},
            f"{OUTPUT_NAME}.functions is empty: there is nothing to verify",
        ),
        (
            lambda: {**as_json(b.manifest()), "layers": ["shared"]},
            f"{OUTPUT_NAME}.layers must be an object, not an array",
        ),
        (
            lambda: {**as_json(b.manifest()), "functions": {"hello": "x"}},
            f"{FUNCTION_PATH} must be an object, not a string",
        ),
        (
            lambda: {**as_json(b.manifest()), "schema_version": "two"},
            f"{OUTPUT_NAME}.schema_version must be a number, not a string",
        ),
        (
            lambda: {**as_json(b.manifest()), "schema_version": True},
            f"{OUTPUT_NAME}.schema_version must be a number, not a boolean",
        ),
        (
            lambda: {**as_json(b.manifest()), "code_signing_config_arn": "csc-1"},
            f"{OUTPUT_NAME}.code_signing_config_arn is not a CSC ARN "
            "(arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>) ('csc-1')",
        ),
        (
            lambda: {**as_json(b.manifest()), "signing_profile_version_arn": "x"},
            f"{OUTPUT_NAME}.signing_profile_version_arn is not a signing profile version ARN",
        ),
        (lambda: [as_json(b.manifest())], f"{OUTPUT_NAME} must be an object, not an array"),
    ],
    ids=[
        "string-as-number",
        "empty-string",
        "architectures-string",
        "layers-numbers",
        "boolean-word",
        "environment-array",
        "environment-value",
        "environment-plain-value",
        "layer-key-null",
        "layer-name-boolean",
        "functions-array",
        "functions-empty",
        "layers-array",
        "function-string",
        "schema-word",
        "schema-boolean",
        "csc-arn",
        "profile-arn",
        "document-array",
    ],
)
def test_mistyped_key_names_its_path(document: Any, named: str) -> None:
    assert named in parse_error(document())


@pytest.mark.parametrize("region", ["eu west 1", "x" * 300, "us-east-1.evil.example", "\ud800"])
def test_a_region_that_is_not_one_is_an_input_error(region: str) -> None:
    """Not a pass to botocore's client (whose InvalidRegionError was a traceback, exit 1)."""
    named = parse_error({**as_json(b.manifest()), "region": region})
    assert f"{OUTPUT_NAME}.region is not an AWS Region name" in named


@pytest.mark.parametrize("old", range(1, SCHEMA_VERSION))
def test_old_schema_says_to_redeploy(old: int) -> None:
    line = parse_error({**as_json(b.manifest()), "schema_version": old})
    expected = f"schema_version is {old}; this verifier reads schema_version {SCHEMA_VERSION}"
    assert f"{OUTPUT_NAME}.{expected}" in line
    assert "redeploy" in line and "make deploy" in line


def test_a_function_naming_an_undeclared_layer_is_an_error() -> None:
    line = parse_error(changed_function(layers=[b.LAYER_KEY, "ghost"]))
    assert line == f"{ORIGIN}: {FUNCTION_PATH}.layers names 'ghost', not in {OUTPUT_NAME}.layers"


def test_a_custom_path_is_named() -> None:
    with pytest.raises(InputError) as raised:
        parse(without(as_json(b.manifest()), "bucket"), ORIGIN, "signed-lambda.manifest")
    assert raised.value.diagnostics() == f"{ORIGIN}: signed-lambda.manifest.bucket is missing"


# --- ARN helpers ---------------------------------------------------------------------------------


def test_account_and_profile_version_of_arns() -> None:
    assert account_of(b.CSC_ARN) == b.ACCOUNT
    assert account_of(b.FUNCTION_ARN) == b.ACCOUNT
    assert account_of("not-an-arn") is None
    assert profile_version_of(b.PROFILE_VERSION_ARN) == (b.PROFILE_NAME, b.PROFILE_VERSION)
    assert profile_version_of(b.CSC_ARN) is None
