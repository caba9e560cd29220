"""``signed-lambda.lock.json``: the reviewed trust anchor, outside Terraform state.

Like Terraform's dependency lock file it is written by a command (``signed-lambda lock``, run by
``make deploy`` and ``make lock``) and committed, so every change of trust shows up in review.
Per stack it pins the account, the region, the signing profile's name and the profile version
ARNs whose signatures are trusted, the code signing config ARN and its policy, and what each
function and layer declares (handler, runtime, environment variable names and value digests,
earlier-version policy, unsigned prefix, ...: everything the checks hold a code path to, and
nothing that changes with every build). ``verify`` and ``drift`` compare the stack's outputs
(state) with it and judge every signature against its pinned profile versions, never against
state or the live CSC's list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.contract.arns import (
    CSC_ARN,
    CSC_ARN_FORMAT,
    PROFILE_VERSION_ARN,
    PROFILE_VERSION_ARN_FORMAT,
    account_of,
)
from verifier.contract.manifest import (
    POLICIES,
    AliasManifest,
    FunctionManifest,
    LayerManifest,
    Manifest,
    alias_entry,
    declared_architectures,
    declared_environment,
    declared_layers,
    package_target,
)
from verifier.contract.reader import Reader, json_type, parse_json_text, read_bytes
from verifier.errors import InputError

LOCK_FILE_NAME = "signed-lambda.lock.json"
LOCK_VERSION = 1
CREATE_HINT = (
    "create it after a deploy with `make lock` (signed-lambda lock --outputs cdktf-outputs.json), "
    "review and commit it; or pass --no-lock to trust the stack's outputs alone"
)


def unsigned_prefix(unsigned_key: str) -> str:
    """The directory part of an unsigned key (``<prefix><key>/<sha256>.zip``): the same for
    every build of one function or layer, so it says which builds are its own."""
    return unsigned_key.rpartition("/")[0]


@dataclass(frozen=True)
class FunctionDeclaration:
    """What one function declares, as pinned: everything the checks hold a code path to, and
    nothing that changes with every build (job ids, keys, object versions, hashes)."""

    key: str
    handler: str
    runtime: str
    architectures: tuple[str, ...]
    layers: tuple[str, ...]
    #: Each variable's name and its value's digest (never the value).
    environment: tuple[tuple[str, str], ...]
    allow_earlier_versions: bool
    publish: bool
    alias: AliasManifest | None
    unsigned_prefix: str
    signed_bucket: str
    source_dir: str

    @classmethod
    def of(cls, function: FunctionManifest) -> FunctionDeclaration:
        return cls(
            key=function.key,
            handler=function.handler,
            runtime=function.runtime,
            architectures=tuple(function.architectures),
            layers=tuple(function.layers),
            environment=tuple(sorted(function.environment)),
            allow_earlier_versions=function.allow_earlier_versions,
            publish=function.publish,
            alias=function.alias,
            unsigned_prefix=unsigned_prefix(function.unsigned_key),
            signed_bucket=function.signed_bucket,
            source_dir=function.source_dir,
        )

    def to_json(self) -> dict[str, Any]:
        alias = None
        if self.alias is not None:
            alias = {"name": self.alias.name, "canary_percent": self.alias.canary_percent}
        return {
            "handler": self.handler,
            "runtime": self.runtime,
            "architectures": list(self.architectures),
            "layers": list(self.layers),
            "environment": dict(self.environment),
            "allow_earlier_versions": self.allow_earlier_versions,
            "publish": self.publish,
            "alias": alias,
            "unsigned_prefix": self.unsigned_prefix,
            "signed_bucket": self.signed_bucket,
            "source_dir": self.source_dir,
        }


@dataclass(frozen=True)
class LayerDeclaration:
    """What one layer declares, as pinned (nothing that changes with every build)."""

    key: str
    layer_name: str
    kind: str
    runtimes: tuple[str, ...]
    architecture: str
    unsigned_prefix: str
    signed_bucket: str
    source_dir: str

    @classmethod
    def of(cls, layer: LayerManifest) -> LayerDeclaration:
        return cls(
            key=layer.key,
            layer_name=layer.layer_name,
            kind=layer.package.kind,
            runtimes=tuple(layer.package.runtimes),
            architecture=layer.package.architecture,
            unsigned_prefix=unsigned_prefix(layer.unsigned_key),
            signed_bucket=layer.signed_bucket,
            source_dir=layer.source_dir,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "layer_name": self.layer_name,
            "kind": self.kind,
            "runtimes": list(self.runtimes),
            "architecture": self.architecture,
            "unsigned_prefix": self.unsigned_prefix,
            "signed_bucket": self.signed_bucket,
            "source_dir": self.source_dir,
        }


@dataclass(frozen=True)
class Declarations:
    """Every function's and layer's declaration in one stack, sorted by key, and the bucket
    their unsigned packages are in (which decides, with a prefix, a build's own)."""

    bucket: str
    functions: tuple[FunctionDeclaration, ...]
    layers: tuple[LayerDeclaration, ...]

    @classmethod
    def of(cls, manifest: Manifest) -> Declarations:
        return cls(
            bucket=manifest.bucket,
            functions=tuple(
                sorted((FunctionDeclaration.of(f) for f in manifest.functions), key=_key)
            ),
            layers=tuple(sorted((LayerDeclaration.of(la) for la in manifest.layers), key=_key)),
        )

    def function(self, key: str) -> FunctionDeclaration | None:
        return next((entry for entry in self.functions if entry.key == key), None)

    def layer(self, key: str) -> LayerDeclaration | None:
        return next((entry for entry in self.layers if entry.key == key), None)


def _key(entry: FunctionDeclaration | LayerDeclaration) -> str:
    return entry.key


@dataclass(frozen=True)
class StackLock:
    stack: str
    account_id: str
    region: str
    signing_profile_name: str
    #: Every profile version whose signatures are trusted (the current one, plus the previous
    #: one while a rotation is under way).
    signing_profile_version_arns: tuple[str, ...]
    code_signing_config_arn: str
    policy: str
    #: Every function's and layer's declaration; None in a lock written before they were
    #: pinned (lock.anchor warns: the declarations then come from state alone).
    declarations: Declarations | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "account_id": self.account_id,
            "region": self.region,
            "signing_profile_name": self.signing_profile_name,
            "signing_profile_version_arns": sorted(self.signing_profile_version_arns),
            "code_signing_config_arn": self.code_signing_config_arn,
            "policy": self.policy,
        }
        if self.declarations is not None:
            document["bucket"] = self.declarations.bucket
            document["functions"] = {f.key: f.to_json() for f in self.declarations.functions}
            document["layers"] = {la.key: la.to_json() for la in self.declarations.layers}
        return document


