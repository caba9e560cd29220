"""Every setting of the stack, with every default in one place.

The stack takes a frozen :class:`StackConfig`; it never reads the environment. ``main.py``
builds the config with :func:`load_config` from an optional JSON file and a few documented
environment variables, so a bad value stops synth before any construct exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from verifier.package import PackageError, effective_excludes

#: Provider constraint written into the synthesized stack: the prebuilt bindings pin 6.x, and
#: offline machines mirror 5.x; the stack only uses attributes both majors accept.
PROVIDER_VERSION_CONSTRAINT = ">= 5.100, < 7"

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A configuration value is invalid; ``field`` names it so the message can point at it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.message = message


class UntrustedArtifactPolicy(StrEnum):
    """What Lambda does with code that fails validation (``UntrustedArtifactOnDeployment``).

    AWS, CDK and the Terraform provider default to ``Warn``; this project defaults to ``Enforce``.
    """

    ENFORCE = "Enforce"
    WARN = "Warn"


class ValidityUnit(StrEnum):
    DAYS = "DAYS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"


class Architecture(StrEnum):
    """The instruction sets Lambda runs (``Architectures``; a function has exactly one)."""

    X86_64 = "x86_64"
    ARM64 = "arm64"


#: Lambda's limits: layers per function, runtimes per layer, a layer's description length.
MAX_LAYERS_PER_FUNCTION = 5
MAX_LAYER_RUNTIMES = 15
MAX_LAYER_DESCRIPTION = 256


_FUNCTION_KEY = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
_PROFILE_NAME = re.compile(r"^[a-zA-Z0-9_]{2,64}$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()/-]+/$")
_RUNTIME = re.compile(
    r"^(python3\.\d+|nodejs\d+\.x|java\d+|ruby\d\.\d+|dotnet\d+|provided\.al2(023)?)$"
)
_STACK_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_ENV_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
_HANDLER = re.compile(r"^\S{1,128}$")  # Lambda's Handler: [^\s]+, at most 128 characters
# Lambda reserves these environment variable names.
_RESERVED_ENV = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    }
)


def _require(condition: bool, field_name: str, message: str) -> None:
    if not condition:
        raise ConfigError(field_name, message)


def _require_strings(value: Any, field_name: str) -> None:
    # A bare string would iterate as characters ("arm64" -> "a", "r", ...): never accept one.
    _require(
        isinstance(value, tuple) and all(isinstance(item, str) for item in value),
        field_name,
        f"expected a tuple of strings, got {value!r}",
    )


def _require_in_repo(source_dir: str, field_name: str) -> None:
    """Source is named relative to the repo root, so the manifest can say which source was
    signed and ``verify --source`` can rebuild it from a checkout."""
    path = Path(source_dir)
    inside = not path.is_absolute() and (REPO_ROOT / path).resolve().is_relative_to(REPO_ROOT)
    _require(
        inside,
        field_name,
        f"{source_dir!r} is not a directory inside the repository (e.g. 'functions/hello')",
    )


def _require_packaging(exclude: Any, npm_install_scripts: Any, where: str) -> None:
    """``exclude`` patterns the builder accepts; ``npm_install_scripts`` a boolean."""
    _require_strings(exclude, f"{where}.exclude")
    try:
        effective_excludes(exclude)
    except PackageError as error:
        raise ConfigError(f"{where}.exclude", str(error)) from None
    _require(
        isinstance(npm_install_scripts, bool),
        f"{where}.npm_install_scripts",
        f"expected true or false, got {npm_install_scripts!r}",
    )


def repo_relative(source_dir: str) -> str:
    """``source_dir`` normalized to a POSIX path relative to the repo root (``functions/x``)."""
    return (REPO_ROOT / source_dir).resolve().relative_to(REPO_ROOT).as_posix()


@dataclass(frozen=True)
class FunctionConfig:
    """One Lambda function, packaged from ``source_dir`` (relative to the repo root)."""

    key: str
    source_dir: str = ""
    handler: str = "handler.handler"
    runtime: str = "python3.12"
    memory_mb: int = 128
    timeout_seconds: int = 10
    environment: tuple[tuple[str, str], ...] = ()
    #: Exactly one of :class:`Architecture`'s values.
    architectures: tuple[str, ...] = (Architecture.X86_64.value,)
    #: Keys of the stack's layers (``StackConfig.layers``) this function uses, in order.
    layers: tuple[str, ...] = ()
    #: Whether published versions may run earlier signed builds (the verifier proves each).
    allow_earlier_versions: bool = False
    #: Packaging: glob patterns left out of the package, after the builder's defaults
    #: (verifier.package.DEFAULT_EXCLUDES); whether npm runs the dependencies' install scripts.
    exclude: tuple[str, ...] = ()
    npm_install_scripts: bool = False

    def __post_init__(self) -> None:
        where = f"functions[{self.key!r}]"
        _require(
            isinstance(self.key, str) and bool(_FUNCTION_KEY.match(self.key)),
            "functions[].key",
            f"{self.key!r} is not a valid function key (expected lowercase letters, digits and "
            "'-', starting with a letter, at most 31 characters, e.g. 'hello')",
        )
        if not self.source_dir:
            object.__setattr__(self, "source_dir", f"functions/{self.key}")
        _require_in_repo(self.source_dir, f"{where}.source_dir")
        _require(
            bool(_RUNTIME.match(self.runtime)),
            f"{where}.runtime",
            f"{self.runtime!r} is not a Lambda runtime (e.g. 'python3.12')",
        )
        if self.runtime.startswith("provided"):  # a custom runtime reads the handler itself
            _require(
                bool(_HANDLER.match(self.handler)),
                f"{where}.handler",
                f"{self.handler!r} is not a handler (1-128 characters, no spaces)",
            )
        else:
            _require(
                "." in self.handler and bool(_HANDLER.match(self.handler)),
                f"{where}.handler",
                f"{self.handler!r} is not a handler (expected 'module.function')",
            )
        _require(
            128 <= self.memory_mb <= 10240,
            f"{where}.memory_mb",
            f"{self.memory_mb} is outside 128..10240",
        )
        _require(
            1 <= self.timeout_seconds <= 900,
            f"{where}.timeout_seconds",
            f"{self.timeout_seconds} is outside 1..900",
        )
        for name, _value in self.environment:
            _require(
                bool(_ENV_KEY.match(name)) and name not in _RESERVED_ENV,
                f"{where}.environment",
                f"{name!r} is not an allowed environment variable name",
            )
        _require_strings(self.architectures, f"{where}.architectures")
        allowed = ", ".join(a.value for a in Architecture)
        _require(
            len(self.architectures) == 1,
            f"{where}.architectures",
            f"Lambda takes exactly one architecture, got {len(self.architectures)} "
            f"(one of: {allowed})",
        )
        _require(
            self.architectures[0] in {a.value for a in Architecture},
            f"{where}.architectures",
            f"{self.architectures[0]!r} is not one of: {allowed}",
        )
        _require_strings(self.layers, f"{where}.layers")
        _require(
            len(self.layers) <= MAX_LAYERS_PER_FUNCTION,
            f"{where}.layers",
            f"{len(self.layers)} layers; Lambda allows at most {MAX_LAYERS_PER_FUNCTION}",
        )
        repeated = sorted({k for k in self.layers if self.layers.count(k) > 1})
        _require(not repeated, f"{where}.layers", f"lists {', '.join(repeated)} more than once")
        _require(
            isinstance(self.allow_earlier_versions, bool),
            f"{where}.allow_earlier_versions",
            f"expected true or false, got {self.allow_earlier_versions!r}",
        )
        _require_packaging(self.exclude, self.npm_install_scripts, where)

    @property
    def source_path(self) -> Path:
        return (REPO_ROOT / self.source_dir).resolve()


@dataclass(frozen=True)
class LayerConfig:
    """One Lambda layer, packaged from ``source_dir`` (relative to the repo root), signed and
    published like a function. For Python, put modules under ``python/`` in the source."""

    key: str
    source_dir: str = ""
    compatible_runtimes: tuple[str, ...] = ("python3.12",)
    description: str = ""
    #: Packaging, as for functions (FunctionConfig.exclude, .npm_install_scripts).
    exclude: tuple[str, ...] = ()
    npm_install_scripts: bool = False

    def __post_init__(self) -> None:
        where = f"layers[{self.key!r}]"
        _require(
            isinstance(self.key, str) and bool(_FUNCTION_KEY.match(self.key)),
            "layers[].key",
            f"{self.key!r} is not a valid layer key (expected lowercase letters, digits and "
            "'-', starting with a letter, at most 31 characters, e.g. 'shared')",
        )
        if not self.source_dir:
            object.__setattr__(self, "source_dir", f"layers/{self.key}")
        _require_in_repo(self.source_dir, f"{where}.source_dir")
        _require_strings(self.compatible_runtimes, f"{where}.compatible_runtimes")
        _require(
            1 <= len(self.compatible_runtimes) <= MAX_LAYER_RUNTIMES,
            f"{where}.compatible_runtimes",
            f"expected 1..{MAX_LAYER_RUNTIMES} runtimes, got {len(self.compatible_runtimes)}",
        )
        for runtime in self.compatible_runtimes:
            _require(
                bool(_RUNTIME.match(runtime)),
                f"{where}.compatible_runtimes",
                f"{runtime!r} is not a Lambda runtime (e.g. 'python3.12')",
            )
        _require(
            isinstance(self.description, str) and len(self.description) <= MAX_LAYER_DESCRIPTION,
            f"{where}.description",
            f"expected a string of at most {MAX_LAYER_DESCRIPTION} characters",
        )
        _require_packaging(self.exclude, self.npm_install_scripts, where)

    @property
    def source_path(self) -> Path:
        return (REPO_ROOT / self.source_dir).resolve()


@dataclass(frozen=True)
class RemoteBackendConfig:
    """Terraform state in S3, for teams and scheduled CI that share state."""

    bucket: str
    key: str = "signed-lambda/terraform.tfstate"
    region: str = ""
    use_lockfile: bool = True

    def __post_init__(self) -> None:
        _require(
            bool(_BUCKET_NAME.match(self.bucket)),
            "backend.bucket",
            f"{self.bucket!r} is not an S3 bucket name",
        )
        _require(
            bool(self.key) and not self.key.startswith("/"),
            "backend.key",
            f"{self.key!r} is not a state object key (e.g. 'team/app.tfstate')",
        )
        if self.region:
            _require(
                bool(_REGION.match(self.region)),
                "backend.region",
                f"{self.region!r} is not an AWS region (e.g. 'eu-west-1')",
            )


DEFAULT_LAYERS: tuple[LayerConfig, ...] = (
    LayerConfig(key="shared", description="signed-lambda: helpers shared by the functions"),
)

DEFAULT_FUNCTIONS: tuple[FunctionConfig, ...] = (
    FunctionConfig(key="hello", layers=("shared",)),
    FunctionConfig(key="audit", environment=(("AUDIT_LEVEL", "standard"),)),
)


@dataclass(frozen=True)
class StackConfig:
    """The whole stack's settings. Every default lives here."""

    stack_name: str = "signed-lambda"
    #: Prefix of every named resource (functions, role, bucket prefix, log groups).
    name_prefix: str = "signed-lambda"
    region: str = "us-east-1"
    #: Exact artifact bucket name; empty means Terraform picks a unique ``name_prefix-`` name.
    bucket_name: str = ""
    unsigned_prefix: str = "unsigned/"
    signed_prefix: str = "signed/"
    signing_profile_name: str = "signed_lambda"
    signature_validity_value: int = 135
    signature_validity_unit: ValidityUnit = ValidityUnit.MONTHS
    untrusted_artifact_policy: UntrustedArtifactPolicy = UntrustedArtifactPolicy.ENFORCE
    functions: tuple[FunctionConfig, ...] = DEFAULT_FUNCTIONS
    #: Signed layers; functions name the ones they use in ``FunctionConfig.layers``.
    layers: tuple[LayerConfig, ...] = DEFAULT_LAYERS
    log_retention_days: int = 365
    backend: RemoteBackendConfig | None = None
    #: Path-style S3 addressing; needed by endpoints without per-bucket DNS (a local AWS).
    s3_use_path_style: bool = False
    tags: tuple[tuple[str, str], ...] = (("project", "signed-lambda"), ("managed-by", "cdktf"))

    def __post_init__(self) -> None:
        _require(
            bool(_STACK_NAME.match(self.stack_name)),
            "stack_name",
            f"{self.stack_name!r} is not a stack name (letters, digits, '-')",
        )
        _require(
            bool(_NAME_PREFIX.match(self.name_prefix)),
            "name_prefix",
            f"{self.name_prefix!r} is not a name prefix "
            "(lowercase letters, digits, '-', 3-32 chars)",
        )
        _require(
            bool(_REGION.match(self.region)),
            "region",
            f"{self.region!r} is not an AWS region (e.g. 'eu-west-1')",
        )
        if self.bucket_name:
            _require(
                bool(_BUCKET_NAME.match(self.bucket_name)) and ".." not in self.bucket_name,
                "bucket_name",
                f"{self.bucket_name!r} is not an S3 bucket name",
            )
        for name in ("unsigned_prefix", "signed_prefix"):
            value = getattr(self, name)
            _require(
                bool(_PREFIX.match(value)),
                name,
                f"{value!r} is not a key prefix ending in '/' (e.g. 'signed/')",
            )
        _require(
            not self.signed_prefix.startswith(self.unsigned_prefix)
            and not self.unsigned_prefix.startswith(self.signed_prefix),
            "signed_prefix",
            "signed and unsigned packages need separate prefixes",
        )
        _require(
            bool(_PROFILE_NAME.match(self.signing_profile_name)),
            "signing_profile_name",
            f"{self.signing_profile_name!r} is not a signing profile name "
            "(2-64 letters, digits or '_')",
        )
        limits = {ValidityUnit.DAYS: 3650, ValidityUnit.MONTHS: 135, ValidityUnit.YEARS: 11}
        limit = limits[self.signature_validity_unit]
        _require(
            1 <= self.signature_validity_value <= limit,
            "signature_validity_value",
            f"{self.signature_validity_value} {self.signature_validity_unit.value} is outside "
            f"1..{limit} {self.signature_validity_unit.value}",
        )
        _require(bool(self.functions), "functions", "at least one function is required")
        keys = [fn.key for fn in self.functions]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        _require(not duplicates, "functions", f"duplicate function keys: {', '.join(duplicates)}")
        for fn in self.functions:
            _require(
                len(self.function_name(fn)) <= 64,
                f"functions[{fn.key!r}].key",
                f"function name {self.function_name(fn)!r} is longer than 64 characters",
            )
        layer_keys = [layer.key for layer in self.layers]
        duplicates = sorted({k for k in layer_keys if layer_keys.count(k) > 1})
        _require(not duplicates, "layers", f"duplicate layer keys: {', '.join(duplicates)}")
        layers = {layer.key: layer for layer in self.layers}
        for index, fn in enumerate(self.functions):
            for key in fn.layers:
                _require(
                    key in layers,
                    f"functions[{index}].layers",
                    f"{key!r} is not a layer of this stack (layers: "
                    f"{', '.join(sorted(layers)) or 'none'})",
                )
                _require(
                    fn.runtime in layers[key].compatible_runtimes,
                    f"functions[{index}].layers",
                    f"layer {key!r} is for {', '.join(layers[key].compatible_runtimes)}, "
                    f"not {fn.runtime}",
                )
        _require(
            self.log_retention_days
            in {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653},
            "log_retention_days",
            f"{self.log_retention_days} is not a CloudWatch Logs retention value (e.g. 365)",
        )

    def function_name(self, fn: FunctionConfig) -> str:
        return f"{self.name_prefix}-{fn.key}"

    def layer_name(self, layer: LayerConfig) -> str:
        return f"{self.name_prefix}-{layer.key}"


