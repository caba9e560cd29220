"""A signed deployment built with boto3 against the local AWS, as the stack builds it.

The stack's recipe, without Terraform: source directories in a checkout, deterministic zips,
unsigned uploads, signing jobs, a signed layer, a CSC, and a function from the signed object;
then the stack's manifest (through ``verifier.contract.manifest``, the one contract) and a
lock file.
Tests change AWS out of band with the boto3 clients and run the verifier CLI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tests.localaws.localaws_support import Profile, SigningWorld, unique
from verifier.contract import lock as lock_module
from verifier.contract.manifest import FunctionManifest, LayerManifest, Manifest, PackageBuild
from verifier.package import BuildSpec, build_package

STACK = "signed-lambda"
HANDLER_SOURCE = "import shared_util\n\n\ndef handler(event, context):\n    return 'ok'\n"
LAYER_SOURCE = "def helper():\n    return 'shared'\n"


@dataclass
class SignedArtifactBuild:
    job: dict[str, Any]
    source_dir: str
    sha256_hex: str
    #: How it was built, as the stack's manifest records it.
    package: PackageBuild

    @property
    def signed(self) -> dict[str, str]:
        return dict(self.job["signedObject"]["s3"])


@dataclass
class Deployed:
    world: SigningWorld
    checkout: Path
    profile: Profile
    csc_arn: str
    function: dict[str, Any]
    build: SignedArtifactBuild
    layer: SignedArtifactBuild
    layer_version_arn: str
    manifest: Manifest
    outputs_file: Path
    lock_file: Path

    @property
    def function_name(self) -> str:
        return str(self.function["FunctionName"])

    @property
    def job_id(self) -> str:
        return str(self.build.job["jobId"])

    def write_outputs(self, manifest: Manifest | None = None) -> None:
        document = {STACK: {"manifest": (manifest or self.manifest).to_output()}}
        self.outputs_file.write_text(json.dumps(document, indent=2, default=str))

    def write_lock(self, *extra_arns: str, **changes: Any) -> None:
        """The lock ``make lock`` writes; ``changes`` replace fields (a lock pinning another
        account or region pins profile versions there too, as a real one would)."""
        entry = lock_module.entry_from_manifest(STACK, self.manifest, keep=extra_arns)
        entry = replace(entry, **changes)
        arns = tuple(
            arn.replace(f":{self.manifest.region}:", f":{entry.region}:").replace(
                f":{lock_module.account_of(self.csc_arn)}:", f":{entry.account_id}:"
            )
            for arn in entry.signing_profile_version_arns
        )
        entry = replace(entry, signing_profile_version_arns=arns)
        self.lock_file.write_text(lock_module.render((entry,)))


def write_source(directory: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def sign_source(
    world: SigningWorld, profile: Profile, checkout: Path, source_dir: str, scratch: Path
) -> SignedArtifactBuild:
    """Deterministic zip of ``checkout/source_dir`` -> unsigned upload -> signing job."""
    spec = BuildSpec(
        source=checkout / source_dir, label=source_dir, layer=source_dir.startswith("layers/")
    )
    package = build_package(spec, scratch / f"{unique('pkg-')}.zip")
    job = world.sign(profile, package.path.read_bytes())
    return SignedArtifactBuild(
        job=job,
        source_dir=source_dir,
        sha256_hex=package.sha256_hex,
        package=package.declaration,
    )


def deploy(
    world: SigningWorld,
    tmp_path: Path,
    *,
    policy: str = "Enforce",
    allow_earlier_versions: bool = False,
    environment: dict[str, str] | None = None,
    code_loading_environment: dict[str, str] | None = None,
    function_files: dict[str, str] | None = None,
) -> Deployed:
    """One function using one layer, each signed by a profile and CSC of its own;
    ``function_files`` adds files to the function's source (a requirements.txt)."""
    checkout = tmp_path / "checkout"
    write_source(
        checkout / "functions" / "hello", {"handler.py": HANDLER_SOURCE, **(function_files or {})}
    )
    write_source(checkout / "layers" / "shared", {"python/shared_util.py": LAYER_SOURCE})
    profile = world.profile({"value": 365, "type": "DAYS"})
    csc_arn = world.csc(policy, [profile.version_arn])
    build = sign_source(world, profile, checkout, "functions/hello", tmp_path)
    layer = sign_source(world, profile, checkout, "layers/shared", tmp_path)
    layer_version = world.c.lambda_.publish_layer_version(
        LayerName=unique("shared-"),
        Content={"S3Bucket": layer.signed["bucketName"], "S3Key": layer.signed["key"]},
        CompatibleRuntimes=["python3.12"],
    )
    variables = {**(environment or {}), **(code_loading_environment or {})}
    function = world.create_function(
        {"S3Bucket": build.signed["bucketName"], "S3Key": build.signed["key"]},
        csc_arn,
        Handler="handler.handler",
        Architectures=["x86_64"],
        Layers=[layer_version["LayerVersionArn"]],
        **({"Environment": {"Variables": variables}} if variables else {}),
    )

    def artifact(item: SignedArtifactBuild) -> dict[str, Any]:
        source = item.job["source"]["s3"]
        return {
            "signing_job_id": item.job["jobId"],
            "unsigned_key": source["key"],
            "unsigned_version": source["version"],
            "signed_bucket": item.signed["bucketName"],
            "signed_key": item.signed["key"],
            "source_dir": item.source_dir,
            "package_sha256": item.sha256_hex,
            "package": item.package,
        }

    manifest = Manifest(
        region=world.c.lambda_.meta.region_name,
        bucket=world.bucket,
        signing_profile_name=profile.name,
        signing_profile_version_arn=profile.version_arn,
        code_signing_config_arn=csc_arn,
        expected_policy=policy,
        functions=(
            FunctionManifest(
                key="hello",
                function_name=function["FunctionName"],
                function_arn=function["FunctionArn"],
                handler="handler.handler",
                runtime="python3.12",
                architectures=("x86_64",),
                layers=("shared",),
                code_loading_environment=tuple(sorted((code_loading_environment or {}).items())),
                allow_earlier_versions=allow_earlier_versions,
                **artifact(build),
            ),
        ),
        layers=(
            LayerManifest(
                key="shared",
                layer_name=layer_version["LayerArn"].rsplit(":", 1)[-1],
                layer_version_arn=layer_version["LayerVersionArn"],
                **artifact(layer),
            ),
        ),
    )
    deployed = Deployed(
        world=world,
        checkout=checkout,
        profile=profile,
        csc_arn=csc_arn,
        function=function,
        build=build,
        layer=layer,
        layer_version_arn=layer_version["LayerVersionArn"],
        manifest=manifest,
        outputs_file=tmp_path / "cdktf-outputs.json",
        lock_file=tmp_path / "signed-lambda.lock.json",
    )
    deployed.write_outputs()
    deployed.write_lock()
    return deployed
