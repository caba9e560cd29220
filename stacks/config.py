"""Every setting of the stack, with every default in one place.

The stack takes a frozen :class:`StackConfig`; it never reads the environment. ``main.py``
builds the config with :func:`load_config` from an optional JSON file and a few documented
environment variables, so a bad value stops synth before any construct exists.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, fields, is_dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, get_type_hints

from verifier.contract.arns import MANAGED_POLICY_ARN
from verifier.contract.reader import parse_json_text, read_bytes
from verifier.errors import InputError
from verifier.package import PackageError, effective_excludes

#: Provider constraint written into the synthesized stack: the prebuilt bindings pin 6.x, and
#: offline machines mirror 5.x; the stack only uses attributes both majors accept.
PROVIDER_VERSION_CONSTRAINT = ">= 5.100, < 7"

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """Invalid configuration: one or more values, each named by its dotted path.

    Paths name functions and layers by key (``functions[hello].runtime``), and an entry without
    a valid key by its index (``functions[0].key``). ``errors`` holds every problem found (this
    error first); a single problem is ``errors == (self,)``.
    """

    def __init__(self, field_name: str, message: str, *, assumes: str = "") -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.message = message
        #: The path of the config this check relies on (``layers[shared]``): when that part has
        #: errors of its own, this one is their consequence and is not reported.
        self.assumes = assumes
        self.errors: tuple[ConfigError, ...] = (self,)

    @classmethod
    def combine(cls, errors: Iterable[ConfigError]) -> ConfigError:
        """One error holding every problem of ``errors`` (which must not be empty), ordered by
        path so the problems of one entry stand together."""
        found = tuple(
            sorted((one for error in errors for one in error.errors), key=lambda e: e.field_name)
        )
        combined = cls(found[0].field_name, found[0].message)
        combined.errors = found
        combined.args = ("\n".join(error.line for error in found),)
        return combined

    @property
    def line(self) -> str:
        return f"{self.field_name}: {self.message}"


def _related(path: str, other: str) -> bool:
    """Whether one dotted path lies inside the other (``layers`` and ``layers[shared].x``)."""
    short, long = sorted((path, other), key=len)
    return long == short or long.startswith((f"{short}.", f"{short}["))


class _Problems:
    """Collects every problem of a config, so one run names all of them."""

    def __init__(self) -> None:
        self.found: list[ConfigError] = []

    def require(self, condition: bool, field_name: str, message: str, *, assumes: str = "") -> bool:
        if not condition:
            self.found.append(ConfigError(field_name, message, assumes=assumes))
        return condition

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Record a :class:`ConfigError` raised in the block instead of propagating it."""
        try:
            yield
        except ConfigError as error:
            self.found.extend(error.errors)

    def add_consequences_of(self, error: ConfigError, causes: Sequence[ConfigError]) -> None:
        """Add ``error``'s problems, except those that follow from one of ``causes``."""
        self.found.extend(
            one
            for one in error.errors
            if not (one.assumes and any(_related(one.assumes, c.field_name) for c in causes))
        )

    def raise_any(self) -> None:
        if self.found:
            raise ConfigError.combine(self.found)


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
#: Lambda's VpcConfig limits (botocore: SubnetIds max 16, SecurityGroupIds max 5).
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
#: IAM: managed policies per role (the hard maximum; the default quota is 10), and the
#: characters a role's inline policies may have together.
MAX_MANAGED_POLICIES = 20
MAX_INLINE_POLICY_CHARACTERS = 10240
#: Lambda: tags per function (the stack's and the function's own together).
MAX_TAGS = 50
#: S3: tags per object. The stack's ``tags`` are the provider's default tags, so every package
#: upload (``aws_s3_object``) carries them all.
MAX_STACK_TAGS = 10
#: IAM: characters in a role name (each function's role is ``<function name>-role``).
MAX_ROLE_NAME = 64


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
_IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
_CONDITION_OPERATOR = re.compile(r"^(ForAllValues:|ForAnyValue:)?[A-Za-z]+$")
_SID = re.compile(r"^[A-Za-z0-9]*$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
# Lambda's tag pattern (botocore TagKey/TagValue): letters, digits, spaces and _.:/=+-@.
_ALIAS_NAME = re.compile(r"^(?!\d+$)[a-zA-Z0-9_-]{1,128}$")
_TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")
_HANDLER = re.compile(r"^\S{1,128}$")  # Lambda's Handler: [^\s]+, at most 128 characters
# Lambda reserves these environment variable names (Lambda developer guide, "Defined runtime
# environment variables": "The keys for these environment variables are reserved and cannot be
# set in your function configuration"). TZ is in that table too, but teams set it: not refused.
_RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
#: Lambda's limit on a function's environment: 4 KB, measured (its error message says so) over
#: the variables as compact JSON.
MAX_ENVIRONMENT_BYTES = 4096


def _is_strings(value: Any) -> bool:
    # A bare string would iterate as characters ("arm64" -> "a", "r", ...): never accept one.
    return isinstance(value, tuple) and all(isinstance(item, str) for item in value)


def _strings_message(value: Any) -> str:
    return f"expected a tuple of strings, got {value!r}"


def _is_pairs(value: Any) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
        for pair in value
    )


def _sorted_pairs(instance: object, name: str) -> None:
    """Store a ``(name, value)`` field sorted, so the same mapping in any order is the same
    config and synthesizes the same bytes (a restated default changes nothing)."""
    object.__setattr__(instance, name, tuple(sorted(getattr(instance, name))))


def _in_repo(source_dir: str) -> bool:
    """Source is named relative to the repo root, so the manifest can say which source was
    signed and ``verify --source`` can rebuild it from a checkout."""
    path = Path(source_dir)
    return not path.is_absolute() and (REPO_ROOT / path).resolve().is_relative_to(REPO_ROOT)


