"""Config validation: every bad value stops synth with a one-line error naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from stacks.config import (
    MAX_LAYERS_PER_FUNCTION,
    Architecture,
    ConfigError,
    FunctionConfig,
    LayerConfig,
    PolicyStatement,
    RemoteBackendConfig,
    StackConfig,
    UntrustedArtifactPolicy,
    VpcConfig,
    config_from_mapping,
    load_config,
    to_mapping,
)
from tests.conftest import CUSTOM_CONFIG, REPO_ROOT

#: A sibling of the checkout: never the checkout itself, whatever its directory is called ("../x"
#: was the checkout when it was cloned to /tmp/x).
OUTSIDE = f"{REPO_ROOT.name}-sibling"


def test_defaults_are_the_secure_ones() -> None:
    config = StackConfig()
    assert config.untrusted_artifact_policy is UntrustedArtifactPolicy.ENFORCE
    assert config.backend is None
    assert [fn.key for fn in config.functions] == ["hello", "audit"]
    assert config.unsigned_prefix != config.signed_prefix


def test_function_and_layer_defaults() -> None:
    function = FunctionConfig(key="x")
    assert function.architectures == (Architecture.X86_64.value,) == ("x86_64",)
    assert function.layers == ()
    assert function.allow_earlier_versions is False
    layer = LayerConfig(key="lib")
    assert layer.source_dir == "layers/lib"
    assert layer.compatible_runtimes == ("python3.12",)
    assert layer.description == ""
    # The default deploy exercises a signed layer: hello uses "shared".
    config = StackConfig()
    assert [layer.key for layer in config.layers] == ["shared"]
    assert config.layers[0].source_dir == "layers/shared"
    assert (REPO_ROOT / "layers" / "shared" / "python" / "shared_util.py").is_file()
    assert {fn.key: fn.layers for fn in config.functions} == {"hello": ("shared",), "audit": ()}


def test_new_fields_from_json() -> None:
    config = config_from_mapping(
        {
            "layers": [
                {
                    "key": "lib",
                    "source_dir": "layers/shared",
                    "compatible_runtimes": ["python3.12", "python3.13"],
                    "description": "helpers",
                }
            ],
            "functions": [
                {
                    "key": "fn",
                    "source_dir": "functions/hello",
                    "architectures": ["arm64"],
                    "layers": ["lib"],
                    "allow_earlier_versions": True,
                }
            ],
        }
    )
    assert config.layers == (
        LayerConfig(
            key="lib",
            source_dir="layers/shared",
            compatible_runtimes=("python3.12", "python3.13"),
            description="helpers",
        ),
    )
    (function,) = config.functions
    assert function.architectures == ("arm64",)
    assert function.layers == ("lib",)
    assert function.allow_earlier_versions is True


def test_team_settings_from_json() -> None:
    (function,) = config_from_mapping(
        {
            "functions": [
                {
                    "key": "orders",
                    "policy_statements": [
                        {
                            "Sid": "Read",
                            "Effect": "Allow",
                            "Action": "dynamodb:GetItem",
                            "Resource": ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"],
                            "Condition": {"Bool": {"aws:SecureTransport": True}},
                        }
                    ],
                    "managed_policy_arns": ["arn:aws:iam::123456789012:policy/orders-read"],
                    "vpc": {
                        "subnet_ids": ["subnet-0a1b2c3d"],
                        "security_group_ids": ["sg-0a1b2c3d"],
                    },
                    "reserved_concurrency": 0,
                    "tags": {"team": "orders"},
                }
            ]
        }
    ).functions
    assert function.policy_statements == (
        PolicyStatement(
            effect="Allow",
            actions=("dynamodb:GetItem",),
            resources=("arn:aws:dynamodb:us-east-1:123456789012:table/orders",),
            condition=(("Bool", (("aws:SecureTransport", (True,)),)),),
            sid="Read",
        ),
    )
    assert function.managed_policy_arns == ("arn:aws:iam::123456789012:policy/orders-read",)
    assert function.vpc == VpcConfig(
        subnet_ids=("subnet-0a1b2c3d",), security_group_ids=("sg-0a1b2c3d",)
    )
    assert function.reserved_concurrency == 0  # reserved, and none: the function is throttled
    assert function.tags == (("team", "orders"),)
    # Least privilege stays the default.
    default = FunctionConfig(key="x")
    assert (default.policy_statements, default.managed_policy_arns) == ((), ())
    assert (default.vpc, default.reserved_concurrency, default.tags) == (None, None, ())
    assert LayerConfig(key="lib").compatible_architectures == ()


def test_demo_config_builds_with_the_default_layer() -> None:
    data = json.loads((REPO_ROOT / "demo" / "config.json").read_text())
    config = config_from_mapping(data)
    assert [layer.key for layer in config.layers] == ["shared"]
    assert any(fn.layers == ("shared",) for fn in config.functions)


def test_the_starter_config_is_the_defaults() -> None:
    """signed-lambda.json (committed) restates defaults only, and names no region, so
    AWS_REGION still chooses one."""
    starter = json.loads((REPO_ROOT / "signed-lambda.json").read_text())
    assert "region" not in starter
    assert [fn["key"] for fn in starter["functions"]] == [fn.key for fn in StackConfig().functions]
    assert load_config({}, REPO_ROOT / "signed-lambda.json") == StackConfig()
    assert load_config({"AWS_REGION": "eu-west-1"}, REPO_ROOT / "signed-lambda.json").region == (
        "eu-west-1"
    )


def test_every_field_spelled_out_reads_back_as_the_same_config() -> None:
    for config in (StackConfig(), config_from_mapping(CUSTOM_CONFIG)):
        assert config_from_mapping(to_mapping(config)) == config
    assert set(to_mapping(StackConfig())) == {f.name for f in fields(StackConfig)}


def test_an_entry_with_a_default_key_starts_from_the_default_entry() -> None:
    """The README's layer example used to drop the default description (and so replace the
    layer); a default entry restated in part keeps the rest of its fields."""
    config = config_from_mapping(
        {
            "layers": [{"key": "shared", "compatible_runtimes": ["python3.12"]}],
            "functions": [{"key": "hello"}, {"key": "audit", "memory_mb": 256}],
        }
    )
    assert config.layers == StackConfig().layers
    hello, audit = config.functions
    assert hello == StackConfig().functions[0]
    assert audit == replace(StackConfig().functions[1], memory_mb=256)
    assert audit.environment == (("AUDIT_LEVEL", "standard"),)
    # What a file gives replaces the default's value, field by field.
    (layer,) = config_from_mapping(
        {"layers": [{"key": "shared", "description": ""}], "functions": [{"key": "audit"}]}
    ).layers
    assert layer.description == ""
    assert (
        config_from_mapping({"functions": [{"key": "hello", "layers": []}]}).functions[0].layers
        == ()
    )


def test_mappings_in_any_order_are_the_same_config() -> None:
    forward = config_from_mapping({"tags": {"a": "1", "b": "2"}})
    backward = StackConfig(tags=(("b", "2"), ("a", "1")))
    assert forward == backward and forward.tags == (("a", "1"), ("b", "2"))


def test_warn_is_configurable() -> None:
    config = config_from_mapping({"untrusted_artifact_policy": "Warn"})
    assert config.untrusted_artifact_policy is UntrustedArtifactPolicy.WARN


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"untrusted_artifact_policy": "Warn", "region": "eu-west-1"}))
    config = load_config(
        {
            "SIGNED_LAMBDA_CONFIG": str(path),
            "SIGNED_LAMBDA_POLICY": "Enforce",
            "SIGNED_LAMBDA_STATE_BUCKET": "team-state",
            "AWS_REGION": "us-west-2",
        }
    )
    assert config.untrusted_artifact_policy is UntrustedArtifactPolicy.ENFORCE
    assert config.region == "eu-west-1"  # the file wins over the ambient AWS region
    assert config.backend == RemoteBackendConfig(bucket="team-state")


def test_region_falls_back_to_the_aws_environment() -> None:
    assert load_config({"AWS_DEFAULT_REGION": "ap-southeast-2"}).region == "ap-southeast-2"


def without_default_layer(layers: Any) -> dict[str, Any]:
    return {"layers": layers, "functions": [{"key": "ok"}]}


BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"untrusted_artifact_policy": "Block"}, "untrusted_artifact_policy"),
    ({"untrusted_artifact_policy": "enforce"}, "untrusted_artifact_policy"),
    ({"functions": []}, "functions"),
    ({"functions": [{"key": "Bad Name"}]}, "functions[0].key"),
    ({"functions": [{"key": "a"}, {"key": "a"}]}, "functions"),
    ({"functions": [{"handler": "x.y"}]}, "functions[0].key"),
    ({"functions": [{"key": "ok", "runtime": "cobol"}]}, "functions[ok].runtime"),
    ({"functions": [{"key": "ok", "memory_mb": 64}]}, "functions[ok].memory_mb"),
    ({"functions": [{"key": "ok", "memory_mb": "128"}]}, "functions[ok].memory_mb"),
    ({"functions": [{"key": "ok", "colour": "red"}]}, "functions[ok].colour"),
    ({"functions": "hello"}, "functions"),
    ({"signing_profile_name": "has-dash"}, "signing_profile_name"),
    ({"signature_validity_value": 0}, "signature_validity_value"),
    ({"signature_validity_value": 200}, "signature_validity_value"),
    ({"signature_validity_unit": "WEEKS"}, "signature_validity_unit"),
    ({"region": "mars-1"}, "region"),
    ({"bucket_name": "Not_A_Bucket"}, "bucket_name"),
    ({"signed_prefix": "signed"}, "signed_prefix"),
    ({"signed_prefix": "unsigned/x/"}, "signed_prefix"),
    ({"name_prefix": "X"}, "name_prefix"),
    ({"log_retention_days": 10}, "log_retention_days"),
    ({"backend": {"key": "x"}}, "backend.bucket"),
    ({"backend": {"bucket": "ok-bucket", "use_lockfile": "yes"}}, "backend.use_lockfile"),
    ({"tags": {"a": 1}}, "tags.a"),
    ({"unknown_setting": 1}, "unknown_setting"),
    # Function architectures, layers and earlier versions.
    ({"functions": [{"key": "ok", "architectures": ["sparc"]}]}, "functions[ok].architectures"),
    (
        {"functions": [{"key": "ok", "architectures": ["x86_64", "arm64"]}]},
        "functions[ok].architectures",
    ),
    ({"functions": [{"key": "ok", "architectures": []}]}, "functions[ok].architectures"),
    ({"functions": [{"key": "ok", "architectures": "arm64"}]}, "functions[ok].architectures"),
    ({"functions": [{"key": "ok", "architectures": [64]}]}, "functions[ok].architectures"),
    ({"functions": [{"key": "ok", "layers": ["nope"]}]}, "functions[ok].layers"),
    ({"functions": [{"key": "a"}, {"key": "b", "layers": ["nope"]}]}, "functions[b].layers"),
    ({"functions": [{"key": "ok", "layers": "shared"}]}, "functions[ok].layers"),
    ({"functions": [{"key": "ok", "layers": [None]}]}, "functions[ok].layers"),
    ({"functions": [{"key": "ok", "layers": ["shared", "shared"]}]}, "functions[ok].layers"),
    (
        {
            "layers": [{"key": f"l{i}"} for i in range(MAX_LAYERS_PER_FUNCTION + 1)],
            "functions": [
                {"key": "ok", "layers": [f"l{i}" for i in range(MAX_LAYERS_PER_FUNCTION + 1)]}
            ],
        },
        "functions[ok].layers",
    ),
    (
        {"functions": [{"key": "ok", "runtime": "nodejs20.x", "layers": ["shared"]}]},
        "functions[ok].layers",
    ),
    # The default hello uses the default layer: removing the layers must say so.
    ({"layers": []}, "functions[hello].layers"),
    (
        {"functions": [{"key": "ok", "allow_earlier_versions": "yes"}]},
        "functions[ok].allow_earlier_versions",
    ),
    ({"functions": [{"key": "ok", "source_dir": "/tmp"}]}, "functions[ok].source_dir"),
    ({"functions": [{"key": "ok", "source_dir": f"../{OUTSIDE}"}]}, "functions[ok].source_dir"),
    # Layers (no function uses the default layer, which these lists leave out).
    (without_default_layer("shared"), "layers"),
    (without_default_layer(["shared"]), "layers[0]"),
    (without_default_layer([{"source_dir": "layers/shared"}]), "layers[0].key"),
    (without_default_layer([{"key": "Bad Key"}]), "layers[0].key"),
    (without_default_layer([{"key": 7}]), "layers[0].key"),
    (without_default_layer([{"key": "a", "colour": "red"}]), "layers[a].colour"),
    (without_default_layer([{"key": "shared"}, {"key": "shared"}]), "layers"),
    (
        without_default_layer([{"key": "a", "compatible_runtimes": ["cobol"]}]),
        "layers[a].compatible_runtimes",
    ),
    (
        without_default_layer([{"key": "a", "compatible_runtimes": []}]),
        "layers[a].compatible_runtimes",
    ),
    (
        without_default_layer([{"key": "a", "compatible_runtimes": "python3.12"}]),
        "layers[a].compatible_runtimes",
    ),
    (without_default_layer([{"key": "a", "description": "x" * 257}]), "layers[a].description"),
    (without_default_layer([{"key": "a", "description": 5}]), "layers[a].description"),
    (without_default_layer([{"key": "a", "source_dir": "/etc"}]), "layers[a].source_dir"),
    (
        without_default_layer([{"key": "a", "source_dir": f"layers/../../{OUTSIDE}"}]),
        "layers[a].source_dir",
    ),
]


def with_function(**settings: Any) -> dict[str, Any]:
    return {"functions": [{"key": "ok", **settings}]}


def statement(**changes: Any) -> dict[str, Any]:
    """A valid statement, changed; a value of None leaves that element out."""
    base = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


STATEMENT = "functions[ok].policy_statements[0]"
BAD_CONFIGS += [
    # Team settings: permissions, VPC, concurrency, tags, layer architectures.
    (with_function(policy_statements=[statement(Effect="Permit")]), f"{STATEMENT}.Effect"),
    (with_function(policy_statements=[statement(Action="*")]), f"{STATEMENT}.Action"),
    (with_function(policy_statements=[statement(Action=["s3 get"])]), f"{STATEMENT}.Action"),
    (with_function(policy_statements=[statement(Action=[])]), f"{STATEMENT}.Action"),
    (with_function(policy_statements=[statement(Resource="table")]), f"{STATEMENT}.Resource"),
    (with_function(policy_statements=[statement(Resource=None)]), f"{STATEMENT}.Resource"),
    (with_function(policy_statements=[statement(Principal="*")]), f"{STATEMENT}.Principal"),
    (with_function(policy_statements=[statement(NotAction="s3:*")]), f"{STATEMENT}.NotAction"),
    (with_function(policy_statements=[statement(Sid="read-orders")]), f"{STATEMENT}.Sid"),
    (
        with_function(policy_statements=[statement(Condition={"StringEquals": "x"})]),
        f"{STATEMENT}.Condition.StringEquals",
    ),
    (
        with_function(policy_statements=[statement(Condition={"Str Eq": {"aws:x": "1"}})]),
        f"{STATEMENT}.Condition",
    ),
    (
        with_function(policy_statements=[statement(Condition={"StringEquals": {"x": "1"}})]),
        f"{STATEMENT}.Condition.StringEquals",
    ),
    (with_function(policy_statements=["s3:GetObject"]), STATEMENT),
    (with_function(policy_statements={"Effect": "Allow"}), "functions[ok].policy_statements"),
    (
        with_function(policy_statements=[statement(Sid="A"), statement(Sid="A")]),
        "functions[ok].policy_statements",
    ),
    (
        with_function(policy_statements=[statement(Resource=["arn:aws:s3:::" + "x" * 10240])]),
        "functions[ok].policy_statements",
    ),
    (with_function(managed_policy_arns=["ReadOnlyAccess"]), "functions[ok].managed_policy_arns"),
    (
        with_function(managed_policy_arns=["arn:aws:iam::aws:policy/A"] * 2),
        "functions[ok].managed_policy_arns",
    ),
    (with_function(vpc="vpc-1"), "functions[ok].vpc"),
    (
        with_function(vpc={"subnet_ids": ["subnet-0a1b2c3d"]}),
        "functions[ok].vpc.security_group_ids",
    ),
    (
        with_function(vpc={"subnet_ids": ["subnet-x"], "security_group_ids": ["sg-0a1b2c3d"]}),
        "functions[ok].vpc.subnet_ids",
    ),
    (
        with_function(vpc={"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": []}),
        "functions[ok].vpc.security_group_ids",
    ),
    (
        with_function(
            vpc={"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0a1b2c3d"] * 6}
        ),
        "functions[ok].vpc.security_group_ids",
    ),
    (
        with_function(
            vpc={"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0a1b2c3d"], "x": 1}
        ),
        "functions[ok].vpc.x",
    ),
    (with_function(reserved_concurrency=-1), "functions[ok].reserved_concurrency"),
    (with_function(reserved_concurrency="5"), "functions[ok].reserved_concurrency"),
    (with_function(tags={"aws:team": "x"}), "functions[ok].tags"),
    (with_function(tags={"team": "a;b"}), "functions[ok].tags.team"),
    (with_function(tags={f"t{i}": "x" for i in range(49)}), "functions[ok].tags"),
    ({"tags": {"aws:team": "x"}}, "tags"),
    # Every package upload (an S3 object: at most 10 tags) carries the stack's tags.
    ({"tags": {f"t{i}": "x" for i in range(11)}}, "tags"),
    # The function's role, <name_prefix>-<key>-role, is at most 64 characters (IAM).
    ({"name_prefix": "p" * 32, "functions": [{"key": "k" * 27}]}, f"functions[{'k' * 27}].key"),
    # Lambda reserves the variables its runtime sets, and allows 4 KB of environment.
    (with_function(environment={"AWS_LAMBDA_FUNCTION_NAME": "x"}), "functions[ok].environment"),
    (with_function(environment={"_HANDLER": "evil.handler"}), "functions[ok].environment"),
    (with_function(environment={"LAMBDA_TASK_ROOT": "/tmp"}), "functions[ok].environment"),
    (with_function(environment={"BIG": "x" * 4090}), "functions[ok].environment"),
    (
        without_default_layer([{"key": "a", "compatible_architectures": ["sparc"]}]),
        "layers[a].compatible_architectures",
    ),
    (
        without_default_layer([{"key": "a", "compatible_architectures": ["arm64", "arm64"]}]),
        "layers[a].compatible_architectures",
    ),
    (
        {
            "layers": [{"key": "a", "compatible_architectures": ["x86_64"]}],
            "functions": [{"key": "ok", "architectures": ["arm64"], "layers": ["a"]}],
        },
        "functions[ok].layers",
    ),
]


@pytest.mark.parametrize(("data", "field"), BAD_CONFIGS, ids=[f for _, f in BAD_CONFIGS])
def test_bad_config_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(data)
    assert [error.field_name for error in raised.value.errors] == [field]
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"{field}: ")


def test_every_error_is_named_at_once_by_key_or_index() -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(
            {
                "region": "mars-1",
                "colour": "red",
                "tags": {"team": 1},
                "layers": [{"key": "shared", "compatible_runtimes": ["cobol"]}, {"key": "x y"}],
                "functions": [
                    {"key": "hello", "runtime": "cobol", "memory_mb": "128", "timeout_seconds": 0},
                    {"key": "Bad Name", "memory_mb": 64},
                    {"key": "orders", "layers": ["nope", "shared"]},
                    7,
                ],
            }
        )
    assert [error.field_name for error in raised.value.errors] == sorted(
        [
            "region",
            "colour",
            "tags.team",
            "layers[shared].compatible_runtimes",
            "layers[1].key",
            "functions[hello].runtime",
            "functions[hello].memory_mb",
            "functions[hello].timeout_seconds",
            "functions[1].key",
            "functions[1].memory_mb",
            # "nope" is named; "shared" is bad on its own, so orders' use of it is not an error.
            "functions[orders].layers",
            "functions[3]",
        ]
    )
    assert len(str(raised.value).splitlines()) == len(raised.value.errors)


def test_every_bad_statement_is_named_at_once() -> None:
    """A statement that is not an object leaves the list out of the entry: the others'
    problems are still named in the same run."""
    data = with_function(
        policy_statements=[
            statement(Effect="allow", Resource="table"),
            statement(Action=[], Principal="*"),
            "s3:GetObject",
        ]
    )
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(data)
    assert [error.field_name for error in raised.value.errors] == [
        f"{STATEMENT}.Effect",
        f"{STATEMENT}.Resource",
        "functions[ok].policy_statements[1].Action",
        "functions[ok].policy_statements[1].Principal",
        "functions[ok].policy_statements[2]",
    ]


def test_a_bad_list_reports_no_consequences() -> None:
    """A list that is not a list says so once: no "at least one function is required", no
    "hello's layer 'shared' is not a layer of this stack"."""
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"functions": 5, "layers": 5})
    assert [error.field_name for error in raised.value.errors] == ["functions", "layers"]


PYTHON_BAD_VALUES: list[tuple[type, dict[str, Any], str]] = [
    (FunctionConfig, {"key": "ok", "architectures": "arm64"}, "functions[ok].architectures"),
    (FunctionConfig, {"key": "ok", "layers": ["shared"]}, "functions[ok].layers"),
    (
        FunctionConfig,
        {"key": "ok", "allow_earlier_versions": 1},
        "functions[ok].allow_earlier_versions",
    ),
    (
        LayerConfig,
        {"key": "a", "compatible_runtimes": "python3.12"},
        "layers[a].compatible_runtimes",
    ),
]


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"), PYTHON_BAD_VALUES, ids=[f for _, _, f in PYTHON_BAD_VALUES]
)
def test_python_callers_get_the_same_errors(cls: type, kwargs: dict[str, Any], field: str) -> None:
    """A bare string is never taken for a tuple of strings ("arm64" is not a, r, m, 6, 4)."""
    with pytest.raises(ConfigError) as raised:
        cls(**kwargs)
    assert raised.value.field_name == field


def test_bad_environment_policy_names_the_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"SIGNED_LAMBDA_POLICY": "Off"})
    assert raised.value.field_name == "SIGNED_LAMBDA_POLICY"


def run_main(tmp_path: Path, content: str | None) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "bad.json"
    if content is not None:
        config.write_text(content)
    return subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env={
            "SIGNED_LAMBDA_CONFIG": str(config),
            "CDKTF_OUTDIR": str(tmp_path / "out"),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"untrusted_artifact_policy": "Block"}', "untrusted_artifact_policy"),
        ('{"functions": []}', "functions"),
        ('{"functions": [{"key": "Bad Name"}]}', "functions[0].key"),
        ('{"functions": [{"key": "hello", "layers": ["nope"]}]}', "functions[hello].layers"),
        (
            '{"layers": [{"key": "a", "compatible_runtimes": 1}], "functions": [{"key": "audit"}]}',
            "layers[a].compatible_runtimes",
        ),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "a JSON object"),
        (None, "cannot read config file"),
    ],
)
def test_synth_stops_with_one_line_error(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    result = run_main(tmp_path, content)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: config ")
    assert expected in lines[0]
    assert not (tmp_path / "out").exists(), "nothing is half-written"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[" * 100_000, "deeper than 64 levels"),
        (b"{" + b" " * (11 * 1024 * 1024) + b"}", "over the 10 MB"),
        ('{"region": "caf\xe9"}'.encode("latin-1"), "is not UTF-8"),
    ],
    ids=["nested", "huge", "latin-1"],
)
def test_a_config_no_reader_should_hold_is_one_line_and_exit_2(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "main.py", "--check"],
        cwd=REPO_ROOT,
        env={"SIGNED_LAMBDA_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(config) in lines[0], result.stderr


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(b"\xef\xbb\xbf" + json.dumps({"region": "eu-west-1"}).encode())
    loaded = load_config({"SIGNED_LAMBDA_CONFIG": str(config)})
    assert loaded.region == "eu-west-1"


#: Run in a child process: main.py --check's outcome and whether it loaded any CDK toolkit.
_CHECK_AND_LIST_TOOLKITS = """
import sys
import main
code = main.main(["--check"])
toolkits = {"cdktf", "cdktn", "jsii", "constructs", "cdktf_cdktf_provider_aws"}
print(sorted({name.split(".")[0] for name in sys.modules} & toolkits))
sys.exit(code)
"""


def run_check(tmp_path: Path, config: dict[str, Any] | None) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    if config is not None:
        path.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-c", _CHECK_AND_LIST_TOOLKITS],
        cwd=REPO_ROOT,
        env={
            "SIGNED_LAMBDA_CONFIG": str(path) if config is not None else "",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_prints_every_error_once_without_loading_the_cdk(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        {
            "region": "mars-1",
            "functions": [{"key": "hello", "runtime": "cobol"}, {"key": "orders"}],
        },
    )
    assert result.returncode == 2
    assert result.stdout == "[]\n"  # no toolkit imported
    assert result.stderr.splitlines() == [
        "error: config functions[hello].runtime: 'cobol' is not a Lambda runtime "
        "(e.g. 'python3.12')",
        "error: config functions[orders].source_dir: 'functions/orders' is not a directory",
        "error: config region: 'mars-1' is not an AWS region (e.g. 'eu-west-1')",
    ]


def test_check_names_a_layer_synth_could_not_build_for_its_users(tmp_path: Path) -> None:
    """A layer that installs dependencies serves one architecture: make validate says so, not
    only synth."""
    audit = {"source_dir": "functions/audit"}
    result = run_check(
        tmp_path,
        {
            "layers": [{"key": "deps", "source_dir": "functions/table"}],
            "functions": [
                {"key": "a", **audit, "layers": ["deps"]},
                {"key": "b", **audit, "layers": ["deps"], "architectures": ["arm64"]},
            ],
        },
    )
    assert result.returncode == 2
    assert result.stdout == "[]\n"
    assert result.stderr.splitlines() == [
        "error: config layers[deps]: installs dependencies for one architecture, but is used "
        "by arm64 (b), x86_64 (a): publish one layer per architecture"
    ]


def test_check_passes_a_valid_config_without_loading_the_cdk(tmp_path: Path) -> None:
    result = run_check(tmp_path, None)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"
    assert result.stderr.startswith("config ok (")


def test_main_takes_only_check(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--chek"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr == "error: usage: python main.py [--check] (got --chek)\n"


# --- guardrails ---------------------------------------------------------------------------

DEPLOYER = "arn:aws:iam::123456789012:role/ci/signed-lambda-deployer"
BAD_GUARDRAILS: list[tuple[Any, str]] = [
    ("on", "guardrails"),
    ({}, "guardrails.deploy_role_arn"),
    ({"deploy_role_arn": 5}, "guardrails.deploy_role_arn"),
    ({"deploy_role_arn": "arn:aws:iam::123456789012:user/ci"}, "guardrails.deploy_role_arn"),
    ({"deploy_role_arn": "arn:aws:iam::123456789012:role/ci-*"}, "guardrails.deploy_role_arn"),
    ({"deploy_role_arn": DEPLOYER, "admin_role_arns": "x"}, "guardrails.admin_role_arns"),
    (
        {"deploy_role_arn": DEPLOYER, "admin_role_arns": ["arn:aws:iam::999999999999:role/a"]},
        "guardrails.admin_role_arns[0]",
    ),
    (
        {"deploy_role_arn": DEPLOYER, "admin_role_arns": ["arn:aws-cn:iam::123456789012:role/a"]},
        "guardrails.admin_role_arns[0]",
    ),
    ({"deploy_role_arn": DEPLOYER, "colour": "red"}, "guardrails.colour"),
]


def test_guardrails_from_json() -> None:
    config = config_from_mapping(
        {
            "guardrails": {
                "deploy_role_arn": DEPLOYER,
                "admin_role_arns": ["arn:aws:iam::123456789012:role/break-glass-*"],
            }
        }
    )
    assert config.guardrails is not None
    assert config.guardrails.deploy_role_arn == DEPLOYER
    assert config.guardrails.admin_role_arns == ("arn:aws:iam::123456789012:role/break-glass-*",)
    assert config.guardrails.account_id == "123456789012"
    assert config.guardrails.partition == "aws"
    gov = config_from_mapping(
        {"guardrails": {"deploy_role_arn": "arn:aws-us-gov:iam::123456789012:role/deployer"}}
    )
    # The stack's deployer policy and bucket statements name ARNs of this partition.
    assert gov.guardrails is not None and gov.guardrails.partition == "aws-us-gov"
    assert config_from_mapping({}).guardrails is None
    assert config_from_mapping({"guardrails": None}).guardrails is None


@pytest.mark.parametrize(("data", "field"), BAD_GUARDRAILS, ids=[f for _, f in BAD_GUARDRAILS])
def test_bad_guardrails_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"guardrails": data})
    assert raised.value.field_name == field


def test_the_environment_limit_is_lambdas_4_kb_of_compact_json() -> None:
    """Lambda measures the variables as compact JSON ({"K":"v"}): 4,096 bytes pass, one more
    fails, naming the size; a reserved name says it is reserved."""
    fits = "x" * (4096 - len('{"BIG":""}'))
    assert config_from_mapping(with_function(environment={"BIG": fits})).functions
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(with_function(environment={"BIG": fits + "x"}))
    assert "4,097 bytes as Lambda measures it" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(with_function(environment={"AWS_EXECUTION_ENV": "x"}))
    assert "'AWS_EXECUTION_ENV' is reserved by Lambda" in str(raised.value)
