"""The one contract between the stack and the verifier: the stack's ``manifest`` output.

The stack builds a :class:`Manifest` (its values may be Terraform tokens) and writes
:meth:`Manifest.to_output` as the ``manifest`` output; the verifier, the drift check, the bench
and the tests read it back with :func:`parse`. Keys, the schema version and the signing
platform are defined here and nowhere else. This module imports nothing heavy (no jsii, no
boto3), so both sides can use it.

Terraform state is *not* a trust root: whoever can write state can rewrite this document. The
trust root is the reviewed lock file (:mod:`verifier.contract.lock`); the verifier checks that
the two agree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verifier.contract.arns import (
    CSC_ARN,
    CSC_ARN_FORMAT,
    PROFILE_VERSION_ARN,
    PROFILE_VERSION_ARN_FORMAT,
    REGION,
)
from verifier.contract.reader import Reader

#: Version of the ``manifest`` output's shape. 2 added layers, source provenance, the declared
#: handler/runtime/architectures/code-loading environment, and earlier-version policy; 3 declares
#: the whole environment (each value's digest), each function's release settings (``publish``,
#: ``alias``) and each package's build (kind, target, excludes, install scripts, dependencies,
#: SBOM hash).
SCHEMA_VERSION = 3
#: The package builder whose bytes this contract describes (verifier.package): a rebuild by
#: another one proves nothing, so the manifest records it per package.
BUILDER_VERSION = 2
#: The name of the stack's output that holds the manifest.
OUTPUT_NAME = "manifest"
#: The only platform Lambda accepts for code signing (AWS Signer's ``ListSigningPlatforms``).
LAMBDA_SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA"

#: How a declared environment variable's value appears in the manifest: its SHA-256, so the
#: verifier compares values without the outputs or a report ever holding them.
ENVIRONMENT_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def environment_digest(value: str) -> str:
    """``sha256:<hex>`` of an environment variable's value (UTF-8)."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


