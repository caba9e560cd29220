"""One layer, from source to a published, signed layer version: package -> upload -> sign ->
publish. Functions list the layer versions they use; Lambda checks their signatures too."""

from __future__ import annotations

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import (
    Construct,
    LambdaLayerVersion,
)
from stacks.code_signing import CodeSigning
from stacks.config import LayerConfig, StackConfig
from stacks.packages import layer_build
from stacks.signed_package import sign_package
from verifier.contract.manifest import LayerManifest

#: Layer packages live beside function packages, under their own sub-prefix.
LAYER_PATH = "layers"


class SignedLayer(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: StackConfig,
        layer: LayerConfig,
        bucket: ArtifactBucket,
        signing: CodeSigning,
    ) -> None:
        super().__init__(scope, id_)
        self.key = layer.key
        self.layer_name = config.layer_name(layer)

        # 1-3. Package, upload unsigned, sign that object version.
        self.package = sign_package(
            self,
            config=config,
            bucket=bucket,
            signing=signing,
            spec=layer_build(config, layer),
            path=f"{LAYER_PATH}/{layer.key}",
            config_field=f"layers[{layer.key}].source_dir",
        )

        # 4. Publish a layer version from the job's signed object. New code means a new
        # signed key, so Terraform publishes a new version (layer versions are immutable).
        self.layer_version = LambdaLayerVersion(
            self,
            "layer-version",
            layer_name=self.layer_name,
            description=layer.description or None,
            compatible_runtimes=list(layer.compatible_runtimes),
            compatible_architectures=list(layer.compatible_architectures) or None,
            s3_bucket=self.package.signed_bucket,
            s3_key=self.package.signed_key,
        )

    def manifest(self) -> LayerManifest:
        """This layer's entry in the stack's ``manifest`` output."""
        return LayerManifest(
            key=self.key,
            layer_name=self.layer_version.layer_name,
            layer_version_arn=self.layer_version.arn,
            signing_job_id=self.package.signing_job.job_id,
            unsigned_key=self.package.unsigned_object.key,
            unsigned_version=self.package.unsigned_object.version_id,
            signed_bucket=self.package.signed_bucket,
            signed_key=self.package.signed_key,
            source_dir=self.package.source_dir,
            package_sha256=self.package.package_sha256,
            package=self.package.build,
        )
