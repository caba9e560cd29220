"""Config validation: every bad value stops synth with a one-line error naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.config import (
    MAX_LAYERS_PER_FUNCTION,
    Architecture,
    ConfigError,
    FunctionConfig,
    LayerConfig,
    RemoteBackendConfig,
    StackConfig,
    UntrustedArtifactPolicy,
    config_from_mapping,
    load_config,
)
from tests.conftest import REPO_ROOT

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


def test_demo_config_builds_with_the_default_layer() -> None:
    data = json.loads((REPO_ROOT / "demo" / "config.json").read_text())
    config = config_from_mapping(data)
    assert [layer.key for layer in config.layers] == ["shared"]
    assert any(fn.layers == ("shared",) for fn in config.functions)


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


BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"untrusted_artifact_policy": "Block"}, "untrusted_artifact_policy"),
    ({"untrusted_artifact_policy": "enforce"}, "untrusted_artifact_policy"),
    ({"functions": []}, "functions"),
    ({"functions": [{"key": "Bad Name"}]}, "functions[].key"),
    ({"functions": [{"key": "a"}, {"key": "a"}]}, "functions"),
    ({"functions": [{"handler": "x.y"}]}, "functions[0].key"),
    ({"functions": [{"key": "ok", "runtime": "cobol"}]}, "functions['ok'].runtime"),
    ({"functions": [{"key": "ok", "memory_mb": 64}]}, "functions['ok'].memory_mb"),
    ({"functions": [{"key": "ok", "memory_mb": "128"}]}, "functions[0].memory_mb"),
    ({"functions": [{"key": "ok", "colour": "red"}]}, "functions[0].colour"),
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
    ({"functions": [{"key": "ok", "architectures": ["sparc"]}]}, "functions['ok'].architectures"),
    (
        {"functions": [{"key": "ok", "architectures": ["x86_64", "arm64"]}]},
        "functions['ok'].architectures",
    ),
    ({"functions": [{"key": "ok", "architectures": []}]}, "functions['ok'].architectures"),
    ({"functions": [{"key": "ok", "architectures": "arm64"}]}, "functions[0].architectures"),
    ({"functions": [{"key": "ok", "architectures": [64]}]}, "functions[0].architectures"),
    ({"functions": [{"key": "ok", "layers": ["nope"]}]}, "functions[0].layers"),
    ({"functions": [{"key": "a"}, {"key": "b", "layers": ["nope"]}]}, "functions[1].layers"),
    ({"functions": [{"key": "ok", "layers": "shared"}]}, "functions[0].layers"),
    ({"functions": [{"key": "ok", "layers": [None]}]}, "functions[0].layers"),
    ({"functions": [{"key": "ok", "layers": ["shared", "shared"]}]}, "functions['ok'].layers"),
    (
        {
            "layers": [{"key": f"l{i}"} for i in range(MAX_LAYERS_PER_FUNCTION + 1)],
            "functions": [
                {"key": "ok", "layers": [f"l{i}" for i in range(MAX_LAYERS_PER_FUNCTION + 1)]}
            ],
        },
        "functions['ok'].layers",
    ),
    (
        {"functions": [{"key": "ok", "runtime": "nodejs20.x", "layers": ["shared"]}]},
        "functions[0].layers",
    ),
    # The default hello uses the default layer: removing the layers must say so.
    ({"layers": []}, "functions[0].layers"),
    (
        {"functions": [{"key": "ok", "allow_earlier_versions": "yes"}]},
        "functions[0].allow_earlier_versions",
    ),
    ({"functions": [{"key": "ok", "source_dir": "/tmp"}]}, "functions['ok'].source_dir"),
    ({"functions": [{"key": "ok", "source_dir": f"../{OUTSIDE}"}]}, "functions['ok'].source_dir"),
    # Layers.
    ({"layers": "shared"}, "layers"),
    ({"layers": ["shared"]}, "layers[0]"),
    ({"layers": [{"source_dir": "layers/shared"}]}, "layers[0].key"),
    ({"layers": [{"key": "Bad Key"}]}, "layers[].key"),
    ({"layers": [{"key": 7}]}, "layers[0].key"),
    ({"layers": [{"key": "a", "colour": "red"}]}, "layers[0].colour"),
    ({"layers": [{"key": "shared"}, {"key": "shared"}]}, "layers"),
    (
        {"layers": [{"key": "a", "compatible_runtimes": ["cobol"]}]},
        "layers['a'].compatible_runtimes",
    ),
    ({"layers": [{"key": "a", "compatible_runtimes": []}]}, "layers['a'].compatible_runtimes"),
    (
        {"layers": [{"key": "a", "compatible_runtimes": "python3.12"}]},
        "layers[0].compatible_runtimes",
    ),
    ({"layers": [{"key": "a", "description": "x" * 257}]}, "layers['a'].description"),
    ({"layers": [{"key": "a", "description": 5}]}, "layers[0].description"),
    ({"layers": [{"key": "a", "source_dir": "/etc"}]}, "layers['a'].source_dir"),
    ({"layers": [{"key": "a", "source_dir": f"layers/../../{OUTSIDE}"}]}, "layers['a'].source_dir"),
]


@pytest.mark.parametrize(("data", "field"), BAD_CONFIGS, ids=[f for _, f in BAD_CONFIGS])
def test_bad_config_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(data)
    assert raised.value.field_name == field
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"{field}: ")


PYTHON_BAD_VALUES: list[tuple[type, dict[str, Any], str]] = [
    (FunctionConfig, {"key": "ok", "architectures": "arm64"}, "functions['ok'].architectures"),
    (FunctionConfig, {"key": "ok", "layers": ["shared"]}, "functions['ok'].layers"),
    (
        FunctionConfig,
        {"key": "ok", "allow_earlier_versions": 1},
        "functions['ok'].allow_earlier_versions",
    ),
    (
        LayerConfig,
        {"key": "a", "compatible_runtimes": "python3.12"},
        "layers['a'].compatible_runtimes",
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
        ('{"functions": [{"key": "Bad Name"}]}', "functions[].key"),
        ('{"functions": [{"key": "ok", "layers": ["nope"]}]}', "functions[0].layers"),
        ('{"layers": [{"key": "a", "compatible_runtimes": 1}]}', "layers[0].compatible_runtimes"),
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
        "guardrails.admin_role_arns",
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
    assert config_from_mapping({}).guardrails is None
    assert config_from_mapping({"guardrails": None}).guardrails is None


@pytest.mark.parametrize(("data", "field"), BAD_GUARDRAILS, ids=[f for _, f in BAD_GUARDRAILS])
def test_bad_guardrails_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"guardrails": data})
    assert raised.value.field_name == field
