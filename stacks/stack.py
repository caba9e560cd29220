"""The stack: provider and backend, the shared bucket and signing, one SignedFunction each."""

from __future__ import annotations

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
from stacks.config import LAMBDA_SIGNING_PLATFORM, PROVIDER_VERSION_CONSTRAINT, StackConfig
from stacks.signed_function import SignedFunction

#: Version of the ``manifest`` output's shape, read by the verifier.
MANIFEST_SCHEMA_VERSION = 1


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
        functions = [
            SignedFunction(
                self, f"fn-{fn.key}", config=config, function=fn, bucket=bucket, signing=signing
            )
            for fn in config.functions
        ]

        # Everything the verifier needs, in one output with a versioned shape.
        TerraformOutput(
            self,
            "manifest",
            description="What the signed-lambda verifier checks (verifier reads this)",
            value={
                "schema_version": MANIFEST_SCHEMA_VERSION,
                "region": config.region,
                "bucket": bucket.name,
                "signing_profile_name": signing.profile.name,
                "signing_profile_version_arn": signing.profile.version_arn,
                "platform_id": LAMBDA_SIGNING_PLATFORM,
                "code_signing_config_arn": signing.config.arn,
                "expected_policy": config.untrusted_artifact_policy.value,
                "functions": {
                    fn.key: {
                        "function_name": fn.function.function_name,
                        "function_arn": fn.function.arn,
                        "signing_job_id": fn.signing_job.job_id,
                        "unsigned_key": fn.unsigned_object.key,
                        "unsigned_version": fn.unsigned_object.version_id,
                        "signed_bucket": fn.signed_bucket,
                        "signed_key": fn.signed_key,
                    }
                    for fn in functions
                },
            },
        )
