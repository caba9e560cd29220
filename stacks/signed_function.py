"""One function, from source to signed deployment: package -> upload -> sign -> deploy."""

from __future__ import annotations

import json

from cdktf import AssetType, TerraformAsset
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from cdktf_cdktf_provider_aws.s3_object import S3Object
from cdktf_cdktf_provider_aws.signer_signing_job import (
    SignerSigningJob,
    SignerSigningJobDestination,
    SignerSigningJobDestinationS3,
    SignerSigningJobSource,
    SignerSigningJobSourceS3,
)
from constructs import Construct

from stacks.artifact_bucket import ArtifactBucket
from stacks.code_signing import CodeSigning
from stacks.config import REPO_ROOT, ConfigError, FunctionConfig, StackConfig
from verifier.package import PackageError, build_package

#: Where synth writes the deterministic zips before cdktf copies them into the stack's assets.
PACKAGE_BUILD_DIR = REPO_ROOT / "build" / "packages"


class SignedFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: StackConfig,
        function: FunctionConfig,
        bucket: ArtifactBucket,
        signing: CodeSigning,
    ) -> None:
        super().__init__(scope, id_)
        self.key = function.key
        self.function_name = config.function_name(function)

        # 1. Package deterministically, so unchanged source never triggers a re-sign.
        try:
            package = build_package(function.source_path, PACKAGE_BUILD_DIR / f"{function.key}.zip")
        except PackageError as error:
            raise ConfigError(f"functions[{function.key!r}].source_dir", str(error)) from None
        asset = TerraformAsset(self, "package", path=str(package.path), type=AssetType.FILE)

        # 2. Upload the unsigned package under a content-addressed key; S3 gives it a version id.
        self.unsigned_object = S3Object(
            self,
            "unsigned-package",
            bucket=bucket.name,
            key=f"{config.unsigned_prefix}{function.key}/{package.sha256_hex}.zip",
            source=asset.path,
            source_hash=package.sha256_hex,
            content_type="application/zip",
            depends_on=[bucket.versioning, bucket.encryption],
        )

        # 3. Sign exactly that object *version*; a failed job fails the apply.
        self.signing_job = SignerSigningJob(
            self,
            "signing-job",
            profile_name=signing.profile.name,
            source=SignerSigningJobSource(
                s3=SignerSigningJobSourceS3(
                    bucket=bucket.name,
                    key=self.unsigned_object.key,
                    version=self.unsigned_object.version_id,
                )
            ),
            destination=SignerSigningJobDestination(
                s3=SignerSigningJobDestinationS3(
                    bucket=bucket.name,
                    prefix=f"{config.signed_prefix}{function.key}/",
                )
            ),
            ignore_signing_job_failure=False,
        )
        signed = self.signing_job.signed_object.get(0).s3.get(0)
        self.signed_bucket = signed.bucket
        self.signed_key = signed.key

        # 4. Least privilege: the function may only write its own logs.
        self.log_group = CloudwatchLogGroup(
            self,
            "log-group",
            name=f"/aws/lambda/{self.function_name}",
            retention_in_days=config.log_retention_days,
        )
        self.role = IamRole(
            self,
            "role",
            name=f"{self.function_name}-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        self.role_policy = IamRolePolicy(
            self,
            "logs-policy",
            name="write-own-logs",
            role=self.role.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": f"{self.log_group.arn}:*",
                        }
                    ],
                }
            ),
        )

        # 5. Deploy the signed object under the code signing config.
        environment = (
            LambdaFunctionEnvironment(variables=dict(function.environment))
            if function.environment
            else None
        )
        self.function = LambdaFunction(
            self,
            "function",
            function_name=self.function_name,
            role=self.role.arn,
            handler=function.handler,
            runtime=function.runtime,
            memory_size=function.memory_mb,
            timeout=function.timeout_seconds,
            s3_bucket=self.signed_bucket,
            s3_key=self.signed_key,
            code_signing_config_arn=signing.config.arn,
            environment=environment,
            depends_on=[self.log_group, self.role_policy],
        )