@dataclass(frozen=True)
class Lock:
    path: str
    stacks: tuple[StackLock, ...]

    def stack(self, name: str) -> StackLock | None:
        return next((entry for entry in self.stacks if entry.stack == name), None)

    def for_stack(self, name: str | None) -> StackLock:
        """The entry for ``name``; without a name, the only entry."""
        if name is None:
            if len(self.stacks) == 1:
                return self.stacks[0]
            names = ", ".join(entry.stack for entry in self.stacks) or "none"
            raise InputError(
                f"{self.path}: locks several stacks ({names}); choose one with --stack"
            )
        entry = self.stack(name)
        if entry is None:
            names = ", ".join(entry.stack for entry in self.stacks) or "none"
            raise InputError(
                f"{self.path}: has no entry for stack {name} (it locks: {names})",
                "run `make lock` after deploying that stack, review and commit the change",
            )
        return entry


def parse(data: Any, origin: str) -> Lock:
    reader = Reader(origin)
    document = reader.mapping(data, "the document")
    version = reader.integer(document, "lock_version", "")
    if version != LOCK_VERSION:
        raise reader.fail("lock_version", f"is {version}; this verifier reads {LOCK_VERSION}")
    stacks_data = reader.obj(document, "stacks", "")
    entries = []
    for name in sorted(stacks_data):
        where = f"stacks.{name}"
        entry = reader.mapping(stacks_data[name], where)
        account = reader.string(entry, "account_id", where)
        if not (account.isdigit() and len(account) == 12):
            raise reader.fail(f"{where}.account_id", f"is not a 12-digit account id ({account!r})")
        arns = reader.strings(entry, "signing_profile_version_arns", where)
        if not arns:
            raise reader.fail(
                f"{where}.signing_profile_version_arns", "is empty: nothing would be trusted"
            )
        for index, arn in enumerate(arns):
            if not PROFILE_VERSION_ARN.match(arn):
                raise reader.fail(
                    f"{where}.signing_profile_version_arns[{index}]",
                    f"is not a signing profile version ARN ({arn!r}; expected "
                    f"{PROFILE_VERSION_ARN_FORMAT})",
                )
        region = reader.string(entry, "region", where)
        for index, arn in enumerate(arns):
            match = PROFILE_VERSION_ARN.match(arn)
            if match and (match.group(1), match.group(2)) != (region, account):
                raise reader.fail(
                    f"{where}.signing_profile_version_arns[{index}]",
                    f"is in {match.group(1)}/{match.group(2)}, not this entry's {region}/{account}",
                )
        policy = reader.string(entry, "policy", where)
        if policy not in POLICIES:
            raise reader.fail(f"{where}.policy", f"is {policy!r}; expected Enforce or Warn")
        entries.append(
            StackLock(
                stack=name,
                account_id=account,
                region=region,
                signing_profile_name=reader.string(entry, "signing_profile_name", where),
                signing_profile_version_arns=arns,
                code_signing_config_arn=reader.pattern(
                    entry,
                    "code_signing_config_arn",
                    where,
                    CSC_ARN,
                    f"a CSC ARN ({CSC_ARN_FORMAT})",
                ),
                policy=policy,
                declarations=_declarations(reader, entry, where),
            )
        )
    if not entries:
        raise reader.fail("stacks", "is empty: nothing is locked", CREATE_HINT)
    return Lock(path=origin, stacks=tuple(entries))


