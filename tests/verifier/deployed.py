"""A signed deployment as the stack builds it, without Terraform, on the local AWS.

Source directories in a checkout, the stack's deterministic zips (``verifier.package``), and
the signed-world builder (:mod:`localaws.world`) for the rest: unsigned uploads, signing jobs,
a signed layer, a CSC, and a function from the signed object; then the stack's manifest and a
lock file (:mod:`localaws.world_outputs`). Tests change AWS out of band with the boto3 clients
and run the verifier CLI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from localaws import world_outputs
from localaws.world import (
    Function,
    FunctionSpec,
    LayerSpec,
    Profile,
    SignedArtifact,
    World,
    unique,
)
from verifier.contract.manifest import Manifest, PackageBuild
from verifier.package import BuildSpec, build_package

STACK = "signed-lambda"
HANDLER_SOURCE = "import shared_util\n\n\ndef handler(event, context):\n    return 'ok'\n"
LAYER_SOURCE = "def helper():\n    return 'shared'\n"


@dataclass
class SignedArtifactBuild:
    """A build of a source directory, signed."""

    artifact: SignedArtifact
    source_dir: str
    package: bytes
    #: How it was built, as the stack's manifest records it.
    build: PackageBuild

    @property
    def job(self) -> dict[str, Any]:
        return dict(self.artifact.job)

    @property
    def signed(self) -> dict[str, str]:
        return dict(self.artifact.signed_object)

    def manifest_fields(self) -> dict[str, str]:
        """What the manifest says of this build (job, objects, provenance)."""
        return world_outputs.artifact_fields(
            self.artifact, self.package, self.source_dir, self.build
        )


@dataclass
class Deployed:
    world: World
    checkout: Path
    profile: Profile
    csc_arn: str
    function: Function
    build: SignedArtifactBuild
    layer: SignedArtifactBuild
    layer_version_arn: str
    manifest: Manifest
    outputs_file: Path
    lock_file: Path

    @property
    def function_name(self) -> str:
        return self.function.name

    @property
    def job_id(self) -> str:
        return self.build.artifact.job_id

    def redeclare(self, build: SignedArtifactBuild) -> None:
        """The stack's outputs after a redeploy of the function from ``build``."""
        function = replace(self.manifest.functions[0], **build.manifest_fields())
        self.build = build
        self.manifest = replace(self.manifest, functions=(function,))
        self.write_outputs()

    def write_outputs(self, manifest: Manifest | None = None) -> None:
        world_outputs.write_outputs(self.outputs_file, STACK, manifest or self.manifest)

    def write_lock(self, *extra_arns: str, **changes: Any) -> None:
        """The lock ``make lock`` writes; ``changes`` replace fields."""
        world_outputs.write_lock(self.lock_file, STACK, self.manifest, keep=extra_arns, **changes)


def write_source(directory: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def build_source(checkout: Path, source_dir: str, scratch: Path) -> tuple[bytes, PackageBuild]:
    """The stack's deterministic package of ``checkout/source_dir`` (dependencies included),
    and how it was built."""
    spec = BuildSpec(
        source=checkout / source_dir, label=source_dir, layer=source_dir.startswith("layers/")
    )
    built = build_package(spec, scratch / f"{unique('pkg-')}.zip")
    return built.path.read_bytes(), built.declaration


def unsigned_key(package: bytes, key_prefix: str | None = None) -> str:
    """Content-addressed, as the stack's keys are: ``<prefix>/<sha256>.zip``."""
    prefix = key_prefix or f"unsigned/{unique('pkg-')}"
    return f"{prefix}/{hashlib.sha256(package).hexdigest()}.zip"


def sign_source(
    world: World,
    profile: Profile,
    checkout: Path,
    source_dir: str,
    scratch: Path,
    key_prefix: str | None = None,
) -> SignedArtifactBuild:
    """Deterministic zip of ``checkout/source_dir`` -> unsigned upload under ``key_prefix``
    -> signing job."""
    package, build = build_source(checkout, source_dir, scratch)
    artifact = world.sign(profile, package, key=unsigned_key(package, key_prefix))
    return SignedArtifactBuild(artifact, source_dir, package, build)


def deploy(
    world: World,
    tmp_path: Path,
    *,
    policy: str = "Enforce",
    allow_earlier_versions: bool = False,
    environment: dict[str, str] | None = None,
    function_files: dict[str, str] | None = None,
) -> Deployed:
    """One function using one layer, signed by a profile and CSC of their own;
    ``environment`` is set on the function and declared in the manifest; ``function_files``
    adds files to the function's source (a requirements.txt)."""
    checkout = tmp_path / "checkout"
    files = {"handler.py": HANDLER_SOURCE, **(function_files or {})}
    write_source(checkout / "functions" / "hello", files)
    write_source(checkout / "layers" / "shared", {"python/shared_util.py": LAYER_SOURCE})
    function_package, function_build = build_source(checkout, "functions/hello", tmp_path)
    layer_package, layer_build = build_source(checkout, "layers/shared", tmp_path)
    # Each artifact under its own prefix, as the stack's unsigned/<function>/ keys are.
    function_spec = FunctionSpec(
        package=function_package,
        handler="handler.handler",
        architectures=("x86_64",),
        layers=(0,),
        environment=environment,
        unsigned_key=unsigned_key(function_package, f"unsigned/{unique('hello-')}"),
    )
    layer_spec = LayerSpec(
        package=layer_package,
        name=unique("shared-"),
        unsigned_key=unsigned_key(layer_package, f"unsigned/layers/{unique('shared-')}"),
    )
    deployment = world.deployment(
        [function_spec], layers=[layer_spec], policy=policy, validity={"value": 365, "type": "DAYS"}
    )
    [function], [layer] = deployment.functions, deployment.layers
    manifest = world_outputs.manifest_of(
        deployment,
        functions=(
            world_outputs.function_manifest(
                "hello",
                function,
                function_spec,
                source_dir="functions/hello",
                layers=("shared",),
                allow_earlier_versions=allow_earlier_versions,
                build=function_build,
            ),
        ),
        layers=(
            world_outputs.layer_manifest(
                "shared", layer, layer_spec, source_dir="layers/shared", build=layer_build
            ),
        ),
    )
    deployed = Deployed(
        world=world,
        checkout=checkout,
        profile=deployment.profile,
        csc_arn=deployment.csc_arn,
        function=function,
        build=SignedArtifactBuild(
            function.artifact, "functions/hello", function_package, function_build
        ),
        layer=SignedArtifactBuild(layer.artifact, "layers/shared", layer_package, layer_build),
        layer_version_arn=layer.arn,
        manifest=manifest,
        outputs_file=tmp_path / "cdktf-outputs.json",
        lock_file=tmp_path / "signed-lambda.lock.json",
    )
    deployed.write_outputs()
    deployed.write_lock()
    return deployed