#: How a package is built (verifier.package.runtimes.PackageKind's values).
PACKAGE_KINDS = ("python", "node", "custom", "prebuilt")
_HASH = re.compile(r"^(sha1|sha256|sha384|sha512):[0-9a-f]+$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Dependency:
    """One dependency installed into a package, as the lock pinned it."""

    name: str
    version: str
    #: ``sha256:<hex>`` of a wheel, or ``sha512:<hex>`` of an npm tarball (its integrity).
    hash: str

    def to_output(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "hash": self.hash}


@dataclass(frozen=True)
class PackageBuild:
    """How a package was built from its source, so ``verify --source`` can build it again
    exactly so, and what went into it."""

    kind: str = "python"
    #: The function's runtime, or the layer's compatible runtimes.
    runtimes: tuple[str, ...] = ("python3.12",)
    #: The architecture dependencies were installed for (``x86_64`` or ``arm64``).
    architecture: str = "x86_64"
    #: The exclude patterns in force: the builder's defaults, then the config's.
    exclude: tuple[str, ...] = ()
    #: Whether npm ran the dependencies' install scripts.
    npm_install_scripts: bool = False
    #: The builder that made the bytes (BUILDER_VERSION when it was built).
    builder_version: int = BUILDER_VERSION
    #: SHA-256 (hex) of the CycloneDX SBOM written beside the package at synth.
    sbom_sha256: str = "0" * 64
    dependencies: tuple[Dependency, ...] = ()

    def to_output(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "runtimes": list(self.runtimes),
            "architecture": self.architecture,
            "exclude": list(self.exclude),
            "npm_install_scripts": self.npm_install_scripts,
            "builder_version": self.builder_version,
            "sbom_sha256": self.sbom_sha256,
            "dependencies": [dependency.to_output() for dependency in self.dependencies],
        }


@dataclass(frozen=True)
class SignedArtifact:
    """A package built from source, uploaded unsigned, signed by one job."""

    key: str
    signing_job_id: str
    unsigned_key: str
    unsigned_version: str
    signed_bucket: str
    signed_key: str
    #: The source directory, relative to the repository root, and the SHA-256 (hex) of the
    #: deterministic zip built from it: provenance from a checkout (``verify --source``).
    source_dir: str
    package_sha256: str
    #: How the package was built and what it holds.
    package: PackageBuild = field(default_factory=PackageBuild)

    def _artifact_output(self) -> dict[str, Any]:
        return {
            "signing_job_id": self.signing_job_id,
            "unsigned_key": self.unsigned_key,
            "unsigned_version": self.unsigned_version,
            "signed_bucket": self.signed_bucket,
            "signed_key": self.signed_key,
            "source_dir": self.source_dir,
            "package_sha256": self.package_sha256,
            "package": self.package.to_output(),
        }


@dataclass(frozen=True)
class LayerManifest(SignedArtifact):
    layer_name: str = ""
    #: ``aws_lambda_layer_version.arn``: the layer ARN with its version number.
    layer_version_arn: str = ""

    def to_output(self) -> dict[str, Any]:
        return {
            "layer_name": self.layer_name,
            "layer_version_arn": self.layer_version_arn,
            **self._artifact_output(),
        }


@dataclass(frozen=True)
class AliasManifest:
    """The alias a function keeps on its newest build; with ``canary_percent``, that share of
    traffic goes to the newest version and the rest to the last promoted one."""

    name: str
    canary_percent: int | None = None

    def to_output(self) -> dict[str, Any]:
        # No nulls: the CDK drops keys whose value is None from the output.
        output: dict[str, Any] = {"name": self.name}
        if self.canary_percent is not None:
            output["canary_percent"] = self.canary_percent
        return output


@dataclass(frozen=True)
class FunctionManifest(SignedArtifact):
    function_name: str = ""
    function_arn: str = ""
    handler: str = ""
    runtime: str = ""
    architectures: tuple[str, ...] = ("x86_64",)
    #: Keys of the stack's layers this function uses, in order.
    layers: tuple[str, ...] = ()
    #: The whole declared environment: every variable and its value's digest
    #: (:func:`environment_digest`). Any other variable, or another value, fails verify.
    environment: tuple[tuple[str, str], ...] = ()
    #: Whether published versions may run earlier signed builds (each proven on its own).
    allow_earlier_versions: bool = False
    #: Whether each new signed build is published as a version.
    publish: bool = False
    alias: AliasManifest | None = None

    def to_output(self) -> dict[str, Any]:
        return {
            "function_name": self.function_name,
            "function_arn": self.function_arn,
            **self._artifact_output(),
            "handler": self.handler,
            "runtime": self.runtime,
            "architectures": list(self.architectures),
            "layers": list(self.layers),
            "environment": dict(self.environment),
            "allow_earlier_versions": self.allow_earlier_versions,
            "publish": self.publish,
            "alias": {} if self.alias is None else self.alias.to_output(),
        }


@dataclass(frozen=True)
class Manifest:
    region: str
    bucket: str
    signing_profile_name: str
    signing_profile_version_arn: str
    code_signing_config_arn: str
    expected_policy: str
    functions: tuple[FunctionManifest, ...]
    layers: tuple[LayerManifest, ...] = ()
    platform_id: str = LAMBDA_SIGNING_PLATFORM
    schema_version: int = SCHEMA_VERSION

    def to_output(self) -> dict[str, Any]:
        """The ``manifest`` output's value (values may be Terraform tokens)."""
        return {
            "schema_version": self.schema_version,
            "region": self.region,
            "bucket": self.bucket,
            "signing_profile_name": self.signing_profile_name,
            "signing_profile_version_arn": self.signing_profile_version_arn,
            "platform_id": self.platform_id,
            "code_signing_config_arn": self.code_signing_config_arn,
            "expected_policy": self.expected_policy,
            "functions": {fn.key: fn.to_output() for fn in self.functions},
            "layers": {layer.key: layer.to_output() for layer in self.layers},
        }

    def layer(self, key: str) -> LayerManifest | None:
        return next((layer for layer in self.layers if layer.key == key), None)


# --- parsing ------------------------------------------------------------------------------


def declared_layers(
    reader: Reader, entry: Mapping[str, Any], where: str, known: set[str], known_at: str
) -> tuple[str, ...]:
    """A function's ``layers``: keys of the stack's layers (the manifest's and the lock's)."""
    used = reader.strings(entry, "layers", where)
    for layer_key in used:
        if layer_key not in known:
            raise reader.fail(f"{where}.layers", f"names {layer_key!r}, not in {known_at}")
    return used


def declared_environment(reader: Reader, entry: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """A function's ``environment``: each variable's name and its value's digest."""
    environment = reader.obj(entry, "environment", where)
    for name in environment:
        reader.pattern(
            environment,
            name,
            f"{where}.environment",
            ENVIRONMENT_DIGEST,
            "a value digest (sha256:<64 hex digits>)",
        )
    return environment


def declared_architectures(reader: Reader, entry: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """A function's ``architectures``: exactly one of Lambda's two (the manifest's, the lock's)."""
    found = reader.strings(entry, "architectures", where)
    if len(found) != 1 or found[0] not in ("x86_64", "arm64"):
        raise reader.fail(
            f"{where}.architectures", f'is {list(found)}; expected ["x86_64"] or ["arm64"]'
        )
    return found


def _alias(reader: Reader, entry: Mapping[str, Any], where: str) -> AliasManifest | None:
    """``{}`` (no alias), ``{"name": ...}`` (on the newest version), or with a
    ``"canary_percent"`` of 1..99. The output holds no nulls (the CDK drops them)."""
    alias = reader.obj(entry, "alias", where)
    if not alias:
        return None
    return alias_entry(reader, alias, f"{where}.alias", canary="canary_percent" in alias)


def alias_entry(
    reader: Reader, alias: Mapping[str, Any], path: str, *, canary: bool
) -> AliasManifest:
    """An alias's ``name`` and, where ``canary`` says it is given, its ``canary_percent`` of
    1..99 (the outputs omit a missing share; the lock writes null)."""
    unknown = sorted(set(alias) - {"name", "canary_percent"})
    if unknown:
        raise reader.fail(f"{path}.{unknown[0]}", "is not a key of an alias (name, canary_percent)")
    percent = None
    if canary:
        percent = reader.integer(alias, "canary_percent", path)
        if not 1 <= percent <= 99:
            raise reader.fail(f"{path}.canary_percent", f"is {percent}; expected 1..99")
    return AliasManifest(name=reader.string(alias, "name", path), canary_percent=percent)


def _artifact_fields(reader: Reader, entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    return {
        "signing_job_id": reader.string(entry, "signing_job_id", where),
        "unsigned_key": reader.string(entry, "unsigned_key", where),
        "unsigned_version": reader.string(entry, "unsigned_version", where),
        "signed_bucket": reader.string(entry, "signed_bucket", where),
        "signed_key": reader.string(entry, "signed_key", where),
        "source_dir": reader.string(entry, "source_dir", where),
        "package_sha256": reader.string(entry, "package_sha256", where),
        "package": _package(reader, reader.obj(entry, "package", where), f"{where}.package"),
    }


def parse_package(data: Any, origin: str, path: str) -> PackageBuild:
    """A package build record (``PackageBuild.to_output()``) read back, as strictly."""
    reader = Reader(origin)
    return _package(reader, reader.mapping(data, path), path)


def package_target(
    reader: Reader, entry: Mapping[str, Any], where: str
) -> tuple[str, tuple[str, ...], str]:
    """A package's ``kind``, ``runtimes`` and ``architecture`` (a build record's, a pinned
    layer's), each checked."""
    kind = reader.string(entry, "kind", where)
    if kind not in PACKAGE_KINDS:
        raise reader.fail(
            f"{where}.kind", f"is {kind!r}; expected one of {', '.join(PACKAGE_KINDS)}"
        )
    runtimes = reader.strings(entry, "runtimes", where)
    if not runtimes:
        raise reader.fail(f"{where}.runtimes", "is empty; expected the runtimes it was built for")
    architecture = reader.string(entry, "architecture", where)
    if architecture not in ("x86_64", "arm64"):
        raise reader.fail(f"{where}.architecture", f"is {architecture!r}; expected x86_64 or arm64")
    return kind, runtimes, architecture


def _package(reader: Reader, entry: Mapping[str, Any], where: str) -> PackageBuild:
    kind, runtimes, architecture = package_target(reader, entry, where)
    raw = reader.get(entry, "dependencies", where)
    if not isinstance(raw, list):
        raise reader.fail(f"{where}.dependencies", "must be an array of objects")
    dependencies = []
    for index, item in enumerate(raw):
        at = f"{where}.dependencies[{index}]"
        item = reader.mapping(item, at)
        dependencies.append(
            Dependency(
                name=reader.string(item, "name", at),
                version=reader.string(item, "version", at),
                hash=reader.pattern(item, "hash", at, _HASH, "an algorithm:hex hash (sha256:...)"),
            )
        )
    builder_version = reader.integer(entry, "builder_version", where)
    return PackageBuild(
        kind=kind,
        runtimes=runtimes,
        architecture=architecture,
        exclude=reader.strings(entry, "exclude", where),
        npm_install_scripts=reader.boolean(entry, "npm_install_scripts", where),
        builder_version=builder_version,
        sbom_sha256=reader.pattern(entry, "sbom_sha256", where, _SHA256_HEX, "a SHA-256 (hex)"),
        dependencies=tuple(dependencies),
    )


POLICIES = ("Enforce", "Warn")


def _policy(reader: Reader, manifest: Mapping[str, Any], path: str) -> str:
    """``Enforce`` or ``Warn``, normalised from any case; anything else names the key."""
    value = reader.string(manifest, "expected_policy", path)
    for policy in POLICIES:
        if value.strip().lower() == policy.lower():
            return policy
    raise reader.fail(f"{path}.expected_policy", f"is {value!r}; expected Enforce or Warn")


def parse(data: Any, origin: str, path: str = OUTPUT_NAME) -> Manifest:
    """A manifest from parsed JSON; every problem is one :class:`InputError` naming the key."""
    reader = Reader(origin)
    manifest = reader.mapping(data, path)
    version = reader.integer(manifest, "schema_version", path)
    if version != SCHEMA_VERSION:
        raise reader.fail(
            f"{path}.schema_version",
            f"is {version}; this verifier reads schema_version {SCHEMA_VERSION}",
            "redeploy with this version of the stack (make deploy) to refresh the outputs",
        )
    csc_arn = reader.pattern(
        manifest, "code_signing_config_arn", path, CSC_ARN, f"a CSC ARN ({CSC_ARN_FORMAT})"
    )
    profile_version_arn = reader.pattern(
        manifest,
        "signing_profile_version_arn",
        path,
        PROFILE_VERSION_ARN,
        f"a signing profile version ARN ({PROFILE_VERSION_ARN_FORMAT})",
    )
    layers_data = manifest.get("layers") or {}
    layers_data = reader.mapping(layers_data, f"{path}.layers")
    layers = []
    for key in sorted(layers_data):
        where = f"{path}.layers.{key}"
        entry = reader.mapping(layers_data[key], where)
        layers.append(
            LayerManifest(
                key=key,
                layer_name=reader.string(entry, "layer_name", where),
                layer_version_arn=reader.string(entry, "layer_version_arn", where),
                **_artifact_fields(reader, entry, where),
            )
        )
    functions_data = reader.obj(manifest, "functions", path)
    if not functions_data:
        raise reader.fail(f"{path}.functions", "is empty: there is nothing to verify")
    functions = []
    layer_keys = {layer.key for layer in layers}
    for key in sorted(functions_data):
        where = f"{path}.functions.{key}"
        entry = reader.mapping(functions_data[key], where)
        used = declared_layers(reader, entry, where, layer_keys, f"{path}.layers")
        environment = declared_environment(reader, entry, where)
        functions.append(
            FunctionManifest(
                key=key,
                function_name=reader.string(entry, "function_name", where),
                function_arn=reader.string(entry, "function_arn", where),
                handler=reader.string(entry, "handler", where),
                runtime=reader.string(entry, "runtime", where),
                architectures=declared_architectures(reader, entry, where),
                layers=used,
                environment=tuple(sorted((name, environment[name]) for name in environment)),
                allow_earlier_versions=reader.boolean(entry, "allow_earlier_versions", where),
                publish=reader.boolean(entry, "publish", where),
                alias=_alias(reader, entry, where),
                **_artifact_fields(reader, entry, where),
            )
        )
    return Manifest(
        schema_version=version,
        region=reader.pattern(
            manifest, "region", path, REGION, "an AWS Region name (e.g. us-east-1)"
        ),
        bucket=reader.string(manifest, "bucket", path),
        signing_profile_name=reader.string(manifest, "signing_profile_name", path),
        signing_profile_version_arn=profile_version_arn,
        platform_id=reader.string(manifest, "platform_id", path),
        code_signing_config_arn=csc_arn,
        expected_policy=_policy(reader, manifest, path),
        functions=tuple(functions),
        layers=tuple(layers),
    )
