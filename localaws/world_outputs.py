"""A built world as the stack declares it: the outputs file ``cdktf deploy`` writes (the
``manifest`` output) and the lock ``make lock`` writes, through the one contract module
(:mod:`verifier.contract`), so the verifier reads them as it reads a real stack's.

For the tests (tests/verifier/deployed.py) and ``make bench`` (scripts/bench.py); the builder
itself (:mod:`localaws.world`) knows nothing of the verifier.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from localaws.world import Deployment, Function, FunctionSpec, Layer, LayerSpec, SignedArtifact
from verifier.contract import lock as lock_module
from verifier.contract.manifest import (
    OUTPUT_NAME,
    FunctionManifest,
    LayerManifest,
    Manifest,
    PackageBuild,
    environment_digest,
)


def artifact_fields(
    artifact: SignedArtifact,
    package: bytes,
    source_dir: str,
    build: PackageBuild | None = None,
) -> dict[str, Any]:
    """The manifest's fields for one signed package: its job, unsigned object version, signed
    object, and provenance (the source directory, the package's SHA-256, and how it was built:
    ``build``, else what a bare directory builds as)."""
    source, signed = artifact.source, artifact.signed_object
    return {
        **({"package": build} if build is not None else {}),
        "signing_job_id": artifact.job_id,
        "unsigned_key": source["key"],
        "unsigned_version": source["version"],
        "signed_bucket": signed["bucketName"],
        "signed_key": signed["key"],
        "source_dir": source_dir,
        "package_sha256": hashlib.sha256(package).hexdigest(),
    }


def function_manifest(
    key: str,
    function: Function,
    spec: FunctionSpec,
    *,
    source_dir: str,
    layers: tuple[str, ...] = (),
    allow_earlier_versions: bool = False,
    build: PackageBuild | None = None,
) -> FunctionManifest:
    """The manifest entry of a function deployed from ``spec`` (``layers``: the keys of the
    layers it uses). Its environment is declared as it was deployed."""
    return FunctionManifest(
        key=key,
        function_name=function.name,
        function_arn=function.arn,
        handler=spec.handler,
        runtime=spec.runtime,
        architectures=spec.architectures or ("x86_64",),
        layers=layers,
        environment=tuple(
            sorted(
                (name, environment_digest(value))
                for name, value in (spec.environment or {}).items()
            )
        ),
        allow_earlier_versions=allow_earlier_versions,
        publish=False,
        alias=None,
        **artifact_fields(function.artifact, spec.package, source_dir, build),
    )


def layer_manifest(
    key: str,
    layer: Layer,
    spec: LayerSpec,
    *,
    source_dir: str,
    build: PackageBuild | None = None,
) -> LayerManifest:
    return LayerManifest(
        key=key,
        layer_name=layer.name,
        layer_version_arn=layer.arn,
        **artifact_fields(layer.artifact, spec.package, source_dir, build),
    )


def manifest_of(
    deployment: Deployment,
    functions: tuple[FunctionManifest, ...],
    layers: tuple[LayerManifest, ...] = (),
) -> Manifest:
    """The stack's ``manifest`` output for ``deployment``."""
    world = deployment.world
    return Manifest(
        region=world.region,
        bucket=world.bucket,
        signing_profile_name=deployment.profile.name,
        signing_profile_version_arn=deployment.profile.version_arn,
        code_signing_config_arn=deployment.csc_arn,
        expected_policy=deployment.policy,
        functions=functions,
        layers=layers,
    )


def write_outputs(path: Path, stack: str, manifest: Manifest) -> Path:
    """``cdktf-outputs.json`` as ``cdktf deploy --outputs-file`` writes it."""
    document = {stack: {OUTPUT_NAME: manifest.to_output()}}
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def write_lock(
    path: Path, stack: str, manifest: Manifest, *, keep: tuple[str, ...] = (), **changes: Any
) -> Path:
    """The lock ``make lock`` writes for ``manifest`` (``keep``: more trusted profile
    versions). ``changes`` replace fields; a lock moved to another account or region pins
    its profile versions there too, as a real one would."""
    entry = replace(lock_module.entry_from_manifest(stack, manifest, keep=keep), **changes)
    account = lock_module.account_of(manifest.code_signing_config_arn)
    arns = tuple(
        arn.replace(f":{manifest.region}:", f":{entry.region}:").replace(
            f":{account}:", f":{entry.account_id}:"
        )
        for arn in entry.signing_profile_version_arns
    )
    entry = replace(entry, signing_profile_version_arns=arns)
    path.write_text(lock_module.render((entry,)))
    return path