# --- Loading -------------------------------------------------------------------------------

#: Environment variables main.py reads (documented in the README).
ENV_CONFIG_FILE = "SIGNED_LAMBDA_CONFIG"
ENV_POLICY = "SIGNED_LAMBDA_POLICY"
ENV_S3_PATH_STYLE = "SIGNED_LAMBDA_S3_USE_PATH_STYLE"
ENV_BACKEND_BUCKET = "SIGNED_LAMBDA_STATE_BUCKET"
ENV_BACKEND_KEY = "SIGNED_LAMBDA_STATE_KEY"
ENV_BACKEND_REGION = "SIGNED_LAMBDA_STATE_REGION"

_TOP_LEVEL_KEYS = {f.name for f in fields(StackConfig)}
_FUNCTION_KEYS = {f.name for f in fields(FunctionConfig)}
_LAYER_KEYS = {f.name for f in fields(LayerConfig)}
_BACKEND_KEYS = {f.name for f in fields(RemoteBackendConfig)}


def _expect(value: Any, kind: type | tuple[type, ...], field_name: str, what: str) -> Any:
    # bool is an int in Python; a JSON true is never a valid number here.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(field_name, f"expected {what}, got {json.dumps(value)}")
    return value


def _enum(enum: type[StrEnum], value: Any, field_name: str) -> Any:
    allowed = ", ".join(m.value for m in enum)  # type: ignore[attr-defined]
    try:
        return enum(value)
    except ValueError:
        raise ConfigError(field_name, f"{value!r} is not one of: {allowed}") from None