def _in_repo_message(source_dir: str) -> str:
    return f"{source_dir!r} is not a directory inside the repository (e.g. 'functions/hello')"


def _packaging_problems(exclude: Any, npm_install_scripts: Any, where: str, require: Any) -> None:
    """``exclude`` patterns the builder accepts; ``npm_install_scripts`` a boolean."""
    if require(_is_strings(exclude), f"{where}.exclude", _strings_message(exclude)):
        try:
            effective_excludes(exclude)
        except PackageError as error:
            require(False, f"{where}.exclude", str(error))
    require(
        isinstance(npm_install_scripts, bool),
        f"{where}.npm_install_scripts",
        f"expected true or false, got {npm_install_scripts!r}",
    )


def repo_relative(source_dir: str) -> str:
    """``source_dir`` normalized to a POSIX path relative to the repo root (``functions/x``)."""
    return (REPO_ROOT / source_dir).resolve().relative_to(REPO_ROOT).as_posix()


def _tag_problems(tags: tuple[tuple[str, str], ...], where: str, require: Any) -> None:
    for name, value in tags:
        require(
            1 <= len(name) <= 128
            and bool(_TAG_TEXT.match(name))
            and not name.lower().startswith("aws:"),
            where,
            f"{name!r} is not a tag key (1-128 letters, digits, spaces or _.:/=+-@; "
            "'aws:' is reserved)",
        )
        require(
            len(value) <= 256 and bool(_TAG_TEXT.match(value)),
            f"{where}.{name}",
            "is not a tag value (at most 256 letters, digits, spaces or _.:/=+-@)",
        )


#: A condition value as IAM takes it: a string, a number or a boolean.
ConditionValue = str | int | float | bool


@dataclass(frozen=True)
class PolicyStatement:
    """One IAM statement for a function's own role, written in the config as in a policy
    document: ``Effect``, ``Action``, ``Resource``, optional ``Condition`` and ``Sid``."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    #: ``Condition``: (operator, ((condition key, (values, ...)), ...)), ...
    condition: tuple[tuple[str, tuple[tuple[str, tuple[ConditionValue, ...]], ...]], ...] = ()
    sid: str = ""

    def document(self) -> dict[str, Any]:
        """The statement as IAM reads it (``Sid`` and ``Condition`` only when set)."""
        statement: dict[str, Any] = {"Sid": self.sid} if self.sid else {}
        statement.update(
            {"Effect": self.effect, "Action": list(self.actions), "Resource": list(self.resources)}
        )
        if self.condition:
            statement["Condition"] = {
                operator: {key: list(values) for key, values in keys}
                for operator, keys in self.condition
            }
        return statement


@dataclass(frozen=True)
class VpcConfig:
    """The subnets and security groups a function's network interfaces use."""

    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


#: Construct id of a canary alias's marker of the last promoted version (a ``terraform_data``
#: beside the function): ``make promote`` (scripts/promote.py) replaces the markers by this name.
PROMOTED_VERSION_MARKER = "promoted-version"


@dataclass(frozen=True)
class AliasConfig:
    """A named alias kept on the function's newest build. With ``canary_percent``, a new build
    gets that share of the traffic and the last promoted version keeps the rest, until
    ``make promote`` moves the alias fully to the newest version."""

    name: str
    canary_percent: int | None = None


def _statement_problems(statement: PolicyStatement, where: str, require: Any) -> None:
    require(
        statement.effect in ("Allow", "Deny"),
        f"{where}.Effect",
        f"{statement.effect!r} is not Allow or Deny",
    )
    if require(bool(statement.actions), f"{where}.Action", "names no action"):
        for action in statement.actions:
            if require(
                action != "*",
                f"{where}.Action",
                "'*' would allow every action of every service: name the actions "
                "(e.g. 'dynamodb:GetItem', or 'dynamodb:*')",
            ):
                require(
                    bool(_IAM_ACTION.match(action)),
                    f"{where}.Action",
                    f"{action!r} is not an IAM action (service:Action, e.g. 'dynamodb:GetItem')",
                )
    if require(bool(statement.resources), f"{where}.Resource", "names no resource"):
        for resource in statement.resources:
            require(
                resource == "*" or resource.startswith("arn:"),
                f"{where}.Resource",
                f"{resource!r} is not an ARN or '*'",
            )
    for operator, keys in statement.condition:
        require(
            bool(_CONDITION_OPERATOR.match(operator)) and bool(keys),
            f"{where}.Condition",
            f"{operator!r} is not a condition operator with keys (e.g. "
            '{"StringEquals": {"aws:SourceAccount": "123456789012"}})',
        )
        for key, values in keys:
            require(
                ":" in key and bool(values),
                f"{where}.Condition.{operator}",
                f"{key!r} is not a condition key with values (e.g. 'aws:SourceAccount')",
            )
    require(
        bool(_SID.match(statement.sid)),
        f"{where}.Sid",
        f"{statement.sid!r} is not a statement id (letters and digits only)",
    )


def _entry_path(section: str, key: Any, position: int | None) -> str:
    """``functions[hello]``; an entry without a valid key by its index (``functions[0]``), or
    ``functions[?]`` when a Python caller built it outside a list."""
    if isinstance(key, str) and _FUNCTION_KEY.match(key):
        return f"{section}[{key}]"
    return f"{section}[{'?' if position is None else position}]"


