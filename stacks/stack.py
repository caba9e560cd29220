"""The stack: provider and backend, the shared bucket and signing, one SignedLayer and one
SignedFunction each, and the ``manifest`` output the verifier reads."""

from __future__ import annotations

import sys

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import (
    AwsProvider,
    AwsProviderDefaultTags,
    Construct,
    TerraformOutput,
    TerraformStack,
    s3_backend,
)
from stacks.code_signing import CodeSigning
from stacks.config import PROVIDER_VERSION_CONSTRAINT, StackConfig
from stacks.guardrails import DeployerPolicy
from stacks.packages import check_handlers
from stacks.signed_function import SignedFunction
from stacks.signed_layer import SignedLayer
from verifier.contract.manifest import OUTPUT_NAME, Manifest


class SignedLambdaStack(TerraformStack):
    def __init__(self, scope: Construct, id_: str, config: StackConfig) -> None:
        super().__init__(scope, id_)
        AwsProvider(
            self,
            "aws",
            region=config.region,
            s3_use_path_style=config.s3_use_path_style or None,
            default_tags=[AwsProviderDefaultTags(tags=dict(config.tags))],
        )
        # The bindings pin provider 6.x; widen so the mirrored 5.x works too.
        self.add_override("terraform.required_providers.aws.version", PROVIDER_VERSION_CONSTRAINT)
        if config.backend is not None:
            s3_backend(
                self,
                bucket=config.backend.bucket,
                key=config.backend.key,
                region=config.backend.region or config.region,
                use_lockfile=config.backend.use_lockfile,
                use_path_style=config.s3_use_path_style or None,
            )

        bucket = ArtifactBucket(self, "artifacts", config)
        signing = CodeSigning(self, "code-signing", config)
        if config.guardrails is not None:
            DeployerPolicy(
                self,
                "guardrails",
                config=config,
                guardrail_config=config.guardrails,
                bucket=bucket,
                signing=signing,
            )
        layers = {
            layer.key: SignedLayer(
                self,
                f"layer-{layer.key}",
                config=config,
                layer=layer,
                bucket=bucket,
                signing=signing,
            )
            for layer in config.layers
        }
        functions = [
            SignedFunction(
                self,
                f"fn-{fn.key}",
                config=config,
                function=fn,
                bucket=bucket,
                signing=signing,
                layers=layers,
            )
            for fn in config.functions
        ]
        # Each handler imported from its built package, where an interpreter here fits.
        check_handlers(functions, report=lambda line: print(line, file=sys.stderr))

        # Everything the verifier needs, in one output (its shape: verifier.contract.manifest).
        manifest = Manifest(
            region=config.region,
            bucket=bucket.name,
            signing_profile_name=signing.profile.name,
            signing_profile_version_arn=signing.profile.version_arn,
            code_signing_config_arn=signing.config.arn,
            expected_policy=config.untrusted_artifact_policy.value,
            functions=tuple(fn.manifest() for fn in functions),
            layers=tuple(layer.manifest() for layer in layers.values()),
        )
        TerraformOutput(
            self,
            OUTPUT_NAME,
            description="What the signed-lambda verifier checks (verifier.contract.manifest)",
            value=manifest.to_output(),
        )