def _declarations(reader: Reader, entry: Mapping[str, Any], where: str) -> Declarations | None:
    """The pinned declarations; None when the entry has none of ``bucket``, ``functions`` and
    ``layers`` (a lock written before they were pinned). With one, all are required."""
    if all(entry.get(name) is None for name in ("bucket", "functions", "layers")):
        return None
    layers_data = reader.obj(entry, "layers", where)
    layers = []
    for key in sorted(layers_data):
        at = f"{where}.layers.{key}"
        item = reader.mapping(layers_data[key], at)
        _only_keys(reader, item, at, LayerDeclaration)
        kind, runtimes, architecture = package_target(reader, item, at)
        layers.append(
            LayerDeclaration(
                key=key,
                layer_name=reader.string(item, "layer_name", at),
                kind=kind,
                runtimes=runtimes,
                architecture=architecture,
                unsigned_prefix=reader.string(item, "unsigned_prefix", at),
                signed_bucket=reader.string(item, "signed_bucket", at),
                source_dir=reader.string(item, "source_dir", at),
            )
        )
    functions_data = reader.obj(entry, "functions", where)
    if not functions_data:
        raise reader.fail(f"{where}.functions", "is empty: no function's declaration is pinned")
    layer_keys = {layer.key for layer in layers}
    functions = []
    for key in sorted(functions_data):
        at = f"{where}.functions.{key}"
        item = reader.mapping(functions_data[key], at)
        _only_keys(reader, item, at, FunctionDeclaration)
        used = declared_layers(reader, item, at, layer_keys, f"{where}.layers")
        environment = declared_environment(reader, item, at)
        architectures = declared_architectures(reader, item, at)
        functions.append(
            FunctionDeclaration(
                key=key,
                handler=reader.string(item, "handler", at),
                runtime=reader.string(item, "runtime", at),
                architectures=architectures,
                layers=used,
                environment=tuple(sorted((name, environment[name]) for name in environment)),
                allow_earlier_versions=reader.boolean(item, "allow_earlier_versions", at),
                publish=reader.boolean(item, "publish", at),
                alias=_alias(reader, item, at),
                unsigned_prefix=reader.string(item, "unsigned_prefix", at),
                signed_bucket=reader.string(item, "signed_bucket", at),
                source_dir=reader.string(item, "source_dir", at),
            )
        )
    return Declarations(
        bucket=reader.string(entry, "bucket", where),
        functions=tuple(functions),
        layers=tuple(layers),
    )


def _only_keys(reader: Reader, item: Mapping[str, Any], at: str, kind: type[Any]) -> None:
    """A pinned declaration holds exactly its fields: an unknown key may be a reviewer's
    misreading of what is pinned."""
    known = set(kind.__dataclass_fields__) - {"key"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise reader.fail(
            f"{at}.{unknown[0]}", f"is not a pinned field ({', '.join(sorted(known))})"
        )


def _alias(reader: Reader, item: Mapping[str, Any], at: str) -> AliasManifest | None:
    """``null`` (no alias) or ``{"name": ..., "canary_percent": null or 1..99}``."""
    if "alias" not in item:
        raise reader.fail(f"{at}.alias", "is missing (null: no alias)")
    if item["alias"] is None:
        return None
    path = f"{at}.alias"
    alias = reader.mapping(item["alias"], path)
    return alias_entry(reader, alias, path, canary=alias.get("canary_percent") is not None)


def load(path: Path) -> Lock:
    """The lock at ``path``; a missing or malformed lock is one InputError line (exit 2)."""
    try:
        raw = read_bytes(path, "the lock file", missing="no lock file")
    except InputError as error:
        if error.what == f"{path}: no lock file":
            raise InputError(error.what, CREATE_HINT) from None
        raise
    data = parse_json_text(raw, str(path))
    if not isinstance(data, dict):
        raise InputError(f"{path}: must be a JSON object, not {json_type(data)}")
    return parse(data, str(path))


def entry_from_manifest(stack: str, manifest: Manifest, *, keep: tuple[str, ...] = ()) -> StackLock:
    """What the lock should say for a deployed stack (``keep``: extra trusted versions)."""
    account = account_of(manifest.code_signing_config_arn)
    if account is None:
        raise InputError(f"{manifest.code_signing_config_arn}: no account id in the CSC ARN")
    arns = tuple(sorted({manifest.signing_profile_version_arn, *keep}))
    return StackLock(
        stack=stack,
        account_id=account,
        region=manifest.region,
        signing_profile_name=manifest.signing_profile_name,
        signing_profile_version_arns=arns,
        code_signing_config_arn=manifest.code_signing_config_arn,
        policy=manifest.expected_policy,
        declarations=Declarations.of(manifest),
    )


# --- comparing declarations ---------------------------------------------------------------


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, AliasManifest):
        share = "" if value.canary_percent is None else f" (canary {value.canary_percent}%)"
        return f"{value.name}{share}"
    if value is None:
        return "none"
    return str(value)