@dataclass(frozen=True)
class FunctionConfig:
    """One Lambda function, packaged from ``source_dir`` (relative to the repo root).

    ``position`` is not a setting: it is the entry's index in the config file's list, which
    names an entry without a valid key in errors.
    """

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
    #: IAM statements added to the function's own role (which otherwise may only write the
    #: function's logs), and managed policies attached to it.
    policy_statements: tuple[PolicyStatement, ...] = ()
    managed_policy_arns: tuple[str, ...] = ()
    #: Subnets and security groups; the role then also gets the network-interface actions.
    vpc: VpcConfig | None = None
    #: Concurrent executions reserved for this function; None: the account's unreserved pool.
    reserved_concurrency: int | None = None
    #: Tags on the function's own resources (function, role, log group), beside the stack's.
    tags: tuple[tuple[str, str], ...] = ()
    #: Publish a version for each new signed build.
    publish: bool = False
    #: An alias on the newest build (needs ``publish``), optionally with a canary share.
    alias: AliasConfig | None = None
    #: Packaging: glob patterns left out of the package, after the builder's defaults
    #: (verifier.package.DEFAULT_EXCLUDES); whether npm runs the dependencies' install scripts.
    exclude: tuple[str, ...] = ()
    npm_install_scripts: bool = False
    position: InitVar[int | None] = None

    def __post_init__(self, position: int | None) -> None:
        where = _entry_path("functions", self.key, position)
        problems = _Problems()
        require = problems.require
        valid_key = require(
            isinstance(self.key, str) and bool(_FUNCTION_KEY.match(self.key)),
            f"{where}.key",
            f"{self.key!r} is not a valid function key (expected lowercase letters, digits and "
            "'-', starting with a letter, at most 31 characters, e.g. 'hello')",
        )
        if not self.source_dir and valid_key:
            object.__setattr__(self, "source_dir", f"functions/{self.key}")
        if self.source_dir or valid_key:
            require(
                _in_repo(self.source_dir), f"{where}.source_dir", _in_repo_message(self.source_dir)
            )
        require(
            bool(_RUNTIME.match(self.runtime)),
            f"{where}.runtime",
            f"{self.runtime!r} is not a Lambda runtime (e.g. 'python3.12')",
        )
        if self.runtime.startswith("provided"):  # a custom runtime reads the handler itself
            require(
                bool(_HANDLER.match(self.handler)),
                f"{where}.handler",
                f"{self.handler!r} is not a handler (1-128 characters, no spaces)",
            )
        else:
            require(
                "." in self.handler and bool(_HANDLER.match(self.handler)),
                f"{where}.handler",
                f"{self.handler!r} is not a handler (expected 'module.function')",
            )
        require(
            128 <= self.memory_mb <= 10240,
            f"{where}.memory_mb",
            f"{self.memory_mb} is outside 128..10240",
        )
        require(
            1 <= self.timeout_seconds <= 900,
            f"{where}.timeout_seconds",
            f"{self.timeout_seconds} is outside 1..900",
        )
        if require(
            _is_pairs(self.environment),
            f"{where}.environment",
            f"expected (name, value) pairs of strings, got {self.environment!r}",
        ):
            for name, _value in self.environment:
                if require(
                    bool(_ENV_KEY.match(name)),
                    f"{where}.environment",
                    f"{name!r} is not an allowed environment variable name",
                ):
                    require(
                        name not in _RESERVED_ENV,
                        f"{where}.environment",
                        f"{name!r} is reserved by Lambda (the runtime sets it); use another name",
                    )
            size = len(
                json.dumps(
                    dict(self.environment), separators=(",", ":"), ensure_ascii=False
                ).encode()
            )
            require(
                size <= MAX_ENVIRONMENT_BYTES,
                f"{where}.environment",
                f"{size:,} bytes as Lambda measures it (compact JSON); Lambda allows "
                f"{MAX_ENVIRONMENT_BYTES:,}: move large values to a file in the package, SSM "
                "or Secrets Manager",
            )
            _sorted_pairs(self, "environment")
        allowed = ", ".join(a.value for a in Architecture)
        if require(
            _is_strings(self.architectures),
            f"{where}.architectures",
            _strings_message(self.architectures),
        ) and require(
            len(self.architectures) == 1,
            f"{where}.architectures",
            f"Lambda takes exactly one architecture, got {len(self.architectures)} "
            f"(one of: {allowed})",
        ):
            require(
                self.architectures[0] in {a.value for a in Architecture},
                f"{where}.architectures",
                f"{self.architectures[0]!r} is not one of: {allowed}",
            )
        if require(_is_strings(self.layers), f"{where}.layers", _strings_message(self.layers)):
            require(
                len(self.layers) <= MAX_LAYERS_PER_FUNCTION,
                f"{where}.layers",
                f"{len(self.layers)} layers; Lambda allows at most {MAX_LAYERS_PER_FUNCTION}",
            )
            repeated = sorted({k for k in self.layers if self.layers.count(k) > 1})
            require(not repeated, f"{where}.layers", f"lists {', '.join(repeated)} more than once")
        require(
            isinstance(self.allow_earlier_versions, bool),
            f"{where}.allow_earlier_versions",
            f"expected true or false, got {self.allow_earlier_versions!r}",
        )
        self._permission_problems(where, require)
        if self.vpc is not None:
            self._vpc_problems(where, require)
        if self.reserved_concurrency is not None:
            require(
                isinstance(self.reserved_concurrency, int)
                and not isinstance(self.reserved_concurrency, bool)
                and self.reserved_concurrency >= 0,
                f"{where}.reserved_concurrency",
                f"expected a number of executions (0 or more), got {self.reserved_concurrency!r}",
            )
        if require(
            _is_pairs(self.tags),
            f"{where}.tags",
            f"expected (name, value) pairs, got {self.tags!r}",
        ):
            _tag_problems(self.tags, f"{where}.tags", require)
            _sorted_pairs(self, "tags")
        require(
            isinstance(self.publish, bool),
            f"{where}.publish",
            f"expected true or false, got {self.publish!r}",
        )
        if self.alias is not None:
            self._alias_problems(where, require)
        _packaging_problems(self.exclude, self.npm_install_scripts, where, require)
        problems.raise_any()

    def _alias_problems(self, where: str, require: Any) -> None:
        alias = self.alias
        if not isinstance(alias, AliasConfig):
            require(False, f"{where}.alias", f"expected an AliasConfig, got {alias!r}")
            return
        require(
            isinstance(alias.name, str) and bool(_ALIAS_NAME.match(alias.name)),
            f"{where}.alias.name",
            f"{alias.name!r} is not an alias name (1-128 letters, digits, '-' or '_', not only "
            "digits, e.g. 'live')",
        )
        if alias.canary_percent is not None:
            require(
                isinstance(alias.canary_percent, int)
                and not isinstance(alias.canary_percent, bool)
                and 1 <= alias.canary_percent <= 99,
                f"{where}.alias.canary_percent",
                f"expected 1..99 (the new version's share of the traffic), "
                f"got {alias.canary_percent!r}",
            )
        require(
            self.publish is True,
            f"{where}.alias",
            'an alias points at published versions: set "publish": true',
        )

    def _permission_problems(self, where: str, require: Any) -> None:
        statements = self.policy_statements
        if not require(
            isinstance(statements, tuple)
            and all(isinstance(s, PolicyStatement) for s in statements),
            f"{where}.policy_statements",
            f"expected a tuple of PolicyStatement, got {statements!r}",
        ):
            return
        for index, statement in enumerate(statements):
            _statement_problems(statement, f"{where}.policy_statements[{index}]", require)
        sids = [s.sid for s in statements if s.sid]
        repeated = sorted({sid for sid in sids if sids.count(sid) > 1})
        require(
            not repeated,
            f"{where}.policy_statements",
            f"Sid {', '.join(repeated)} is used more than once",
        )
        if statements:
            size = len(json.dumps([s.document() for s in statements], separators=(",", ":")))
            require(
                size <= MAX_INLINE_POLICY_CHARACTERS,
                f"{where}.policy_statements",
                f"{size} characters; a role's inline policies may have "
                f"{MAX_INLINE_POLICY_CHARACTERS} together (IAM): use managed_policy_arns",
            )
        arns = self.managed_policy_arns
        if require(_is_strings(arns), f"{where}.managed_policy_arns", _strings_message(arns)):
            for arn in arns:
                require(
                    bool(MANAGED_POLICY_ARN.match(arn)),
                    f"{where}.managed_policy_arns",
                    f"{arn!r} is not a managed policy ARN "
                    "(e.g. 'arn:aws:iam::123456789012:policy/orders-table-read')",
                )
            require(
                len(arns) <= MAX_MANAGED_POLICIES and len(set(arns)) == len(arns),
                f"{where}.managed_policy_arns",
                f"expected at most {MAX_MANAGED_POLICIES} different ARNs (IAM), got {len(arns)}",
            )

    def _vpc_problems(self, where: str, require: Any) -> None:
        vpc = self.vpc
        if not isinstance(vpc, VpcConfig):
            require(False, f"{where}.vpc", f"expected a VpcConfig, got {vpc!r}")
            return
        for name, ids, pattern, limit, example in (
            ("subnet_ids", vpc.subnet_ids, _SUBNET_ID, MAX_SUBNETS, "subnet-0a1b2c3d"),
            (
                "security_group_ids",
                vpc.security_group_ids,
                _SECURITY_GROUP_ID,
                MAX_SECURITY_GROUPS,
                "sg-0a1b2c3d",
            ),
        ):
            if not require(_is_strings(ids), f"{where}.vpc.{name}", _strings_message(ids)):
                continue
            require(
                1 <= len(ids) <= limit and len(set(ids)) == len(ids),
                f"{where}.vpc.{name}",
                f"expected 1..{limit} different ids (Lambda), got {len(ids)}",
            )
            for resource_id in ids:
                require(
                    bool(pattern.match(resource_id)),
                    f"{where}.vpc.{name}",
                    f"{resource_id!r} is not an id like {example!r}",
                )

    @property
    def source_path(self) -> Path:
        return (REPO_ROOT / self.source_dir).resolve()


