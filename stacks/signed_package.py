"""What a signed function and a signed layer share: package -> upload -> sign.

The resources are created in the caller's scope (not a child construct), so a function's
Terraform addresses stay what they were before layers shared this code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import (
    AssetType,
    Construct,
    S3Object,
    SignerSigningJob,
    SignerSigningJobDestination,
    SignerSigningJobDestinationS3,
    SignerSigningJobSource,
    SignerSigningJobSourceS3,
    TerraformAsset,
)
from stacks.code_signing import CodeSigning
from stacks.config import (
    REPO_ROOT,
    ConfigError,
    FunctionConfig,
    LayerConfig,
    StackConfig,
    repo_relative,
)
from verifier.contract.manifest import PackageBuild
from verifier.package import (
    BuildCache,
    BuildSpec,
    BuildUnavailable,
    BuiltPackage,
    PackageError,
    Toolchain,
    build_package,
    effective_excludes,
)
from verifier.package.smoke import smoke_check

#: Where synth writes the deterministic zips (and their SBOMs) before cdktf copies them into
#: the stack's assets, and the build cache that makes an unchanged package cost no pip or npm.
PACKAGE_BUILD_DIR = REPO_ROOT / "build" / "packages"
PACKAGE_CACHE_DIR = REPO_ROOT / "build" / "package-cache"
#: pip as this interpreter's; npm on PATH, run by the project's Node 22 from node_modules.
TOOLS = Toolchain(project_root=REPO_ROOT)


@dataclass(frozen=True)
class SignedPackage:
    """A deterministic package of ``source_dir``, uploaded unsigned and signed by one job."""

    #: Relative to the repo root, POSIX: what ``verify --source`` rebuilds.
    source_dir: str
    #: SHA-256 (hex) of the deterministic zip.
    package_sha256: str
    unsigned_object: S3Object
    signing_job: SignerSigningJob
    #: The job's signed object (Terraform tokens): what Lambda deploys.
    signed_bucket: str
    signed_key: str
    #: The built zip and SBOM on disk, and what the manifest records about the build.
    built: BuiltPackage

    @property
    def build(self) -> PackageBuild:
        return self.built.declaration


def function_build(function: FunctionConfig) -> BuildSpec:
    """How a function's package is built: for its runtime and its one architecture."""
    return BuildSpec(
        source=function.source_path,
        label=repo_relative(function.source_dir),
        runtimes=(function.runtime,),
        architecture=function.architectures[0],
        exclude=effective_excludes(function.exclude),
        npm_install_scripts=function.npm_install_scripts,
    )


def layer_build(config: StackConfig, layer: LayerConfig) -> BuildSpec:
    """A layer's dependencies are installed for the architecture of the functions that use it
    (x86_64 when none does); functions of both architectures can share a layer only when it
    installs nothing (no requirements.txt, no package lock)."""
    users = [fn for fn in config.functions if layer.key in fn.layers]
    architectures = sorted({fn.architectures[0] for fn in users}) or ["x86_64"]
    installs = any(
        (layer.source_path / name).is_file()
        for name in ("requirements.txt", "package-lock.json", "npm-shrinkwrap.json")
    )
    if len(architectures) > 1 and installs:
        by_architecture = ", ".join(
            f"{arch} ({', '.join(fn.key for fn in users if fn.architectures[0] == arch)})"
            for arch in architectures
        )
        raise ConfigError(
            f"layers[{layer.key!r}]",
            f"installs dependencies for one architecture, but is used by {by_architecture}: "
            "publish one layer per architecture",
        )
    return BuildSpec(
        source=layer.source_path,
        label=repo_relative(layer.source_dir),
        runtimes=layer.compatible_runtimes,
        architecture=architectures[0] if len(architectures) == 1 else "x86_64",
        layer=True,
        exclude=effective_excludes(layer.exclude),
        npm_install_scripts=layer.npm_install_scripts,
    )


def build(spec: BuildSpec, path: str, config_field: str) -> BuiltPackage:
    """Build (or take from the cache) one package; any problem is one ConfigError line."""
    try:
        return build_package(
            spec,
            PACKAGE_BUILD_DIR / f"{path}.zip",
            cache=BuildCache(PACKAGE_CACHE_DIR),
            tools=TOOLS,
        )
    except (PackageError, BuildUnavailable) as error:
        raise ConfigError(config_field, str(error)) from None


def sign_package(
    scope: Construct,
    *,
    config: StackConfig,
    bucket: ArtifactBucket,
    signing: CodeSigning,
    spec: BuildSpec,
    path: str,
    config_field: str,
) -> SignedPackage:
    """Build ``spec``, upload it to ``unsigned_prefix + path``, sign that object version into
    ``signed_prefix + path``. ``config_field`` names the source in a packaging error."""
    # 1. Package deterministically, so unchanged source never triggers a re-sign.
    package = build(spec, path, config_field)
    asset = TerraformAsset(scope, "package", path=str(package.path), type=AssetType.FILE)

    # 2. Upload the unsigned package under a content-addressed key; S3 gives it a version id.
    unsigned_object = S3Object(
        scope,
        "unsigned-package",
        bucket=bucket.name,
        key=f"{config.unsigned_prefix}{path}/{package.sha256_hex}.zip",
        source=asset.path,
        source_hash=package.sha256_hex,
        content_type="application/zip",
        depends_on=[bucket.versioning, bucket.encryption],
    )

    # 3. Sign exactly that object *version*; a failed job fails the apply.
    signing_job = SignerSigningJob(
        scope,
        "signing-job",
        profile_name=signing.profile.name,
        source=SignerSigningJobSource(
            s3=SignerSigningJobSourceS3(
                bucket=bucket.name,
                key=unsigned_object.key,
                version=unsigned_object.version_id,
            )
        ),
        destination=SignerSigningJobDestination(
            s3=SignerSigningJobDestinationS3(
                bucket=bucket.name,
                prefix=f"{config.signed_prefix}{path}/",
            )
        ),
        ignore_signing_job_failure=False,
    )
    signed = signing_job.signed_object.get(0).s3.get(0)
    return SignedPackage(
        source_dir=spec.label,
        package_sha256=package.sha256_hex,
        unsigned_object=unsigned_object,
        signing_job=signing_job,
        signed_bucket=signed.bucket,
        signed_key=signed.key,
        built=package,
    )


def check_handlers(functions: Sequence[Any], report: Callable[[str], None]) -> None:
    """The smoke check for every function (``verifier.package.smoke``): a missing module
    stops synth; the functions it could not check here are named on one line."""
    unchecked: dict[str, list[str]] = {}
    for fn in functions:
        config: FunctionConfig = fn.function_config
        layers = [layer.package.built.path for layer in fn.layers]
        try:
            result = smoke_check(
                label=fn.function_name,
                package=fn.package.built.path,
                layers=layers,
                handler=config.handler,
                runtime_name=config.runtime,
                architecture=config.architectures[0],
                environment=dict(config.environment),
                tools=TOOLS,
            )
        except PackageError as error:
            raise ConfigError(f"functions[{config.key!r}].handler", str(error)) from None
        if not result.checked and not result.note.endswith("not import-checked"):
            unchecked.setdefault(result.note, []).append(config.key)
    if unchecked:
        reasons = "; ".join(f"{', '.join(keys)} ({note})" for note, keys in unchecked.items())
        report(f"synth: handler import not checked for {reasons}")