def _environment_lines(
    where: str,
    ours: tuple[tuple[str, str], ...],
    theirs: tuple[tuple[str, str], ...],
    our_name: str,
    their_name: str,
) -> list[str]:
    """Names only, never values (nor their digests): values can be secrets."""
    mine, other = dict(ours), dict(theirs)
    lines = []
    for name in sorted(set(mine) | set(other)):
        if name not in other:
            lines.append(f"{where}.environment: {our_name} declare {name}, {their_name} does not")
        elif name not in mine:
            lines.append(f"{where}.environment: {their_name} declares {name}, {our_name} do not")
        elif mine[name] != other[name]:
            lines.append(
                f"{where}.environment: {name} has another value in {our_name} than in {their_name}"
            )
    return lines


def _fields(where: str, ours: Any, theirs: Any, our_name: str, their_name: str) -> list[str]:
    lines = []
    for name in ours.__dataclass_fields__:
        if name == "key":
            continue
        mine, other = getattr(ours, name), getattr(theirs, name)
        if mine == other:
            continue
        if name == "environment":
            lines.extend(_environment_lines(where, mine, other, our_name, their_name))
        else:
            short = their_name.removeprefix("the ")
            lines.append(f"{where}.{name}: {our_name} {_show(mine)}, {short} {_show(other)}")
    return lines


def declaration_differences(
    ours: Declarations,
    theirs: Declarations,
    *,
    function: str | None = None,
    our_name: str = "outputs",
    their_name: str = "the lock",
) -> list[str]:
    """How ``ours`` (the outputs) differs from ``theirs`` (the lock), one line per function or
    layer and field (``hello.allow_earlier_versions: outputs true, lock false``), never a
    value. With ``function``: that function's, the layers it uses (in either), layers no
    function uses, and every function or layer that only one side has."""
    lines = []
    if ours.bucket != theirs.bucket:
        short = their_name.removeprefix("the ")
        lines.append(f"bucket: {our_name} {ours.bucket}, {short} {theirs.bucket}")
    our_functions = {entry.key: entry for entry in ours.functions}
    their_functions = {entry.key: entry for entry in theirs.functions}
    for key in sorted(set(our_functions) - set(their_functions)):
        lines.append(f"{key}: {our_name} declare a function {their_name} does not pin")
    for key in sorted(set(their_functions) - set(our_functions)):
        lines.append(f"{key}: {their_name} pins a function {our_name} do not declare")
    our_layers = {entry.key: entry for entry in ours.layers}
    their_layers = {entry.key: entry for entry in theirs.layers}
    for key in sorted(set(our_layers) - set(their_layers)):
        lines.append(f"layers.{key}: {our_name} declare a layer {their_name} does not pin")
    for key in sorted(set(their_layers) - set(our_layers)):
        lines.append(f"layers.{key}: {their_name} pins a layer {our_name} do not declare")
    keys = sorted(set(our_functions) & set(their_functions))
    if function is not None:
        keys = [key for key in keys if key == function]
    for key in keys:
        lines.extend(_fields(key, our_functions[key], their_functions[key], our_name, their_name))
    used = {layer for entry in (*ours.functions, *theirs.functions) for layer in entry.layers}
    wanted = set(our_layers) & set(their_layers)
    if function is not None:
        own: set[str] = set()
        for entry in (our_functions.get(function), their_functions.get(function)):
            if entry is not None:
                own.update(entry.layers)
        wanted &= own | (set(our_layers) - used)
    for key in sorted(wanted):
        lines.extend(
            _fields(f"layers.{key}", our_layers[key], their_layers[key], our_name, their_name)
        )
    return lines


def render(stacks: tuple[StackLock, ...]) -> str:
    document = {
        "_comment": (
            "Trust anchor for signed-lambda verify/drift/audit. Written by `make lock`; review "
            "every change and commit it."
        ),
        "lock_version": LOCK_VERSION,
        "stacks": {entry.stack: entry.to_json() for entry in sorted(stacks, key=lambda e: e.stack)},
    }
    return json.dumps(document, indent=2) + "\n"