@dataclass(frozen=True)
class LayerConfig:
    """One Lambda layer, packaged from ``source_dir`` (relative to the repo root), signed and
    published like a function. For Python, put modules under ``python/`` in the source.
    ``position``: as for :class:`FunctionConfig`."""

    key: str
    source_dir: str = ""
    compatible_runtimes: tuple[str, ...] = ("python3.12",)
    description: str = ""
    #: The instruction sets the layer is built for (informational in Lambda); empty: not
    #: declared. A function using the layer must have one of them.
    compatible_architectures: tuple[str, ...] = ()
    #: Packaging, as for functions (FunctionConfig.exclude, .npm_install_scripts).
    exclude: tuple[str, ...] = ()
    npm_install_scripts: bool = False
    position: InitVar[int | None] = None

    def __post_init__(self, position: int | None) -> None:
        where = _entry_path("layers", self.key, position)
        problems = _Problems()
        require = problems.require
        valid_key = require(
            isinstance(self.key, str) and bool(_FUNCTION_KEY.match(self.key)),
            f"{where}.key",
            f"{self.key!r} is not a valid layer key (expected lowercase letters, digits and "
            "'-', starting with a letter, at most 31 characters, e.g. 'shared')",
        )
        if not self.source_dir and valid_key:
            object.__setattr__(self, "source_dir", f"layers/{self.key}")
        if self.source_dir or valid_key:
            require(
                _in_repo(self.source_dir), f"{where}.source_dir", _in_repo_message(self.source_dir)
            )
        runtimes = self.compatible_runtimes
        if require(
            _is_strings(runtimes), f"{where}.compatible_runtimes", _strings_message(runtimes)
        ):
            require(
                1 <= len(runtimes) <= MAX_LAYER_RUNTIMES,
                f"{where}.compatible_runtimes",
                f"expected 1..{MAX_LAYER_RUNTIMES} runtimes, got {len(runtimes)}",
            )
            for runtime in runtimes:
                require(
                    bool(_RUNTIME.match(runtime)),
                    f"{where}.compatible_runtimes",
                    f"{runtime!r} is not a Lambda runtime (e.g. 'python3.12')",
                )
        require(
            isinstance(self.description, str) and len(self.description) <= MAX_LAYER_DESCRIPTION,
            f"{where}.description",
            f"expected a string of at most {MAX_LAYER_DESCRIPTION} characters",
        )
        architectures = self.compatible_architectures
        if require(
            _is_strings(architectures),
            f"{where}.compatible_architectures",
            _strings_message(architectures),
        ):
            allowed = [a.value for a in Architecture]
            require(
                all(a in allowed for a in architectures)
                and len(set(architectures)) == len(architectures),
                f"{where}.compatible_architectures",
                f"expected different values of: {', '.join(allowed)}; got {list(architectures)}",
            )
        _packaging_problems(self.exclude, self.npm_install_scripts, where, require)
        problems.raise_any()

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
        problems = _Problems()
        problems.require(
            bool(_BUCKET_NAME.match(self.bucket)),
            "backend.bucket",
            f"{self.bucket!r} is not an S3 bucket name",
        )
        problems.require(
            bool(self.key) and not self.key.startswith("/"),
            "backend.key",
            f"{self.key!r} is not a state object key (e.g. 'team/app.tfstate')",
        )
        if self.region:
            problems.require(
                bool(_REGION.match(self.region)),
                "backend.region",
                f"{self.region!r} is not an AWS region (e.g. 'eu-west-1')",
            )
        problems.raise_any()