def _bool_env(value: str, field_name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(field_name, f"{value!r} is not a boolean (true/false)")


def _pairs(value: Any, field_name: str) -> tuple[tuple[str, str], ...]:
    mapping = _expect(value, dict, field_name, "an object of strings")
    for k, v in mapping.items():
        _expect(v, str, f"{field_name}.{k}", "a string")
    return tuple(sorted(mapping.items()))


def _strings(value: Any, field_name: str) -> tuple[str, ...]:
    items = _expect(value, list, field_name, "a list of strings")
    for item in items:
        _expect(item, str, field_name, "a list of strings")
    return tuple(items)


def _unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise ConfigError(
            f"{where}{extra[0]}", f"unknown setting (known: {', '.join(sorted(allowed))})"
        )


def _function_from(data: Any, index: int) -> FunctionConfig:
    where = f"functions[{index}]"
    data = _expect(data, dict, where, "an object")
    _unknown(data, _FUNCTION_KEYS, f"{where}.")
    if "key" not in data:
        raise ConfigError(f"{where}.key", "is required")
    kwargs: dict[str, Any] = {"key": _expect(data["key"], str, f"{where}.key", "a string")}
    for name in ("source_dir", "handler", "runtime"):
        if name in data:
            kwargs[name] = _expect(data[name], str, f"{where}.{name}", "a string")
    for name in ("memory_mb", "timeout_seconds"):
        if name in data:
            kwargs[name] = _expect(data[name], int, f"{where}.{name}", "an integer")
    if "environment" in data:
        kwargs["environment"] = _pairs(data["environment"], f"{where}.environment")
    for name in ("architectures", "layers"):
        if name in data:
            kwargs[name] = _strings(data[name], f"{where}.{name}")
    if "allow_earlier_versions" in data:
        kwargs["allow_earlier_versions"] = _expect(
            data["allow_earlier_versions"], bool, f"{where}.allow_earlier_versions", "true or false"
        )
    kwargs.update(_packaging_from(data, where))
    return FunctionConfig(**kwargs)


def _layer_from(data: Any, index: int) -> LayerConfig:
    where = f"layers[{index}]"
    data = _expect(data, dict, where, "an object")
    _unknown(data, _LAYER_KEYS, f"{where}.")
    if "key" not in data:
        raise ConfigError(f"{where}.key", "is required")
    kwargs: dict[str, Any] = {"key": _expect(data["key"], str, f"{where}.key", "a string")}
    for name in ("source_dir", "description"):
        if name in data:
            kwargs[name] = _expect(data[name], str, f"{where}.{name}", "a string")
    if "compatible_runtimes" in data:
        kwargs["compatible_runtimes"] = _strings(
            data["compatible_runtimes"], f"{where}.compatible_runtimes"
        )
    kwargs.update(_packaging_from(data, where))
    return LayerConfig(**kwargs)


def _packaging_from(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``exclude`` and ``npm_install_scripts``, shared by functions and layers."""
    kwargs: dict[str, Any] = {}
    if "exclude" in data:
        kwargs["exclude"] = _strings(data["exclude"], f"{where}.exclude")
    if "npm_install_scripts" in data:
        kwargs["npm_install_scripts"] = _expect(
            data["npm_install_scripts"], bool, f"{where}.npm_install_scripts", "true or false"
        )
    return kwargs


def config_from_mapping(data: Mapping[str, Any]) -> StackConfig:
    """Build a config from parsed JSON; every value is type-checked and named on error."""
    _unknown(data, _TOP_LEVEL_KEYS, "")
    kwargs: dict[str, Any] = {}
    for name in (
        "stack_name",
        "name_prefix",
        "region",
        "bucket_name",
        "unsigned_prefix",
        "signed_prefix",
        "signing_profile_name",
    ):
        if name in data:
            kwargs[name] = _expect(data[name], str, name, "a string")
    for name in ("signature_validity_value", "log_retention_days"):
        if name in data:
            kwargs[name] = _expect(data[name], int, name, "an integer")
    if "s3_use_path_style" in data:
        kwargs["s3_use_path_style"] = _expect(
            data["s3_use_path_style"], bool, "s3_use_path_style", "true or false"
        )
    if "signature_validity_unit" in data:
        kwargs["signature_validity_unit"] = _enum(
            ValidityUnit, data["signature_validity_unit"], "signature_validity_unit"
        )
    if "untrusted_artifact_policy" in data:
        kwargs["untrusted_artifact_policy"] = _enum(
            UntrustedArtifactPolicy, data["untrusted_artifact_policy"], "untrusted_artifact_policy"
        )
    if "tags" in data:
        kwargs["tags"] = _pairs(data["tags"], "tags")
    if "functions" in data:
        items = _expect(data["functions"], list, "functions", "a list of function objects")
        kwargs["functions"] = tuple(_function_from(item, i) for i, item in enumerate(items))
    if "layers" in data:
        items = _expect(data["layers"], list, "layers", "a list of layer objects")
        kwargs["layers"] = tuple(_layer_from(item, i) for i, item in enumerate(items))
    if "backend" in data and data["backend"] is not None:
        backend = _expect(data["backend"], dict, "backend", "an object")
        _unknown(backend, _BACKEND_KEYS, "backend.")
        if "bucket" not in backend:
            raise ConfigError("backend.bucket", "is required")
        kwargs["backend"] = RemoteBackendConfig(
            bucket=_expect(backend["bucket"], str, "backend.bucket", "a string"),
            key=_expect(
                backend.get("key", RemoteBackendConfig.key), str, "backend.key", "a string"
            ),
            region=_expect(backend.get("region", ""), str, "backend.region", "a string"),
            use_lockfile=_expect(
                backend.get("use_lockfile", True), bool, "backend.use_lockfile", "true or false"
            ),
        )
    return StackConfig(**kwargs)


def load_config(environ: Mapping[str, str], default_file: Path | None = None) -> StackConfig:
    """The config main.py synthesizes: file (``SIGNED_LAMBDA_CONFIG`` or ``default_file``),
    then environment overrides. Raises :class:`ConfigError` naming the bad field."""
    path_text = environ.get(ENV_CONFIG_FILE, "")
    path = Path(path_text) if path_text else default_file
    data: dict[str, Any] = {}
    if path is not None and (path_text or path.exists()):
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read config file ({exc.strerror})") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                str(path), f"not valid JSON (line {exc.lineno}, column {exc.colno})"
            ) from None
        _expect(data, dict, str(path), "a JSON object")
    if "region" not in data:
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if region:
            data["region"] = region
    config = config_from_mapping(data)
    overrides: dict[str, Any] = {}
    if environ.get(ENV_POLICY):
        overrides["untrusted_artifact_policy"] = _enum(
            UntrustedArtifactPolicy, environ[ENV_POLICY], ENV_POLICY
        )
    if environ.get(ENV_S3_PATH_STYLE):
        overrides["s3_use_path_style"] = _bool_env(environ[ENV_S3_PATH_STYLE], ENV_S3_PATH_STYLE)
    if environ.get(ENV_BACKEND_BUCKET):
        base = config.backend or RemoteBackendConfig(bucket=environ[ENV_BACKEND_BUCKET])
        overrides["backend"] = replace(
            base,
            bucket=environ[ENV_BACKEND_BUCKET],
            key=environ.get(ENV_BACKEND_KEY) or base.key,
            region=environ.get(ENV_BACKEND_REGION) or base.region,
        )
    return replace(config, **overrides) if overrides else config


__all__ = [
    "DEFAULT_FUNCTIONS",
    "DEFAULT_LAYERS",
    "PROVIDER_VERSION_CONSTRAINT",
    "Architecture",
    "ConfigError",
    "FunctionConfig",
    "LayerConfig",
    "RemoteBackendConfig",
    "StackConfig",
    "UntrustedArtifactPolicy",
    "ValidityUnit",
    "config_from_mapping",
    "load_config",
    "repo_relative",
]