@dataclass(frozen=True)
class GuardrailsConfig:
    """Optional (``guardrails`` in the config file): the stack attaches the deployer policy of
    ``signed-lambda guardrails`` to the pipeline's role and adds the guardrail statements to
    the artifact bucket's policy (see :mod:`verifier.guardrails`, :mod:`stacks.guardrails`)."""

    deploy_role_arn: str
    admin_role_arns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from verifier.guardrails import ROLE_ARN, ROLE_ARN_FORMAT

        problems = _Problems()
        deploy = ROLE_ARN.match(self.deploy_role_arn)
        problems.require(
            deploy is not None and "*" not in self.deploy_role_arn,
            "guardrails.deploy_role_arn",
            f"{self.deploy_role_arn!r} is not an IAM role ARN (expected {ROLE_ARN_FORMAT}, "
            "no wildcards)",
        )
        for index, arn in enumerate(self.admin_role_arns):
            match = ROLE_ARN.match(arn)
            problems.require(
                match is not None
                and deploy is not None
                and match.group(1, 2) == deploy.group(1, 2),
                f"guardrails.admin_role_arns[{index}]",
                f"{arn!r} is not an IAM role ARN of the deploy role's account and partition",
            )
        problems.raise_any()

    @property
    def account_id(self) -> str:
        return self.deploy_role_arn.split(":")[4]

    @property
    def partition(self) -> str:
        """The deploy role's partition: the stack's (its ARNs in the policies are in it)."""
        return self.deploy_role_arn.split(":")[1]


DEFAULT_LAYERS: tuple[LayerConfig, ...] = (
    LayerConfig(key="shared", description="signed-lambda: helpers shared by the functions"),
)

DEFAULT_FUNCTIONS: tuple[FunctionConfig, ...] = (
    FunctionConfig(key="hello", layers=("shared",)),
    FunctionConfig(key="audit", environment=(("AUDIT_LEVEL", "standard"),)),
)


@dataclass(frozen=True)
class StackConfig:
    """The whole stack's settings. Every default lives here.

    A config file's function or layer entry whose key is a default entry's (``hello``,
    ``audit``, ``shared``) starts from that entry, field by field: restating it changes nothing.
    """

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
    guardrails: GuardrailsConfig | None = None
    #: Path-style S3 addressing; needed by endpoints without per-bucket DNS (a local AWS).
    s3_use_path_style: bool = False
    tags: tuple[tuple[str, str], ...] = (("project", "signed-lambda"), ("managed-by", "cdktf"))

    def __post_init__(self) -> None:
        problems = _Problems()
        require = problems.require
        require(
            bool(_STACK_NAME.match(self.stack_name)),
            "stack_name",
            f"{self.stack_name!r} is not a stack name (letters, digits, '-')",
        )
        require(
            bool(_NAME_PREFIX.match(self.name_prefix)),
            "name_prefix",
            f"{self.name_prefix!r} is not a name prefix "
            "(lowercase letters, digits, '-', 3-32 chars)",
        )
        require(
            bool(_REGION.match(self.region)),
            "region",
            f"{self.region!r} is not an AWS region (e.g. 'eu-west-1')",
        )
        if self.bucket_name:
            require(
                bool(_BUCKET_NAME.match(self.bucket_name)) and ".." not in self.bucket_name,
                "bucket_name",
                f"{self.bucket_name!r} is not an S3 bucket name",
            )
        prefixes_valid = True
        for name in ("unsigned_prefix", "signed_prefix"):
            value = getattr(self, name)
            prefixes_valid &= require(
                bool(_PREFIX.match(value)),
                name,
                f"{value!r} is not a key prefix ending in '/' (e.g. 'signed/')",
            )
        if prefixes_valid:
            require(
                not self.signed_prefix.startswith(self.unsigned_prefix)
                and not self.unsigned_prefix.startswith(self.signed_prefix),
                "signed_prefix",
                "signed and unsigned packages need separate prefixes",
            )
        require(
            bool(_PROFILE_NAME.match(self.signing_profile_name)),
            "signing_profile_name",
            f"{self.signing_profile_name!r} is not a signing profile name "
            "(2-64 letters, digits or '_')",
        )
        limits = {ValidityUnit.DAYS: 3650, ValidityUnit.MONTHS: 135, ValidityUnit.YEARS: 11}
        limit = limits[self.signature_validity_unit]
        require(
            1 <= self.signature_validity_value <= limit,
            "signature_validity_value",
            f"{self.signature_validity_value} {self.signature_validity_unit.value} is outside "
            f"1..{limit} {self.signature_validity_unit.value}",
        )
        require(
            bool(self.functions),
            "functions",
            "at least one function is required",
            assumes="functions",
        )
        keys = [fn.key for fn in self.functions]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        require(not duplicates, "functions", f"duplicate function keys: {', '.join(duplicates)}")
        for fn in self.functions:
            if require(
                len(self.function_name(fn)) <= 64,
                f"functions[{fn.key}].key",
                f"function name {self.function_name(fn)!r} is longer than 64 characters",
            ):
                require(
                    len(self.role_name(fn)) <= MAX_ROLE_NAME,
                    f"functions[{fn.key}].key",
                    f"the function's role name {self.role_name(fn)!r} is longer than "
                    f"{MAX_ROLE_NAME} characters (IAM): shorten the key or name_prefix",
                )
        layer_keys = [layer.key for layer in self.layers]
        duplicates = sorted({k for k in layer_keys if layer_keys.count(k) > 1})
        require(not duplicates, "layers", f"duplicate layer keys: {', '.join(duplicates)}")
        layers = {layer.key: layer for layer in self.layers}
        for fn in self.functions:
            for key in fn.layers:
                if require(
                    key in layers,
                    f"functions[{fn.key}].layers",
                    f"{key!r} is not a layer of this stack (layers: "
                    f"{', '.join(sorted(layers)) or 'none'})",
                    assumes=f"layers[{key}]",
                ):
                    require(
                        fn.runtime in layers[key].compatible_runtimes,
                        f"functions[{fn.key}].layers",
                        f"layer {key!r} is for {', '.join(layers[key].compatible_runtimes)}, "
                        f"not {fn.runtime}",
                    )
                    architectures = layers[key].compatible_architectures
                    require(
                        not architectures or fn.architectures[0] in architectures,
                        f"functions[{fn.key}].layers",
                        f"layer {key!r} is for {', '.join(architectures)}, "
                        f"not {fn.architectures[0]}",
                    )
        require(
            self.log_retention_days
            in {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653},
            "log_retention_days",
            f"{self.log_retention_days} is not a CloudWatch Logs retention value (e.g. 365)",
        )
        if require(
            _is_pairs(self.tags), "tags", f"expected (name, value) pairs, got {self.tags!r}"
        ):
            _tag_problems(self.tags, "tags", require)
            _sorted_pairs(self, "tags")
            require(
                len(self.tags) <= MAX_STACK_TAGS,
                "tags",
                f"{len(self.tags)} tags; every resource gets the stack's tags, and an S3 object "
                f"(each package upload) takes at most {MAX_STACK_TAGS}: put the others in "
                "functions[].tags",
            )
            for fn in self.functions:
                count = len(dict(self.tags) | dict(fn.tags))
                require(
                    count <= MAX_TAGS,
                    f"functions[{fn.key}].tags",
                    f"{count} tags with the stack's; Lambda allows {MAX_TAGS} per function",
                )
        problems.raise_any()

    def function_name(self, fn: FunctionConfig) -> str:
        return f"{self.name_prefix}-{fn.key}"

    def role_name(self, fn: FunctionConfig) -> str:
        """The function's own execution role (guardrails match ``<name_prefix>-*-role``)."""
        return f"{self.function_name(fn)}-role"

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
    problems = _Problems()
    for k, v in mapping.items():
        with problems.collecting():
            _expect(v, str, f"{field_name}.{k}", "a string")
    problems.raise_any()
    return tuple(sorted(mapping.items()))


def _strings(value: Any, field_name: str) -> tuple[str, ...]:
    items = _expect(value, list, field_name, "a list of strings")
    for item in items:
        _expect(item, str, field_name, "a list of strings")
    return tuple(items)


#: A JSON value -> a field's value, by the field's type (``typing.get_type_hints``). Fields of
#: other types have a parser of their own (``_FUNCTION_PARSERS``, ``_STACK_PARSERS``).
Parser = Callable[[Any, str], Any]
_PARSE_BY_TYPE: dict[Any, Parser] = {
    str: lambda value, where: _expect(value, str, where, "a string"),
    int: lambda value, where: _expect(value, int, where, "an integer"),
    bool: lambda value, where: _expect(value, bool, where, "true or false"),
    tuple[str, ...]: _strings,
    tuple[tuple[str, str], ...]: _pairs,
    int | None: lambda value, where: (
        None if value is None else _expect(value, int, where, "an integer or null")
    ),
}


def _one_or_more(value: Any, where: str) -> tuple[str, ...]:
    """A policy document's ``"s3:GetObject"`` or ``["s3:GetObject", ...]``."""
    return (
        (_expect(value, str, where, "a string"),)
        if isinstance(value, str)
        else _strings(value, where)
    )


_STATEMENT_ELEMENTS = ("Sid", "Effect", "Action", "Resource", "Condition")
_REQUIRED_ELEMENTS = ("Effect", "Action", "Resource")


def _condition_values(value: Any, where: str) -> tuple[ConditionValue, ...]:
    values = value if isinstance(value, list) else [value]
    for item in values:
        _expect(item, (str, int, float, bool), where, "a string, number or boolean, or a list")
    return tuple(values)


def _statement(value: Any, where: str) -> PolicyStatement:
    data = _expect(value, dict, where, "a statement object (Effect, Action, Resource)")
    problems = _Problems()
    for name in sorted(set(data) - set(_STATEMENT_ELEMENTS)):
        problems.require(
            False,
            f"{where}.{name}",
            "is not supported in a function's statements "
            f"(known: {', '.join(_STATEMENT_ELEMENTS)})",
        )
    for name in _REQUIRED_ELEMENTS:
        problems.require(name in data, f"{where}.{name}", "is required")
    kwargs: dict[str, Any] = {}
    with problems.collecting():
        kwargs["effect"] = _expect(data.get("Effect", ""), str, f"{where}.Effect", "a string")
    with problems.collecting():
        kwargs["actions"] = _one_or_more(data.get("Action", []), f"{where}.Action")
    with problems.collecting():
        kwargs["resources"] = _one_or_more(data.get("Resource", []), f"{where}.Resource")
    with problems.collecting():
        kwargs["sid"] = _expect(data.get("Sid", ""), str, f"{where}.Sid", "a string")
    with problems.collecting():
        condition = _expect(data.get("Condition", {}), dict, f"{where}.Condition", "an object")
        parsed = []
        for operator, keys in condition.items():
            keys = _expect(keys, dict, f"{where}.Condition.{operator}", "an object")
            parsed.append(
                (
                    operator,
                    tuple(
                        (key, _condition_values(values, f"{where}.Condition.{operator}.{key}"))
                        for key, values in keys.items()
                    ),
                )
            )
        kwargs["condition"] = tuple(parsed)
    statement = None
    if len(kwargs) == len(_STATEMENT_ELEMENTS) and all(n in data for n in _REQUIRED_ELEMENTS):
        statement = PolicyStatement(**kwargs)
        # Its values are checked here too, so one bad statement in the list (which leaves the
        # whole list out of the entry) does not hide the others' problems.
        _statement_problems(statement, where, problems.require)
    problems.raise_any()
    assert statement is not None
    return statement


def _each(
    value: Any, where: str, what: str, parse: Callable[[Any, int], Any], problems: _Problems
) -> tuple[Any, ...]:
    """Each item of a JSON list, parsed; a bad item's problems go to ``problems`` and the
    others are kept."""
    items = _expect(value, list, where, what)
    parsed = []
    for index, item in enumerate(items):
        with problems.collecting():
            parsed.append(parse(item, index))
    return tuple(parsed)


def _statements(value: Any, where: str) -> tuple[PolicyStatement, ...]:
    problems = _Problems()
    parsed = _each(
        value,
        where,
        "a list of statement objects",
        lambda item, index: _statement(item, f"{where}[{index}]"),
        problems,
    )
    problems.raise_any()
    return parsed


def _object(cls: type, required: tuple[str, ...], example: str) -> Parser:
    """A parser for a nested settings object (``vpc``, ``alias``, ``backend``): null, or an
    object of ``cls``'s fields with ``required`` ones present."""

    def parse(value: Any, where: str) -> Any:
        if value is None:
            return None
        data = _expect(value, dict, where, f"an object ({example})")
        problems = _Problems()
        kwargs = _settings(cls, data, f"{where}.", problems)
        for name in required:
            problems.require(name in data, f"{where}.{name}", "is required")
        problems.raise_any()
        return cls(**kwargs)

    return parse


_vpc = _object(
    VpcConfig,
    ("subnet_ids", "security_group_ids"),
    '{"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0a1b2c3d"]}',
)


_alias = _object(AliasConfig, ("name",), '{"name": "live", "canary_percent": 10}')


#: Fields whose JSON form is not given by their type alone.
_FIELD_PARSERS: dict[type, dict[str, Parser]] = {
    FunctionConfig: {"policy_statements": _statements, "vpc": _vpc, "alias": _alias},
}


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _settings(
    cls: type,
    data: Mapping[str, Any],
    where: str,
    problems: _Problems,
    parsers: Mapping[str, Parser] | None = None,
) -> dict[str, Any]:
    """The fields of ``cls`` that ``data`` sets, each parsed and type-checked; every unknown key
    and bad value goes to ``problems`` (that field is then left out)."""
    known = {f.name: f for f in fields(cls)}
    for name in sorted(set(data) - set(known)):
        problems.require(
            False, f"{where}{name}", f"unknown setting (known: {', '.join(sorted(known))})"
        )
    hints = _type_hints(cls)
    kwargs: dict[str, Any] = {}
    for name in known:
        if name not in data:
            continue
        hint = hints[name]
        parser = (
            (parsers or {}).get(name)
            or _FIELD_PARSERS.get(cls, {}).get(name)
            or _PARSE_BY_TYPE.get(hint)
        )
        if parser is None and isinstance(hint, type) and issubclass(hint, StrEnum):
            parser = functools.partial(_enum, hint)  # type: ignore[arg-type]
        if parser is None:
            raise TypeError(f"{cls.__name__}.{name}: no JSON parser for {hint}")
        with problems.collecting():
            kwargs[name] = parser(data[name], f"{where}{name}")
    return kwargs


def _entry_from(
    cls: type[FunctionConfig] | type[LayerConfig],
    section: str,
    defaults: Sequence[FunctionConfig] | Sequence[LayerConfig],
    data: Any,
    index: int,
) -> Any:
    """One function or layer entry. An entry whose key is a default entry's starts from that
    entry, field by field, so restating a default never changes a resource."""
    data = _expect(data, dict, f"{section}[{index}]", "an object")
    where = _entry_path(section, data.get("key"), index)
    if "key" not in data:
        raise ConfigError(f"{where}.key", "is required")
    problems = _Problems()
    given = _settings(cls, data, f"{where}.", problems)
    if "key" not in given:  # not a string: nothing to build the entry's other checks on
        problems.raise_any()
    base = next((entry for entry in defaults if entry.key == given["key"]), None)
    kwargs = {f.name: getattr(base, f.name) for f in fields(base)} if base else {}
    # A value that failed its type check is left out; the entry's own checks still run.
    try:
        entry = cls(**{**kwargs, **given}, position=index)
    except ConfigError as error:
        problems.found.extend(error.errors)
    problems.raise_any()
    return entry


def _entries(
    cls: type[FunctionConfig] | type[LayerConfig],
    section: str,
    defaults: Sequence[FunctionConfig] | Sequence[LayerConfig],
    value: Any,
    problems: _Problems,
) -> tuple[Any, ...]:
    """The entries of a ``functions`` or ``layers`` list that are valid; the others' problems
    go to ``problems``, so the checks across entries still run over the rest."""
    return _each(
        value,
        section,
        f"a list of {section[:-1]} objects",
        lambda item, index: _entry_from(cls, section, defaults, item, index),
        problems,
    )


_backend = _object(RemoteBackendConfig, ("bucket",), '{"bucket": "my-team-tf-state"}')
_guardrails = _object(
    GuardrailsConfig,
    ("deploy_role_arn",),
    '{"deploy_role_arn": "arn:aws:iam::123456789012:role/deployer"}',
)


#: The stack's lists of entries: (entry class, the default entries).
_SECTIONS: dict[str, tuple[type[FunctionConfig] | type[LayerConfig], Sequence[Any]]] = {
    "functions": (FunctionConfig, DEFAULT_FUNCTIONS),
    "layers": (LayerConfig, DEFAULT_LAYERS),
}


def config_from_mapping(data: Mapping[str, Any], *, check_sources: bool = False) -> StackConfig:
    """Build a config from parsed JSON. Every value is type-checked and validated; a
    :class:`ConfigError` names every problem found (``errors``), each by its path.
    ``check_sources``: also require every function's and layer's source directory to exist
    (what synth packages; ``main.py`` asks for it)."""
    problems = _Problems()
    sections = {name: data[name] for name in _SECTIONS if name in data}
    kwargs = _settings(
        StackConfig,
        {name: value for name, value in data.items() if name not in sections},
        "",
        problems,
        {"backend": _backend, "guardrails": _guardrails},
    )
    for name, value in sections.items():
        cls, defaults = _SECTIONS[name]
        kwargs[name] = ()  # if the whole list is bad
        with problems.collecting():
            kwargs[name] = _entries(cls, name, defaults, value, problems)
    if check_sources:
        for name, (_cls, defaults) in _SECTIONS.items():
            for entry in kwargs.get(name, defaults):
                problems.require(
                    entry.source_path.is_dir(),
                    f"{name}[{entry.key}].source_dir",
                    f"{entry.source_dir!r} is not a directory",
                )
    # The checks across entries run over the entries that parsed; those that follow from a
    # bad entry are left out (ConfigError.assumes).
    parse_errors = list(problems.found)
    try:
        config = StackConfig(**kwargs)
    except ConfigError as error:
        problems.add_consequences_of(error, parse_errors)
    problems.raise_any()
    return config


def to_mapping(value: Any) -> Any:
    """The JSON form of a config (or of one of its entries), every field spelled out:
    ``config_from_mapping(to_mapping(config)) == config``."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, PolicyStatement):
        return value.document()
    if isinstance(value, tuple):
        return [to_mapping(item) for item in value]
    if not is_dataclass(value) or isinstance(value, type):
        return value
    hints = _type_hints(type(value))
    return {
        f.name: (
            dict(getattr(value, f.name))
            if hints[f.name] == tuple[tuple[str, str], ...]
            else to_mapping(getattr(value, f.name))
        )
        for f in fields(value)
    }


def load_config(
    environ: Mapping[str, str], default_file: Path | None = None, *, check_sources: bool = False
) -> StackConfig:
    """The config main.py synthesizes: file (``SIGNED_LAMBDA_CONFIG`` or ``default_file``),
    then environment overrides. Raises :class:`ConfigError` naming every bad field
    (``check_sources``: see :func:`config_from_mapping`)."""
    path_text = environ.get(ENV_CONFIG_FILE, "")
    path = Path(path_text) if path_text else default_file
    data: dict[str, Any] = {}
    if path is not None and (path_text or path.exists()):
        try:
            # The verifier's one input reader: at most 10 MB read; a byte order mark is
            # accepted; over 10 MB, nested deeper than 64 levels, not UTF-8 or not JSON, a
            # missing or unreadable file is one line.
            raw = read_bytes(
                path, "config file", missing="cannot read config file (No such file or directory)"
            )
            data = parse_json_text(raw, str(path))
        except InputError as exc:
            raise ConfigError(str(path), exc.what.removeprefix(f"{path}: ")) from None
        _expect(data, dict, str(path), "a JSON object")
    if "region" not in data:
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if region:
            data["region"] = region
    problems = _Problems()
    with problems.collecting():
        config = config_from_mapping(data, check_sources=check_sources)
    overrides: dict[str, Any] = {}
    with problems.collecting():
        if environ.get(ENV_POLICY):
            overrides["untrusted_artifact_policy"] = _enum(
                UntrustedArtifactPolicy, environ[ENV_POLICY], ENV_POLICY
            )
    with problems.collecting():
        if environ.get(ENV_S3_PATH_STYLE):
            overrides["s3_use_path_style"] = _bool_env(
                environ[ENV_S3_PATH_STYLE], ENV_S3_PATH_STYLE
            )
    problems.raise_any()
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
    "AliasConfig",
    "Architecture",
    "ConfigError",
    "FunctionConfig",
    "GuardrailsConfig",
    "LayerConfig",
    "PolicyStatement",
    "RemoteBackendConfig",
    "StackConfig",
    "UntrustedArtifactPolicy",
    "ValidityUnit",
    "VpcConfig",
    "config_from_mapping",
    "load_config",
    "repo_relative",
    "to_mapping",
]
